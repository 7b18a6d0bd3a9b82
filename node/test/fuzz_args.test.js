'use strict';
// Argument conversion under fuzzing: every function the package and its addon export is
// called with seeded-random values of every JS type (undefined, null, NaN, ±Infinity, huge,
// negative and fractional numbers, BigInt, strings with NUL or lone surrogates, huge strings,
// symbols, objects with throwing getters, Proxies, arrays, typed arrays, detached buffers, a
// wrong `this`), for a bounded number of calls and time. Each call must return, or throw (or
// reject with) a TypeError, a RangeError, an AbortError, or an Error whose .code names it
// (talkie's errors, ERR_TALKIE_CLOSED), with a message; an error our throwing getters raise
// passes through as it is. A generic Node-API failure (ERR_TALKIE_NAPI) is a bug: it means a
// value reached the addon unchecked. A crash or an abort ends the process, so the test fails.
// Afterwards a normal session still makes frames.
//
//   TALKIE_FUZZ_SEED=1234 TALKIE_FUZZ_CALLS=5000 node --test test/fuzz_args.test.js
//   TALKIE_FUZZ_VERBOSE=1 ... prints every call before making it (to find the one that crashes)
//
// The sanitizer builds do not build the addon (node is not instrumented); to run this under
// ASan anyway, link addon.c with an ASan build's libtalkie.a (gcc -shared -fPIC
// -fsanitize=address,undefined ... build-asan/libtalkie.a $(pkg-config --libs ...)) and run
//   LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
//   ASAN_OPTIONS=detect_leaks=0 TALKIE_NODE_ADDON=/path/talkie.node node --test test/fuzz_args.test.js
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { talkie, SMALL } = require('./common.js');
const native = require('../lib/native.js');

const SEED = Number(process.env.TALKIE_FUZZ_SEED || 20261126) >>> 0;
const CALLS = Number(process.env.TALKIE_FUZZ_CALLS || 10000);
const SECONDS = Number(process.env.TALKIE_FUZZ_SECONDS || 40);
const VERBOSE = !!process.env.TALKIE_FUZZ_VERBOSE;

// mulberry32: small, seedable, the same sequence on every platform
function rng(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What our own throwing getters and traps throw: it may surface from any call. */
class FuzzGetterError extends Error {}

const OPTION_NAMES = ['width', 'height', 'fps', 'encoder', 'qp', 'bitrate', 'keyint', 'device',
  'validation', 'font', 'maxFramesInFlight', 'logLevel', 'context', 'signal', 'fpsNum', 'fpsDen',
  'deviceIndex', 'deviceName', 'fontPath', 'maxBatchFrames', 'cpuThreads', 'pipelineCachePath',
  'speaker', 'text', 'startMs', 'durationMs', 'start', 'duration', 'realtime', 'frames',
  'highWaterMark', 'output', 'format', 'onProgress', 'tailMs', 'num', 'den'];

function detachedBuffer() {
  const ab = new ArrayBuffer(16);
  structuredClone(ab, { transfer: [ab] });
  return ab;
}

/** A Buffer (a Uint8Array) whose memory was transferred away: length 0, no data. */
function detachedView() {
  const b = Buffer.from(new ArrayBuffer(16));
  structuredClone(b.buffer, { transfer: [b.buffer] });
  return b;
}

function makeValues(rand, ctx) {
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const throwingGetter = () => {
    const o = {};
    for (const k of OPTION_NAMES)
      Object.defineProperty(o, k, { get() { throw new FuzzGetterError(`getter ${k}`); }, enumerable: true });
    return o;
  };
  const throwingProxy = () => new Proxy({}, {
    get(_, k) { throw new FuzzGetterError(`proxy get ${String(k)}`); },
    has() { throw new FuzzGetterError('proxy has'); },
    ownKeys() { throw new FuzzGetterError('proxy ownKeys'); },
    getOwnPropertyDescriptor() { throw new FuzzGetterError('proxy descriptor'); },
    getPrototypeOf() { throw new FuzzGetterError('proxy prototype'); },
  });
  const scalars = [
    () => undefined, () => null, () => NaN, () => Infinity, () => -Infinity, () => -0, () => 0,
    () => 1, () => -1, () => 0.5, () => 1.5, () => 2 ** 31, () => -(2 ** 31) - 1, () => 2 ** 53,
    () => 2 ** 63, () => -(2 ** 63), () => 1e308, () => -1e308, () => Number.MIN_VALUE,
    () => 64, () => 48, () => 320, () => 30, () => 8000, () => 4096, () => 63, () => 100000,
    () => Math.floor(rand() * 2 ** 32) - 2 ** 31, () => rand() * 1e6,
    () => 0n, () => 1n, () => -1n, () => 2n ** 64n, () => true, () => false,
    () => '', () => 'A', () => 'Ada', () => 'x\u0000y', () => '\uD800', () => '\uDC00x\uD800',
    () => '\u{1F600}', () => 'lavc', () => 'mse', () => 'mp4', () => 'auto', () => 'debug',
    () => 'x'.repeat(4097), () => 'é'.repeat(33), () => 'x'.repeat(1 << 20),
    () => Symbol('fuzz'), () => Symbol.iterator,
  ];
  const objects = [
    () => ({}), () => [], () => [1, 2, 3], () => new Array(5), () => Object.create(null),
    () => new Uint8Array(0), () => new Uint8Array(4), () => new Float64Array(3),
    () => new Int32Array(2), () => new BigInt64Array(1), () => Buffer.from('00000001', 'hex'),
    () => Buffer.alloc(0), () => new ArrayBuffer(8), () => detachedBuffer(),
    () => detachedView(), () => new DataView(new ArrayBuffer(4)),
    () => new Date(NaN), () => /x/, () => new Map(), () => new Set(), () => Promise.resolve(),
    () => () => {}, () => function named() { return 1; }, () => class K {},
    () => new Error('e'), () => throwingGetter(), () => throwingProxy(),
    () => new Proxy({}, {}), () => new Proxy(() => {}, {}),
    () => ({ toString() { throw new FuzzGetterError('toString'); },
      valueOf() { throw new FuzzGetterError('valueOf'); },
      [Symbol.toPrimitive]() { throw new FuzzGetterError('toPrimitive'); } }),
    () => AbortSignal.abort(), () => new AbortController().signal,
    () => ctx.context, () => ctx.nativeContext, () => ctx.nativeSession, () => ctx.session,
    () => ctx.closedNative,
  ];
  function value(depth = 0) {
    const r = rand();
    if (r < 0.55) return pick(scalars)();
    if (r < 0.8 || depth > 1) return pick(objects)();
    // an options object: some known names with random values, the rest ordinary
    const o = rand() < 0.5 ? { ...SMALL } : {};
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) o[pick(OPTION_NAMES)] = value(depth + 1);
    return o;
  }
  return { value, pick };
}

function describe(v) {
  try {
    if (typeof v === 'string') return v.length > 40 ? `'${v.slice(0, 20)}'…(${v.length})` : JSON.stringify(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'symbol' || typeof v === 'function') return String(v).slice(0, 40);
    if (v && typeof v === 'object') return Object.prototype.toString.call(v);
    return String(v);
  } catch {
    return '<unprintable>';
  }
}

/** A thrown value that the contract allows, or why not. */
function badError(e) {
  if (e instanceof FuzzGetterError) return null;
  if (!(e instanceof Error)) return `threw a non-Error: ${describe(e)}`;
  if (typeof e.message !== 'string' || e.message.length === 0) return 'an error without a message';
  if (e.code === 'ERR_TALKIE_NAPI') return `a Node-API failure: ${e.message}`;
  if (e instanceof TypeError || e instanceof RangeError || e.name === 'AbortError') return null;
  if (typeof e.code === 'string' && e.code.length > 0) return null;
  return `${e.name} without a code: ${e.message}`;
}

test('every exported function takes random arguments without crashing', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'talkie-fuzz-args-'));
  const cwd = process.cwd();
  // renderFile and render write files named by random strings: only ever here
  process.chdir(dir);
  t.after(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const rand = rng(SEED);
  const ctx = {};
  ctx.context = new talkie.Context({ logLevel: 'error' });
  ctx.nativeContext = ctx.context._native;
  const opts = () => ({ ...SMALL, logLevel: 'error', context: ctx.context });
  ctx.session = new talkie.Session(opts());
  ctx.nativeSession = new native.NativeSession({ width: 64, height: 48, encoder: 3, logLevel: 0,
    context: ctx.nativeContext }, () => {});
  ctx.closedNative = new native.NativeSession({ width: 64, height: 48, encoder: 3, logLevel: 0,
    context: ctx.nativeContext });
  ctx.closedNative.close();
  const { value, pick } = makeValues(rand, ctx);
  const args = (n) => Array.from({ length: Math.floor(rand() * (n + 1)) }, () => value());

  // Every entry: [name, (args) => result]. Sessions made here are closed at once.
  const liveSession = () => new talkie.Session(opts());
  const nativeLive = () => new native.NativeSession({ width: 64, height: 48, encoder: 3,
    logLevel: 0, context: ctx.nativeContext }, () => {});
  // The methods come from the classes themselves, so that one added later (turnAudio, ...) is
  // fuzzed too. Those that start, end or close work on a session of their own.
  const methods = (proto) => Object.getOwnPropertyNames(proto).filter((m) =>
    m !== 'constructor' && !m.startsWith('_') &&
    typeof Object.getOwnPropertyDescriptor(proto, m).value === 'function');
  const settle = (r) => {
    if (r && typeof r.destroy === 'function') r.destroy(); // an output stream
    return r;
  };
  const entries = [
    ['new Context', (a) => { new talkie.Context(...a).close(); }],
    ['new Session', (a) => { new talkie.Session(...a).close(); }],
    ['render', (a) => {
      const ac = new AbortController();
      const o = a[1] && typeof a[1] === 'object' && !Array.isArray(a[1]) ? a[1] : {};
      let p;
      try {
        // a plain copy: render() must see the fuzzed fields, plus a signal we control
        p = talkie.render(a[0], Object.assign(Object.create(null), o,
          { signal: ac.signal, logLevel: 'error' }));
      } catch (e) {
        p = Promise.reject(e);
      }
      ac.abort();
      return p;
    }],
    ['devices', (a) => talkie.devices(...a)],
    ['new NativeContext', (a) => { new native.NativeContext(...a).close(); }],
    ['new NativeSession', (a) => { new native.NativeSession(...a).close(); }],
    ['new NativeFmp4', (a) => { new native.NativeFmp4(...a).close(); }],
  ];
  for (const m of methods(talkie.Session.prototype)) {
    const own = ['start', 'end', 'close'].includes(m);
    entries.push([`Session.${m}`, (a) => {
      if (!own) return settle(ctx.session[m](...a));
      const s = liveSession();
      let r;
      try {
        r = s[m](...a);
      } finally {
        s.close();
      }
      return r;
    }]);
  }
  for (const m of methods(talkie.Context.prototype).filter((n) => n !== 'close'))
    entries.push([`Context.${m}`, (a) => ctx.context[m](...a)]);
  for (const m of Object.keys(native).filter((n) => typeof native[n] === 'function' &&
    !n.startsWith('Native')))
    entries.push([`native.${m}`, (a) => native[m](...a)]);
  for (const m of methods(native.NativeSession.prototype).filter((n) => n !== 'renderFile')) {
    entries.push([`NativeSession.${m}`, (a) => {
      const useThis = rand() < 0.2 ? value() : rand() < 0.5 ? ctx.nativeSession : ctx.closedNative;
      const self = m === 'close' && useThis === ctx.nativeSession ? nativeLive() : useThis;
      const r = native.NativeSession.prototype[m].apply(self, a);
      if (self !== useThis) self.close();
      return r;
    }]);
  }
  entries.push(['NativeSession.renderFile', (a) => {
    const s = new native.NativeSession({ width: 64, height: 48, encoder: 3, logLevel: 0,
      context: ctx.nativeContext });
    let p;
    try {
      p = s.renderFile(...a);
    } finally {
      s.abortRender();
    }
    return Promise.resolve(p).finally(() => s.close());
  }]);
  for (const m of methods(native.NativeContext.prototype)) {
    entries.push([`NativeContext.${m}`, (a) => {
      const self = rand() < 0.3 ? value() : m === 'close' ? new native.NativeContext({ logLevel: 0 }) : ctx.nativeContext;
      return native.NativeContext.prototype[m].apply(self, a);
    }]);
  }
  entries.push(['NativeFmp4.write', (a) => {
    const f = new native.NativeFmp4(ctx.nativeSession);
    try {
      return f.write(...a);
    } finally {
      f.close();
    }
  }]);
  for (const m of methods(native.NativeFmp4.prototype))
    entries.push([`NativeFmp4.${m}(this)`, (a) => native.NativeFmp4.prototype[m].apply(value(), a)]);

  const failures = [];
  const counts = {};
  const deadline = Date.now() + SECONDS * 1000;
  let calls = 0;
  for (; calls < CALLS && Date.now() < deadline; calls++) {
    const [name, fn] = pick(entries);
    const a = args(4);
    const what = `#${calls} ${name}(${a.map(describe).join(', ')})`;
    if (VERBOSE) fs.writeSync(2, `${what}\n`);
    counts[name] = (counts[name] || 0) + 1;
    let err = null;
    try {
      const r = fn(a);
      if (r && typeof r.then === 'function') await r;
    } catch (e) {
      err = e;
    }
    const why = err ? badError(err) : null;
    // one report per function and kind of failure: the first input that shows it
    if (why && !failures.some((f) => f.key === `${name}: ${why}`))
      failures.push({ key: `${name}: ${why}`, input: what });
  }
  t.diagnostic(`seed ${SEED}: ${calls} calls over ${Object.keys(counts).length} functions`);

  // afterwards a normal session still works: frames come out (on a context of its own, since a
  // fuzzed `this` may have closed the shared one, as it may)
  ctx.session.close();
  ctx.nativeSession.close();
  ctx.context.close();
  const s = new talkie.Session({ ...SMALL, logLevel: 'error' });
  s.say({ speaker: 'Ada', text: 'Still here.' });
  let packets = 0;
  s.on('packet', () => packets++);
  const ended = new Promise((resolve) => s.on('state', (st) => st === 'ended' && resolve()));
  s.start({ realtime: false, frames: 5 }); // ends by itself after its 5 frames
  await ended;
  s.close();
  assert.equal(packets, 5, 'a normal session after the fuzzing');
  assert.deepEqual(failures.map((f) => `${f.input}: ${f.key}`), [],
    `${failures.length} kinds of call broke the contract`);
});

// What the fuzzing found, one input each.
test('regressions', async () => {
  // a wrong type reached napi_get_value_*: a generic Error with an empty message
  assert.throws(() => native.errorName({}), TypeError);
  assert.throws(() => native.errorName(), TypeError);
  assert.equal(native.errorName(2 ** 40), native.errorName(-1e9));
  const s = new native.NativeSession({ width: 64, height: 48, encoder: 3, logLevel: 0 }, () => {});
  const f = new native.NativeFmp4(s);
  assert.throws(() => f.write(Buffer.alloc(4), 'x', true), TypeError);
  assert.throws(() => f.write(Buffer.alloc(4), 0, () => {}), TypeError);
  assert.throws(() => f.write(Buffer.alloc(4), 0), TypeError);
  f.close();
  s.close();
  // an fMP4 output opened while the session renders outlived the session the worker closed
  // (a use after free through the session's logger)
  const r = new native.NativeSession({ width: 64, height: 48, encoder: 3, logLevel: 0 });
  r.say('Ada', 'Hi', 0, 500);
  const done = r.renderFile(path.join(os.tmpdir(), `talkie-fuzz-${process.pid}.mp4`), 'mp4', 3,
    undefined);
  assert.throws(() => new native.NativeFmp4(r), { code: 'EBUSY' });
  assert.equal(await done, 3);
  fs.rmSync(path.join(os.tmpdir(), `talkie-fuzz-${process.pid}.mp4`), { force: true });
  r.close();
});
