// parseFragment: timing and keyframe flag of one fragment ([styp|sidx|prft|emsg|free|skip]* moof mdat), and
// scanMoof, the byte layout of a moof that both parseFragment and rewriteFragmentTiming work from. Reads mfhd and,
// per traf, tfhd, tfdt and every trun with its optional fields (ISO/IEC 14496-12 §8.8).

import { T, children, fail, fullBox, isIgnorable, need, readBox, readU64, typeName, type Box } from './box.js';
import type { Fragment, FragmentContext } from './types.js';

// tfhd flags
export const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TFHD_DEFAULT_FLAGS = 0x000020;
export const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
// trun flags
export const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTO = 0x000800;

export interface TrunLayout {
  flags: number;
  sampleCount: number;
  /** Absolute position of the signed data_offset field, or -1 when the trun has none. */
  dataOffsetPos: number;
  dataOffset: number;
  firstSampleFlags: number | undefined;
  /** Position of the first per-sample record and its size in bytes (0 when no per-sample field is present). */
  recordsPos: number;
  recordSize: number;
}

export interface TrafLayout {
  box: Box;
  trackId: number;
  tfhdFlags: number;
  defaultDuration: number | undefined;
  defaultSize: number | undefined;
  defaultFlags: number | undefined;
  tfdt: { box: Box; version: number; value: number } | undefined;
  truns: TrunLayout[];
}

export interface MoofLayout {
  moof: Box;
  mdat: Box | undefined;
  sequence: number;
  /** Absolute position of mfhd's sequence_number field. */
  sequencePos: number;
  trafs: TrafLayout[];
}

/** Boxes that may precede the moof of a fragment (they travel with it; none of them is read). */
export function isFragmentPrefix(type: number): boolean {
  return type === T.styp || type === T.sidx || type === T.prft || type === T.emsg || isIgnorable(type);
}

/**
 * Locates the moof (after optional prefix boxes) and the mdat that follows it, and reads the moof's structure.
 * `length` is the fragment's whole length when `data` holds only its head (up to the end of the mdat header, which is
 * all that is read): the stream parser passes that rather than joining an mdat that arrived in pieces.
 */
export function scanMoof(data: Buffer, length = data.length): MoofLayout {
  let pos = 0;
  let moof: Box | undefined;
  while (pos < length) {
    const box = readBox(data, pos, length, 'truncated');
    pos = box.end;
    if (box.type === T.moof) {
      moof = box;
      break;
    }
    if (!isFragmentPrefix(box.type)) fail('unexpected_box', `'${typeName(box.type)}' before a moof`, box.start);
  }
  if (!moof) fail('missing_box', 'fragment has no moof', 0);
  const mdat = pos < length ? readBox(data, pos, length, 'truncated') : undefined;
  if (mdat && mdat.type !== T.mdat) fail('unexpected_box', `'${typeName(mdat.type)}' after a moof`, mdat.start);

  let mfhd: Box | undefined;
  const trafs: TrafLayout[] = [];
  for (const child of children(data, moof.payload, moof.end)) {
    if (child.type === T.mfhd) mfhd = child;
    else if (child.type === T.traf) trafs.push(scanTraf(data, child));
  }
  if (!mfhd) fail('missing_box', 'moof has no mfhd', moof.start);
  need(mfhd, mfhd.payload, 8, 'sequence_number');
  const sequencePos = mfhd.payload + 4;
  return { moof, mdat, sequence: data.readUInt32BE(sequencePos), sequencePos, trafs };
}

function scanTraf(data: Buffer, traf: Box): TrafLayout {
  let tfhd: Box | undefined;
  let tfdt: TrafLayout['tfdt'];
  const truns: TrunLayout[] = [];
  for (const child of children(data, traf.payload, traf.end)) {
    if (child.type === T.tfhd) tfhd = child;
    else if (child.type === T.tfdt) tfdt = readTfdt(data, child);
    else if (child.type === T.trun) truns.push(scanTrun(data, child));
  }
  if (!tfhd) fail('missing_box', 'traf has no tfhd', traf.start);
  const { flags } = fullBox(data, tfhd);
  // Optional fields follow track_ID in flag order; each is present only when its flag is set.
  let pos = tfhd.payload + 8;
  need(tfhd, tfhd.payload, 8, 'track_ID');
  const optional = (flag: number, bytes: number): number | undefined => {
    if (!(flags & flag)) return undefined;
    need(tfhd, pos, bytes, typeName(tfhd.type) + ' optional fields');
    const value = bytes === 4 ? data.readUInt32BE(pos) : -1;
    pos += bytes;
    return value;
  };
  optional(TFHD_BASE_DATA_OFFSET, 8);
  optional(TFHD_SAMPLE_DESCRIPTION_INDEX, 4);
  return {
    box: traf,
    trackId: data.readUInt32BE(tfhd.payload + 4),
    tfhdFlags: flags,
    defaultDuration: optional(TFHD_DEFAULT_DURATION, 4),
    defaultSize: optional(TFHD_DEFAULT_SIZE, 4),
    defaultFlags: optional(TFHD_DEFAULT_FLAGS, 4),
    tfdt,
    truns,
  };
}

function readTfdt(data: Buffer, box: Box): NonNullable<TrafLayout['tfdt']> {
  const { version } = fullBox(data, box);
  const bytes = version === 1 ? 8 : 4;
  need(box, box.payload + 4, bytes, 'baseMediaDecodeTime');
  const value = version === 1 ? readU64(data, box.payload + 4) : data.readUInt32BE(box.payload + 4);
  return { box, version, value };
}

function scanTrun(data: Buffer, box: Box): TrunLayout {
  const { flags } = fullBox(data, box);
  need(box, box.payload + 4, 4, 'sample_count');
  const sampleCount = data.readUInt32BE(box.payload + 4);
  let pos = box.payload + 8;
  let dataOffsetPos = -1;
  let dataOffset = 0;
  let firstSampleFlags: number | undefined;
  if (flags & TRUN_DATA_OFFSET) {
    need(box, pos, 4, 'data_offset');
    dataOffsetPos = pos;
    dataOffset = data.readInt32BE(pos);
    pos += 4;
  }
  if (flags & TRUN_FIRST_SAMPLE_FLAGS) {
    need(box, pos, 4, 'first_sample_flags');
    firstSampleFlags = data.readUInt32BE(pos);
    pos += 4;
  }
  const recordSize =
    (flags & TRUN_DURATION ? 4 : 0) + (flags & TRUN_SIZE ? 4 : 0) + (flags & TRUN_FLAGS ? 4 : 0) + (flags & TRUN_CTO ? 4 : 0);
  // A corrupt sample_count must not send the per-sample loops past the box: checked here, once, for all readers.
  if (sampleCount * recordSize > box.end - pos) {
    fail('bad_value', `trun sample_count ${sampleCount} does not fit in the box`, box.start);
  }
  return { flags, sampleCount, dataOffsetPos, dataOffset, firstSampleFlags, recordsPos: pos, recordSize };
}

/**
 * sample_depends_on == 2 (depends on no other sample: an I picture) or sample_is_non_sync_sample == 0.
 * ffmpeg writes 0x02000000 for keyframes and 0x01010000 for the others (ISO/IEC 14496-12 §8.8.3.1).
 */
export function isSyncSampleFlags(flags: number): boolean {
  return ((flags >>> 24) & 3) === 2 || ((flags >>> 16) & 1) === 0;
}

/**
 * Timing of the fragment's track `ctx.trackId`. Sample durations, sizes and flags fall back as ISO BMFF says: trun
 * field, then tfhd default, then trex default (when `ctx.trex` is given), then 0. A keyframe is decided from the
 * first sample's flags; with no flags anywhere the value 0 applies, which reads as a sync sample: a stream that
 * describes no dependencies makes every fragment a valid starting point. `length`: as for scanMoof (the returned
 * `data` is then only the head: the caller replaces it).
 */
export function parseFragment(data: Buffer, ctx: FragmentContext, length = data.length): Fragment {
  const layout = scanMoof(data, length);
  const { moof, mdat } = layout;
  if (!mdat) fail('missing_box', 'moof is not followed by an mdat', moof.end);
  const trex = ctx.trex;
  let baseMediaDecodeTime = -1;
  let durationTicks = 0;
  let sampleCount = 0;
  let firstFlags: number | undefined;
  let trafIndex = -1;
  for (const traf of layout.trafs) {
    trafIndex++;
    if (traf.trackId !== ctx.trackId) continue;
    if (!traf.tfdt) fail('missing_box', `traf of track ${traf.trackId} has no tfdt`, traf.box.start);
    if (baseMediaDecodeTime < 0) baseMediaDecodeTime = traf.tfdt.value;
    const defaultDuration = traf.defaultDuration ?? trex?.sampleDurationTicks ?? 0;
    const defaultSize = traf.defaultSize ?? trex?.sampleSizeBytes ?? 0;
    const defaultFlags = traf.defaultFlags ?? trex?.sampleFlags ?? 0;
    // Sample data offsets are checked against the mdat only when they are relative to the moof; an explicit
    // base_data_offset points into a file we do not see.
    const moofRelative =
      !(traf.tfhdFlags & TFHD_BASE_DATA_OFFSET) && (traf.tfhdFlags & TFHD_DEFAULT_BASE_IS_MOOF || trafIndex === 0);
    let dataPos = moof.start;
    for (const trun of traf.truns) {
      const run = sumTrun(data, trun, defaultDuration, defaultSize);
      if (firstFlags === undefined && trun.sampleCount > 0) {
        firstFlags =
          trun.firstSampleFlags ??
          (trun.flags & TRUN_FLAGS ? data.readUInt32BE(trun.recordsPos + flagsFieldOffset(trun.flags)) : defaultFlags);
      }
      if (moofRelative) {
        if (trun.dataOffsetPos >= 0) dataPos = moof.start + trun.dataOffset;
        if (trun.sampleCount > 0 && (dataPos < mdat.payload || dataPos + run.sizeBytes > mdat.end)) {
          fail('bad_value', `trun sample data [${dataPos}, +${run.sizeBytes}) is outside the mdat`, moof.start);
        }
        dataPos += run.sizeBytes;
      }
      durationTicks += run.durationTicks;
      sampleCount += trun.sampleCount;
    }
  }
  if (baseMediaDecodeTime < 0) fail('missing_box', `moof has no traf for track ${ctx.trackId}`, moof.start);
  if (!Number.isSafeInteger(durationTicks)) fail('bad_value', 'fragment duration exceeds 2^53 ticks', moof.start);
  return {
    data,
    sequence: layout.sequence,
    baseMediaDecodeTime,
    durationTicks,
    sampleCount,
    keyframe: firstFlags !== undefined && isSyncSampleFlags(firstFlags),
  };
}

/** Byte offset of sample_flags inside a per-sample record: after the duration and size fields when present. */
function flagsFieldOffset(trunFlags: number): number {
  return (trunFlags & TRUN_DURATION ? 4 : 0) + (trunFlags & TRUN_SIZE ? 4 : 0);
}

function sumTrun(
  data: Buffer,
  trun: TrunLayout,
  defaultDuration: number,
  defaultSize: number,
): { durationTicks: number; sizeBytes: number } {
  const n = trun.sampleCount;
  const hasDuration = (trun.flags & TRUN_DURATION) !== 0;
  const hasSize = (trun.flags & TRUN_SIZE) !== 0;
  if (!hasDuration && !hasSize) return { durationTicks: n * defaultDuration, sizeBytes: n * defaultSize };
  let durationTicks = hasDuration ? 0 : n * defaultDuration;
  let sizeBytes = hasSize ? 0 : n * defaultSize;
  const sizeAt = hasDuration ? 4 : 0;
  for (let i = 0, pos = trun.recordsPos; i < n; i++, pos += trun.recordSize) {
    if (hasDuration) durationTicks += data.readUInt32BE(pos);
    if (hasSize) sizeBytes += data.readUInt32BE(pos + sizeAt);
  }
  return { durationTicks, sizeBytes };
}
