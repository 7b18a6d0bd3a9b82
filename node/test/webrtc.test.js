'use strict';
// WebRTC into Debian's Chromium (headless, playwright-core, 127.0.0.1): the page's video plays
// at the session's size, and a line said from Node appears in the picture.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const { talkie, tmpdir, hasModule } = require('./common.js');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const skip = !hasModule('werift') ? 'werift is not installed (npm ci in node/)' :
  !hasModule('playwright-core') ? 'playwright-core is not installed (npm ci in node/)' :
    !fs.existsSync(CHROMIUM) ? `no ${CHROMIUM}` : false;

test('WebRTC: Chromium plays the session and shows a line said from Node', { skip, timeout: 60000 }, async (t) => {
  const { WhepEndpoint, playerPage } = require('../lib/webrtc.js');
  const { chromium } = require('playwright-core');
  const session = new talkie.Session({ width: 320, height: 240, fps: 25, encoder: 'lavc', keyint: 250 });
  t.after(() => session.close());
  const whep = new WhepEndpoint(session);
  const server = http.createServer(async (req, res) => {
    if (await whep.handle(req, res)) return;
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(playerPage());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { whep.close(); server.close(); });
  session.start();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 400, height: 300 } });
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => {
    const v = document.getElementById('v');
    return v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 10;
  }, null, { timeout: 30000 });
  const size = await page.evaluate(() => {
    const v = document.getElementById('v');
    return { w: v.videoWidth, h: v.videoHeight };
  });
  assert.deepEqual(size, { w: 320, h: 240 });

  // mean brightness of the subtitle band, drawn from the playing video
  const band = () => page.evaluate(() => {
    const v = document.getElementById('v');
    const c = document.createElement('canvas');
    c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0);
    const d = g.getImageData(0, Math.floor(c.height * 0.78), c.width, Math.floor(c.height * 0.2)).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
    return sum / (d.length / 4) / 3;
  });
  const clip = { x: 0, y: Math.floor(240 * 0.78), width: 320, height: Math.floor(240 * 0.2) };
  const before = await page.screenshot({ clip });
  const lumaBefore = await band();
  session.say({ speaker: 'Ada', text: 'Hello from Node over WebRTC', durationMs: 5000 });
  let lumaAfter = lumaBefore;
  for (let i = 0; i < 40 && Math.abs(lumaAfter - lumaBefore) < 3; i++) {
    await new Promise((r) => setTimeout(r, 100));
    lumaAfter = await band();
  }
  const after = await page.screenshot({ clip });
  assert.ok(Math.abs(lumaAfter - lumaBefore) >= 3, `subtitle band brightness ${lumaBefore} -> ${lumaAfter}`);
  assert.notDeepEqual(after, before, 'the screenshot of the subtitle band changed');
  await page.waitForFunction(() =>
    document.getElementById('v').getVideoPlaybackQuality().totalVideoFrames > 40, null, { timeout: 20000 });
  const frames = await page.evaluate(() =>
    document.getElementById('v').getVideoPlaybackQuality().totalVideoFrames);
  assert.ok(frames > 40, `frames decoded: ${frames}`);
  const viewer = [...whep.viewers.values()][0];
  assert.ok(viewer.accessUnitsSent >= frames);

  // a keyframe request from the receiver (RTCP PLI, then FIR, parsed by werift as received)
  // makes the next access unit a keyframe (keyint is 250 frames here: none would come by itself)
  const { RtcpPacketConverter } = require('werift');
  const sender = viewer.transceiver.sender;
  const rtcp = (fmt, fci) => {
    const b = Buffer.alloc(12 + fci.length);
    b[0] = 0x80 | fmt; b[1] = 206; b.writeUInt16BE(b.length / 4 - 1, 2);
    b.writeUInt32BE(1, 4); b.writeUInt32BE(fmt === 1 ? sender.ssrc : 0, 8);
    fci.copy(b, 12);
    return RtcpPacketConverter.deSerialize(b);
  };
  const fir = Buffer.alloc(8);
  fir.writeUInt32BE(sender.ssrc, 0);
  for (const [name, packets] of [['PLI', rtcp(1, Buffer.alloc(0))], ['FIR', rtcp(4, fir)]]) {
    const requests = viewer.keyframeRequests;
    await new Promise((r) => session.once('packet', r)); // between two frames
    const next = new Promise((r) => session.once('packet', r));
    for (const p of packets) sender.handleRtcpPacket(p);
    assert.equal(viewer.keyframeRequests, requests + 1, name);
    // frames already queued (maxFramesInFlight) come out first
    let au = await next;
    for (let i = 0; i < 5 && !au.keyframe; i++) au = await new Promise((r) => session.once('packet', r));
    assert.ok(au.keyframe, `${name} brought a keyframe`);
  }
  t.diagnostic(`decoded ${frames} frames, sent ${viewer.accessUnitsSent} access units in ` +
    `${viewer.packetsSent} RTP packets, keyframe requests (PLI/FIR): ${viewer.keyframeRequests}`);
});
