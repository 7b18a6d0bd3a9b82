// Types of the talkie package (lib/index.js).
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';

export type Encoder = 'auto' | 'compute' | 'vkvideo' | 'lavc';
export type LogLevel = 'error' | 'warning' | 'info' | 'debug';
export type SessionState = 'idle' | 'live' | 'ending' | 'ended' | 'closed';
/** A frame rate: a number (29.97 means 30000/1001) or a fraction. */
export type Fps = number | { num: number; den: number };

export interface ContextOptions {
  /** Vulkan device index, or part of its name. Default: the best device. */
  device?: number | string;
  validation?: boolean;
  pipelineCachePath?: string;
  /** Frames (of all sessions) per GPU submission, 1..1024 (default 64). */
  maxBatchFrames?: number;
  /** Threads for CPU encoders; 0: one per core (default 0). */
  cpuThreads?: number;
  logLevel?: LogLevel;
}

export interface ContextStats {
  sessionsOpened: number;
  kernelsCompiled: number;
  pipelineCacheLoaded: number;
  submissions: number;
  frames: number;
  /** codings of frames the compute encoder coded again (over their size cap), in frames */
  framesRecoded: number;
  /** microseconds the engine's submit thread spent preparing renders (host side) */
  enginePrepareUs: number;
  /** microseconds inside the renders' prepares, summed over every thread that prepares */
  enginePrepareWorkUs: number;
  /** microseconds the submit thread spent recording and submitting batches */
  engineRecordUs: number;
  /** microseconds the completion thread waited for the GPU */
  engineWaitUs: number;
  /** microseconds the completion thread spent on packets and their delivery */
  engineCollectUs: number;
  /** GPU microseconds of the submissions (timestamps; 0 where the device has none) */
  engineGpuUs: number;
  /** of engineGpuUs, the renders */
  engineGpuRenderUs: number;
}

/** The device and engine that many sessions share. */
export class Context {
  constructor(options?: ContextOptions);
  readonly closed: boolean;
  stats(): ContextStats;
  /** Idempotent; the device lives until the last session on it closes. */
  close(): void;
  [Symbol.dispose](): void;
}

export interface SessionOptions {
  /** Even, 16..4096 (default 320x240). */
  width?: number;
  height?: number;
  /** Default 30. */
  fps?: Fps;
  encoder?: Encoder;
  /** Constant QP 0..51 (default 26); or bitrate. */
  qp?: number;
  /** Target bits/s, 8000..200000000, instead of qp. */
  bitrate?: number;
  /** Frames between IDR frames; 0: two seconds (default). */
  keyint?: number;
  /** Compute encoder on a GPU: P frames between IDRs (many times fewer bytes, several times
   *  the latency and fewer live sessions per GPU); default false: every frame an IDR. */
  pFrames?: boolean;
  /** Macroblock rows a slice (compute encoder), 0..256; 0: the library's choice. */
  sliceRows?: number;
  /** -12..0: macroblocks under subtitle text are coded at the QP plus this, so text stays
   *  legible at low bitrates (TalkieSettings.text_qp_offset; compute and lavc encoders;
   *  default -6). */
  textQpOffset?: number;
  /** 0..1000: with P frames, a column of intra macroblocks sweeps the picture once every N
   *  frames instead of periodic IDRs (no keyframe size spikes in live streams; IDRs then only
   *  the first and those asked for, unless keyint is given); 0: off (default;
   *  TalkieSettings.intra_refresh). */
  intraRefresh?: number;
  context?: Context;
  device?: number | string;
  validation?: boolean;
  /** A font file; default: fontconfig's DejaVu Sans. */
  font?: string;
  /** Frames queued on the GPU before the pacer skips one, 1..63 (default 4). */
  maxFramesInFlight?: number;
  logLevel?: LogLevel;
  /** Aborting it closes the session. */
  signal?: AbortSignal;
  /** The audio stream: 'auto' (default: AAC if a voice was said before start() or the first
   *  output, else none), 'aac', 'opus' or 'none'. Live agents whose voices come later: 'aac'. */
  audio?: 'auto' | 'aac' | 'opus' | 'none';
  /** Hz of the audio stream (default 48000; Opus: 48000 only). */
  audioSampleRate?: number;
  /** 1 or 2 (default 1). */
  audioChannels?: number;
  /** true (default for Session): the frames are the audio's clock, a voice arriving late is
   *  dropped rather than holding the video back. */
  audioLive?: boolean;
}

/** A voice: PCM s16 in native byte order (s16le). Without pcm, it follows in chunks
 *  (turnAudio, then turnAudioEnd). */
export interface Voice {
  pcm?: Int16Array | Buffer;
  /** 8000..192000 Hz (TTS rates: 16000, 22050, 24000, 44100, 48000). */
  sampleRate: number;
  /** 1 (default) or 2, interleaved. */
  channels?: number;
}

/** An audio packet (AAC or Opus, raw) of a session with audio. */
export interface AudioPacket {
  type: 'audio';
  data: Buffer;
  /** In samples from session time 0 (the first, priming, is negative). */
  pts: number;
  duration: number;
  timestampUs: number;
}

export interface AudioInfo {
  codec: 'aac' | 'opus';
  /** RFC 6381: "mp4a.40.2", "opus". */
  codecString: string;
  sampleRate: number;
  channels: number;
  frameSize: number;
  /** AudioSpecificConfig (AAC) or OpusHead. */
  extradata: Buffer;
}

export interface Turn {
  speaker: string;
  text: string;
  /** When the line starts (ms). Live: default now, or when the current line ends. */
  startMs?: number;
  /** How long it is spoken (ms); default: estimated from the text. */
  durationMs?: number;
  /** The JSONL form, in seconds, instead of startMs / durationMs. */
  start?: number;
  duration?: number;
  /** The line's voice: it lasts as long as its voice, and the mouth follows it. */
  audio?: Voice;
}

/** An H.264 access unit (Annex B, SPS/PPS on keyframes). */
export interface AccessUnit {
  type: 'video';
  data: Buffer;
  /** Presentation time in frames (the frame index). */
  pts: number;
  dts: number;
  keyframe: boolean;
  /** pts in microseconds. */
  timestampUs: number;
}

export interface StreamInfo {
  width: number;
  height: number;
  fpsNum: number;
  fpsDen: number;
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  /** RFC 6381, e.g. "avc1.42C01E". */
  codec: string;
  encoder: Encoder;
  sps: Buffer;
  pps: Buffer;
}

export interface StartOptions {
  /** true (default): paced at fps on the wall clock, slow consumers drop until a keyframe.
   *  false: as fast as the encoder goes, slow consumers slow the session down. */
  realtime?: boolean;
  /** Stop (as end()) after this many frames. */
  frames?: number;
}

/** A live output (stream(), fmp4()). */
export interface SessionOutput<T> extends Readable {
  /** Access units this output dropped under the back-pressure policy. */
  readonly dropped: number;
  [Symbol.asyncIterator](): AsyncIterableIterator<T>;
}

export class Session extends EventEmitter {
  constructor(options?: SessionOptions);
  readonly state: SessionState;
  readonly streamInfo: StreamInfo;
  readonly width: number;
  readonly height: number;
  readonly fps: { num: number; den: number };
  readonly encoder: Encoder;
  readonly realtime: boolean;
  readonly framesSent: number;
  readonly framesDropped: number;
  readonly packetsOut: number;
  /** The live clock (ms). */
  readonly timeMs: number;
  /** When the last line said so far ends (ms). */
  readonly endMs: number;
  /** Queues a line; returns at once, with its turn id (for turnAudio, cut). */
  say(turn: Turn): { id: number; startMs: number; endMs: number };
  /** The next chunk of a voice said without pcm. */
  turnAudio(id: number, chunk: Voice): void;
  /** No more voice for that turn. */
  turnAudioEnd(id: number): void;
  /** Barge-in: the turn stops at atMs. */
  cut(id: number, atMs: number): void;
  /** The audio stream, or null (asking fixes the session's streams). */
  readonly audio: AudioInfo | null;
  start(options?: StartOptions): this;
  /** Access units and audio packets, object mode. highWaterMark in items (default 30). */
  stream(options?: { highWaterMark?: number }): SessionOutput<AccessUnit | AudioPacket>;
  /** Fragmented MP4 bytes: init segment, then a fragment per frame and per audio packet.
   *  highWaterMark in bytes (default 1 MiB). */
  fmp4(options?: { highWaterMark?: number }): SessionOutput<Buffer>;
  requestKeyframe(): void;
  setBitrate(bitsPerSecond: number): void;
  /** Stops producing; resolves when every frame sent came out and the outputs ended. */
  end(): Promise<void>;
  /** Frees the session at once; idempotent. */
  close(): void;
  [Symbol.asyncDispose](): Promise<void>;
  [Symbol.dispose](): void;

  on(event: 'state', listener: (state: SessionState, previous: SessionState) => void): this;
  on(event: 'packet', listener: (au: AccessUnit) => void): this;
  on(event: 'audio', listener: (packet: AudioPacket) => void): this;
  on(event: 'drop', listener: (frameIndex: number) => void): this;
  on(event: 'error', listener: (err: TalkieError) => void): this;
  on(event: 'close', listener: () => void): this;
}

/** Errors from the library: .code is talkie's error name ("EINVAL", "TALKIE_ERROR_VULKAN"). */
export interface TalkieError extends Error {
  code: string;
  errno?: number;
}

export interface RenderOptions extends Omit<SessionOptions, 'signal'> {
  /** .mp4, .h264/.264 or .ts (or format). */
  output: string;
  format?: 'mp4' | 'h264' | 'mpegts';
  signal?: AbortSignal;
  onProgress?: (progress: { frames: number; totalFrames: number }) => void;
  /** Video after the last line ends (ms, default 1000). */
  tailMs?: number;
}

/** Renders a whole conversation to a file on a worker thread. Rejects with an AbortError
 *  (name 'AbortError', code 'ABORT_ERR') when signal aborts; no partial file stays. */
export function render(conversation: Turn[], options: RenderOptions): Promise<{ output: string; frames: number }>;

export interface DeviceInfo {
  index: number;
  name: string;
  driver: string;
  /** 0 other, 1 integrated, 2 discrete, 3 virtual, 4 cpu */
  type: number;
  canEncodeH264: number;
}
export function devices(): DeviceInfo[];
export const version: string;
export const ENCODERS: Encoder[];
export const STATES: SessionState[];

