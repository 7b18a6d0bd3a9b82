'use strict';
// A fragmented MP4 writer for talkie's H.264 access units, from the session's stream info
// (SPS, PPS, size, frame rate): an init segment (ftyp + moov with avcC, mvex), then one
// fragment (moof + mdat) per access unit, so a player or ffprobe can read the file while it
// is written and a browser can feed it to Media Source Extensions. ISO/IEC 14496-12 boxes,
// ISO/IEC 14496-15 avcC. Pure JS over what talkie's public API reports.

const TIMESCALE = 90000;

function u8(v) { return Buffer.from([v & 0xff]); }
function u16(v) { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; }
function u32(v) { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return b; }
function u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(v)); return b; }
function zeros(n) { return Buffer.alloc(n); }

function box(type, ...payload) {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}
function fullBox(type, version, flags, ...payload) {
  return box(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...payload);
}

const MATRIX = Buffer.concat([u32(0x00010000), u32(0), u32(0), u32(0), u32(0x00010000), u32(0),
  u32(0), u32(0), u32(0x40000000)]);

/** Splits an Annex B access unit into NAL units (without start codes). */
function splitAnnexB(data) {
  const nals = [];
  let i = 0, start = -1;
  const n = data.length;
  while (i + 2 < n) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        while (end > start && data[end - 1] === 0) end--; // 4-byte start code / trailing zeros
        nals.push(data.subarray(start, end));
      }
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start >= 0 && start < n) nals.push(data.subarray(start, n));
  return nals;
}

/** Annex B to 4-byte length prefixes, without parameter sets and delimiters (avcC has them). */
function toAvcc(data) {
  const parts = [];
  for (const nal of splitAnnexB(data)) {
    const type = nal[0] & 0x1f;
    if (type === 7 || type === 8 || type === 9) continue;
    parts.push(u32(nal.length), nal);
  }
  return Buffer.concat(parts);
}

function initSegment(info) {
  const { width, height, sps, pps } = info;
  const ftyp = box('ftyp', Buffer.from('isom'), u32(0x200), Buffer.from('isomiso6avc1mp41'));
  const mvhd = fullBox('mvhd', 0, 0, u32(0), u32(0), u32(1000), u32(0), u32(0x00010000),
    u16(0x0100), zeros(10), MATRIX, zeros(24), u32(2));
  const tkhd = fullBox('tkhd', 0, 3, u32(0), u32(0), u32(1), u32(0), u32(0), zeros(8), u16(0),
    u16(0), u16(0), u16(0), MATRIX, u32(width << 16), u32(height << 16));
  const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(TIMESCALE), u32(0), u16(0x55c4), u16(0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide'), zeros(12),
    Buffer.from('talkie video\0', 'latin1'));
  const avcC = box('avcC', u8(1), u8(sps[1]), u8(sps[2]), u8(sps[3]), u8(0xff), u8(0xe1),
    u16(sps.length), sps, u8(1), u16(pps.length), pps);
  const avc1 = box('avc1', zeros(6), u16(1), zeros(16), u16(width), u16(height),
    u32(0x00480000), u32(0x00480000), u32(0), u16(1), zeros(32), u16(0x18), u16(0xffff), avcC);
  const stbl = box('stbl', fullBox('stsd', 0, 0, u32(1), avc1), fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)), fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)));
  const minf = box('minf', fullBox('vmhd', 0, 1, zeros(8)),
    box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1))), stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(1), u32(1), u32(0), u32(0), u32(0)));
  return Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]);
}

/** Writes fragments for one session; `info` is session.streamInfo. */
class Fmp4Writer {
  constructor(info) {
    this.info = info;
    this.sequence = 0;
    this.frameTicks = Math.round((TIMESCALE * info.fpsDen) / info.fpsNum);
  }

  init() { return initSegment(this.info); }

  /** One moof + mdat for an access unit {data, pts, keyframe}. */
  fragment(au) {
    const sample = toAvcc(au.data);
    const flags = au.keyframe ? 0x02000000 : 0x01010000;
    const trunFor = (offset) => fullBox('trun', 0, 0x000701, u32(1), u32(offset),
      u32(this.frameTicks), u32(sample.length), u32(flags));
    const build = (offset) => box('moof', fullBox('mfhd', 0, 0, u32(++this.sequence)),
      box('traf', fullBox('tfhd', 0, 0x020000, u32(1)),
        fullBox('tfdt', 1, 0, u64(au.pts * this.frameTicks)), trunFor(offset)));
    const size = build(0).length;
    this.sequence--;
    const moof = build(size + 8);
    return Buffer.concat([moof, box('mdat', sample)]);
  }
}

module.exports = { Fmp4Writer, splitAnnexB, toAvcc, initSegment, TIMESCALE };
