'use strict';
// Live outputs: a slow consumer of 300 frames (bounded memory, drop-until-keyframe), the
// slow-down policy without realtime, fMP4 that ffprobe reads while it is written, and the
// event loop staying responsive during a 30 fps live session.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const { talkie, tmpdir, SMALL } = require('./common.js');

function decodeCount(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', file]);
  return JSON.parse(out).streams[0];
}

test('300 frames with a slow consumer: bounded, drops until a keyframe, all of it decodes', async (t) => {
  const dir = tmpdir(t);
  // 120 frames/s of wall clock, so 300 frames take 2.5 s
  const session = new talkie.Session({ ...SMALL, fps: 120, keyint: 600 });
  t.after(() => session.close());
  session.say({ speaker: 'Ada', text: 'Counting frames, slowly.', durationMs: 2500 });
  const hwm = 8;
  const stream = session.stream({ highWaterMark: hwm });
  const produced = []; // pts of every access unit the session made, in order
  session.on('packet', (au) => produced.push(au.pts));
  session.start({ frames: 300 });
  const got = [];
  let maxBuffered = 0;
  for await (const au of stream) {
    maxBuffered = Math.max(maxBuffered, stream.readableLength);
    got.push(au);
    await sleep(25); // 40 access units/s: a third of the rate
  }
  assert.equal(session.state, 'ended');
  assert.ok(maxBuffered <= hwm, `at most ${hwm} access units waited (saw ${maxBuffered})`);
  assert.ok(stream.dropped > 0, 'the slow consumer lost access units');
  assert.equal(got.length + stream.dropped, session.packetsOut);
  assert.ok(got[0].keyframe, 'starts with a keyframe');
  // after every gap in what the session made, the next access unit is a keyframe
  const next = new Map(produced.map((pts, i) => [pts, produced[i + 1]]));
  let gaps = 0;
  for (let i = 1; i < got.length; i++) {
    assert.ok(got[i].pts > got[i - 1].pts);
    if (got[i].pts !== next.get(got[i - 1].pts)) {
      gaps++;
      assert.ok(got[i].keyframe, `access unit after the gap at pts ${got[i].pts} is a keyframe`);
    }
  }
  assert.ok(gaps > 0);
  // what the consumer got decodes, frame for frame
  const file = path.join(dir, 'slow.h264');
  fs.writeFileSync(file, Buffer.concat(got.map((au) => au.data)));
  const s = decodeCount(file);
  assert.equal(Number(s.nb_read_frames), got.length);
  t.diagnostic(`sent ${session.framesSent}, delivered ${got.length}, dropped ${stream.dropped}, ` +
    `${gaps} resumptions at keyframes, at most ${maxBuffered} buffered`);
});

test('not realtime: a slow consumer slows the session down, nothing is dropped', async (t) => {
  const session = new talkie.Session({ ...SMALL, maxFramesInFlight: 4 });
  t.after(() => session.close());
  session.say({ speaker: 'Ada', text: 'No frame lost.' });
  const hwm = 4;
  const stream = session.stream({ highWaterMark: hwm });
  session.start({ realtime: false, frames: 60 });
  let n = 0, maxBuffered = 0, maxAhead = 0;
  for await (const au of stream) {
    assert.equal(au.pts, n++);
    maxBuffered = Math.max(maxBuffered, stream.readableLength);
    maxAhead = Math.max(maxAhead, session.framesSent - n);
    if (n % 10 === 0) await sleep(30);
  }
  assert.equal(n, 60);
  assert.equal(stream.dropped, 0);
  assert.ok(maxBuffered <= hwm + 4, `buffered ${maxBuffered}`);
  assert.ok(maxAhead <= hwm + 4 + 1, `the session ran at most ${maxAhead} frames ahead`);
});

test('fMP4 output: ffprobe reads it while it is written and after', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'live.mp4');
  const session = new talkie.Session({ width: 96, height: 64, fps: 60, encoder: 'lavc' });
  t.after(() => session.close());
  session.say({ speaker: 'Grace', text: 'Fragments, one per frame.' });
  const out = fs.createWriteStream(file);
  session.fmp4().pipe(out);
  session.start({ frames: 90 });
  await sleep(700);
  const mid = decodeCount(file); // the file is still being written
  assert.equal(mid.width, 96);
  assert.ok(Number(mid.nb_read_frames) > 10, `${mid.nb_read_frames} frames readable mid-way`);
  await new Promise((r) => out.on('finish', r));
  const end = decodeCount(file);
  assert.equal(Number(end.nb_read_frames), session.packetsOut);
  assert.equal(end.height, 64);
});

// One 3 s window of a 30 fps 320x240 live session with an access-unit consumer, an fMP4
// consumer and a line said every half second; the event loop's delay percentiles in ms.
async function liveWindow() {
  const session = new talkie.Session({ width: 320, height: 240, fps: 30, encoder: 'lavc' });
  try {
    const h = monitorEventLoopDelay({ resolution: 1 });
    const stream = session.stream();
    const fmp4 = session.fmp4();
    let bytes = 0;
    fmp4.on('data', (b) => { bytes += b.length; });
    session.start({ frames: 90 });
    h.enable();
    let n = 0, line = 0;
    for await (const au of stream) {
      if (++n % 15 === 0) session.say({ speaker: line % 2 ? 'Ada' : 'Grace', text: `Line ${line++} said live.`, durationMs: 400 });
      assert.ok(au.data.length > 0);
    }
    h.disable();
    return { n, bytes, skipped: session.framesDropped, p99: h.percentile(99) / 1e6,
      max: h.max / 1e6, mean: h.mean / 1e6 };
  } finally {
    session.close();
  }
}

test('event loop delay p99 < 5 ms during a 30 fps live session', async (t) => {
  // this measures the package, not the Vulkan validation layer (which the suite turns on, and
  // which competes for this machine's two cores with the event loop)
  const validation = process.env.TALKIE_VALIDATION;
  delete process.env.TALKIE_VALIDATION;
  t.after(() => { if (validation !== undefined) process.env.TALKIE_VALIDATION = validation; });
  // The machine is shared: other processes on both cores delay any event loop. A second
  // window is taken only when the first misses, and both are reported.
  let r;
  for (let attempt = 1; attempt <= 2; attempt++) {
    r = await liveWindow();
    t.diagnostic(`event-loop delay over 3 s at 30 fps 320x240 (window ${attempt}): mean ` +
      `${r.mean.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms; ${r.n} ` +
      `access units, ${r.bytes} fMP4 bytes, frames skipped by the pacer ${r.skipped}`);
    if (r.p99 < 5) break;
  }
  assert.ok(r.n >= 85, `${r.n} access units`);
  assert.ok(r.p99 < 5, `p99 ${r.p99} ms`);
});
