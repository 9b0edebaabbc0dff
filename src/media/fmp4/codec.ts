// RFC 6381 codec strings from decoder configuration records, as MSE (`isTypeSupported`, `addSourceBuffer`) and HLS
// (`CODECS=`) expect them. Only the bytes of the record are read; the parameter sets are not parsed.

import { fail } from './box.js';

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * `avc1.PPCCLL` from an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3): profile, compatibility and level as
 * two hex digits each. Lower case, as ffmpeg's HLS muxer writes it; MSE compares case-insensitively.
 */
export function avcCodecString(sampleEntry: string, avcC: Buffer): string {
  if (avcC.length < 4) fail('bad_box_size', `avcC has ${avcC.length} bytes, needs 4`);
  return `${sampleEntry}.${hex2(avcC[1] ?? 0)}${hex2(avcC[2] ?? 0)}${hex2(avcC[3] ?? 0)}`;
}

/** The 32 bits of `v` in reverse order (bit 0 becomes bit 31). */
export function reverseBits32(v: number): number {
  let out = 0;
  for (let i = 0; i < 32; i++) {
    out = (out << 1) | ((v >>> i) & 1);
  }
  return out >>> 0;
}

/**
 * `hvc1.…` / `hev1.…` from an HEVCDecoderConfigurationRecord, following ISO/IEC 14496-15 Annex E.3:
 *   1. general_profile_space as '' (0) or 'A'/'B'/'C' (1–3), immediately followed by general_profile_idc in decimal;
 *   2. the 32 general_profile_compatibility_flags in reverse bit order, in hex, leading zeros omitted;
 *   3. 'L' (main tier) or 'H' (high tier) followed by general_level_idc in decimal;
 *   4. the 6 constraint indicator bytes, each in hex and separated by '.', trailing zero bytes omitted.
 * Hex digits are upper case and constraint bytes two digits, as in the Annex's examples ('hev1.1.6.L93.B0').
 */
export function hevcCodecString(sampleEntry: string, hvcC: Buffer): string {
  if (hvcC.length < 13) fail('bad_box_size', `hvcC has ${hvcC.length} bytes, needs 13`);
  const ptl = hvcC.readUInt8(1);
  const space = ptl >>> 6;
  const tier = (ptl >>> 5) & 1 ? 'H' : 'L';
  const profile = ptl & 0x1f;
  const compat = reverseBits32(hvcC.readUInt32BE(2)).toString(16).toUpperCase();
  const level = hvcC.readUInt8(12);
  let last = 5;
  while (last >= 0 && hvcC.readUInt8(6 + last) === 0) last--;
  let constraints = '';
  for (let i = 0; i <= last; i++) {
    constraints += '.' + hex2(hvcC.readUInt8(6 + i)).toUpperCase();
  }
  const spaceLetter = space === 0 ? '' : String.fromCharCode(0x40 + space);
  return `${sampleEntry}.${spaceLetter}${profile}.${compat}.${tier}${level}${constraints}`;
}
