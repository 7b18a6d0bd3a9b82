'use strict';
// render(): a short conversation to MP4, checked with ffprobe (frames, size, timestamps);
// aborting leaves no file and no open descriptors; errors carry talkie's error names.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { talkie, tmpdir, SMALL } = require('./common.js');

const CONVERSATION = [
  { speaker: 'Ada', text: 'Hello, Grace!', start: 0, duration: 0.5 },
  { speaker: 'Grace', text: 'Hello, Ada.', startMs: 600, durationMs: 400 },
];

function probe(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height,nb_read_frames,avg_frame_rate:packet=pts_time',
    '-of', 'json', file]);
  return JSON.parse(out);
}

function openFds() { return fs.readdirSync('/proc/self/fd').length; }

test('render writes an MP4 with the right frames, size and timestamps', async (t) => {
  const dir = tmpdir(t);
  const output = path.join(dir, 'out.mp4');
  let progress = 0;
  const result = await talkie.render(CONVERSATION, {
    ...SMALL, output, onProgress: (p) => { progress = p.frames; assert.ok(p.totalFrames >= p.frames); },
  });
  // lines until 1.0 s, plus one second: 2 s at 30 fps
  assert.equal(result.frames, 60);
  const info = probe(output);
  const s = info.streams[0];
  assert.equal(s.codec_name, 'h264');
  assert.equal(s.width, 64);
  assert.equal(s.height, 48);
  assert.equal(Number(s.nb_read_frames), 60);
  assert.equal(s.avg_frame_rate, '30/1');
  const pts = info.packets.map((p) => Number(p.pts_time)).sort((a, b) => a - b);
  pts.forEach((v, i) => assert.ok(Math.abs(v - i / 30) < 1e-3, `frame ${i} at ${v}`));
  assert.ok(progress > 0);
  assert.deepEqual(fs.readdirSync(dir), ['out.mp4']);
});

test('render with an AbortSignal rejects with AbortError and leaves nothing', async (t) => {
  const dir = tmpdir(t);
  const output = path.join(dir, 'long.mp4');
  const long = [{ speaker: 'Ada', text: 'A very long line.', durationMs: 600000 }];
  const fds = openFds();
  for (let i = 0; i < 3; i++) {
    const ac = new AbortController();
    const p = talkie.render(long, { ...SMALL, output, signal: ac.signal,
      onProgress: ({ frames }) => { if (frames >= 20) ac.abort(); } });
    await assert.rejects(p, (err) => err.name === 'AbortError' && err.code === 'ABORT_ERR');
    assert.deepEqual(fs.readdirSync(dir), [], 'no partial file stays');
  }
  // already aborted: rejected before anything starts
  await assert.rejects(talkie.render(long, { ...SMALL, output, signal: AbortSignal.abort() }),
    { name: 'AbortError' });
  assert.equal(openFds(), fds, 'no descriptor leaked');
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('render errors are Errors whose code is talkie\'s error name', async (t) => {
  const dir = tmpdir(t);
  fs.mkdirSync(path.join(dir, 'dir.mp4'));
  await assert.rejects(talkie.render(CONVERSATION, { ...SMALL, output: path.join(dir, 'dir.mp4') }),
    (err) => err instanceof Error && err.code === 'EISDIR');
  await assert.rejects(talkie.render(CONVERSATION, { ...SMALL, output: path.join(dir, 'x.mp4'), format: 'avi' }),
    (err) => err.code === 'EINVAL');
  await assert.rejects(talkie.render(CONVERSATION, { ...SMALL, output: path.join(dir, 'x.mp4'), device: 'no such gpu' }),
    (err) => err.code === 'TALKIE_ERROR_NO_DEVICE');
  assert.deepEqual(fs.readdirSync(dir), ['dir.mp4']);
});
