// TEST-ONLY helper (imported by the *.test.ts files beside it, never by index.ts): builds boxes by hand for the
// cases ffmpeg never writes (per-sample durations, missing boxes, tfdt version 0, several trafs), and finds boxes in
// real files so tests can damage exactly one field.

import { fourcc, readBox, type Box } from './box.js';

/** A box of `type` around the concatenated parts; numbers are written as u32. */
export function box(type: string, ...parts: (Buffer | number[])[]): Buffer {
  const payload = Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : u32(...p))));
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload.length + 8);
  header.writeUInt32BE(fourcc(type), 4);
  return Buffer.concat([header, payload]);
}

export function u32(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
}

export function u64(value: number): Buffer {
  return u32(Math.floor(value / 2 ** 32), value % 2 ** 32);
}

/** Finds the first box at `path` (e.g. ['moof', 'traf', 'tfdt']) searching top-level boxes then children. */
export function findPath(data: Buffer, path: string[]): Box {
  let start = 0;
  let end = data.length;
  let found: Box | undefined;
  for (const name of path) {
    found = undefined;
    for (let pos = start; pos + 8 <= end; ) {
      const b = readBox(data, pos, end, 'truncated');
      if (b.type === fourcc(name)) {
        found = b;
        break;
      }
      pos = b.end;
    }
    if (!found) throw new Error(`no ${name} on path ${path.join('/')}`);
    start = found.payload;
    end = found.end;
  }
  return found as Box;
}

export interface SampleSpec {
  duration?: number;
  size?: number;
  flags?: number;
  cto?: number;
}

export interface TrunSpec {
  samples: SampleSpec[];
  /** Write a data_offset (computed so the run's data lies in the mdat) unless false. */
  dataOffset?: boolean;
  firstSampleFlags?: number;
}

export interface TrafSpec {
  trackId: number;
  defaultDuration?: number;
  defaultSize?: number;
  defaultFlags?: number;
  /** Default true: offsets relative to the moof, as ffmpeg writes them. */
  baseIsMoof?: boolean;
  tfdt?: { version: 0 | 1; value: number } | null;
  truns: TrunSpec[];
}

export interface FragmentSpec {
  sequence: number;
  trafs: TrafSpec[];
}

/**
 * moof + mdat from a spec. Sample sizes (per-sample or default) decide the mdat length; data offsets are computed
 * like ffmpeg's: relative to the moof, each run's data following the previous run's.
 */
export function buildFragment(spec: FragmentSpec): Buffer {
  const sizes = spec.trafs.map((t) => t.truns.map((r) => r.samples.reduce((s, x) => s + (x.size ?? t.defaultSize ?? 0), 0)));
  const mdatPayload = sizes.flat().reduce((a, b) => a + b, 0);
  const build = (moofLength: number): Buffer => {
    let dataPos = moofLength + 8;
    const trafs = spec.trafs.map((t, ti) => {
      let flags = t.baseIsMoof === false ? 0 : 0x020000;
      const tfhdFields: number[] = [t.trackId];
      // Optional tfhd fields, in the order the flags define.
      for (const [flag, value] of [
        [0x08, t.defaultDuration],
        [0x10, t.defaultSize],
        [0x20, t.defaultFlags],
      ] as const) {
        if (value === undefined) continue;
        flags |= flag;
        tfhdFields.push(value);
      }
      const parts = [box('tfhd', [flags], tfhdFields)];
      if (t.tfdt) parts.push(box('tfdt', [t.tfdt.version << 24], t.tfdt.version === 1 ? u64(t.tfdt.value) : u32(t.tfdt.value)));
      t.truns.forEach((r, ri) => {
        parts.push(buildTrun(r, dataPos));
        dataPos += sizes[ti]?.[ri] ?? 0;
      });
      return box('traf', ...parts);
    });
    return box('moof', box('mfhd', [0, spec.sequence]), ...trafs);
  };
  const moof = build(build(0).length);
  return Buffer.concat([moof, box('mdat', Buffer.alloc(mdatPayload, 0xab))]);
}

function buildTrun(r: TrunSpec, dataOffset: number): Buffer {
  const first = r.samples[0] ?? {};
  let flags = 0;
  const head: number[] = [];
  if (r.dataOffset !== false) {
    flags |= 0x01;
    head.push(dataOffset);
  }
  if (r.firstSampleFlags !== undefined) {
    flags |= 0x04;
    head.push(r.firstSampleFlags);
  }
  if (first.duration !== undefined) flags |= 0x100;
  if (first.size !== undefined) flags |= 0x200;
  if (first.flags !== undefined) flags |= 0x400;
  if (first.cto !== undefined) flags |= 0x800;
  const records = r.samples.flatMap((s) =>
    [s.duration, s.size, s.flags, s.cto].filter((v): v is number => v !== undefined),
  );
  return box('trun', [flags, r.samples.length, ...head, ...records]);
}

/** An init segment with the given tracks (hdlr types), for the cases ffmpeg's video ingest never produces. */
export function buildInit(tracks: { handler: string; trackId: number; entry: Buffer; mdhdVersion?: 0 | 1 }[]): Buffer {
  const traks = tracks.map((t) => {
    const tkhd = box('tkhd', [0x00000003, 0, 0, t.trackId, 0, 0], Buffer.alloc(52), u32(640 << 16, 480 << 16));
    const mdhd =
      t.mdhdVersion === 1
        ? box('mdhd', [1 << 24], u64(0), u64(0), [90000], u64(0), [0x55c40000])
        : box('mdhd', [0, 0, 0, 90000, 0, 0x55c40000]);
    const hdlr = box('hdlr', [0, 0, fourcc(t.handler), 0, 0, 0], Buffer.from('x\0'));
    const stsd = box('stsd', [0, 1], t.entry);
    const stbl = box('stbl', stsd, box('stts', [0, 0]), box('stsc', [0, 0]), box('stsz', [0, 0, 0]), box('stco', [0, 0]));
    return box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', stbl)));
  });
  const mvex = box('mvex', ...tracks.map((t) => box('trex', [0, t.trackId, 1, 3000, 0, 0x01010000])));
  return Buffer.concat([box('ftyp', Buffer.from('isom'), [0x200]), box('moov', box('mvhd', Buffer.alloc(100)), ...traks, mvex)]);
}

/** A VisualSampleEntry of `type` with the given size and children (e.g. an avcC). */
export function visualEntry(type: string, width: number, height: number, ...kids: Buffer[]): Buffer {
  const fields = Buffer.alloc(78);
  fields.writeUInt16BE(1, 6); // data_reference_index
  fields.writeUInt16BE(width, 24);
  fields.writeUInt16BE(height, 26);
  fields.writeUInt16BE(0x18, 74); // depth
  fields.writeInt16BE(-1, 76);
  return box(type, fields, ...kids);
}

/**
 * The same fragment with its version 1 tfdt rewritten as version 0 (4 bytes shorter, data offsets adjusted), to test
 * the upgrade path of rewriteFragmentTiming on the kind of fragment other muxers write.
 */
export function downgradeTfdt(fragment: Buffer): Buffer {
  const moof = findPath(fragment, ['moof']);
  const traf = findPath(fragment, ['moof', 'traf']);
  const tfdt = findPath(fragment, ['moof', 'traf', 'tfdt']);
  if (fragment[tfdt.payload] !== 1) throw new Error('tfdt is not version 1');
  const value = fragment.readUInt32BE(tfdt.payload + 4) * 2 ** 32 + fragment.readUInt32BE(tfdt.payload + 8);
  if (value > 0xffffffff) throw new Error('tfdt does not fit in 32 bits');
  const out = Buffer.concat([
    fragment.subarray(0, tfdt.payload),
    u32(fragment.readUInt32BE(tfdt.payload) & 0xffffff, value),
    fragment.subarray(tfdt.end),
  ]);
  for (const b of [moof, traf, tfdt]) out.writeUInt32BE(out.readUInt32BE(b.start) - 4, b.start);
  const trun = findPath(out, ['moof', 'traf', 'trun']);
  if (out.readUInt32BE(trun.payload) & 1) out.writeInt32BE(out.readInt32BE(trun.payload + 8) - 4, trun.payload + 8);
  return out;
}
