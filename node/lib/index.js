'use strict';
// talkie for Node.js: renders a live conversation to H.264 video (talkie.h underneath).
//
//   const { Context, Session, render } = require('talkie');
//
// Threads: rendering and encoding run on talkie's threads; packets come back to the event loop
// through a thread-safe function. A live session paces frames with a timer on the event loop
// (each tick only queues a frame: talkie never makes the caller wait for the GPU).
//
// Back-pressure policy, per output (stream(), fmp4(), a WebRTC viewer), each on its own:
// - realtime sessions (the default) never slow down for a consumer. An output holds at most
//   `highWaterMark` access units (bytes for fMP4); once its consumer is that far behind, it
//   drops access units, and once the consumer has read half of what waits it asks the session
//   for a keyframe and resumes with it: what it delivers always decodes, its memory stays
//   bounded.
// - sessions started with {realtime: false} drop nothing: they stop sending frames while any
//   output is behind, and resume when it reads (at most highWaterMark + maxFramesInFlight
//   access units wait in an output).
const { EventEmitter } = require('node:events');
const { Readable } = require('node:stream');
const native = require('./native.js');

const ENCODERS = { auto: 0, compute: 1, vkvideo: 2, lavc: 3 };
const AUDIO_CODECS = { auto: 0, none: 1, aac: 2, opus: 3 };
const LOG_LEVELS = { error: 0, warning: 1, info: 2, debug: 3 };
const BITRATE_MIN = 8000;
const BITRATE_MAX = 200000000;
const MAX_START_MS = 366 * 24 * 3600 * 1000;
const MAX_DURATION_MS = 3600 * 1000;

// ------------------------------------------------------------------------------------------
// Argument checks: TypeError for a wrong type, RangeError for a value out of range.

function typeError(msg) {
  const e = new TypeError(msg);
  e.code = 'ERR_INVALID_ARG_TYPE';
  return e;
}
function rangeError(msg) {
  const e = new RangeError(msg);
  e.code = 'ERR_OUT_OF_RANGE';
  return e;
}
function checkObject(value, name) {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') throw typeError(`${name} must be an object`);
  return value;
}
function checkInt(value, name, min, max, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max)
    throw rangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}
function checkString(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw typeError(`${name} must be a string, got ${typeof value}`);
  return value;
}
// A boolean option as the native layer takes it: 1 or 0, or undefined for the default.
function checkBool(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw typeError(`${name} must be a boolean, got ${typeof value}`);
  return value ? 1 : 0;
}
function checkEnum(value, name, table, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw typeError(`${name} must be a string, got ${typeof value}`);
  if (!(value in table))
    throw rangeError(`${name} must be one of ${Object.keys(table).join(', ')}, got '${value}'`);
  return table[value];
}
function checkSignal(signal) {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw typeError('signal must be an AbortSignal');
  return signal;
}
function checkFunction(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw typeError(`${name} must be a function`);
  return value;
}

/** fps: a positive number (29.97 is read as 30000/1001) or {num, den}. */
function checkFps(fps) {
  if (fps === undefined) return { num: 30, den: 1 };
  if (typeof fps === 'object' && fps !== null) {
    return { num: checkInt(fps.num, 'fps.num', 1, 1000), den: checkInt(fps.den, 'fps.den', 1, 1000000) };
  }
  if (typeof fps !== 'number') throw typeError(`fps must be a number, got ${typeof fps}`);
  if (!Number.isFinite(fps) || fps < 1 || fps > 240) throw rangeError(`fps must be in 1..240, got ${fps}`);
  if (Number.isInteger(fps)) return { num: fps, den: 1 };
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(ntsc / 1.001 - fps) < 0.005) return { num: ntsc * 1000, den: 1001 };
  return { num: Math.round(fps * 1000), den: 1000 };
}

function checkDevice(device) {
  if (device === undefined) return {};
  if (typeof device === 'number') return { deviceIndex: checkInt(device, 'device', 0, 255) };
  if (typeof device === 'string') return { deviceName: device };
  throw typeError('device must be a device index (number) or part of its name (string)');
}

/** A turn as the package takes it: {speaker, text, startMs?, durationMs?} (ms) or the
 *  JSONL form {speaker, text, start?, duration?} (seconds). */
function checkTurn(turn, name = 'turn') {
  if (turn === null || typeof turn !== 'object') throw typeError(`${name} must be an object`);
  const speaker = checkString(turn.speaker, `${name}.speaker`);
  const text = checkString(turn.text, `${name}.text`);
  if (speaker === undefined) throw typeError(`${name}.speaker must be a string`);
  if (text === undefined) throw typeError(`${name}.text must be a string`);
  if (Buffer.byteLength(speaker) < 1 || Buffer.byteLength(speaker) > 64)
    throw rangeError(`${name}.speaker must be 1..64 bytes of UTF-8`);
  if (Buffer.byteLength(text) < 1 || Buffer.byteLength(text) > 4096)
    throw rangeError(`${name}.text must be 1..4096 bytes of UTF-8`);
  const seconds = (v, n) => (v === undefined ? undefined :
    typeof v !== 'number' ? (() => { throw typeError(`${name}.${n} must be a number`); })() :
      Math.round(v * 1000));
  let startMs = turn.startMs !== undefined ? turn.startMs : seconds(turn.start, 'start');
  let durationMs = turn.durationMs !== undefined ? turn.durationMs : seconds(turn.duration, 'duration');
  startMs = checkInt(startMs, `${name}.startMs`, 0, MAX_START_MS, -1);
  durationMs = checkInt(durationMs, `${name}.durationMs`, 1, MAX_DURATION_MS, -1);
  return { speaker, text, startMs, durationMs };
}

function abortError(signal) {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  e.code = 'ABORT_ERR';
  if (signal && signal.reason !== undefined) e.cause = signal.reason;
  return e;
}

// ------------------------------------------------------------------------------------------

/** The device and engine many sessions share. */
class Context {
  constructor(options) {
    const o = checkObject(options, 'options');
    const nativeOptions = {
      ...checkDevice(o.device),
      validation: o.validation === undefined ? undefined : (o.validation ? 1 : 0),
      maxBatchFrames: checkInt(o.maxBatchFrames, 'maxBatchFrames', 1, 1024),
      cpuThreads: checkInt(o.cpuThreads, 'cpuThreads', 0, 1024),
      pipelineCachePath: checkString(o.pipelineCachePath, 'pipelineCachePath'),
      logLevel: checkEnum(o.logLevel, 'logLevel', LOG_LEVELS),
    };
    this._native = new native.NativeContext(nativeOptions);
    this.closed = false;
  }

  /** {sessionsOpened, kernelsCompiled, pipelineCacheLoaded, submissions, frames, framesRecoded,
   *  enginePrepareUs, enginePrepareWorkUs, engineRecordUs, engineWaitUs, engineCollectUs,
   *  engineGpuUs, engineGpuRenderUs} (index.d.ts) */
  stats() { return this._native.stats(); }

  /** Drops this handle; the device lives on until the last session on it is closed. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this._native.close();
  }

  [Symbol.dispose]() { this.close(); }
}

function nativeSessionOptions(o) {
  const fps = checkFps(o.fps);
  const bitrate = checkInt(o.bitrate, 'bitrate', BITRATE_MIN, BITRATE_MAX);
  if (bitrate !== undefined && o.qp !== undefined)
    throw typeError('give qp or bitrate, not both');
  if (o.context !== undefined && !(o.context instanceof Context))
    throw typeError('context must be a talkie Context');
  if (o.context && o.context.closed) throw rangeError('context is closed');
  const width = checkInt(o.width, 'width', 16, 4096, 320);
  const height = checkInt(o.height, 'height', 16, 4096, 240);
  if (width % 2 || height % 2) throw rangeError(`width and height must be even, got ${width}x${height}`);
  return {
    width, height, fpsNum: fps.num, fpsDen: fps.den,
    encoder: checkEnum(o.encoder, 'encoder', ENCODERS),
    qp: bitrate !== undefined ? -1 : checkInt(o.qp, 'qp', 0, 51),
    bitrate,
    keyint: checkInt(o.keyint, 'keyint', 0, 100000),
    sliceRows: checkInt(o.sliceRows, 'sliceRows', 0, 256),
    pFrames: checkBool(o.pFrames, 'pFrames'),
    textQpOffset: checkInt(o.textQpOffset, 'textQpOffset', -12, 0),
    intraRefresh: checkInt(o.intraRefresh, 'intraRefresh', 0, 1000),
    ...checkDevice(o.device),
    validation: o.validation === undefined ? undefined : (o.validation ? 1 : 0),
    fontPath: checkString(o.font, 'font'),
    maxFramesInFlight: checkInt(o.maxFramesInFlight, 'maxFramesInFlight', 1, 63, 4),
    logLevel: checkEnum(o.logLevel, 'logLevel', LOG_LEVELS),
    context: o.context ? o.context._native : undefined,
    audioCodec: checkEnum(o.audio, 'audio', AUDIO_CODECS),
    audioSampleRate: checkInt(o.audioSampleRate, 'audioSampleRate', 8000, 96000),
    audioChannels: checkInt(o.audioChannels, 'audioChannels', 1, 2),
    audioLive: o.audioLive === undefined ? undefined : (o.audioLive ? 1 : 0),
  };
}

// A turn's voice: {pcm: Int16Array | Buffer (s16, native order), sampleRate, channels}; pcm
// left out: the voice follows in chunks (turnAudio, turnAudioEnd).
function checkAudio(audio, name, needPcm) {
  if (audio === null || typeof audio !== 'object') throw typeError(`${name} must be an object`);
  const pcm = audio.pcm;
  if (pcm !== undefined && pcm !== null && !(pcm instanceof Int16Array) && !Buffer.isBuffer(pcm))
    throw typeError(`${name}.pcm must be an Int16Array or a Buffer of s16 samples`);
  if (needPcm && (pcm === undefined || pcm === null)) throw typeError(`${name}.pcm is required`);
  const sampleRate = checkInt(audio.sampleRate, `${name}.sampleRate`, 8000, 192000);
  if (sampleRate === undefined) throw typeError(`${name}.sampleRate must be a number`);
  const channels = checkInt(audio.channels, `${name}.channels`, 1, 2, 1);
  return { pcm: pcm === undefined ? null : pcm, sampleRate, channels };
}

/**
 * One output of a live session: a Readable that applies the back-pressure policy above.
 * `map` turns an access unit into what is pushed (the access unit itself, or fMP4 bytes).
 */
class SessionOutput extends Readable {
  constructor(session, options, map, first, onEnd) {
    super(options);
    this._session = session;
    this._map = map;
    this._onEnd = onEnd;       // called once when the output ends or is destroyed
    this._blocked = false;     // the consumer is highWaterMark behind
    this._needKeyframe = true; // drop until a keyframe (start, or after a drop)
    this.dropped = 0;          // access units this output dropped
    if (first) this.push(first);
    session._outputs.add(this);
    session._keyframeWanted();
  }

  _deliver(au) {
    if (au.type === 'audio') {
      // audio follows the video: where the video is dropped (or not started), so is it
      if (this._session.realtime && (this._blocked || this._needKeyframe)) return;
      const chunk = this._map(au);
      if (chunk.length !== 0 && !this.push(chunk) && this._session.realtime) {
        this._blocked = true;
        this._needKeyframe = true;
      } else if (!this._session.realtime && this.readableLength >= this.readableHighWaterMark) {
        this._blocked = true;
      }
      return;
    }
    if (!this._session.realtime) {
      // not realtime: never drop; the session stops sending while this one is behind (it
      // holds at most highWaterMark + maxFramesInFlight access units)
      if (!this.push(this._map(au))) this._blocked = true;
      return;
    }
    if (this._blocked && this.readableLength <= this.readableHighWaterMark / 2) {
      // the consumer caught up to half the limit: resume at the next keyframe
      this._blocked = false;
      this._session._keyframeWanted();
    }
    if (this._blocked) {
      this.dropped++;
      this._needKeyframe = true;
      return;
    }
    if (this._needKeyframe && !au.keyframe) {
      this.dropped++;
      return;
    }
    this._needKeyframe = false;
    if (!this.push(this._map(au))) {
      this._blocked = true;
      this._needKeyframe = true;
    }
  }

  _read() {
    // realtime outputs resume in _deliver, with hysteresis (half the limit), so that a
    // consumer just behind the limit does not ask for a keyframe per access unit
    if (!this._blocked || this._session.realtime) return;
    this._blocked = false;
    this._session._fill();
  }

  _finish() {
    if (this._onEnd) this._onEnd();
    this._onEnd = null;
  }

  _end() {
    this._session._outputs.delete(this);
    this._finish();
    this.push(null);
  }

  _destroy(err, cb) {
    this._session._outputs.delete(this);
    this._finish();
    if (this._blocked && !this._session.realtime) {
      this._blocked = false;
      this._session._fill();
    }
    cb(err);
  }
}

const STATES = ['idle', 'live', 'ending', 'ended', 'closed'];

/**
 * A live session. Events: 'state' (new, old), 'packet' (access unit), 'drop' (frame index
 * the encoder could not take in time), 'error', 'close'.
 */
class Session extends EventEmitter {
  constructor(options) {
    super();
    const o = checkObject(options, 'options');
    const signal = checkSignal(o.signal);
    if (signal && signal.aborted) throw abortError(signal);
    const nativeOptions = nativeSessionOptions(o);
    // live: the frames sent are the audio's clock, a voice that comes late never holds the
    // video back (talkie.h, audio_live)
    if (nativeOptions.audioLive === undefined) nativeOptions.audioLive = 1;
    this._native = new native.NativeSession(nativeOptions,
      (err, packets) => this._onPackets(err, packets));
    this.streamInfo = this._native.streamInfo();
    this.width = this.streamInfo.width;
    this.height = this.streamInfo.height;
    this.fps = { num: this.streamInfo.fpsNum, den: this.streamInfo.fpsDen };
    this.encoder = this.streamInfo.encoder;
    this.state = 'idle';
    this.realtime = true;
    this._frameLimit = Infinity;
    this.framesSent = 0;
    this.framesDropped = 0;
    this.packetsOut = 0;
    this._outputs = new Set();
    this._nextTurnId = 0;
    this._audioInfo = undefined; // fixed with the streams (first frame or output)
    this._timer = null;
    this._t0 = 0;
    this._nextFrame = 0;
    this._endWaiters = [];
    if (signal) {
      this._signal = signal;
      this._onAbort = () => this.close();
      signal.addEventListener('abort', this._onAbort, { once: true });
    }
  }

  _setState(state) {
    const old = this.state;
    if (old === state) return;
    this.state = state;
    this.emit('state', state, old);
  }

  /** ms of conversation time at frame index i. */
  _frameMs(i) { return (i * 1000 * this.fps.den) / this.fps.num; }

  /** The live clock: ms since start() (0 before). */
  get timeMs() {
    if (this.state !== 'live') return this._frameMs(this._nextFrame);
    return Number(process.hrtime.bigint() - this._t0) / 1e6;
  }

  /**
   * Adds a line. Returns at once: {startMs, durationMs} as queued. While live, a turn without
   * startMs starts now, or when the line being spoken ends.
   */
  say(turn) {
    this._checkOpen('say');
    const t = checkTurn(turn);
    const audio = turn.audio === undefined ? undefined : checkAudio(turn.audio, 'turn.audio');
    if (t.startMs < 0 && this.state === 'live')
      t.startMs = Math.max(Math.ceil(this.timeMs) + 1, this._native.endMs());
    let id;
    if (audio) {
      id = this._native.sayAudio(t.speaker, t.text, t.startMs, t.durationMs, audio.pcm,
        audio.sampleRate, audio.channels);
    } else {
      this._native.say(t.speaker, t.text, t.startMs, t.durationMs);
      id = this._nextTurnId;
    }
    this._nextTurnId = id + 1;
    return { id, startMs: t.startMs, endMs: this._native.endMs() };
  }

  /** The next chunk of a turn said with audio {sampleRate, channels} and no pcm. */
  turnAudio(id, chunk) {
    this._checkOpen('turnAudio');
    checkInt(id, 'id', 0, Number.MAX_SAFE_INTEGER);
    const a = checkAudio(chunk, 'chunk', true);
    this._native.turnAudio(id, a.pcm, a.sampleRate, a.channels);
  }

  /** No more voice for that turn: it lasts as long as its voice. */
  turnAudioEnd(id) {
    this._checkOpen('turnAudioEnd');
    this._native.turnAudioEnd(checkInt(id, 'id', 0, Number.MAX_SAFE_INTEGER));
  }

  /** Barge-in: the turn stops at atMs (its subtitle, its mouth and its voice). */
  cut(id, atMs) {
    this._checkOpen('cut');
    this._native.cut(checkInt(id, 'id', 0, Number.MAX_SAFE_INTEGER),
      checkInt(atMs, 'atMs', 0, MAX_START_MS));
  }

  /** The audio stream ({codec, codecString, sampleRate, channels, frameSize, extradata}) or
   *  null; asking fixes the session's streams (with audio 'auto': audio only if a voice was
   *  said before). */
  get audio() {
    if (this._audioInfo === undefined && this.state !== 'closed')
      this._audioInfo = this._native.audioInfo();
    return this._audioInfo || null;
  }

  /** When the last line said so far ends (ms). */
  get endMs() { return this.state === 'closed' ? 0 : this._native.endMs(); }

  /**
   * Starts producing frames. realtime (default true): one frame per frame period on the wall
   * clock; frames whose time passes while the encoder is busy are skipped, and a consumer that
   * falls behind loses access units up to the next keyframe. realtime false: frames as fast as
   * the encoder takes them, and the session waits for a slow consumer instead. frames: stop
   * (as end()) after that many frames.
   */
  start(options) {
    const o = checkObject(options, 'options');
    this._checkOpen('start');
    if (o.realtime !== undefined && typeof o.realtime !== 'boolean')
      throw typeError('realtime must be a boolean');
    const frames = o.frames === undefined ? Infinity : checkInt(o.frames, 'frames', 1, Number.MAX_SAFE_INTEGER);
    if (this.state !== 'idle') return this;
    this.realtime = o.realtime !== false;
    this._frameLimit = frames;
    this._t0 = process.hrtime.bigint() - BigInt(Math.round(this._frameMs(this._nextFrame) * 1e6));
    this._setState('live');
    this._tick();
    return this;
  }

  _tick() {
    this._timer = null;
    if (this.state !== 'live') return;
    if (!this.realtime) {
      this._fill();
      return;
    }
    const nowMs = this.timeMs;
    const due = Math.min(Math.floor((nowMs * this.fps.num) / (1000 * this.fps.den)),
      this._frameLimit - 1);
    if (due >= this._nextFrame) {
      // frames whose time passed while the loop was busy are skipped, not queued
      const index = due;
      this.framesDropped += index - this._nextFrame;
      try {
        if (this._native.sendFrame(index)) this.framesSent++;
        else { this.framesDropped++; this.emit('drop', index); }
      } catch (err) {
        this._fail(err);
        return;
      }
      this._nextFrame = index + 1;
    }
    if (this._nextFrame >= this._frameLimit) {
      this.end();
      return;
    }
    const wait = this._frameMs(this._nextFrame) - this.timeMs;
    this._timer = setTimeout(() => this._tick(), Math.max(0, Math.ceil(wait)));
  }

  /** Not realtime: sends frames while the encoder takes them and no output is behind. */
  _fill() {
    if (this.state !== 'live') return;
    for (const out of this._outputs) if (out._blocked) return; // resumed by its _read
    try {
      while (this._nextFrame < this._frameLimit && this._native.sendFrame(this._nextFrame)) {
        this._nextFrame++;
        this.framesSent++;
      }
    } catch (err) {
      this._fail(err);
      return;
    }
    if (this._nextFrame >= this._frameLimit) this.end();
    // else: _onPackets calls again when the encoder has room
  }

  _onPackets(err, packets) {
    const frameUs = (1e6 * this.fps.den) / this.fps.num;
    for (const p of packets) {
      if (p.audio) {
        this._deliverAudio(p);
        continue;
      }
      const au = { type: 'video', data: p.data, pts: p.pts, dts: p.dts, keyframe: p.keyframe,
        timestampUs: Math.round(p.pts * frameUs) };
      this.packetsOut++;
      this.emit('packet', au);
      for (const out of this._outputs) out._deliver(au);
    }
    if (err) this._fail(err);
    else if (this.state === 'live' && !this.realtime) this._fill();
    this._checkEnded();
  }

  /** An audio packet to the outputs: {type: 'audio', data, pts and duration in samples,
   *  timestampUs}. */
  _deliverAudio(p) {
    const rate = this.audio ? this.audio.sampleRate : 48000;
    const pkt = { type: 'audio', data: p.data, pts: p.pts, duration: p.duration,
      timestampUs: Math.round((p.pts * 1e6) / rate) };
    this.emit('audio', pkt);
    for (const out of this._outputs) out._deliver(pkt);
  }

  _fail(err) {
    this._stopTimer();
    for (const out of this._outputs) out.destroy(err);
    this.emit('error', err);
    this.close();
  }

  _keyframeWanted() {
    if (this.state === 'idle' || this.state === 'live') this._native.requestKeyframe();
  }

  _stopTimer() {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
  }

  _checkEnded() {
    if (this.state !== 'ending' || this._native.inFlight() > 0) return;
    // the audio ends with the last frame: its last packets go out before the outputs end
    try {
      for (const p of this._native.finishAudio()) this._deliverAudio(p);
    } catch (err) {
      this._fail(err);
      return;
    }
    for (const out of [...this._outputs]) out._end();
    this._setState('ended');
    for (const resolve of this._endWaiters.splice(0)) resolve();
  }

  _checkOpen(what) {
    if (this.state === 'closed') {
      const e = new Error(`${what}: the session is closed`);
      e.code = 'ERR_TALKIE_CLOSED';
      throw e;
    }
  }

  /** A Readable (object mode) of access units {type: 'video', data, pts, dts, keyframe,
   *  timestampUs} and, when the session has audio, audio packets {type: 'audio', data, pts,
   *  duration (in samples), timestampUs}, in the order they were made. */
  stream(options) {
    const o = checkObject(options, 'options');
    this._checkOpen('stream');
    const hwm = checkInt(o.highWaterMark, 'highWaterMark', 1, 10000, 30);
    return new SessionOutput(this, { objectMode: true, highWaterMark: hwm }, (au) => au);
  }

  /** A Readable of fragmented MP4 bytes: the init segment, then one fragment per frame and,
   *  when the session has audio, one per audio packet (an audio track, AAC or Opus), written
   *  by libavformat in the addon (talkie_output_open_cb). */
  fmp4(options) {
    const o = checkObject(options, 'options');
    this._checkOpen('fmp4');
    const hwm = checkInt(o.highWaterMark, 'highWaterMark', 1024, 1 << 30, 1 << 20);
    const mux = new native.NativeFmp4(this._native);
    return new SessionOutput(this, { highWaterMark: hwm },
      (au) => (au.type === 'audio' ? mux.writeAudio(au.data, au.pts, au.duration)
        : mux.write(au.data, au.pts, au.keyframe)), null, () => mux.close());
  }

  /** The next frame is an IDR access unit (with SPS and PPS). */
  requestKeyframe() {
    this._checkOpen('requestKeyframe');
    this._native.requestKeyframe();
  }

  /** Target bitrate in bits/s from the next frame on. */
  setBitrate(bitrate) {
    this._checkOpen('setBitrate');
    this._native.setBitrate(checkInt(bitrate, 'bitrate', BITRATE_MIN, BITRATE_MAX));
  }

  /** Stops producing frames; resolves once every frame sent came out and the outputs ended. */
  end() {
    if (this.state === 'closed' || this.state === 'ended') return Promise.resolve();
    this._stopTimer();
    const done = new Promise((resolve) => this._endWaiters.push(resolve));
    this._setState('ending');
    this._checkEnded();
    return done;
  }

  /** Frees the session at once (packets not delivered are dropped); a second call does
   *  nothing. Outputs end. */
  close() {
    if (this.state === 'closed') return;
    this._stopTimer();
    if (this._signal) this._signal.removeEventListener('abort', this._onAbort);
    this._native.close();
    for (const out of [...this._outputs]) out._end();
    this._setState('closed');
    for (const resolve of this._endWaiters.splice(0)) resolve();
    this.emit('close');
  }

  async [Symbol.asyncDispose]() {
    await this.end();
    this.close();
  }

  [Symbol.dispose]() { this.close(); }
}

/** Frames for a conversation that ends at endMs: the whole of it plus tailMs, rounded up. */
function frameCount(endMs, fps, tailMs) {
  return Math.ceil(((endMs + tailMs) * fps.num) / (1000 * fps.den));
}

/**
 * Renders a whole conversation (an array of turns) to a file on a worker thread.
 * Resolves to {output, frames}; rejects with an AbortError when `signal` aborts (the partial
 * file is removed) or with a talkie Error (.code = talkie's error name).
 */
function render(conversation, options) {
  return new Promise((resolve, reject) => {
    if (!Array.isArray(conversation)) throw typeError('conversation must be an array of turns');
    const turns = conversation.map((t, i) => ({ ...checkTurn(t, `conversation[${i}]`),
      audio: t.audio === undefined ? undefined :
        checkAudio(t.audio, `conversation[${i}].audio`, true) }));
    const o = checkObject(options, 'options');
    const output = checkString(o.output, 'output');
    if (!output) throw typeError('output must be a file name');
    const format = checkString(o.format, 'format');
    const signal = checkSignal(o.signal);
    const onProgress = checkFunction(o.onProgress, 'onProgress');
    const tailMs = checkInt(o.tailMs, 'tailMs', 0, MAX_DURATION_MS, 1000);
    const nativeOptions = nativeSessionOptions(o);
    if (signal && signal.aborted) throw abortError(signal);
    const s = new native.NativeSession(nativeOptions);
    let frames;
    try {
      for (const t of turns) {
        if (t.audio) s.sayAudio(t.speaker, t.text, t.startMs, t.durationMs, t.audio.pcm,
          t.audio.sampleRate, t.audio.channels);
        else s.say(t.speaker, t.text, t.startMs, t.durationMs);
      }
      frames = frameCount(s.endMs(), { num: nativeOptions.fpsNum, den: nativeOptions.fpsDen }, tailMs);
    } catch (err) {
      s.close();
      throw err;
    }
    const onAbort = () => s.abortRender();
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    const progress = onProgress && ((done, total) => onProgress({ frames: done, totalFrames: total }));
    s.renderFile(output, format, frames, progress).then((n) => {
      if (signal) signal.removeEventListener('abort', onAbort);
      if (signal && signal.aborted) reject(abortError(signal));
      else resolve({ output, frames: n });
    }, (err) => {
      if (signal) signal.removeEventListener('abort', onAbort);
      reject(signal && signal.aborted ? abortError(signal) : err);
    });
  });
}

/** Vulkan devices: [{index, name, driver, type, canEncodeH264}] */
function devices() { return native.devices(); }

module.exports = {
  Context, Session, render, devices, version: native.version(),
  ENCODERS: Object.keys(ENCODERS), STATES,
};
