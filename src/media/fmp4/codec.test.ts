// RFC 6381 codec strings from hand-written configuration records, including the ISO/IEC 14496-15 Annex E corner
// cases (profile space letter, high tier, reversed compatibility bits, trailing zero constraint bytes).
import { describe, expect, it } from 'vitest';
import { avcCodecString, hevcCodecString, reverseBits32 } from './codec.js';
import { Fmp4ParseError } from './types.js';

function hvcC(ptl: number, compat: number, constraints: number[], level: number): Buffer {
  const b = Buffer.alloc(23);
  b[0] = 1;
  b[1] = ptl;
  b.writeUInt32BE(compat >>> 0, 2);
  constraints.forEach((c, i) => (b[6 + i] = c));
  b[12] = level;
  return b;
}

describe('avcCodecString', () => {
  it('writes profile, compatibility and level as hex pairs', () => {
    expect(avcCodecString('avc1', Buffer.from([1, 0x64, 0x00, 0x28, 0xff]))).toBe('avc1.640028');
    expect(avcCodecString('avc3', Buffer.from([1, 0x42, 0xe0, 0x1e]))).toBe('avc3.42e01e');
  });
  it('rejects a record too short to hold them', () => {
    expect(() => avcCodecString('avc1', Buffer.from([1, 0x64, 0]))).toThrow(Fmp4ParseError);
  });
});

describe('hevcCodecString', () => {
  it('Main profile, main tier, level 4 (the usual camera stream)', () => {
    expect(hevcCodecString('hvc1', hvcC(0x01, 0x60000000, [0x90, 0, 0, 0, 0, 0], 120))).toBe('hvc1.1.6.L120.90');
  });
  it('Main 10, all constraint bytes zero: the constraint part is omitted', () => {
    expect(hevcCodecString('hev1', hvcC(0x02, 0x20000000, [0, 0, 0, 0, 0, 0], 93))).toBe('hev1.2.4.L93');
  });
  it('profile space letter, high tier, and inner zero constraint bytes kept', () => {
    // space 1 ('A'), tier 1 ('H'), profile_idc 4; reversed compatibility bits 0x41; constraints B0.00.23.
    expect(hevcCodecString('hev1', hvcC((1 << 6) | (1 << 5) | 4, 0x82000000, [0xb0, 0, 0x23, 0, 0, 0], 153))).toBe(
      'hev1.A4.41.H153.B0.00.23',
    );
    expect(hevcCodecString('hvc1', hvcC((3 << 6) | 1, 0, [0, 0, 0, 0, 0, 1], 30))).toBe('hvc1.C1.0.L30.00.00.00.00.00.01');
  });
  it('rejects a record shorter than the profile-tier-level fields', () => {
    expect(() => hevcCodecString('hvc1', Buffer.alloc(12))).toThrow(Fmp4ParseError);
  });
});

describe('reverseBits32', () => {
  it('mirrors the 32 bits', () => {
    expect(reverseBits32(0x60000000)).toBe(6);
    expect(reverseBits32(1)).toBe(0x80000000);
    expect(reverseBits32(0xffffffff)).toBe(0xffffffff);
    expect(reverseBits32(0x12345678)).toBe(0x1e6a2c48);
  });
});
