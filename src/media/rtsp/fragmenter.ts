// RTP (H.264 RFC 6184, H.265 RFC 7798) → fMP4: the built-in ingest's replacement for ffmpeg's depacketizer and mp4
// muxer. Each NAL unit is copied once, from the packet straight into the fragment's sample data in MP4 form (4-byte
// length prefix), and a fragment leaves as one buffer: moof + mdat. Access units end at the RTP marker bit or at a
// new timestamp. Fragments are cut like ffmpeg's `+frag_keyframe` with `-frag_duration`: before every keyframe, and
// once the samples gathered span the fragment duration. Nothing is emitted before the first keyframe (frames that
// cannot be decoded). Parameter sets come from the SDP and from the stream; when those of a keyframe differ from the
// ones in the last init segment, a new init segment goes out first (a resolution change starts a new segment).
//
// What this does not handle, it refuses with UnsupportedStreamError so that the caller can fall back to ffmpeg:
// B-frames (RTP timestamps in decode order are not monotonic, and RTP carries no decode time), interleaved
// packetization (STAP-B, MTAPs, FU-B; H.265 DONL), an access unit larger than MAX_ACCESS_UNIT_BYTES.

import { buildInitSegment, buildMoof } from './fmp4-writer.js';
import { h264Params, h265Params, sameParamSets, type VideoParams } from './param-sets.js';

export type RtpVideoCodec = 'h264' | 'h265';

/** The stream uses something this ingest does not implement: record it with ffmpeg instead. */
export class UnsupportedStreamError extends Error {
  readonly code = 'unsupported';
}

/** Parameter sets as NAL units (header byte(s) first, no start code), by type. */
export interface ParamSets {
  vps: Buffer[];
  sps: Buffer[];
  pps: Buffer[];
}

export interface FragmenterOptions {
  codec: RtpVideoCodec;
  /** RTP clock rate: the fMP4 timescale (90 000 for video). */
  clockRate: number;
  fragmentMs: number;
  /** From the SDP (sprop-parameter-sets, sprop-vps/-sps/-pps); the stream's own replace them as they come. */
  paramSets?: ParamSets;
  onInit(data: Buffer, params: VideoParams): void;
  onFragment(data: Buffer): void;
}

export const MAX_ACCESS_UNIT_BYTES = 32 * 1024 * 1024;
const INITIAL_CAPACITY = 1 << 20;

export class RtpFragmenter {
  private buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
  private used = 0;
  /** Completed samples still in `buf`: their start offsets, media times (ticks) and keyframe flags. */
  private starts: number[] = [];
  private times: number[] = [];
  private keys: boolean[] = [];
  /** The access unit being gathered. */
  private auOpen = false;
  private auStart = 0;
  private auRtpTs = 0;
  private auTicks = 0;
  private auKey = false;
  /** Offsets of the parameter-set NAL units in the open access unit (their 4-byte length prefix). */
  private auParamAt: number[] = [];
  /** Offset of the length prefix of the NAL unit a fragmentation unit is rebuilding; -1 when none. */
  private fuAt = -1;
  private lastSeq = -1;
  private lastRtpTs = 0;
  private lastTicks = -1;
  private started = false;
  /** The last access unit closed is the last sample in `buf` (so one with its timestamp can continue it). */
  private lastKept = false;
  private latest: ParamSets;
  /** The parameter sets in force for the fragment being gathered (those of its keyframe). */
  private fragmentParams: ParamSets | null = null;
  private initParams: ParamSets | null = null;
  private sequence = 0;
  private readonly fragmentTicks: number;
  private readonly h265: boolean;
  /** Packets dropped for a bad RTP header, and NAL units lost to a gap in sequence numbers. */
  droppedPackets = 0;
  lostNals = 0;

  constructor(private readonly options: FragmenterOptions) {
    this.h265 = options.codec === 'h265';
    this.fragmentTicks = Math.round((options.fragmentMs * options.clockRate) / 1000);
    this.latest = options.paramSets ? copySets(options.paramSets) : { vps: [], sps: [], pps: [] };
  }

  /** One RTP packet (RFC 3550 §5.1). The buffer is read during the call only. */
  push(p: Buffer): void {
    if (p.length < 12 || p[0]! >> 6 !== 2) {
      this.droppedPackets++;
      return;
    }
    let off = 12 + (p[0]! & 0x0f) * 4;
    if (p[0]! & 0x10) {
      if (p.length < off + 4) return void this.droppedPackets++;
      off += 4 + p.readUInt16BE(off + 2) * 4;
    }
    let end = p.length;
    if (p[0]! & 0x20) end -= p[end - 1]!;
    if (end <= off) return void this.droppedPackets++;
    const seq = p.readUInt16BE(2);
    if (this.lastSeq >= 0 && seq !== ((this.lastSeq + 1) & 0xffff)) this.abortFu();
    this.lastSeq = seq;
    const ts = p.readUInt32BE(4);
    if (this.auOpen && ts !== this.auRtpTs) this.closeAccessUnit();
    if (!this.auOpen) this.openAccessUnit(ts);
    if (this.h265) this.depacketizeH265(p, off, end);
    else this.depacketizeH264(p, off, end);
    if (this.used - this.auStart > MAX_ACCESS_UNIT_BYTES) throw new UnsupportedStreamError(`an access unit over ${MAX_ACCESS_UNIT_BYTES} bytes`);
    if (p[1]! & 0x80) this.closeAccessUnit();
  }

  /** The stream ends (a graceful stop): what is gathered goes out as a last fragment, as ffmpeg does on SIGTERM. */
  flush(): void {
    if (this.auOpen) this.closeAccessUnit();
    const n = this.starts.length;
    if (n === 0) return;
    const last = n >= 2 ? this.times[n - 1]! - this.times[n - 2]! : Math.round(this.options.clockRate / 25);
    this.emit(n, this.used, this.times[n - 1]! + last);
    this.starts = [];
    this.times = [];
    this.keys = [];
    this.used = 0;
    this.lastKept = false;
  }

  private openAccessUnit(ts: number): void {
    let ticks = 0;
    if (this.lastTicks >= 0) {
      const delta = (ts - this.lastRtpTs) | 0; // RFC 3550 timestamps wrap at 2^32
      if (delta === 0 && this.lastKept) {
        // The same timestamp after a marker: more NAL units of the last access unit (e.g. parameter sets sent apart).
        this.auOpen = true;
        this.auStart = this.starts.pop()!;
        this.times.pop();
        this.auKey = this.keys.pop()!;
        this.auRtpTs = ts;
        this.auTicks = this.lastTicks;
        return;
      }
      // A small step back is a B-frame (sent in decode order, stamped with its presentation time), which an MP4 cannot
      // take without decode times RTP does not carry; a big one is the camera's clock starting over: a new session.
      if (delta < -this.options.clockRate) throw new Error(`RTP timestamps jumped back ${(-delta / this.options.clockRate).toFixed(1)} s`);
      if (delta < 0) throw new UnsupportedStreamError('RTP timestamps go backwards (B-frames?): RTP carries no decode time');
      ticks = this.lastTicks + delta;
    }
    this.auOpen = true;
    this.auStart = this.used;
    this.auRtpTs = ts;
    this.auTicks = ticks;
    this.auKey = false;
    this.lastRtpTs = ts;
    this.lastTicks = ticks;
  }

  private closeAccessUnit(): void {
    this.abortFu();
    this.auOpen = false;
    if (this.auParamAt.length > 0) this.takeParamSets();
    if (this.used === this.auStart || (!this.started && !this.auKey)) {
      this.used = this.auStart; // empty, or before the first keyframe: not decodable
      this.lastKept = false;
      return;
    }
    this.started = true;
    this.lastKept = true;
    this.starts.push(this.auStart);
    this.times.push(this.auTicks);
    this.keys.push(this.auKey);
    const k = this.starts.length - 1;
    if (k >= 1 && (this.auKey || this.auTicks - this.times[0]! >= this.fragmentTicks)) this.cutBefore(k);
    if (this.auKey) this.fragmentParams = this.latest;
  }

  /** Emits samples [0, k) as a fragment and moves the rest to the front of the buffer. */
  private cutBefore(k: number): void {
    const end = this.starts[k]!;
    this.emit(k, end, this.times[k]!);
    this.buf.copyWithin(0, end, this.used);
    this.used -= end;
    this.starts = this.starts.slice(k).map((s) => s - end);
    this.times = this.times.slice(k);
    this.keys = this.keys.slice(k);
  }

  /** Samples [0, n), whose data ends at `end` and whose last sample lasts until `endTicks`. */
  private emit(n: number, end: number, endTicks: number): void {
    const firstIsKeyframe = this.keys[0]!;
    if (firstIsKeyframe && this.fragmentParams && !sameSets(this.fragmentParams, this.initParams)) {
      const params = this.videoParams(this.fragmentParams);
      if (params) {
        this.initParams = this.fragmentParams;
        this.options.onInit(buildInitSegment(params, this.options.clockRate), params);
      }
    }
    if (!this.initParams) return; // nothing decodable can be described yet: no parameter sets so far
    const sizes = new Array<number>(n);
    const durations = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      sizes[i] = (i + 1 < n ? this.starts[i + 1]! : end) - this.starts[i]!;
      durations[i] = (i + 1 < n ? this.times[i + 1]! : endTicks) - this.times[i]!;
    }
    const mdatSize = end - this.starts[0]!;
    const moof = buildMoof({ sequence: ++this.sequence, baseMediaDecodeTime: this.times[0]!, sizes, durations, count: n, firstIsKeyframe }, mdatSize);
    const out = Buffer.allocUnsafe(moof.length + mdatSize);
    moof.copy(out, 0);
    this.buf.copy(out, moof.length, this.starts[0]!, end);
    this.options.onFragment(out);
  }

  private videoParams(sets: ParamSets): VideoParams | null {
    if (sets.sps.length === 0 || sets.pps.length === 0 || (this.h265 && sets.vps.length === 0)) return null;
    return this.h265 ? h265Params(sets.vps, sets.sps, sets.pps) : h264Params(sets.sps[0]!, sets.pps);
  }

  /** The parameter sets the access unit carried replace those of the same kind. */
  private takeParamSets(): void {
    const found: ParamSets = { vps: [], sps: [], pps: [] };
    for (const at of this.auParamAt) {
      if (at + 4 > this.used) continue;
      const len = this.buf.readUInt32BE(at);
      const nal = this.buf.subarray(at + 4, at + 4 + len);
      const kind = this.paramKind(nal);
      if (kind) found[kind].push(nal);
    }
    this.auParamAt = [];
    const next: ParamSets = { ...this.latest };
    let changed = false;
    for (const kind of ['vps', 'sps', 'pps'] as const) {
      if (found[kind].length === 0 || sameParamSets(found[kind], this.latest[kind])) continue;
      next[kind] = found[kind].map((b) => Buffer.from(b));
      changed = true;
    }
    if (changed) this.latest = next;
  }

  private paramKind(nal: Buffer): keyof ParamSets | null {
    if (nal.length === 0) return null;
    if (this.h265) {
      const t = (nal[0]! >> 1) & 0x3f;
      return t === 32 ? 'vps' : t === 33 ? 'sps' : t === 34 ? 'pps' : null;
    }
    const t = nal[0]! & 0x1f;
    return t === 7 ? 'sps' : t === 8 ? 'pps' : null;
  }

  /** RFC 6184 §5.6–5.8: single NAL unit, STAP-A and FU-A (non-interleaved mode). */
  private depacketizeH264(p: Buffer, off: number, end: number): void {
    const type = p[off]! & 0x1f;
    if (type >= 1 && type <= 23) {
      this.wholeNal(p, off, end, type);
    } else if (type === 24) {
      for (let at = off + 1; at + 2 <= end; ) {
        const len = p.readUInt16BE(at);
        if (len === 0 || at + 2 + len > end) break;
        this.wholeNal(p, at + 2, at + 2 + len, p[at + 2]! & 0x1f);
        at += 2 + len;
      }
    } else if (type === 28) {
      if (end - off < 3) return;
      const fu = p[off + 1]!;
      this.fuPiece(p, fu, fu & 0x1f, off + 2, end, (p[off]! & 0xe0) | (fu & 0x1f));
    } else if (type >= 25 && type <= 29) {
      throw new UnsupportedStreamError(`H.264 packetization ${type} (interleaved mode)`);
    }
  }

  /** RFC 7798 §4.4: single NAL unit, aggregation packet (48) and fragmentation unit (49), without DONL. */
  private depacketizeH265(p: Buffer, off: number, end: number): void {
    if (end - off < 3) return;
    const type = (p[off]! >> 1) & 0x3f;
    if (type < 48) {
      this.wholeNal(p, off, end, type);
    } else if (type === 48) {
      for (let at = off + 2; at + 2 <= end; ) {
        const len = p.readUInt16BE(at);
        if (len < 2 || at + 2 + len > end) break;
        this.wholeNal(p, at + 2, at + 2 + len, (p[at + 2]! >> 1) & 0x3f);
        at += 2 + len;
      }
    } else if (type === 49) {
      const fu = p[off + 2]!;
      this.fuPiece(p, fu, fu & 0x3f, off + 3, end, (p[off]! & 0x81) | ((fu & 0x3f) << 1), p[off + 1]!);
    }
    // 50 (PACI) and above: not media this ingest records; skipped.
  }

  /**
   * One fragmentation-unit piece (FU header `fu`: start 0x80, end 0x40). A start rebuilds the NAL unit header (`h0`, and
   * `h1` for H.265's second byte) behind a length prefix patched at the end; a piece whose start was lost is dropped.
   */
  private fuPiece(p: Buffer, fu: number, nalType: number, dataAt: number, end: number, h0: number, h1 = -1): void {
    if (fu & 0x80) {
      this.abortFu();
      this.ensure(this.used + 6 + end - dataAt);
      this.fuAt = this.used;
      this.used += 4;
      this.buf[this.used++] = h0;
      if (h1 >= 0) this.buf[this.used++] = h1;
      this.noteNal(nalType, this.fuAt);
    } else if (this.fuAt < 0) {
      return;
    }
    this.append(p, dataAt, end);
    if (fu & 0x40) this.endFu();
  }

  private wholeNal(p: Buffer, from: number, to: number, type: number): void {
    this.abortFu();
    this.ensure(this.used + 4 + to - from);
    this.buf.writeUInt32BE(to - from, this.used);
    this.noteNal(type, this.used);
    this.used += 4;
    this.used += p.copy(this.buf, this.used, from, to);
  }

  private noteNal(type: number, at: number): void {
    if (this.h265) {
      if (type >= 16 && type <= 23) this.auKey = true; // IRAP: BLA, IDR, CRA (and the reserved IRAP types)
      else if (type >= 32 && type <= 34) this.auParamAt.push(at);
    } else if (type === 5) {
      this.auKey = true;
    } else if (type === 7 || type === 8) {
      this.auParamAt.push(at);
    }
  }

  private append(p: Buffer, from: number, to: number): void {
    this.ensure(this.used + to - from);
    this.used += p.copy(this.buf, this.used, from, to);
  }

  private endFu(): void {
    this.buf.writeUInt32BE(this.used - this.fuAt - 4, this.fuAt);
    this.fuAt = -1;
  }

  /** A fragmentation unit that will not complete (a lost packet, or a new NAL unit began): its bytes are dropped. */
  private abortFu(): void {
    if (this.fuAt < 0) return;
    this.used = this.fuAt;
    this.auParamAt = this.auParamAt.filter((at) => at < this.fuAt);
    this.fuAt = -1;
    this.lostNals++;
  }

  private ensure(size: number): void {
    if (size <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(size, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}

function copySets(s: ParamSets): ParamSets {
  return { vps: s.vps.map((b) => Buffer.from(b)), sps: s.sps.map((b) => Buffer.from(b)), pps: s.pps.map((b) => Buffer.from(b)) };
}

function sameSets(a: ParamSets, b: ParamSets | null): boolean {
  return b !== null && (a === b || (sameParamSets(a.vps, b.vps) && sameParamSets(a.sps, b.sps) && sameParamSets(a.pps, b.pps)));
}
