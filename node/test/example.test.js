'use strict';
// The example agent (examples/node-agent/agent.js): chat lines on stdin become a live session
// served over WHEP and written as fragmented MP4, which ffprobe reads while it grows.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { once } = require('node:events');
const { setTimeout: sleep } = require('node:timers/promises');
const { tmpdir, hasModule } = require('./common.js');

const agent = path.join(__dirname, '..', '..', 'examples', 'node-agent', 'agent.js');

function frames(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries', 'stream=width,nb_read_frames', '-of', 'json', file]);
  return JSON.parse(out).streams[0];
}

test('example agent: stdin to WHEP page and a growing fMP4', { skip: !hasModule('werift') && 'werift is not installed', timeout: 60000 }, async (t) => {
  const dir = tmpdir(t);
  const mp4 = path.join(dir, 'live.mp4');
  const child = spawn(process.execPath, [agent, '-', '--port', '0', '--mp4', mp4, '--fps', '30',
    '--encoder', 'lavc', '--exit-at-end'], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const [first] = await once(child.stdout, 'data');
  const { url } = JSON.parse(first.toString());
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /RTCPeerConnection/);
  child.stdin.write('{"speaker": "Ada", "text": "Hello from stdin.", "duration": 1}\n');
  await sleep(800);
  const mid = frames(mp4);
  assert.equal(mid.width, 320);
  assert.ok(Number(mid.nb_read_frames) > 5, `readable while written: ${mid.nb_read_frames} frames`);
  child.stdin.end('Grace: And a plain text line.\n');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const end = frames(mp4);
  assert.ok(Number(end.nb_read_frames) > Number(mid.nb_read_frames));
});
