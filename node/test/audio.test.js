'use strict';
// A live session's voice through the package: say() with a whole voice (Int16Array) and a
// streamed one (turnAudio chunks, a Buffer), and what the outputs carry: stream() gives audio
// packets back to back next to the access units, fmp4() an MP4 with an audio track that
// ffprobe/ffmpeg read, in sync (tone bursts decoded at their times). Bad arguments throw.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { once } = require('node:events');
const { talkie, tmpdir, SMALL } = require('./common.js');

const RATE = 24000;

/** Mono s16 of `seconds`: 200 ms tone bursts at each of `atMs`, silence elsewhere. */
function bursts(seconds, atMs) {
  const pcm = new Int16Array(Math.round(RATE * seconds));
  for (const ms of atMs) {
    const a = Math.round((ms * RATE) / 1000);
    for (let i = 0; i < RATE / 5 && a + i < pcm.length; i++)
      pcm[a + i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / RATE));
  }
  return pcm;
}

/** Times (s) where the decoded audio gets loud after at least 100 ms of quiet. */
function onsets(file) {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a:0', '-f', 's16le',
    '-ac', '1', '-ar', '48000', '-'], { maxBuffer: 1 << 26 });
  const s = new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
  const out = [];
  let quiet = 0;
  for (let i = 0; i < s.length; i++) {
    if (Math.abs(s[i]) > 1600) {
      if (quiet >= 4800) out.push(i / 48000);
      quiet = 0;
    } else {
      quiet++;
    }
  }
  return { onsets: out, seconds: s.length / 48000 };
}

test('a voice whole and streamed: stream() and fmp4() carry it in sync', async (t) => {
  const dir = tmpdir(t);
  const session = new talkie.Session({ ...SMALL, fps: 25, audio: 'aac' });
  t.after(() => session.close());
  assert.equal(session.audio.codec, 'aac');
  assert.equal(session.audio.codecString, 'mp4a.40.2');
  // 0..2 s: a whole voice with bursts at 0.3 and 1.2 s; 2..4 s: streamed, bursts at 2.5, 3.4 s
  const first = session.say({ speaker: 'Ada', text: 'Whole.', startMs: 0,
    audio: { pcm: bursts(2, [300, 1200]), sampleRate: RATE } });
  const second = session.say({ speaker: 'Grace', text: 'Streamed.', startMs: 2000,
    audio: { sampleRate: RATE, channels: 1 } });
  assert.equal(first.id, 0);
  assert.equal(second.id, 1);
  const voice = bursts(2, [500, 1400]);
  for (let i = 0; i < voice.length; i += RATE / 50) // 20 ms chunks, as a Buffer
    session.turnAudio(second.id, { pcm: Buffer.from(voice.buffer, i * 2, RATE / 50 * 2),
      sampleRate: RATE });
  session.turnAudioEnd(second.id);

  const units = [];
  const fmp4 = session.fmp4();
  fmp4.on('data', (b) => units.push(b));
  const items = [];
  const stream = session.stream({ highWaterMark: 1000 });
  stream.on('data', (x) => items.push(x));
  const ended = Promise.all([once(stream, 'end'), once(fmp4, 'end')]);
  session.start({ frames: 100, realtime: false });
  await ended;

  const video = items.filter((x) => x.type === 'video');
  const audio = items.filter((x) => x.type === 'audio');
  assert.equal(video.length, 100);
  assert.ok(audio.length > 0);
  for (let i = 1; i < audio.length; i++)
    assert.equal(audio[i].pts, audio[i - 1].pts + audio[i - 1].duration, 'back to back');
  const audioEnd = (audio.at(-1).pts + audio.at(-1).duration) / 48000;
  assert.ok(Math.abs(audioEnd - 4) < 0.001, `the audio ends with the video: ${audioEnd} s`);

  const file = path.join(dir, 'voice.mp4');
  fs.writeFileSync(file, Buffer.concat(units));
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries',
    'stream=codec_type,codec_name', '-of', 'json', file])).streams;
  assert.deepEqual(probe.map((st) => st.codec_name), ['h264', 'aac']);
  const got = onsets(file);
  t.diagnostic(`fMP4: ${units.length} units, ${got.seconds.toFixed(3)} s of audio, ` +
    `bursts at ${got.onsets.map((x) => x.toFixed(4)).join(', ')} s`);
  assert.ok(Math.abs(got.seconds - 4) <= 1024 / 48000 + 1e-6, `audio lasts ${got.seconds} s`);
  assert.equal(got.onsets.length, 4);
  [0.3, 1.2, 2.5, 3.4].forEach((want, i) =>
    assert.ok(Math.abs(got.onsets[i] - want) < 0.01, `burst ${i} at ${got.onsets[i]} (${want})`));
});

test('a session without a voice stays video only', async (t) => {
  const session = new talkie.Session({ ...SMALL });
  t.after(() => session.close());
  session.say({ speaker: 'Ada', text: 'No voice.' });
  const items = [];
  const stream = session.stream();
  stream.on('data', (x) => items.push(x));
  session.start({ frames: 10, realtime: false });
  await once(stream, 'end');
  assert.equal(session.audio, null);
  assert.ok(items.length === 10 && items.every((x) => x.type === 'video'));
});

test('bad audio arguments throw', (t) => {
  const session = new talkie.Session({ ...SMALL, audio: 'aac' });
  t.after(() => session.close());
  const say = (audio) => session.say({ speaker: 'Ada', text: 'x', audio });
  assert.throws(() => say('pcm'), { name: 'TypeError' });
  assert.throws(() => say({ pcm: [1, 2, 3], sampleRate: RATE }), { name: 'TypeError' });
  assert.throws(() => say({ pcm: new Float32Array(4), sampleRate: RATE }), { name: 'TypeError' });
  assert.throws(() => say({ pcm: new Int16Array(4) }), { name: 'TypeError' });
  assert.throws(() => say({ pcm: new Int16Array(4), sampleRate: 4000 }), { name: 'RangeError' });
  assert.throws(() => say({ pcm: new Int16Array(4), sampleRate: RATE, channels: 3 }),
    { name: 'RangeError' });
  assert.throws(() => say({ pcm: new Int16Array(3), sampleRate: RATE, channels: 2 }),
    { name: 'RangeError' });
  assert.throws(() => say({ pcm: Buffer.alloc(3), sampleRate: RATE }), { name: 'RangeError' });
  const { id } = say({ sampleRate: RATE });
  assert.throws(() => session.turnAudio(id, { sampleRate: RATE }), { name: 'TypeError' });
  assert.throws(() => session.turnAudio(id, { pcm: new Int16Array(8), sampleRate: 16000 }),
    { code: 'EINVAL' });
  assert.throws(() => session.turnAudio(99, { pcm: new Int16Array(8), sampleRate: RATE }),
    { code: 'EINVAL' });
  assert.throws(() => session.turnAudioEnd(-1), { name: 'RangeError' });
  const video = new talkie.Session({ ...SMALL, audio: 'none' });
  t.after(() => video.close());
  assert.throws(() => video.say({ speaker: 'Ada', text: 'x',
    audio: { pcm: new Int16Array(8), sampleRate: RATE } }), { code: 'TALKIE_ERROR_UNSUPPORTED' });
});

test('render() writes a voiced turn into the file, in sync', async (t) => {
  const dir = tmpdir(t);
  const output = path.join(dir, 'render.mp4');
  await talkie.render([
    { speaker: 'Ada', text: 'Silent first.', startMs: 0, durationMs: 1000 },
    { speaker: 'Grace', text: 'Then a voice.', startMs: 1000,
      audio: { pcm: bursts(1.5, [500]), sampleRate: RATE } },
  ], { ...SMALL, fps: 25, output, tailMs: 0 });
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries',
    'stream=codec_name,duration', '-of', 'json', output])).streams;
  assert.deepEqual(probe.map((st) => st.codec_name), ['h264', 'aac']);
  const got = onsets(output);
  assert.equal(got.onsets.length, 1);
  assert.ok(Math.abs(got.onsets[0] - 1.5) < 0.01, `the burst at ${got.onsets[0]} s (1.5)`);
  // the video: ceil(2.5 s * 25) = 63 frames, 2.52 s; the audio to its end within an AAC frame
  assert.ok(Math.abs(got.seconds - 2.52) <= 1024 / 48000 + 1e-6,
    `audio lasts ${got.seconds} s (2.52)`);
});
