// parseInit: reads an init segment (ftyp + moov) and returns what recording, live view and playback need from it:
// the video track's id, timescale, picture size, RFC 6381 codec string and trex defaults. Only the boxes on the path
// moov/trak/mdia/{mdhd,hdlr,minf/stbl/stsd} and moov/mvex/trex are read; everything else is skipped by size.

import {
  T,
  children,
  fail,
  findChild,
  fullBox,
  isIgnorable,
  need,
  readBox,
  requireChild,
  typeName,
  type Box,
} from './box.js';
import { avcCodecString, hevcCodecString } from './codec.js';
import type { InitSegment, TrackExtendsDefaults } from './types.js';

/** Bytes of a VisualSampleEntry before its child boxes (ISO/IEC 14496-12 §12.1.3), after the box header. */
const VISUAL_ENTRY_FIELDS = 78;

/**
 * Parses ftyp + moov. `data` may carry bytes after the moov (e.g. a whole file): they are not part of the returned
 * `data`, which is a view of the input up to the end of the moov (no copy).
 */
export function parseInit(data: Buffer): InitSegment {
  let pos = 0;
  let moov: Box | undefined;
  while (pos < data.length) {
    const box = readBox(data, pos, data.length, 'truncated');
    if (box.type === T.moov) {
      moov = box;
      break;
    }
    if (box.type !== T.ftyp && !isIgnorable(box.type)) {
      fail('unexpected_box', `'${typeName(box.type)}' before the moov of an init segment`, box.start);
    }
    pos = box.end;
  }
  if (!moov) fail('truncated', 'init segment ended before its moov', data.length);
  const track = findVideoTrack(data, moov);
  return {
    data: moov.end === data.length ? data : data.subarray(0, moov.end),
    ...track,
    trex: readTrex(data, moov, track.trackId),
  };
}

type VideoTrack = Omit<InitSegment, 'data' | 'trex'>;

function findVideoTrack(data: Buffer, moov: Box): VideoTrack {
  for (const trak of children(data, moov.payload, moov.end)) {
    if (trak.type !== T.trak) continue;
    const mdia = requireChild(data, trak, T.mdia);
    const hdlr = requireChild(data, mdia, T.hdlr);
    need(hdlr, hdlr.payload, 12, 'handler_type');
    // Only the video track is parsed further: a malformed audio or data track must not stop recording.
    if (data.readUInt32BE(hdlr.payload + 8) === T.vide) return readVideoTrack(data, trak, mdia);
  }
  return fail('unsupported', 'init segment has no video track', moov.start);
}

function readVideoTrack(data: Buffer, trak: Box, mdia: Box): VideoTrack {
  const tkhd = readTkhd(data, requireChild(data, trak, T.tkhd));
  const timescale = readTimescale(data, requireChild(data, mdia, T.mdhd));
  const stbl = requireChild(data, requireChild(data, mdia, T.minf), T.stbl);
  const stsd = requireChild(data, stbl, T.stsd);
  need(stsd, stsd.payload, 8, 'entry_count');
  if (data.readUInt32BE(stsd.payload + 4) === 0) fail('missing_box', 'stsd has no sample entry', stsd.start);
  const entry = readBox(data, stsd.payload + 8, stsd.end, 'bad_box_size');
  const entryName = typeName(entry.type);
  const visual = entry.end - entry.payload >= VISUAL_ENTRY_FIELDS;
  // The sample entry's own width/height is the coded picture size; tkhd's is the presentation size, used only when
  // the entry is too short to be a VisualSampleEntry (possible for 'other' codecs) or says 0.
  const width = (visual ? data.readUInt16BE(entry.payload + 24) : 0) || tkhd.width;
  const height = (visual ? data.readUInt16BE(entry.payload + 26) : 0) || tkhd.height;
  const base = { trackId: tkhd.trackId, timescale, width, height };

  const isAvc = entry.type === T.avc1 || entry.type === T.avc3;
  const isHevc = entry.type === T.hvc1 || entry.type === T.hev1;
  if (!isAvc && !isHevc) return { ...base, codec: entryName, codecFamily: 'other' };
  if (!visual) fail('bad_box_size', `'${entryName}' is too short for a visual sample entry`, entry.start);
  const configType = isAvc ? T.avcC : T.hvcC;
  const config = findChild(data, entry.payload + VISUAL_ENTRY_FIELDS, entry.end, configType);
  if (!config) fail('missing_box', `'${entryName}' has no '${typeName(configType)}'`, entry.start);
  const record = data.subarray(config.payload, config.end);
  return isAvc
    ? { ...base, codec: avcCodecString(entryName, record), codecFamily: 'h264' }
    : { ...base, codec: hevcCodecString(entryName, record), codecFamily: 'h265' };
}

function readTkhd(data: Buffer, tkhd: Box): { trackId: number; width: number; height: number } {
  const { version } = fullBox(data, tkhd);
  // v0: creation, modification, track_ID, reserved, duration (4 bytes each); v1: the times and duration are 8 bytes.
  const idPos = tkhd.payload + (version === 1 ? 20 : 12);
  const sizePos = tkhd.payload + (version === 1 ? 88 : 76);
  need(tkhd, sizePos, 8, 'width and height');
  const trackId = data.readUInt32BE(idPos);
  if (trackId === 0) fail('bad_value', 'tkhd track_ID is 0', tkhd.start);
  // Presentation width/height are 16.16 fixed point.
  return { trackId, width: data.readUInt32BE(sizePos) >>> 16, height: data.readUInt32BE(sizePos + 4) >>> 16 };
}

function readTimescale(data: Buffer, mdhd: Box): number {
  const { version } = fullBox(data, mdhd);
  const pos = mdhd.payload + (version === 1 ? 20 : 12);
  need(mdhd, pos, 4, 'timescale');
  const timescale = data.readUInt32BE(pos);
  if (timescale === 0) fail('bad_value', 'mdhd timescale is 0', mdhd.start);
  return timescale;
}

function readTrex(data: Buffer, moov: Box, trackId: number): TrackExtendsDefaults | undefined {
  const mvex = findChild(data, moov.payload, moov.end, T.mvex);
  if (!mvex) return undefined;
  for (const trex of children(data, mvex.payload, mvex.end)) {
    if (trex.type !== T.trex) continue;
    need(trex, trex.payload, 24, 'defaults');
    if (data.readUInt32BE(trex.payload + 4) !== trackId) continue;
    return {
      sampleDurationTicks: data.readUInt32BE(trex.payload + 12),
      sampleSizeBytes: data.readUInt32BE(trex.payload + 16),
      sampleFlags: data.readUInt32BE(trex.payload + 20),
    };
  }
  return undefined;
}
