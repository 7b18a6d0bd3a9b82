// talkie serve in a real browser: Debian's Chromium, headless, driven by playwright-core.
// For the WebCodecs path and for the MSE path (forced with ?mode=mse): the page plays (frames
// decoded, the right size), lines typed into the page appear in the picture (the subtitle
// region changes), and the latency from posting a line to its first frame on screen is
// measured (p50/p99, printed and written to latency.json). Screenshots go to ARTIFACTS.
// The server speaks the lines (--tts espeak): the page decodes the audio (WebCodecs
// AudioDecoder, or the MP4's audio track with MSE) and plays it through WebAudio; decoded
// audio keeps pace with the video and is voiced for about as long as the lines are spoken.
//
// usage: node test_browser.mjs TALKIE_EXE ARTIFACTS_DIR NODE_MODULES_DIR (run_browser.py)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [exe, artifacts, modules] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'x.js'));
const { chromium } = require('playwright-core');
fs.mkdirSync(artifacts, { recursive: true });

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// TALKIE_WEB_LINES: more lines for a latency benchmark (bench/RESULTS.md)
const LINES = Number(process.env.TALKIE_WEB_LINES) || 6;
// TALKIE_WEB_AUDIO=opus: the sessions' audio in Opus instead of AAC; =none: video only (to
// compare latencies, bench/RESULTS.md)
const AUDIO = ['opus', 'none'].includes(process.env.TALKIE_WEB_AUDIO) ?
  process.env.TALKIE_WEB_AUDIO : 'aac';
const AUDIO_CODEC = { aac: 'mp4a.40.2', opus: 'opus', none: null }[AUDIO];
let failed = 0;
function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failed++;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function pct(a, p) {
  const s = a.slice().sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN;
}

function startServer() {
  const env = { ...process.env };
  if (env.TALKIE_LD_PRELOAD) env.LD_PRELOAD = env.TALKIE_LD_PRELOAD; // see run_browser.py
  const proc = spawn(exe, ['serve', '--port', '0', '--size', '256x144', '--encoder', 'lavc',
                           '--session', 'web', '--tts', 'espeak', '--audio', AUDIO],
                     { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/talkie serve: (http:\/\/\S+)/);
      if (m) resolve({ proc, url: m[1] });
    });
    proc.on('exit', (code, sig) => {
      if (!stopping) console.log(`FAIL the server exited early: ${code} ${sig || ''}`);
      reject(new Error('server exited with ' + code));
    });
  });
}

// The mean absolute difference of two RGBA captures in rows [y0, y1) (fractions of height).
function diff(a, b, y0, y1) {
  const w = a.w, r0 = Math.floor(a.h * y0), r1 = Math.floor(a.h * y1);
  let sum = 0;
  for (let y = r0; y < r1; y++)
    for (let x = 0; x < w * 4; x++)
      if (x % 4 !== 3) sum += Math.abs(a.px[y * w * 4 + x] - b.px[y * w * 4 + x]);
  return sum / ((r1 - r0) * w * 3);
}

// The picture as the viewer sees it: the canvas (WebCodecs) or the video (MSE), as RGBA.
async function capture(page) {
  return page.evaluate(() => {
    const v = document.getElementById('video'), c = document.getElementById('screen');
    const src = window.talkieStats.mode === 'mse' ? v : c;
    const w = window.talkieStats.width, h = window.talkieStats.height;
    const t = document.createElement('canvas'); t.width = w; t.height = h;
    const ctx = t.getContext('2d'); ctx.drawImage(src, 0, 0, w, h);
    return { w, h, px: Array.from(ctx.getImageData(0, 0, w, h).data) };
  });
}

// nosync: ?sync=0, the WebCodecs picture drawn as soon as it is decoded (lowest latency),
// the sound following it
async function run(browser, base, mode, nosync = false) {
  const page = await browser.newPage({ viewport: { width: 800, height: 700 } });
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push('pageerror: ' + e.message));
  const label = mode + (nosync ? '-nosync' : '');
  await page.goto(`${base}s/web?mode=${mode}${nosync ? '&sync=0' : ''}`);
  const el = mode === 'mse' ? '#video' : '#screen';
  let st = null;
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    st = await page.evaluate(() => window.talkieStats);
    if (st.frames >= 30 && st.width > 0) break;
    await sleep(200);
  }
  check(st.mode === mode, `${mode}: the page plays with ${st.mode}`);
  check(st.frames >= 30, `${mode}: frames decoded and shown (${st.frames})`);
  check(st.width === 256 && st.height === 144, `${mode}: picture ${st.width}x${st.height}`);
  check(st.errors.length === 0, `${mode}: no errors ${JSON.stringify(st.errors)} ${logs}`);
  await sleep(300);
  await page.locator(el).screenshot({ path: path.join(artifacts, `${label}-before.png`) });
  const before = await capture(page);

  // lines typed as a chosen speaker, each waited for until it is on screen
  for (let i = 0; i < LINES; i++) {
    const n = (await page.evaluate(() => window.talkieStats.lineLatency.length));
    await page.fill('#speaker', i % 2 ? 'Grace' : 'Ada');
    await page.fill('#text', `Hello from ${mode}, line ${i + 1}`);
    await page.click('#say');
    const until = Date.now() + 5000;
    while (Date.now() < until &&
           (await page.evaluate(() => window.talkieStats.lineLatency.length)) === n)
      await sleep(20);
    if (i === 0) {
      await sleep(700); // the subtitle is revealed while it is spoken
      await page.locator(el).screenshot({ path: path.join(artifacts, `${label}-line.png`) });
      const after = await capture(page);
      const bottom = diff(before, after, 0.66, 1.0);
      check(bottom > 2, `${mode}: the subtitle region changed (mean difference ${bottom.toFixed(2)})`);
    }
    await sleep(400);
  }
  await sleep(1500); // the last line is spoken to its end
  st = await page.evaluate(() => window.talkieStats);
  await page.screenshot({ path: path.join(artifacts, `${label}-page.png`) });
  const au = st.audio;
  const videoSeconds = st.frames / 30;
  console.log(`${mode}: audio ${au.codec}: ${au.frames} frames, ${au.seconds.toFixed(2)} s ` +
              `decoded (video ${videoSeconds.toFixed(2)} s), ${au.loudSeconds.toFixed(2)} s ` +
              `voiced, ${au.decodedBytes} bytes decoded by the media element`);
  check(au.codec === AUDIO_CODEC, `${mode}: the stream has ${AUDIO} audio (${au.codec})`);
  if (AUDIO === 'none')
    ; // video only: nothing to hear
  else if (mode === 'webcodecs')
    check(au.frames > 0 && Math.abs(au.seconds - videoSeconds) < 1.5,
          `${mode}: audio frames decoded (${au.frames}), ${au.seconds.toFixed(2)} s next to ` +
          `${videoSeconds.toFixed(2)} s of video`);
  else
    check(au.decodedBytes > 0 && Math.abs(au.seconds - videoSeconds) < 2.5,
          `${mode}: the media element decodes the audio track (${au.decodedBytes} bytes) and ` +
          `plays ${au.seconds.toFixed(2)} s next to ${videoSeconds.toFixed(2)} s of video`);
  // each spoken line (about 1.5 s of espeak-ng) sounds while it is on: at least a second in
  // all, no more than the time played
  if (mode === 'webcodecs' && AUDIO !== 'none' && nosync) {
    console.log(`${mode} (sync=0): sound after picture p50 ` +
                `${pct(au.offsetMs, 0.5).toFixed(1)} ms, p99 ${pct(au.offsetMs, 0.99).toFixed(1)} ms`);
  } else if (mode === 'webcodecs' && AUDIO !== 'none') {
    // lip sync: each picture is drawn when the sound of its time is heard
    const off = pct(au.offsetMs, 0.5);
    console.log(`${mode}: sound after picture (same media time) p50 ${off.toFixed(1)} ms, ` +
                `p99 ${pct(au.offsetMs, 0.99).toFixed(1)} ms (${au.offsetMs.length} packets)`);
    check(au.offsetMs.length > 0 && Math.abs(off) < 45,
          `${mode}: sound and picture in sync (p50 ${off.toFixed(1)} ms, within 45 ms)`);
  }
  check(AUDIO === 'none' || (au.loudSeconds > 1.0 && au.loudSeconds <= au.seconds + 0.1),
        `${mode}: voiced audio played: ${au.loudSeconds.toFixed(2)} s`);
  check(st.lineLatency.length >= LINES - 1,
        `${mode}: ${st.lineLatency.length} of ${LINES} lines seen on screen`);
  check(st.lines.length >= LINES, `${mode}: the transcript has ${st.lines.length} lines`);
  const r = {
    mode, sync: !nosync, frames: st.frames, audio: { ...st.audio, offsetMs: undefined,
      offset_ms: { p50: pct(st.audio.offsetMs, 0.5), p99: pct(st.audio.offsetMs, 0.99) } },
    line_to_screen_ms: { p50: pct(st.lineLatency, 0.5), p99: pct(st.lineLatency, 0.99),
                         n: st.lineLatency.length },
    frame_ms: { p50: pct(st.frameLatency, 0.5), p99: pct(st.frameLatency, 0.99),
                n: st.frameLatency.length },
  };
  console.log(`${mode}${nosync ? ' (sync=0)' : ''}: line -> screen p50 ${r.line_to_screen_ms.p50.toFixed(1)} ms, p99 ` +
              `${r.line_to_screen_ms.p99.toFixed(1)} ms; frame (encode + decode) p50 ` +
              `${r.frame_ms.p50.toFixed(1)} ms, p99 ${r.frame_ms.p99.toFixed(1)} ms`);
  const text = await page.locator('#stats').textContent();
  check(text.includes('line to screen ms'), `${mode}: the latency is shown on the page`);
  await page.close();
  return r;
}

let server = null, browser = null, stopping = false;
const timer = setTimeout(() => { console.log('FAIL timed out'); process.exit(1); }, 150000);
try {
  server = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           // playwright gives the browser a fresh temporary profile (--user-data-dir) itself
           '--autoplay-policy=no-user-gesture-required'],
  });
  const results = [];
  for (const mode of ['webcodecs', 'mse'])
    results.push(await run(browser, server.url, mode));
  results.push(await run(browser, server.url, 'webcodecs', true));
  fs.writeFileSync(path.join(artifacts, 'latency.json'), JSON.stringify(results, null, 2));
} catch (e) {
  console.log('FAIL ' + (e.stack || e));
  failed++;
} finally {
  if (browser) await browser.close();
  if (server) {
    stopping = true;
    server.proc.kill('SIGTERM');
    const code = await new Promise((r) => server.proc.on('exit', (c) => r(c)));
    check(code === 0, `the server stops cleanly (${code})`);
  }
  clearTimeout(timer);
}
console.log(`${failed} failed`);
process.exit(failed ? 1 : 0);
