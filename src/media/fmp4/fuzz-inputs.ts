// Input generation for the fuzzer (fuzz.ts): a small seeded PRNG, mutations of real files aimed at box headers and
// fields, and random box trees shaped like fMP4 (right parents, plausible flags, small counts) so that random input
// reaches the deep parsing code rather than dying at the first header.

import { T, fourcc } from './box.js';

/**
 * sfc32 seeded through splitmix32 from (seed, stream): a fresh, independent sequence per fuzz case, so any case can be
 * replayed alone. Not cryptographic; fast and well distributed, which is all a fuzzer needs.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const mix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 8; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n), for n up to 2^53. */
  below(n: number): number {
    if (n <= 0x1_0000_0000) return Math.floor((this.u32() / 0x1_0000_0000) * n);
    return Math.floor(((this.u32() * 0x1_0000_0000 + this.u32()) / 2 ** 64) * n);
  }

  pick<V>(values: readonly V[]): V {
    return values[this.below(values.length)] as V;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** A corpus piece to mutate: its bytes, the end of the part worth mutating, and where its box headers start. */
export interface Seed {
  bytes: Buffer;
  hotEnd: number;
  headers: number[];
}

const INTERESTING_U32 = [0, 1, 2, 7, 8, 16, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x00ffffff, 0x01000000];

function interestingU32(rng: Rng): number {
  const k = rng.below(3);
  return k === 0 ? rng.pick(INTERESTING_U32) : k === 1 ? rng.below(256) : rng.u32();
}

/** A copy of `seed.bytes` with 1 to 4 mutations, mostly inside its box structure. */
export function mutate(rng: Rng, seed: Seed): Buffer {
  let buf = Buffer.from(seed.bytes);
  const count = 1 + rng.below(4);
  for (let k = 0; k < count; k++) {
    const len = buf.length;
    const pos = len === 0 ? 0 : rng.below(10) < 9 ? rng.below(Math.min(seed.hotEnd, len)) : rng.below(len);
    const header = seed.headers.length > 0 ? rng.pick(seed.headers) : 0;
    switch (rng.below(9)) {
      case 0:
        if (len > 0) buf[pos] = (buf[pos] as number) ^ (1 << rng.below(8));
        break;
      case 1:
        if (len > 0) buf[pos] = rng.pick([0, 0xff, rng.below(256)]);
        break;
      case 2:
      case 3: {
        // Rewrite a box size: 0 (to end), 1 (64-bit size follows), below the header, smaller, larger, huge.
        if (header + 4 > len) break;
        const old = buf.readUInt32BE(header);
        const sizes = [0, 1, 7, 8, 0xffffffff, Math.max(0, old - 1 - rng.below(Math.max(1, old))), old + 1 + rng.below(64)];
        buf.writeUInt32BE(rng.pick(sizes) >>> 0, header);
        break;
      }
      case 4: {
        // A field near a box header: version/flags, counts, offsets, track ids.
        const field = header + 8 + 4 * rng.below(6);
        if (field + 4 <= len) buf.writeUInt32BE(interestingU32(rng), field);
        break;
      }
      case 5:
        if (pos + 4 <= len) buf.writeUInt32BE(interestingU32(rng), pos);
        break;
      case 6:
        buf = buf.subarray(0, rng.below(len + 1));
        break;
      case 7: {
        const cut = 1 + rng.below(16);
        buf = Buffer.concat([buf.subarray(0, pos), buf.subarray(Math.min(len, pos + cut))]);
        break;
      }
      default: {
        const extra = rng.below(2) === 0 ? rng.bytes(1 + rng.below(16)) : buf.subarray(header, header + rng.below(64));
        buf = Buffer.concat([buf.subarray(0, pos), extra, buf.subarray(pos)]);
      }
    }
  }
  return buf;
}

/** Parent → plausible children, so random trees look like init segments and fragments. */
const SHAPE = new Map<number, string[]>([
  [T.moov, ['trak', 'mvex', 'free', 'trak']],
  [T.trak, ['tkhd', 'mdia', 'tkhd', 'mdia']],
  [T.mdia, ['mdhd', 'hdlr', 'minf']],
  [T.minf, ['stbl']],
  [T.stbl, ['stsd']],
  [T.stsd, ['avc1', 'hvc1', 'hev1', 'avc3', 'mp4v']],
  [T.avc1, ['avcC']],
  [T.avc3, ['avcC']],
  [T.hvc1, ['hvcC']],
  [T.hev1, ['hvcC']],
  [T.mvex, ['trex']],
  [T.moof, ['mfhd', 'traf', 'traf']],
  [T.traf, ['tfhd', 'tfdt', 'trun', 'trun']],
]);
const TOP = ['ftyp', 'moov', 'moof', 'mdat', 'moof', 'mdat', 'styp', 'sidx', 'free', 'mfra'];
const ANY = [...TOP, ...[...SHAPE.values()].flat(), 'uuid', 'mdhd', 'skip'];
const FLAGS = [0, 0x020038, 0x000a05, 0x000305, 0x000f05, 0x000001, 0x000004, 0x020000, 0x00003b, 0x000f01];

function randomBox(rng: Rng, type: number, depth: number): Buffer {
  let payload: Buffer;
  const kids = SHAPE.get(type);
  if (kids && depth < 6) {
    const parts: Buffer[] = [];
    if (type === T.stsd) parts.push(fields([0, rng.below(3)]));
    if (type === T.avc1 || type === T.avc3 || type === T.hvc1 || type === T.hev1) parts.push(rng.bytes(78));
    const n = rng.below(4);
    for (let i = 0; i < n; i++) parts.push(randomBox(rng, fourcc(rng.below(5) === 0 ? rng.pick(ANY) : rng.pick(kids)), depth + 1));
    payload = Buffer.concat(parts);
  } else if (type === T.hdlr) {
    payload = fields([0, 0, rng.below(4) > 0 ? T.vide : rng.u32()]);
  } else if (type === T.avcC || type === T.hvcC || type === T.mdat || type === T.ftyp) {
    payload = rng.bytes(rng.below(40));
  } else {
    // A FullBox: version and flags, then u32 fields that are mostly small (counts, ids, offsets).
    const values = [((rng.below(3) === 0 ? 1 : 0) << 24) | rng.pick(FLAGS)];
    const n = rng.below(24);
    for (let i = 0; i < n; i++) values.push(rng.below(3) > 0 ? rng.below(40) : interestingU32(rng));
    payload = fields(values);
  }
  const header = Buffer.alloc(8);
  const size = payload.length + 8;
  header.writeUInt32BE(rng.below(12) > 0 ? size : rng.pick([0, 1, 4, size - 1, size + 1, size + rng.below(1000)]) >>> 0);
  header.writeUInt32BE(type, 4);
  return Buffer.concat([header, payload]);
}

function fields(values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
}

/** Up to `maxTop` random top-level boxes, usually in init-then-fragments order. */
export function randomBoxes(rng: Rng, maxTop: number): Buffer {
  const n = 1 + rng.below(maxTop);
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const type = rng.below(3) > 0 && i < TOP.length ? (TOP[i] as string) : rng.pick(ANY);
    parts.push(randomBox(rng, fourcc(type), 0));
  }
  return Buffer.concat(parts);
}
