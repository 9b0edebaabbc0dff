import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFragmentIndex, encodeFragmentIndex, FragmentIndexError } from './fragment-index.js';

describe('fragment index', () => {
  it('round-trips and places fragments by prefix sums', () => {
    const blob = encodeFragmentIndex([
      { sizeBytes: 1000, durationTicks: 90000, sampleCount: 25, keyframe: true },
      { sizeBytes: 300, durationTicks: 45000, sampleCount: 12, keyframe: false },
    ]);
    expect(decodeFragmentIndex(blob, 700)).toEqual([
      { sizeBytes: 1000, durationTicks: 90000, sampleCount: 25, keyframe: true, offset: 700, startTicks: 0 },
      { sizeBytes: 300, durationTicks: 45000, sampleCount: 12, keyframe: false, offset: 1700, startTicks: 90000 },
    ]);
    expect(blob.length).toBeLessThan(16);
  });

  it('round-trips any entries (property)', () => {
    const entry = fc.record({
      sizeBytes: fc.nat({ max: 2 ** 40 }), durationTicks: fc.nat({ max: 2 ** 40 }), sampleCount: fc.nat({ max: 100000 }), keyframe: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(entry, { maxLength: 80 }), (entries) => {
      const decoded = decodeFragmentIndex(encodeFragmentIndex(entries), 0);
      expect(decoded.map(({ offset: _o, startTicks: _s, ...e }) => e)).toEqual(entries);
    }));
  });

  it('rejects unknown versions and truncated blobs with a typed error', () => {
    expect(() => decodeFragmentIndex(Buffer.from([2]), 0)).toThrow(FragmentIndexError);
    const blob = encodeFragmentIndex([{ sizeBytes: 100000, durationTicks: 1, sampleCount: 1, keyframe: true }]);
    expect(() => decodeFragmentIndex(blob.subarray(0, 2), 0)).toThrow(/truncated/);
  });
});
