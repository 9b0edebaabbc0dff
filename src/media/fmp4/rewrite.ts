// rewriteFragmentTiming: a copy of a fragment with a new tfdt (media time) and mfhd sequence number, so that
// fragments from different recording runs can be concatenated into one MP4 export with monotonic time. The input is
// never modified: it may be a view of a stored segment file or of a fragment shared with live viewers.

import { fail, type Box } from './box.js';
import { TFHD_BASE_DATA_OFFSET, TFHD_DEFAULT_BASE_IS_MOOF, scanMoof, type TrafLayout } from './fragment.js';

/**
 * Returns a copy of `data` whose traf for `trackId` has tfdt = `baseMediaDecodeTime` and whose mfhd has `sequence`.
 * `trackId` may be omitted when the fragment has a single traf (ffmpeg's video-only ingest).
 *
 * A version 0 tfdt holds 32 bits; a larger value upgrades it to version 1, which makes the tfdt, traf and moof 4 bytes
 * longer and moves the mdat 4 bytes further from the moof, so every moof-relative trun data_offset grows by 4. A
 * fragment with an explicit tfhd base_data_offset (an absolute file position) cannot be moved and is rejected with
 * 'unsupported'; so is a fragment with several trafs for the same track. A preceding sidx is copied unchanged: its
 * referenced sizes would be stale after an upgrade, and ffmpeg's fragments (our only source) carry none.
 */
export function rewriteFragmentTiming(
  data: Buffer,
  baseMediaDecodeTime: number,
  sequence: number,
  trackId?: number,
): Buffer {
  if (!Number.isSafeInteger(baseMediaDecodeTime) || baseMediaDecodeTime < 0) {
    fail('bad_value', `baseMediaDecodeTime ${baseMediaDecodeTime} is not a non-negative safe integer`);
  }
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffffffff) {
    fail('bad_value', `sequence ${sequence} is not a u32`);
  }
  const layout = scanMoof(data);
  const traf = selectTraf(layout.trafs, trackId, layout.moof);
  const tfdt = traf.tfdt;
  if (!tfdt) fail('missing_box', `traf of track ${traf.trackId} has no tfdt`, traf.box.start);

  if (tfdt.version === 1 || baseMediaDecodeTime <= 0xffffffff) {
    const out = Buffer.from(data);
    out.writeUInt32BE(sequence, layout.sequencePos);
    writeTime(out, tfdt.box.payload + 4, tfdt.version === 1, baseMediaDecodeTime);
    return out;
  }

  for (const t of layout.trafs) {
    if (t.tfhdFlags & TFHD_BASE_DATA_OFFSET) fail('unsupported', 'cannot move a fragment with an absolute base_data_offset', t.box.start);
  }
  // The 4 new bytes go right after the old 32-bit value; positions before that point do not move.
  const insertAt = tfdt.box.payload + 8;
  const moved = (pos: number): number => (pos >= insertAt ? pos + 4 : pos);
  const out = Buffer.allocUnsafe(data.length + 4);
  data.copy(out, 0, 0, tfdt.box.payload);
  out.writeUInt32BE((1 << 24) | (data.readUInt32BE(tfdt.box.payload) & 0xffffff), tfdt.box.payload);
  writeTime(out, tfdt.box.payload + 4, true, baseMediaDecodeTime);
  data.copy(out, insertAt + 4, insertAt);

  for (const box of [layout.moof, traf.box, tfdt.box]) growBoxSize(out, box);
  out.writeUInt32BE(sequence, moved(layout.sequencePos));
  layout.trafs.forEach((t, index) => {
    // Offsets relative to the moof start now reach 4 bytes further; offsets relative to the end of the previous
    // traf's data (a later traf without default-base-is-moof) are unchanged, since that data moved too.
    if (!(t.tfhdFlags & TFHD_DEFAULT_BASE_IS_MOOF) && index > 0) return;
    for (const trun of t.truns) {
      if (trun.dataOffsetPos < 0) continue;
      if (trun.dataOffset + 4 > 0x7fffffff) fail('bad_value', 'trun data_offset overflows', trun.dataOffsetPos);
      out.writeInt32BE(trun.dataOffset + 4, moved(trun.dataOffsetPos));
    }
  });
  return out;
}

function selectTraf(trafs: TrafLayout[], trackId: number | undefined, moof: Box): TrafLayout {
  const matches = trackId === undefined ? trafs : trafs.filter((t) => t.trackId === trackId);
  if (trackId === undefined && trafs.length > 1) {
    fail('unsupported', `fragment has ${trafs.length} trafs: say which track to retime`, moof.start);
  }
  const [traf] = matches;
  if (!traf) fail('missing_box', `moof has no traf${trackId === undefined ? '' : ` for track ${trackId}`}`, moof.start);
  if (matches.length > 1) fail('unsupported', `moof has ${matches.length} trafs for track ${traf.trackId}`, moof.start);
  return traf;
}

function writeTime(out: Buffer, pos: number, wide: boolean, value: number): void {
  if (wide) {
    out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), pos);
    out.writeUInt32BE(value % 0x1_0000_0000, pos + 4);
  } else {
    out.writeUInt32BE(value, pos);
  }
}

/** Adds 4 to the size of `box` (which starts before the insertion point), in its 32- or 64-bit size field. */
function growBoxSize(out: Buffer, box: Box): void {
  const size = box.end - box.start + 4;
  if (box.payload - box.start === 16) {
    writeTime(out, box.start + 8, true, size);
  } else if (size > 0xffffffff) {
    fail('bad_box_size', 'box would outgrow a 32-bit size', box.start);
  } else {
    // A size field of 0 ("to the end") is replaced by the explicit size: the box no longer ends where it did.
    out.writeUInt32BE(size, box.start);
  }
}
