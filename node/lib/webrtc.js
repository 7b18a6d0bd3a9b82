'use strict';
// WebRTC out, WHEP style (draft-ietf-wish-whep): the browser POSTs an SDP offer, the server
// answers; the session's own H.264 access units go out without re-encoding, packetized per
// RFC 6184 (single NAL unit, STAP-A, FU-A) by werift's H264Packetizer, one whole access unit
// per RTP timestamp. A keyframe request from the browser (RTCP PLI or FIR) reaches
// session.requestKeyframe(). werift is an optional peer dependency: install it to use this.
//
//   const { WhepEndpoint } = require('talkie/webrtc');
//   const whep = new WhepEndpoint(session);
//   http.createServer(async (req, res) => { if (!(await whep.handle(req, res))) ... });
//
// Each viewer follows the session's back-pressure policy: it joins at a keyframe, and a viewer
// whose transport is not connected yet receives nothing (it asks for a keyframe once it is).
const { randomUUID } = require('node:crypto');

function loadWerift() {
  try {
    return require('werift');
  } catch (err) {
    const e = new Error('talkie/webrtc needs the werift package: npm install werift@0.25');
    e.code = 'ERR_TALKIE_NO_WERIFT';
    e.cause = err;
    throw e;
  }
}

const RTCP_PSFB = 206;
const PSFB_PLI = 1;
const PSFB_FIR = 4;

/** One browser: a peer connection fed from the session. */
class Viewer {
  constructor(endpoint, werift, id) {
    this.id = id;
    this.endpoint = endpoint;
    this.session = endpoint.session;
    this.keyframeRequests = 0;
    this.packetsSent = 0;
    this.accessUnitsSent = 0;
    this._connected = false;
    this._needKeyframe = true;
    this._closed = false;
    const codec = new werift.RTCRtpCodecParameters({
      mimeType: 'video/H264',
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' },
        { type: 'ccm', parameter: 'fir' }],
      parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
    });
    this.pc = new werift.RTCPeerConnection({
      codecs: { video: [codec], audio: [] },
      iceAdditionalHostAddresses: endpoint.iceAdditionalHostAddresses,
      iceServers: endpoint.iceServers,
    });
    this.track = new werift.MediaStreamTrack({ kind: 'video' });
    // the answerer sends only: Chromium shows nothing for a sendrecv answer with no media back
    this.transceiver = this.pc.addTransceiver(this.track, { direction: 'sendonly' });
    const info = this.session.streamInfo;
    this.packetizer = new werift.H264Packetizer({
      inputFormat: 'annexb', parameterSets: [info.sps, info.pps], maxPayloadSize: 1200,
    });
    this.ticksPerFrame = (90000 * info.fpsDen) / info.fpsNum;
    this.transceiver.sender.onRtcp.subscribe((rtcp) => this._onRtcp(rtcp));
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        this._connected = true;
        this._wantKeyframe();
      } else if (state === 'failed' || state === 'closed') {
        this.close();
      }
    });
  }

  _onRtcp(rtcp) {
    if (rtcp.type !== RTCP_PSFB || !rtcp.feedback) return;
    const count = rtcp.feedback.count;
    if (count === PSFB_PLI || count === PSFB_FIR) {
      this.keyframeRequests++;
      this._wantKeyframe();
    }
  }

  _wantKeyframe() {
    this._needKeyframe = true;
    this.endpoint.emit('keyframeRequest', this);
    if (this.session.state === 'live' || this.session.state === 'idle')
      this.session.requestKeyframe();
  }

  async answer(offerSdp) {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 3000);
        this.pc.iceGatheringStateChange.subscribe((s) => {
          if (s === 'complete') { clearTimeout(timer); resolve(); }
        });
      });
    }
    return this.pc.localDescription.sdp;
  }

  // the session calls these (it holds the viewer among its outputs)
  _deliver(au) {
    if (!this._connected || this._closed) return;
    if (this._needKeyframe && !au.keyframe) return;
    this._needKeyframe = false;
    const ts = Math.round(au.pts * this.ticksPerFrame) >>> 0;
    for (const rtp of this.packetizer.packetize(au.data, ts)) {
      this.packetsSent++;
      this.transceiver.sender.sendRtp(rtp).catch(() => {});
    }
    this.accessUnitsSent++;
  }

  _end() { this.close(); }

  close() {
    if (this._closed) return;
    this._closed = true;
    this.session._outputs.delete(this);
    this.endpoint.viewers.delete(this.id);
    this.pc.close().catch(() => {});
    this.endpoint.emit('viewerClosed', this);
  }
}

/**
 * Serves one session to any number of browsers. Events: 'viewer' (a new one),
 * 'viewerClosed', 'keyframeRequest'.
 */
class WhepEndpoint extends require('node:events').EventEmitter {
  constructor(session, options = {}) {
    super();
    if (!session || typeof session.requestKeyframe !== 'function' || !session.streamInfo)
      throw new TypeError('session must be a talkie Session');
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    this.session = session;
    this.path = options.path ?? '/whep';
    if (typeof this.path !== 'string' || !this.path.startsWith('/'))
      throw new TypeError('path must be a string that starts with /');
    this.iceAdditionalHostAddresses = options.iceAdditionalHostAddresses ?? ['127.0.0.1'];
    this.iceServers = options.iceServers ?? [];
    this.viewers = new Map();
    this._werift = loadWerift();
  }

  /** Answers an SDP offer: {id, sdp}. The viewer starts receiving once connected. */
  async answer(offerSdp) {
    if (typeof offerSdp !== 'string' || !offerSdp.startsWith('v=0'))
      throw new TypeError('offer must be an SDP string');
    if (this.session.state === 'closed') throw new Error('the session is closed');
    const viewer = new Viewer(this, this._werift, randomUUID());
    try {
      const sdp = await viewer.answer(offerSdp);
      this.viewers.set(viewer.id, viewer);
      this.session._outputs.add(viewer);
      this.emit('viewer', viewer);
      return { id: viewer.id, sdp };
    } catch (err) {
      viewer.close();
      throw err;
    }
  }

  /**
   * An http request handler: POST <path> with an application/sdp offer gets 201 with the
   * answer and a Location to DELETE. Resolves to false for a request that is not its own.
   */
  async handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === this.path && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) {
        body += chunk;
        if (body.length > 65536) { res.writeHead(413).end(); return true; }
      }
      try {
        const { id, sdp } = await this.answer(body);
        res.writeHead(201, { 'Content-Type': 'application/sdp', Location: `${this.path}/${id}` });
        res.end(sdp);
      } catch (err) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(String(err.message));
      }
      return true;
    }
    if (url.pathname.startsWith(this.path + '/') && req.method === 'DELETE') {
      const viewer = this.viewers.get(url.pathname.slice(this.path.length + 1));
      if (viewer) viewer.close();
      res.writeHead(viewer ? 200 : 404).end();
      return true;
    }
    return false;
  }

  close() {
    for (const viewer of [...this.viewers.values()]) viewer.close();
  }
}

/** A minimal page that plays a WHEP endpoint (for examples and tests). */
function playerPage({ whepPath = '/whep', title = 'talkie' } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>
<body style="margin:0;background:#111"><video id="v" autoplay muted playsinline></video>
<script>
(async () => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  const v = document.getElementById('v');
  pc.ontrack = (e) => { v.srcObject = e.streams[0] || new MediaStream([e.track]); };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => { if (pc.iceGatheringState === 'complete') r();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 2000); });
  const res = await fetch(${JSON.stringify(whepPath)}, { method: 'POST',
    headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  window.talkiePc = pc;
})();
</script></body></html>`;
}

module.exports = { WhepEndpoint, playerPage };
