// ISO BMFF box primitives shared by every parser in this folder: box headers, child iteration and bounds-checked
// field reads. Every read goes through these helpers so that a corrupt size or a short box always becomes an
// Fmp4ParseError with a code and a byte offset, never a RangeError from Buffer. Pure: no I/O, no app imports.
// Box types are compared as big-endian u32 numbers (not strings) so the hot paths allocate nothing per box.

import { Fmp4ParseError, type Fmp4ErrorCode } from './types.js';

/** The four ASCII characters of a box type as the big-endian u32 the header carries. */
export function fourcc(s: string): number {
  return ((s.charCodeAt(0) << 24) | (s.charCodeAt(1) << 16) | (s.charCodeAt(2) << 8) | s.charCodeAt(3)) >>> 0;
}

/** Printable form of a box type for messages; non-printable bytes are escaped so corrupt input stays readable. */
export function typeName(type: number): string {
  let out = '';
  for (let shift = 24; shift >= 0; shift -= 8) {
    const c = (type >>> shift) & 0xff;
    out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export const T = {
  ftyp: fourcc('ftyp'),
  styp: fourcc('styp'),
  moov: fourcc('moov'),
  mvex: fourcc('mvex'),
  trex: fourcc('trex'),
  trak: fourcc('trak'),
  tkhd: fourcc('tkhd'),
  mdia: fourcc('mdia'),
  mdhd: fourcc('mdhd'),
  hdlr: fourcc('hdlr'),
  minf: fourcc('minf'),
  stbl: fourcc('stbl'),
  stsd: fourcc('stsd'),
  vide: fourcc('vide'),
  avc1: fourcc('avc1'),
  avc3: fourcc('avc3'),
  avcC: fourcc('avcC'),
  hvc1: fourcc('hvc1'),
  hev1: fourcc('hev1'),
  hvcC: fourcc('hvcC'),
  moof: fourcc('moof'),
  mfhd: fourcc('mfhd'),
  traf: fourcc('traf'),
  tfhd: fourcc('tfhd'),
  tfdt: fourcc('tfdt'),
  trun: fourcc('trun'),
  mdat: fourcc('mdat'),
  sidx: fourcc('sidx'),
  prft: fourcc('prft'),
  emsg: fourcc('emsg'),
  free: fourcc('free'),
  skip: fourcc('skip'),
  mfra: fourcc('mfra'),
} as const;

/** Boxes that carry nothing we need and may appear between the items of a stream (mfra: ffmpeg's file trailer). */
export function isIgnorable(type: number): boolean {
  return type === T.free || type === T.skip || type === T.mfra;
}

export function fail(code: Fmp4ErrorCode, message: string, offset?: number): never {
  throw new Fmp4ParseError(code, message, offset);
}

/** A box located in a buffer: `start` is the first header byte, `payload` the first byte after the header. */
export interface Box {
  type: number;
  start: number;
  payload: number;
  end: number;
}

/**
 * Reads the box header at `pos`, which must lie inside [pos, limit). `overrun` is the code used when the box claims
 * to extend past `limit`: 'truncated' at the top level of an input (the input ended early), 'bad_box_size' for a
 * child that overflows its parent (the parent is whole, so the child's size is what is wrong).
 * Size 0 ("to the end of the enclosing space") is honoured: it is legal ISO BMFF and cheap to support here.
 */
export function readBox(buf: Buffer, pos: number, limit: number, overrun: 'truncated' | 'bad_box_size'): Box {
  if (limit - pos < 8) fail(overrun, `box header needs 8 bytes, ${limit - pos} left`, pos);
  let size = buf.readUInt32BE(pos);
  const type = buf.readUInt32BE(pos + 4);
  let header = 8;
  if (size === 1) {
    if (limit - pos < 16) fail(overrun, `64-bit box header of '${typeName(type)}' needs 16 bytes`, pos);
    size = readU64(buf, pos + 8, 'bad_box_size');
    header = 16;
  } else if (size === 0) {
    size = limit - pos;
  }
  if (size < header) fail('bad_box_size', `'${typeName(type)}' size ${size} is smaller than its header`, pos);
  if (size > limit - pos) fail(overrun, `'${typeName(type)}' size ${size} runs past the end (${limit - pos} left)`, pos);
  return { type, start: pos, payload: pos + header, end: pos + size };
}

/**
 * The children of a container payload [start, end). A tail shorter than a box header is tolerated: QuickTime writers
 * pad some containers with a 4-byte zero terminator, and it cannot hide a box we need.
 */
export function children(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  let pos = start;
  while (end - pos >= 8) {
    const box = readBox(buf, pos, end, 'bad_box_size');
    out.push(box);
    pos = box.end;
  }
  return out;
}

export function findChild(buf: Buffer, start: number, end: number, type: number): Box | undefined {
  let pos = start;
  while (end - pos >= 8) {
    const box = readBox(buf, pos, end, 'bad_box_size');
    if (box.type === type) return box;
    pos = box.end;
  }
  return undefined;
}

export function requireChild(buf: Buffer, parent: Box, type: number): Box {
  const box = findChild(buf, parent.payload, parent.end, type);
  if (!box) fail('missing_box', `'${typeName(parent.type)}' has no '${typeName(type)}'`, parent.start);
  return box;
}

/** Throws unless `n` bytes starting at `pos` lie inside `box`: a box too short for its own fields has a bad size. */
export function need(box: Box, pos: number, n: number, what: string): void {
  if (pos + n > box.end) fail('bad_box_size', `'${typeName(box.type)}' too short for ${what}`, box.start);
}

/** A u64 as a JS number; values past 2^53 cannot be represented exactly and are rejected rather than rounded. */
export function readU64(buf: Buffer, pos: number, code: Fmp4ErrorCode = 'bad_value'): number {
  const hi = buf.readUInt32BE(pos);
  if (hi > 0x1fffff) fail(code, `64-bit value at ${pos} exceeds 2^53`, pos);
  return hi * 0x1_0000_0000 + buf.readUInt32BE(pos + 4);
}

/** FullBox version and flags (the first 4 payload bytes). */
export function fullBox(buf: Buffer, box: Box): { version: number; flags: number } {
  need(box, box.payload, 4, 'version and flags');
  const word = buf.readUInt32BE(box.payload);
  return { version: word >>> 24, flags: word & 0xffffff };
}
