// Fmp4StreamParser: splits ffmpeg's fragmented MP4 byte stream (arbitrarily chunked) into init segments and
// fragments, in order. Grammar, one box at a time:
//
//   stream   := junk* (init fragment*)+
//   init     := ftyp ignorable* moov                         (a new init mid-stream is accepted: ffmpeg restarts)
//   fragment := (styp | sidx | prft | emsg | ignorable)* moof mdat
//   junk     := ignorable                                    (before the first ftyp: dropped)
//   ignorable:= free | skip | mfra
//
// Cost: each byte is looked at once. Only box headers (8 or 16 bytes) are copied into a scratch buffer; the bytes of
// the pending item are kept as the list of chunk views they arrived in. An item lying inside one pushed chunk is
// returned as a view of that chunk, without a copy: callers hand over their chunks (as Node streams do) and must not
// reuse them. A fragment spanning chunks is not joined either: it is returned as its chunk views (chunked.ts; only its
// head, up to the mdat header, is joined if it straddles a chunk boundary); an init segment is joined.

import { T, fail, isIgnorable, readU64, typeName } from './box.js';
import { chunkedFragment } from './chunked.js';
import { isFragmentPrefix, parseFragment } from './fragment.js';
import { parseInit } from './init.js';
import { Fmp4ParseError, type Fmp4Item, type Fmp4StreamOptions, type InitSegment } from './types.js';

export const DEFAULT_MAX_BOX_SIZE = 64 * 1024 * 1024;

const EXPECT_FTYP = 0;
const EXPECT_MOOV = 1;
const BETWEEN_FRAGMENTS = 2;
const EXPECT_MDAT = 3;

/**
 * The parser's engine, also used by splitFile: reports where each item starts and how far the stream is made of whole
 * items (`cleanOffset`), which the public class has no reason to expose.
 */
export class StreamCore {
  /** Absolute stream offset just after the last whole item (or trailing ignorable box). */
  cleanOffset = 0;
  private readonly maxBoxSize: number;
  private error: Fmp4ParseError | undefined;
  private init: InitSegment | undefined;
  private state = EXPECT_FTYP;
  /** Absolute offset of the first byte of the current chunk. */
  private streamPos = 0;
  /** Views of earlier chunks holding the bytes from `partsStart` up to the current chunk. */
  private parts: Buffer[] = [];
  private partsStart = 0;
  /** Absolute offset of the pending item's first byte, or -1 when no item is pending. */
  private itemStart = -1;
  /** The pending item has a box that is not ignorable (so a stream ending here is cut inside a fragment). */
  private itemSignificant = false;
  private readonly header = Buffer.alloc(16);
  private headerFill = 0;
  private headerNeed = 8;
  /** Bytes of the current box still to come after its header, or -1 while its header is being read. */
  private boxRemaining = -1;
  private boxType = 0;
  /** Absolute offset just after the current fragment's mdat header: the fragment's head that parseFragment reads. */
  private mdatHeaderEnd = 0;

  constructor(options: Fmp4StreamOptions = {}) {
    const max = options.maxBoxSize ?? DEFAULT_MAX_BOX_SIZE;
    if (!Number.isSafeInteger(max) || max < 16) throw new RangeError(`maxBoxSize must be an integer >= 16, got ${max}`);
    this.maxBoxSize = max;
  }

  /**
   * Appends the items completed by `chunk` to `out` and their absolute start offsets to `offsets`. When the chunk
   * completes items before hitting an error, the items are delivered and the error is thrown by the next call: no
   * whole fragment is lost to damage after it, and the items seen do not depend on how the stream was chunked.
   */
  feed(chunk: Buffer, out: Fmp4Item[], offsets?: number[]): void {
    if (this.error) throw this.error;
    const before = out.length;
    try {
      this.consume(chunk, out, offsets);
    } catch (e) {
      if (!(e instanceof Fmp4ParseError)) throw e;
      this.error = e;
      if (out.length === before) throw e;
    }
  }

  finish(): void {
    if (this.error) throw this.error;
    const midBox = this.boxRemaining >= 0 || this.headerFill > 0;
    if (midBox || this.state === EXPECT_MOOV || this.state === EXPECT_MDAT || this.itemSignificant) {
      this.error = new Fmp4ParseError('truncated', 'stream ended inside a box or between a moof and its mdat', this.streamPos);
      throw this.error;
    }
  }

  private consume(chunk: Buffer, out: Fmp4Item[], offsets: number[] | undefined): void {
    const n = chunk.length;
    let pos = 0;
    /** First byte of `chunk` not yet recorded in `parts`. */
    let kept = 0;
    while (pos < n) {
      if (this.boxRemaining < 0) {
        const take = Math.min(this.headerNeed - this.headerFill, n - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + take);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < this.headerNeed) break;
        if (this.headerNeed === 8 && this.header.readUInt32BE(0) === 1) {
          this.headerNeed = 16; // 64-bit size follows the type
          continue;
        }
        this.onHeader(this.streamPos + pos - this.headerNeed);
      } else {
        const take = Math.min(this.boxRemaining, n - pos);
        pos += take;
        this.boxRemaining -= take;
      }
      if (this.boxRemaining === 0 && this.onBoxEnd(chunk, kept, pos, out, offsets)) kept = pos;
    }
    if (this.itemStart < 0 && this.boxRemaining < 0 && this.headerFill === 0) {
      // Nothing pending: no byte of this chunk needs keeping.
      this.dropParts(this.streamPos + n);
    } else if (kept < n) {
      this.parts.push(kept === 0 ? chunk : chunk.subarray(kept));
    }
    this.streamPos += n;
  }

  private onHeader(start: number): void {
    const h = this.header;
    const type = h.readUInt32BE(4);
    const size = this.headerNeed === 16 ? readU64(h, 8, 'bad_box_size') : h.readUInt32BE(0);
    if (size === 0) fail('bad_box_size', `'${typeName(type)}' has size 0 (to end of file), impossible in a stream`, start);
    if (size < this.headerNeed) fail('bad_box_size', `'${typeName(type)}' size ${size} is smaller than its header`, start);
    if (size > this.maxBoxSize) fail('bad_box_size', `'${typeName(type)}' size ${size} exceeds ${this.maxBoxSize}`, start);
    this.checkGrammar(type, start);
    if (this.itemStart < 0) this.itemStart = start;
    // A fragment is two boxes plus small prefixes: twice the box limit bounds what one item may make us buffer.
    if (start + size - this.itemStart > 2 * this.maxBoxSize) {
      fail('bad_box_size', `item starting at ${this.itemStart} exceeds ${2 * this.maxBoxSize} bytes`, start);
    }
    this.boxType = type;
    if (type === T.mdat) this.mdatHeaderEnd = start + this.headerNeed;
    this.boxRemaining = size - this.headerNeed;
    this.headerFill = 0;
    this.headerNeed = 8;
  }

  private checkGrammar(type: number, start: number): void {
    let ok: boolean;
    switch (this.state) {
      case EXPECT_FTYP:
        ok = type === T.ftyp || isIgnorable(type);
        break;
      case EXPECT_MOOV:
        ok = type === T.moov || isIgnorable(type);
        break;
      case BETWEEN_FRAGMENTS:
        if (type === T.ftyp) {
          // A new init: prefix boxes of a fragment that never came are dropped.
          this.itemStart = -1;
          this.itemSignificant = false;
        }
        ok = type === T.ftyp || type === T.moof || isFragmentPrefix(type);
        break;
      default:
        ok = type === T.mdat;
    }
    if (!ok) {
      const where = ['before the init segment', 'between ftyp and moov', 'between fragments', 'after a moof'];
      fail('unexpected_box', `'${typeName(type)}' ${where[this.state]}`, start);
    }
  }

  /** Returns true when an item was completed (so the chunk bytes up to `pos` are consumed). */
  private onBoxEnd(chunk: Buffer, kept: number, pos: number, out: Fmp4Item[], offsets: number[] | undefined): boolean {
    const type = this.boxType;
    const end = this.streamPos + pos;
    this.boxRemaining = -1;
    switch (this.state) {
      case EXPECT_FTYP:
        if (type === T.ftyp) this.state = EXPECT_MOOV;
        else this.itemStart = -1; // junk before the init is dropped
        return false;
      case EXPECT_MOOV:
        if (type !== T.moov) return false;
        this.emit(chunk, kept, pos, out, offsets, (data) => {
          const init = parseInit(data);
          this.init = init;
          return { kind: 'init', init };
        });
        this.state = BETWEEN_FRAGMENTS;
        return true;
      case BETWEEN_FRAGMENTS:
        if (type === T.ftyp) this.state = EXPECT_MOOV;
        else if (type === T.moof) this.state = EXPECT_MDAT;
        else if (!isIgnorable(type)) this.itemSignificant = true;
        else if (!this.itemSignificant) this.cleanOffset = end;
        return false;
      default: {
        const init = this.init as InitSegment; // EXPECT_MDAT is reachable only after an init
        this.emit(chunk, kept, pos, out, offsets, (data) => ({ kind: 'fragment', fragment: parseFragment(data, init) }), init);
        this.state = BETWEEN_FRAGMENTS;
        return true;
      }
    }
  }

  /**
   * Parses the pending item and resets it. An item inside the current chunk is a view of it; a fragment spanning
   * chunks is handed out as its chunk views (`fragmentInit` given); anything else is joined (one copy).
   */
  private emit(
    chunk: Buffer,
    kept: number,
    pos: number,
    out: Fmp4Item[],
    offsets: number[] | undefined,
    parse: (data: Buffer) => Fmp4Item,
    fragmentInit?: InitSegment,
  ): void {
    const start = this.itemStart;
    const inChunk = start - this.streamPos;
    let item: Fmp4Item;
    try {
      if (inChunk >= 0) {
        item = parse(chunk.subarray(inChunk, pos));
      } else {
        const parts = trimFront([...this.parts, chunk.subarray(kept, pos)], start - this.partsStart);
        const size = this.streamPos + pos - start;
        if (fragmentInit) {
          const { data: _head, ...fields } = parseFragment(headOf(parts, this.mdatHeaderEnd - start), fragmentInit, size);
          item = { kind: 'fragment', fragment: chunkedFragment(fields, parts, size) };
        } else {
          item = parse(Buffer.concat(parts, size));
        }
      }
    } catch (e) {
      // Offsets inside the item become stream offsets, which is what a log line about a camera stream needs.
      if (e instanceof Fmp4ParseError) throw new Fmp4ParseError(e.code, e.message, start + (e.offset ?? 0));
      throw e;
    }
    out.push(item);
    offsets?.push(start);
    const end = this.streamPos + pos;
    this.cleanOffset = end;
    this.itemStart = -1;
    this.itemSignificant = false;
    this.dropParts(end);
  }

  private dropParts(newStart: number): void {
    this.parts = [];
    this.partsStart = newStart;
  }
}

/** `parts` without their first `skip` bytes (junk before an init may fill whole chunks). */
function trimFront(parts: Buffer[], skip: number): Buffer[] {
  let k = 0;
  while (skip >= parts[k]!.length) skip -= parts[k++]!.length;
  const out = parts.slice(k);
  out[0] = out[0]!.subarray(skip);
  return out;
}

/** The first `length` bytes of `parts` as one buffer: a view when the first part holds them (the usual case). */
function headOf(parts: readonly Buffer[], length: number): Buffer {
  if (parts[0]!.length >= length) return parts[0]!;
  let n = 0;
  let k = 0;
  while (n < length && k < parts.length) n += parts[k++]!.length;
  return Buffer.concat(parts.slice(0, k), n);
}

/**
 * Incremental parser for one ffmpeg output stream. `push` returns the items completed by a chunk; `end` checks that
 * the stream did not stop inside one. After any Fmp4ParseError the parser is dead: every later call throws it again.
 * An error found after a chunk's first whole item is thrown by the following `push` or `end`, so that the items
 * before the damage are delivered whatever the chunking (a caller must therefore always call `end`).
 */
export class Fmp4StreamParser {
  private readonly core: StreamCore;

  constructor(options: Fmp4StreamOptions = {}) {
    this.core = new StreamCore(options);
  }

  push(chunk: Buffer): Fmp4Item[] {
    const out: Fmp4Item[] = [];
    this.core.feed(chunk, out);
    return out;
  }

  end(): void {
    this.core.finish();
  }
}
