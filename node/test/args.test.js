'use strict';
// Every bad argument gets its error (TypeError for a wrong type, RangeError for a value out of
// range, an Error with talkie's code from the library), and none crashes the process.
const test = require('node:test');
const assert = require('node:assert/strict');
const { talkie, SMALL, hasModule } = require('./common.js');
const native = require('../lib/native.js');

const T = TypeError, R = RangeError;

test('Session options', () => {
  const bad = [
    [null, T], ['320x240', T], [{ width: '320' }, T], [{ width: 15 }, R], [{ width: 4098 }, R],
    [{ width: 321 }, R], [{ height: 1.5 }, R], [{ fps: 0 }, R], [{ fps: '30' }, T],
    [{ fps: NaN }, R], [{ fps: { num: 0, den: 1 } }, R], [{ encoder: 'x265' }, R],
    [{ encoder: 3 }, T], [{ qp: 52 }, R], [{ qp: -1 }, R], [{ bitrate: 10 }, R],
    [{ bitrate: 1e6, qp: 20 }, T], [{ context: {} }, T], [{ signal: {} }, T],
    [{ maxFramesInFlight: 0 }, R], [{ maxFramesInFlight: 64 }, R], [{ device: {} }, T],
    [{ device: -1 }, R], [{ logLevel: 'loud' }, R], [{ font: 12 }, T], [{ keyint: -1 }, R],
    [{ sliceRows: 257 }, R], [{ sliceRows: 1.5 }, R], [{ pFrames: 'yes' }, T],
    [{ textQpOffset: -13 }, R], [{ textQpOffset: 1 }, R], [{ textQpOffset: -1.5 }, R],
    [{ textQpOffset: '-6' }, T],
    [{ intraRefresh: -1 }, R], [{ intraRefresh: 1001 }, R], [{ intraRefresh: 2.5 }, R],
    [{ intraRefresh: '30' }, T],
  ];
  for (const [opts, type] of bad)
    assert.throws(() => new talkie.Session(opts), type, JSON.stringify(opts));
  assert.throws(() => new talkie.Session({ ...SMALL, signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.throws(() => new talkie.Session({ ...SMALL, font: '/nonexistent/font.ttf' }),
    (e) => e instanceof Error && typeof e.code === 'string' && e.code.length > 0);
  assert.throws(() => new talkie.Session({ ...SMALL, encoder: 'vkvideo' }),
    { code: 'TALKIE_ERROR_UNSUPPORTED' });
});

test('Context options', () => {
  for (const [opts, type] of [[5, T], [{ maxBatchFrames: 0 }, R], [{ cpuThreads: -1 }, R],
    [{ pipelineCachePath: 1 }, T], [{ device: true }, T]])
    assert.throws(() => new talkie.Context(opts), type);
  assert.throws(() => new talkie.Context({ device: 7 }), { code: 'TALKIE_ERROR_NO_DEVICE' });
  const ctx = new talkie.Context();
  ctx.close();
  ctx.close();
  assert.throws(() => new talkie.Session({ ...SMALL, context: ctx }), R);
});

test('say, setBitrate, start, stream', () => {
  const s = new talkie.Session(SMALL);
  const bad = [
    [() => s.say(), T], [() => s.say('hi'), T], [() => s.say({ speaker: 'A' }), T],
    [() => s.say({ speaker: 1, text: 'x' }), T], [() => s.say({ speaker: '', text: 'x' }), R],
    [() => s.say({ speaker: 'A', text: '' }), R], [() => s.say({ speaker: 'A'.repeat(65), text: 'x' }), R],
    [() => s.say({ speaker: 'A', text: 'x'.repeat(4097) }), R],
    [() => s.say({ speaker: 'A', text: 'x', durationMs: 0 }), R],
    [() => s.say({ speaker: 'A', text: 'x', durationMs: 3600001 }), R],
    [() => s.say({ speaker: 'A', text: 'x', startMs: -5 }), R],
    [() => s.say({ speaker: 'A', text: 'x', startMs: 1.5 }), R],
    [() => s.say({ speaker: 'A', text: 'x', start: 'now' }), T],
    [() => s.setBitrate('1M'), T], [() => s.setBitrate(1), R], [() => s.setBitrate(1e12), R],
    [() => s.start({ realtime: 'yes' }), T], [() => s.start({ frames: 0 }), R],
    [() => s.start(1), T], [() => s.stream({ highWaterMark: 0 }), R], [() => s.fmp4(3), T],
  ];
  for (const [fn, type] of bad) assert.throws(fn, type, fn.toString());
  // invalid UTF-8 cannot come from JS; a lone surrogate becomes U+FFFD and is accepted
  s.say({ speaker: 'A', text: 'x\uD800' });
  // lavc at a constant QP cannot switch to a bitrate: talkie's error, with its name
  assert.throws(() => s.setBitrate(500000), { code: 'TALKIE_ERROR_UNSUPPORTED' });
  s.close();
  s.close();
  const b = new talkie.Session({ ...SMALL, bitrate: 300000 });
  b.setBitrate(150000); // a session run by bitrate switches at the next frame
  b.close();
  assert.throws(() => s.say({ speaker: 'A', text: 'x' }), { code: 'ERR_TALKIE_CLOSED' });
  assert.throws(() => s.requestKeyframe(), { code: 'ERR_TALKIE_CLOSED' });
  assert.throws(() => s.start(), { code: 'ERR_TALKIE_CLOSED' });
});

test('render arguments', async () => {
  await assert.rejects(talkie.render('conv.jsonl', { output: 'x.mp4' }), T);
  await assert.rejects(talkie.render([], {}), T);
  await assert.rejects(talkie.render([{ speaker: 'A' }], { output: 'x.mp4' }), T);
  await assert.rejects(talkie.render([], { output: 'x.mp4', onProgress: 1 }), T);
  await assert.rejects(talkie.render([], { output: 'x.mp4', signal: 'stop' }), T);
  await assert.rejects(talkie.render([], { output: 'x.mp4', width: 1 }), R);
  await assert.rejects(talkie.render([], { output: 'x.mp4', tailMs: -1 }), R);
});

test('the native classes refuse what they are not given', () => {
  const s = new talkie.Session(SMALL);
  const fake = {};
  for (const m of ['close', 'say', 'sendFrame', 'requestKeyframe', 'setBitrate', 'streamInfo',
    'endMs', 'renderFile'])
    assert.throws(() => native.NativeSession.prototype[m].call(fake), T, m);
  assert.throws(() => native.NativeContext.prototype.stats.call(s._native), T);
  assert.throws(() => new native.NativeSession(), T);
  assert.throws(() => new native.NativeSession({}, 5), T);
  assert.throws(() => new native.NativeSession({ width: 'x' }), T);
  assert.throws(() => new native.NativeSession({ context: s._native }), T);
  assert.throws(() => s._native.say('A', 'x'), T);
  assert.throws(() => s._native.say('A', 'x', '0', 5), T);
  assert.throws(() => s._native.sendFrame(), T);
  assert.throws(() => s._native.renderFile('x.mp4', null, 10, undefined), { code: 'EINVAL' });
  // frames must increase: the library's EINVAL
  const live = new native.NativeSession({ width: 64, height: 48, encoder: 3 }, () => {});
  assert.equal(live.sendFrame(5), true);
  assert.throws(() => live.sendFrame(5), { code: 'EINVAL' });
  live.close();
  live.close();
  assert.throws(() => live.sendFrame(6), { code: 'EINVAL' });
  s.close();
});

test('WhepEndpoint arguments', { skip: !hasModule('werift') && 'werift is not installed' }, async () => {
  const { WhepEndpoint } = require('../lib/webrtc.js');
  assert.throws(() => new WhepEndpoint({}), T);
  const s = new talkie.Session(SMALL);
  assert.throws(() => new WhepEndpoint(s, { path: 'whep' }), T);
  const w = new WhepEndpoint(s);
  await assert.rejects(w.answer('not sdp'), T);
  await assert.rejects(w.answer(42), T);
  s.close();
  await assert.rejects(w.answer('v=0\r\n'), /closed/);
});
