'use strict';
// Benchmarks of the npm package (numbers go to bench/RESULTS.md):
//   node bench/bench.js cost [frames]     JS cost per frame against the CLI on the same render
//   node bench/bench.js sessions [secs]   live sessions (30 fps, 320x240) one process drives
// The CLI is found next to the addon (TALKIE_CLI, else ../build*/tools/talkie).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
process.env.VK_ICD_FILENAMES ??= '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';
const talkie = require('..');

const SIZE = { width: 320, height: 240 };
const ENCODER = process.env.TALKIE_ENCODER || 'lavc';

function cli() {
  if (process.env.TALKIE_CLI) return process.env.TALKIE_CLI;
  for (const d of ['build', 'build-test', 'build-release']) {
    const f = path.join(__dirname, '..', '..', d, 'tools', 'talkie');
    if (fs.existsSync(f)) return f;
  }
  throw new Error('no talkie CLI built');
}

function conversation(seconds) {
  const turns = [];
  for (let t = 0, i = 0; t < seconds - 1; t += 2, i++)
    turns.push({ speaker: i % 2 ? 'Grace' : 'Ada', text: `Line ${i}: the quick brown fox jumps over the lazy dog.`, start: t, duration: 1.8 });
  return turns;
}

// One render of `frames` frames each way; ms of wall clock, and for the stream the main
// thread's busy time (event-loop utilization): what JS itself costs.
async function costOnce(dir, frames) {
  const fps = 30;
  const turns = conversation(frames / fps - 1); // the CLI adds one second after the last line
  const jsonl = path.join(dir, 'c.jsonl');
  fs.writeFileSync(jsonl, turns.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
  let t0 = process.hrtime.bigint();
  execFileSync(cli(), ['render', jsonl, '-o', path.join(dir, 'cli.mp4'), '--size', '320x240',
    '--encoder', ENCODER, '-q']);
  const cliMs = ms(t0);
  t0 = process.hrtime.bigint();
  const r = await talkie.render(turns, { ...SIZE, encoder: ENCODER, output: path.join(dir, 'js.mp4') });
  const renderMs = ms(t0);
  // every access unit through JS: the packet thread-safe function, Buffers, a Readable, fMP4
  t0 = process.hrtime.bigint();
  const elu0 = performance.eventLoopUtilization();
  const s = new talkie.Session({ ...SIZE, encoder: ENCODER });
  for (const t of turns) s.say(t);
  const out = fs.createWriteStream(path.join(dir, 'stream.mp4'));
  s.fmp4({ highWaterMark: 1 << 22 }).pipe(out);
  s.start({ realtime: false, frames: r.frames });
  await new Promise((res) => out.on('finish', res));
  s.close();
  const streamMs = ms(t0);
  const busyMs = performance.eventLoopUtilization(elu0).active;
  return { frames: r.frames, cliMs, renderMs, streamMs, busyMs };
}

async function cost(frames) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'talkie-bench-'));
  const short = Math.round(frames / 4);
  const best = (list, k) => Math.min(...list.map((x) => x[k]));
  const a = [], b = [];
  for (let rep = 0; rep < 3; rep++) {
    a.push(await costOnce(dir, short));
    b.push(await costOnce(dir, frames));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const n = b[0].frames - a[0].frames;
  // the slope between a short and a long render: per-frame cost without start-up
  const slope = (k) => (best(b, k) - best(a, k)) / n;
  console.log(`320x240, ${ENCODER}, ${a[0].frames} and ${b[0].frames} frames, best of 3; ` +
    'per frame = slope between the two (start-up excluded)');
  const cliPf = slope('cliMs');
  for (const [name, k] of [['CLI (talkie render -> mp4)', 'cliMs'], ['render() -> mp4 (worker thread)', 'renderMs'],
    ['stream {realtime:false} -> fmp4 -> file', 'streamMs']])
    console.log(`${name.padEnd(42)} ${slope(k).toFixed(3)} ms/frame (ratio to CLI ${(slope(k) / cliPf).toFixed(2)}); ` +
      `start-up+${a[0].frames} frames ${best(a, k).toFixed(0)} ms`);
  console.log(`${'main thread busy in the stream (JS cost)'.padEnd(42)} ${(best(b, 'busyMs') / b[0].frames).toFixed(3)} ms/frame`);
}

async function sessions(seconds) {
  const ctx = new talkie.Context();
  console.log(`live sessions at 30 fps, 320x240, ${ENCODER}, shared Context, ${seconds} s each step, ${os.cpus().length} cores`);
  for (const n of (process.env.TALKIE_SESSIONS || "1,4,16,32,48,64,96,128").split(",").map(Number)) {
    const list = [];
    for (let i = 0; i < n; i++) {
      const s = new talkie.Session({ ...SIZE, encoder: ENCODER, context: ctx });
      s.say({ speaker: 'Ada', text: `Session ${i} speaking live.`, durationMs: seconds * 1000 });
      let aus = 0;
      s.stream({ highWaterMark: 60 }).on('data', () => { aus++; });
      list.push({ s, get aus() { return aus; } });
    }
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    for (const x of list) x.s.start();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    h.disable();
    const want = n * 30 * seconds;
    const got = list.reduce((a, x) => a + x.s.packetsOut, 0);
    const dropped = list.reduce((a, x) => a + x.s.framesDropped, 0);
    console.log(`${String(n).padStart(3)} sessions: ${(got / seconds).toFixed(0)} frames/s of ${n * 30} ` +
      `(${(100 * got / want).toFixed(1)}%), pacer skipped ${dropped}, event-loop p99 ` +
      `${(h.percentile(99) / 1e6).toFixed(2)} ms, max ${(h.max / 1e6).toFixed(1)} ms`);
    await Promise.all(list.map((x) => x.s.end()));
    for (const x of list) x.s.close();
    if (got < 0.95 * want) break;
  }
  ctx.close();
}

const [what, arg] = process.argv.slice(2);
(what === 'sessions' ? sessions(Number(arg) || 5) : cost(Number(arg) || 900)).catch((e) => {
  console.error(e);
  process.exit(1);
});
