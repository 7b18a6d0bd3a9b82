'use strict';
// 10,000 frames in one process (64x48, lavc): RSS after warm-up grows by no more than a few MB.
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const { talkie, SMALL } = require('./common.js');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const WARM_UP = 2500; // V8's heap and the allocators settle by then

const FRAMES = Number(process.env.TALKIE_MEMORY_FRAMES || 10000);

test(`${FRAMES} frames: RSS flat after warm-up`, { timeout: 240000 }, async (t) => {
  const session = new talkie.Session({ ...SMALL, keyint: 60 });
  t.after(() => session.close());
  const stream = session.stream({ highWaterMark: 16 });
  session.start({ realtime: false, frames: FRAMES });
  let n = 0, bytes = 0, warm = 0;
  const t0 = process.hrtime.bigint();
  let tWarm = t0;
  for await (const au of stream) {
    n++;
    bytes += au.data.length;
    if (n % 200 === 0) session.say({ speaker: n % 400 ? 'Ada' : 'Grace', text: `Line ${n}`, durationMs: 3000 });
    if (n === WARM_UP) {
      gc();
      warm = process.memoryUsage().rss;
      tWarm = process.hrtime.bigint();
    }
  }
  gc();
  const grew = (process.memoryUsage().rss - warm) / 2 ** 20;
  const secs = Number(process.hrtime.bigint() - tWarm) / 1e9;
  t.diagnostic(`${n} frames, ${bytes} bytes; RSS after warm-up (frame ${WARM_UP}) grew by ` +
    `${grew.toFixed(2)} MiB; ${((n - WARM_UP) / secs).toFixed(0)} frames/s after warm-up`);
  assert.equal(n, FRAMES);
  assert.ok(grew < 4, `RSS grew by ${grew} MiB`);
});
