// The compact per-segment fragment index stored in `segments.fragment_index` (architecture §3, docs/storage.md).
// Seeking reads this blob, never the file. Pure: no I/O.
//
// Format (version 1): byte 0x01, then per fragment three unsigned LEB128 varints:
//   sizeBytes, durationTicks, (sampleCount << 1) | keyframe
// Offsets and media times are not stored: they are prefix sums from the segment's init size and media start, which
// keeps the index at ~4–6 bytes per fragment (~0.2 bytes per frame at one fragment per second).

export interface FragmentIndexEntry {
  sizeBytes: number;
  durationTicks: number;
  sampleCount: number;
  keyframe: boolean;
}

/** An entry placed in its segment: byte offset in the file and media time relative to the segment start. */
export interface PlacedFragment extends FragmentIndexEntry {
  offset: number;
  /** Ticks since the segment's first fragment (add `segments.media_start` for absolute media time). */
  startTicks: number;
}

const VERSION = 1;

export class FragmentIndexError extends Error {
  constructor(message: string) {
    super(`fragment index: ${message}`);
    this.name = 'FragmentIndexError';
  }
}

function writeVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new FragmentIndexError(`cannot encode ${value}`);
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export function encodeFragmentIndex(entries: readonly FragmentIndexEntry[]): Buffer {
  const out: number[] = [VERSION];
  for (const e of entries) {
    writeVarint(out, e.sizeBytes);
    writeVarint(out, e.durationTicks);
    writeVarint(out, e.sampleCount * 2 + (e.keyframe ? 1 : 0));
  }
  return Buffer.from(out);
}

/** Decodes and places the entries. `initSizeBytes` is where the first fragment starts in the file. */
export function decodeFragmentIndex(blob: Uint8Array, initSizeBytes: number): PlacedFragment[] {
  if (blob.length === 0 || blob[0] !== VERSION) throw new FragmentIndexError(`unknown version ${blob[0]}`);
  const entries: PlacedFragment[] = [];
  let pos = 1;
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (pos >= blob.length) throw new FragmentIndexError('truncated');
      const byte = blob[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new FragmentIndexError('varint too long');
    }
  };
  let offset = initSizeBytes;
  let startTicks = 0;
  while (pos < blob.length) {
    const sizeBytes = readVarint();
    const durationTicks = readVarint();
    const packed = readVarint();
    const entry = { sizeBytes, durationTicks, sampleCount: Math.floor(packed / 2), keyframe: packed % 2 === 1, offset, startTicks };
    entries.push(entry);
    offset += sizeBytes;
    startTicks += durationTicks;
  }
  return entries;
}
