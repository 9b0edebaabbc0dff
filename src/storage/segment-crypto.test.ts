// The pure parts of the encrypted segment format (docs/encryption.md): record splitting, layout and lookup tables.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aadBase, buildHeader, CHUNK_BYTES, HEADER_BYTES, isEncryptedHeader, layoutOf, openRecord, parseHeader, RECORD_OVERHEAD, recordAt, sealRecords,
  SegmentCryptoError,
} from './segment-crypto.js';

const key = randomBytes(32);
const header = buildHeader(randomBytes(16));
const base = aadBase(header, 'cam/20261203/1-0.mp4');

describe('sealRecords splits a write into ≤ 64 KiB records, fragment-aligned', () => {
  it.each([
    { parts: [1], lengths: [1] },
    { parts: [CHUNK_BYTES], lengths: [CHUNK_BYTES] },
    { parts: [CHUNK_BYTES + 1], lengths: [CHUNK_BYTES, 1] },
    { parts: [100, 0, 200], lengths: [300] },
    { parts: [40_000, 40_000, 40_000], lengths: [CHUNK_BYTES, 120_000 - CHUNK_BYTES] },
    { parts: [3 * CHUNK_BYTES], lengths: [CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES] },
    { parts: [0], lengths: [] },
  ])('$parts → $lengths', ({ parts, lengths }) => {
    const plain = parts.map((n) => randomBytes(n));
    const { out, lengths: got } = sealRecords(key, base, 7, plain);
    expect(got).toEqual(lengths);
    const file = Buffer.concat(out);
    expect(file.length).toBe(lengths.reduce((a, n) => a + n + RECORD_OVERHEAD, 0));
    let at = 0;
    const opened: Buffer[] = [];
    lengths.forEach((_, i) => {
      const { plain: p, head } = openRecord(key, base, 7 + i, file, at);
      opened.push(p);
      at += head.recordBytes;
    });
    expect(Buffer.concat(opened).equals(Buffer.concat(plain))).toBe(true);
  });

  it('a record opened as another index, or under another file identity, fails', () => {
    const { out } = sealRecords(key, base, 0, [randomBytes(100)]);
    const file = Buffer.concat(out);
    expect(() => openRecord(key, base, 1, file, 0)).toThrow(SegmentCryptoError);
    expect(() => openRecord(key, aadBase(header, 'cam/20261203/1-1.mp4'), 0, file, 0)).toThrow(SegmentCryptoError);
  });
});

describe('layout and lookup', () => {
  const layout = layoutOf([10, 20, 5]);
  it('prefix sums of plaintext and file offsets', () => {
    expect(layout.plainStarts).toEqual([0, 10, 30, 35]);
    expect(layout.fileStarts).toEqual([HEADER_BYTES, HEADER_BYTES + 30, HEADER_BYTES + 70, HEADER_BYTES + 95]);
  });
  it.each([[0, 0], [9, 0], [10, 1], [29, 1], [30, 2], [34, 2], [35, 3], [1000, 3]])('byte %i is in record %i', (offset, record) => {
    expect(recordAt(layout, offset)).toBe(record);
  });
});

describe('header', () => {
  it.each([
    [Buffer.from('\0\0\0\x20ftypisom'), false],
    [header, true],
    [Buffer.from('VGSEG'), false],
  ])('tells encrypted from plaintext files (%#)', (head, encrypted) => {
    expect(isEncryptedHeader(head)).toBe(encrypted);
  });
  it('refuses an unknown version', () => {
    const h = Buffer.from(header);
    h[8] = 2;
    expect(() => parseHeader(h)).toThrow(/version 2/);
  });
});
