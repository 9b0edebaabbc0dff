// The fMP4 boxes the built-in RTSP ingest writes: an init segment for one video track and one moof per fragment, laid
// out as ffmpeg's mp4 muxer lays them out with `-movflags +frag_keyframe+empty_moov+default_base_moof` (ISO/IEC
// 14496-12), so that everything downstream (the parser, the native reader's C scan, the live hub, HLS, export) sees the
// stream it sees from ffmpeg. Pure: bytes in, bytes out.

import type { VideoParams } from './param-sets.js';

/** Sample flags (ISO/IEC 14496-12 §8.8.3.1): a sync sample, and a non-sync sample that depends on others. */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

const TFHD_FLAGS = 0x020000 /* default-base-is-moof */ | 0x08 /* duration */ | 0x10 /* size */ | 0x20; /* flags */
const TRUN_DATA_OFFSET = 0x001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x004;
const TRUN_SAMPLE_DURATION = 0x100;
const TRUN_SAMPLE_SIZE = 0x200;
const TRACK_ID = 1;

function box(type: string, ...parts: Buffer[]): Buffer {
  let size = 8;
  for (const p of parts) size += p.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(size, 0);
  out.write(type, 4, 'latin1');
  let at = 8;
  for (const p of parts) at += p.copy(out, at);
  return out;
}

/** A FullBox: version and flags, then the payload. */
function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(((version << 24) | flags) >>> 0, 0);
  return box(type, head, ...parts);
}

function u32s(...values: number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
}

/** The unity matrix of mvhd/tkhd (§8.2.2). */
const MATRIX = u32s(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);

/** `ftyp` + `moov` for one video track with no samples (they all come in fragments), `timescale` ticks per second. */
export function buildInitSegment(params: VideoParams, timescale: number): Buffer {
  const ftyp = box('ftyp', Buffer.from('iso5', 'latin1'), u32s(0x200), Buffer.from('iso5iso6mp41', 'latin1'));
  const mvhd = fullBox('mvhd', 0, 0, u32s(0, 0, 1000, 0, 0x00010000), Buffer.from([0x01, 0x00, 0, 0]), u32s(0, 0), MATRIX, u32s(0, 0, 0, 0, 0, 0, TRACK_ID + 1));
  const tkhd = fullBox('tkhd', 0, 3, u32s(0, 0, TRACK_ID, 0, 0, 0, 0, 0, 0), MATRIX, u32s(params.width * 0x10000, params.height * 0x10000));
  const mdhd = fullBox('mdhd', 0, 0, u32s(0, 0, timescale, 0), Buffer.from([0x55, 0xc4, 0, 0])); // language 'und'
  const hdlr = fullBox('hdlr', 0, 0, u32s(0), Buffer.from('vide', 'latin1'), u32s(0, 0, 0), Buffer.from('VideoHandler\0', 'latin1'));
  const vmhd = fullBox('vmhd', 0, 1, u32s(0, 0));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32s(1), fullBox('url ', 0, 1)));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32s(1), sampleEntry(params)),
    fullBox('stts', 0, 0, u32s(0)),
    fullBox('stsc', 0, 0, u32s(0)),
    fullBox('stsz', 0, 0, u32s(0, 0)),
    fullBox('stco', 0, 0, u32s(0)),
  );
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', vmhd, dinf, stbl)));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32s(TRACK_ID, 1, 0, 0, 0)));
  return Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]);
}

/** `avc1`/`hev1` VisualSampleEntry (§12.1.3) with its decoder configuration box. */
function sampleEntry(params: VideoParams): Buffer {
  const fixed = Buffer.alloc(78);
  fixed.writeUInt16BE(1, 6); // data_reference_index
  fixed.writeUInt16BE(params.width, 24);
  fixed.writeUInt16BE(params.height, 26);
  fixed.writeUInt32BE(0x00480000, 28); // 72 dpi
  fixed.writeUInt32BE(0x00480000, 32);
  fixed.writeUInt16BE(1, 40); // frame_count
  fixed.writeUInt16BE(0x0018, 74); // depth
  fixed.writeInt16BE(-1, 76);
  return box(params.sampleEntry, fixed, box(params.codec === 'h264' ? 'avcC' : 'hvcC', params.config));
}

/** One fragment's samples: sizes and durations in the order they lie in the mdat; only the first may be a sync sample. */
export interface FragmentSamples {
  sequence: number;
  baseMediaDecodeTime: number;
  sizes: ArrayLike<number>;
  durations: ArrayLike<number>;
  count: number;
  firstIsKeyframe: boolean;
}

/**
 * The `moof` and the `mdat` header of a fragment whose sample data (`mdatSize` bytes) follows them. Defaults in tfhd,
 * per-sample durations only when they differ, first_sample_flags only on a keyframe: what ffmpeg writes.
 */
export function buildMoof(f: FragmentSamples, mdatSize: number): Buffer {
  const n = f.count;
  let sameDuration = true;
  for (let i = 1; i < n; i++) if (f.durations[i] !== f.durations[0]) sameDuration = false;
  const trunFlags = TRUN_DATA_OFFSET | TRUN_SAMPLE_SIZE | (f.firstIsKeyframe ? TRUN_FIRST_SAMPLE_FLAGS : 0) | (sameDuration ? 0 : TRUN_SAMPLE_DURATION);
  const perSample = sameDuration ? 4 : 8;
  const trunSize = 12 + 4 + 4 + (f.firstIsKeyframe ? 4 : 0) + n * perSample;
  const moofSize = 8 + 16 + 8 + 28 + 20 + trunSize;
  const out = Buffer.allocUnsafe(moofSize + 8);
  let at = 0;
  const u32 = (v: number): void => {
    out.writeUInt32BE(v >>> 0, at);
    at += 4;
  };
  const head = (size: number, type: string): void => {
    u32(size);
    out.write(type, at, 'latin1');
    at += 4;
  };
  head(moofSize, 'moof');
  head(16, 'mfhd');
  u32(0);
  u32(f.sequence);
  head(moofSize - 24, 'traf');
  head(28, 'tfhd');
  u32(TFHD_FLAGS);
  u32(TRACK_ID);
  u32(f.durations[0] ?? 0);
  u32(f.sizes[0] ?? 0);
  u32(NON_SYNC_SAMPLE_FLAGS);
  head(20, 'tfdt');
  u32(0x01000000);
  u32(Math.floor(f.baseMediaDecodeTime / 2 ** 32));
  u32(f.baseMediaDecodeTime % 2 ** 32);
  head(trunSize, 'trun');
  u32(trunFlags);
  u32(n);
  u32(moofSize + 8); // data_offset: from the moof's first byte to the first sample
  if (f.firstIsKeyframe) u32(SYNC_SAMPLE_FLAGS);
  for (let i = 0; i < n; i++) {
    if (!sameDuration) u32(f.durations[i]!);
    u32(f.sizes[i]!);
  }
  head(mdatSize + 8, 'mdat');
  return out;
}
