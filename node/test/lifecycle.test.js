'use strict';
// Lifecycles: a shared Context, close() from anywhere (idempotent, outputs end), an AbortSignal
// that closes the session, Symbol.asyncDispose, state events.
const test = require('node:test');
const assert = require('node:assert/strict');
const { talkie, SMALL } = require('./common.js');

test('sessions share a Context that outlives its handle', async () => {
  const ctx = new talkie.Context();
  const sessions = [1, 2, 3].map(() => new talkie.Session({ ...SMALL, context: ctx }));
  assert.equal(ctx.stats().sessionsOpened, 3);
  assert.equal(ctx.stats().framesRecoded, 0); // nothing sent yet
  ctx.close(); // the sessions keep the device
  const counts = await Promise.all(sessions.map(async (s) => {
    const out = s.stream();
    s.say({ speaker: 'Ada', text: 'Shared.' });
    s.start({ realtime: false, frames: 20 });
    let n = 0;
    for await (const au of out) n += au.data.length > 0;
    s.close();
    return n;
  }));
  assert.deepEqual(counts, [20, 20, 20]);
});

test('stats() says where the engine spent its time', async () => {
  const ctx = new talkie.Context();
  const s = new talkie.Session({ ...SMALL, context: ctx });
  const out = s.stream();
  s.say({ speaker: 'Ada', text: 'Counted.' });
  s.start({ realtime: false, frames: 10 });
  for await (const au of out) assert.ok(au.data.length > 0);
  const st = ctx.stats();
  assert.ok(st.frames >= 10);
  assert.ok(st.engineRecordUs > 0 && st.engineWaitUs > 0 && st.engineCollectUs > 0);
  assert.ok(st.enginePrepareUs >= 0 && st.enginePrepareWorkUs >= 0);
  assert.ok(st.engineGpuUs > 0 && st.engineGpuRenderUs > 0); // lavapipe has timestamps
  assert.ok(st.engineGpuRenderUs <= st.engineGpuUs);
  s.close();
  ctx.close();
});

test('close() while live ends the outputs; a second close does nothing', async () => {
  const s = new talkie.Session(SMALL);
  const states = [];
  let closes = 0;
  s.on('state', (st) => states.push(st));
  s.on('close', () => closes++);
  const out = s.stream();
  s.start();
  let n = 0;
  for await (const au of out) {
    assert.ok(au.data.length > 0);
    if (++n === 5) { s.close(); s.close(); }
  }
  assert.equal(n, 5);
  assert.deepEqual(states, ['live', 'closed']);
  assert.equal(closes, 1);
  assert.equal(s.endMs, 0);
});

test('an AbortSignal closes the session; Symbol.asyncDispose ends, then closes', async () => {
  const ac = new AbortController();
  const s = new talkie.Session({ ...SMALL, signal: ac.signal });
  const out = s.stream();
  s.start();
  setTimeout(() => ac.abort(), 200);
  let n = 0;
  for await (const au of out) n += au.keyframe !== undefined;
  assert.equal(s.state, 'closed');
  assert.ok(n > 0);

  const d = new talkie.Session(SMALL);
  const got = [];
  d.stream().on('data', (au) => got.push(au.pts));
  d.start();
  await new Promise((r) => setTimeout(r, 150));
  await d[Symbol.asyncDispose]();
  assert.equal(d.state, 'closed');
  assert.equal(got.length, d.framesSent, 'every frame sent came out before the close');
});
