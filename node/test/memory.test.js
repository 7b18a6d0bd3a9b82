'use strict';
// 10,000 frames in one process (64x48, lavc), after 5,000 of warm-up: RSS grows by no more than
// a few MB.
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const { talkie, SMALL } = require('./common.js');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const MEASURED = Number(process.env.TALKIE_MEMORY_FRAMES || 10000);
const WARM_UP = 5000; // V8's heap, malloc's per-thread arenas and the driver settle by then
const FRAMES = WARM_UP + MEASURED;


test(`${MEASURED} frames: RSS flat after warm-up`, { timeout: 240000 }, async (t) => {
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
    // a full GC every 1000 frames: the packets' Buffers are garbage that V8 collects when it
    // likes, and RSS between its collections saws by ~8 MB (malloc keeps what they freed)
    if (n % 1000 === 0) gc();
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
