// Decoder configuration records and picture size from H.264 / H.265 parameter sets, for building an fMP4 init segment
// in process (from RTSP's sprop-parameter-sets or in-band NAL units) instead of having ffmpeg write it. Only the SPS
// is parsed, and only up to the last field needed; VPS and PPS are checked for their type and copied. The records are
// byte for byte what ffmpeg's mp4 muxer writes for the same parameter sets (libavformat avc.c ff_isom_write_avcc,
// hevc.c ff_isom_write_hvcc), except where noted at h265Params. Pure: no I/O, no app imports.

import { BitReader, ParamSetError, unescapeRbsp } from './bitreader.js';

export { ParamSetError, type ParamSetErrorCode } from './bitreader.js';

export interface VideoParams {
  codec: 'h264' | 'h265';
  /** Display size after the SPS cropping window (what ffprobe reports as width/height). */
  width: number;
  height: number;
  /** 'avc1' for H.264; 'hev1' for H.265 (parameter sets may also come in band, as ffmpeg writes for RTSP input). */
  sampleEntry: 'avc1' | 'hev1';
  /** The AVCDecoderConfigurationRecord / HEVCDecoderConfigurationRecord bytes (the avcC / hvcC box payload, without the 8-byte box header). */
  config: Buffer;
}

function fail(code: ParamSetError['code'], message: string): never {
  throw new ParamSetError(code, message);
}

/** nal_unit_type of an H.264 NAL unit (§7.3.1) or an H.265 one (§7.3.1.2); 'bad_nal' when too short to hold one. */
function nalType(nal: Buffer, codec: 'h264' | 'h265', minLength: number): number {
  if (nal.length < minLength) fail('bad_nal', `${codec} NAL unit of ${nal.length} bytes, needs at least ${minLength}`);
  const header = nal[0] ?? 0;
  if (header & 0x80) fail('bad_nal', `${codec} NAL unit with forbidden_zero_bit set`);
  return codec === 'h264' ? header & 0x1f : (header >>> 1) & 0x3f;
}

function expectType(nals: readonly Buffer[], codec: 'h264' | 'h265', type: number, name: string, minLength: number): void {
  if (nals.length === 0) fail('bad_nal', `no ${codec} ${name}`);
  for (const nal of nals) {
    const actual = nalType(nal, codec, minLength);
    if (actual !== type) fail('bad_nal', `${codec} ${name} expected (nal_unit_type ${type}), got type ${actual}`);
  }
}

/** Appends `nal` with the 16-bit length that precedes each parameter set in both records. */
function pushNal(parts: Buffer[], nal: Buffer): void {
  if (nal.length > 0xffff) fail('unsupported', `parameter set of ${nal.length} bytes; the record's length is 16-bit`);
  parts.push(Buffer.from([nal.length >>> 8, nal.length & 0xff]), nal);
}

/** Cropped size, checked against the 16-bit width and height of a VisualSampleEntry (ISO/IEC 14496-12 §12.1.3). */
function displaySize(codedWidth: number, codedHeight: number, cropX: number, cropY: number): { width: number; height: number } {
  const width = codedWidth - cropX;
  const height = codedHeight - cropY;
  if (width <= 0 || height <= 0) fail('bad_nal', `cropping ${cropX}x${cropY} leaves nothing of ${codedWidth}x${codedHeight}`);
  if (width > 0xffff || height > 0xffff) fail('unsupported', `picture ${width}x${height} exceeds 65535`);
  return { width, height };
}

// ---- H.264 ----

/** profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling matrices (H.264 §7.3.2.1.1; 144 is
 * the withdrawn High 4:4:4 profile, still parsed by decoders). */
const H264_HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135, 144]);

/** SubWidthC, SubHeightC by chroma_format_idc (H.264 Table 6-1, H.265 Table 6-1); monochrome is 1, 1. */
const SUB_WIDTH_C = [1, 2, 2, 1] as const;
const SUB_HEIGHT_C = [1, 2, 1, 1] as const;

interface H264Sps {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  width: number;
  height: number;
}

/** scaling_list() of H.264 §7.3.2.1.1.1, read only to get past it. */
function skipScalingList(r: BitReader, size: number): void {
  let lastScale = 8;
  let nextScale = 8;
  for (let j = 0; j < size; j++) {
    if (nextScale !== 0) {
      // delta_scale is in −128..127; a larger one is corrupt, and the modulo below would not keep it in range.
      const delta = r.readSe();
      if (delta < -128 || delta > 127) fail('bad_nal', `H.264 delta_scale ${delta}`);
      nextScale = (lastScale + delta + 256) % 256;
    }
    lastScale = nextScale === 0 ? lastScale : nextScale;
  }
}

/** seq_parameter_set_data() of H.264 §7.3.2.1.1 up to frame cropping, with the semantics of §7.4.2.1.1. */
function parseH264Sps(nal: Buffer): H264Sps {
  const r = new BitReader(unescapeRbsp(nal));
  r.skipBits(8); // nal_unit_header
  const profileIdc = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const levelIdc = r.readBits(8);
  r.readUe(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = 0;
  let bitDepthLumaMinus8 = 0;
  let bitDepthChromaMinus8 = 0;
  if (H264_HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.readUe();
    if (chromaFormatIdc > 3) fail('bad_nal', `H.264 chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = r.readBit();
    bitDepthLumaMinus8 = r.readUe();
    bitDepthChromaMinus8 = r.readUe();
    // 0..6 (§7.4.2.1.1); the avcC extension holds them in 3 bits.
    if (bitDepthLumaMinus8 > 6 || bitDepthChromaMinus8 > 6) fail('bad_nal', 'H.264 bit depth above 14');
    r.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.readBit()) {
      // seq_scaling_matrix_present_flag: 6 4x4 lists, then 2 (6 for 4:4:4) 8x8 lists, each present or not.
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (r.readBit()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  r.readUe(); // log2_max_frame_num_minus4
  const picOrderCntType = r.readUe();
  if (picOrderCntType === 0) {
    r.readUe(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (picOrderCntType === 1) {
    r.skipBits(1); // delta_pic_order_always_zero_flag
    r.readSe(); // offset_for_non_ref_pic
    r.readSe(); // offset_for_top_to_bottom_field
    const cycle = r.readUe();
    if (cycle > 255) fail('bad_nal', `H.264 num_ref_frames_in_pic_order_cnt_cycle ${cycle}`);
    for (let i = 0; i < cycle; i++) r.readSe(); // offset_for_ref_frame[i]
  } else if (picOrderCntType !== 2) {
    fail('bad_nal', `H.264 pic_order_cnt_type ${picOrderCntType}`);
  }
  r.readUe(); // max_num_ref_frames
  r.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = r.readUe() + 1;
  const heightInMapUnits = r.readUe() + 1;
  const frameMbsOnly = r.readBit();
  if (!frameMbsOnly) r.skipBits(1); // mb_adaptive_frame_field_flag
  r.skipBits(1); // direct_8x8_inference_flag
  let crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.readBit()) crop = { left: r.readUe(), right: r.readUe(), top: r.readUe(), bottom: r.readUe() };

  // frame_crop_*_offset count CropUnitX / CropUnitY luma samples; with field coding (frame_mbs_only_flag 0) a map
  // unit is two macroblock rows and CropUnitY doubles (§7.4.2.1.1).
  const fieldFactor = 2 - frameMbsOnly;
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const cropUnitX = chromaArrayType === 0 ? 1 : SUB_WIDTH_C[chromaArrayType] ?? 1;
  const cropUnitY = (chromaArrayType === 0 ? 1 : SUB_HEIGHT_C[chromaArrayType] ?? 1) * fieldFactor;
  const size = displaySize(
    widthInMbs * 16,
    fieldFactor * heightInMapUnits * 16,
    cropUnitX * (crop.left + crop.right),
    cropUnitY * (crop.top + crop.bottom),
  );
  return { profileIdc, constraintFlags, levelIdc, chromaFormatIdc, bitDepthLumaMinus8, bitDepthChromaMinus8, ...size };
}

/**
 * H.264 parameters and AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1), for an 'avc1' sample entry.
 * NAL units without start codes or length prefixes (first byte = NAL header).
 *
 * The record's extension (chroma_format, bit depths, no SPS extensions) is written for every profile_idc other than
 * 66, 77 and 88, as ffmpeg does. The 2010 edition's syntax lists only 100, 110, 122 and 144, which leaves out e.g.
 * High 4:4:4 Predictive (244), what libx264 writes for 4:4:4; the bytes come last in the box, so a reader following
 * that edition stops before them.
 */
export function h264Params(sps: Buffer, pps: readonly Buffer[]): VideoParams {
  expectType([sps], 'h264', 7, 'SPS', 4);
  expectType(pps, 'h264', 8, 'PPS', 2);
  if (pps.length > 255) fail('unsupported', `${pps.length} PPS; avcC holds at most 255`);
  const s = parseH264Sps(sps);
  const parts = [
    Buffer.from([
      1, // configurationVersion
      s.profileIdc,
      s.constraintFlags, // profile_compatibility
      s.levelIdc,
      0xfc | 3, // reserved '111111', lengthSizeMinusOne 3: 4-byte NAL lengths in the samples
      0xe0 | 1, // reserved '111', numOfSequenceParameterSets
    ]),
  ];
  pushNal(parts, sps);
  parts.push(Buffer.from([pps.length]));
  for (const p of pps) pushNal(parts, p);
  if (s.profileIdc !== 66 && s.profileIdc !== 77 && s.profileIdc !== 88) {
    // chroma_format, bit_depth_luma_minus8, bit_depth_chroma_minus8 (reserved bits set), numOfSequenceParameterSetExt
    parts.push(Buffer.from([0xfc | s.chromaFormatIdc, 0xf8 | s.bitDepthLumaMinus8, 0xf8 | s.bitDepthChromaMinus8, 0]));
  }
  return { codec: 'h264', width: s.width, height: s.height, sampleEntry: 'avc1', config: Buffer.concat(parts) };
}

// ---- H.265 ----

const HEVC_VPS = 32;
const HEVC_SPS = 33;
const HEVC_PPS = 34;

interface H265Sps {
  /** general_profile_space .. general_level_idc: the 12 bytes the record copies (H.265 §7.3.3). */
  generalPtl: Buffer;
  maxSubLayersMinus1: number;
  temporalIdNested: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
  width: number;
  height: number;
}

/** seq_parameter_set_rbsp() of H.265 §7.3.2.2.1 up to the bit depths, with the semantics of §7.4.3.2.1. */
function parseH265Sps(nal: Buffer): H265Sps {
  // Layers above the base one may use the multi-layer SPS syntax (H.265 §F.7.3.2.2.1), which is not parsed here.
  const layerId = (((nal[0] ?? 0) & 1) << 5) | ((nal[1] ?? 0) >>> 3);
  if (layerId > 0) fail('unsupported', `H.265 SPS with nuh_layer_id ${layerId}`);
  const rbsp = unescapeRbsp(nal);
  const r = new BitReader(rbsp);
  r.skipBits(16); // nal_unit_header
  r.skipBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.readBits(3);
  if (maxSubLayersMinus1 > 6) fail('bad_nal', 'H.265 sps_max_sub_layers_minus1 7');
  const temporalIdNested = r.readBit();

  // profile_tier_level(1, sps_max_sub_layers_minus1), §7.3.3. Its general part is 96 bits starting at RBSP byte 3,
  // so byte-aligned: profile space, tier and profile_idc (8), compatibility flags (32), the 48 bits of constraint
  // flags, general_level_idc (8) -- in the order and widths of the record's fields.
  r.skipBits(96);
  const generalPtl = rbsp.subarray(3, 15);
  const subLayers: { profile: number; level: number }[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) subLayers.push({ profile: r.readBit(), level: r.readBit() });
  if (maxSubLayersMinus1 > 0) r.skipBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits up to 8 sub-layers
  for (const sub of subLayers) {
    if (sub.profile) r.skipBits(88); // sub_layer profile space .. constraint flags, as in the general part
    if (sub.level) r.skipBits(8); // sub_layer_level_idc
  }

  r.readUe(); // sps_seq_parameter_set_id
  const chromaFormatIdc = r.readUe();
  if (chromaFormatIdc > 3) fail('bad_nal', `H.265 chroma_format_idc ${chromaFormatIdc}`);
  // separate_colour_plane_flag codes the three planes as monochrome pictures, but leaves SubWidthC/SubHeightC at 1
  // (Table 6-1), which is what 4:4:4 has anyway; so it changes nothing below.
  if (chromaFormatIdc === 3) r.skipBits(1);
  const codedWidth = r.readUe(); // pic_width_in_luma_samples
  const codedHeight = r.readUe(); // pic_height_in_luma_samples
  let crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.readBit()) crop = { left: r.readUe(), right: r.readUe(), top: r.readUe(), bottom: r.readUe() };
  const bitDepthLumaMinus8 = r.readUe();
  const bitDepthChromaMinus8 = r.readUe();
  // 0..8 (§7.4.3.2.1); hvcC has 3 bits for each, so 16-bit video cannot be described.
  if (bitDepthLumaMinus8 > 8 || bitDepthChromaMinus8 > 8) fail('bad_nal', 'H.265 bit depth above 16');
  if (bitDepthLumaMinus8 > 7 || bitDepthChromaMinus8 > 7) fail('unsupported', 'H.265 16-bit video');

  // conf_win_*_offset count chroma sample positions: SubWidthC / SubHeightC luma samples each (§7.4.3.2.1).
  const size = displaySize(
    codedWidth,
    codedHeight,
    (SUB_WIDTH_C[chromaFormatIdc] ?? 1) * (crop.left + crop.right),
    (SUB_HEIGHT_C[chromaFormatIdc] ?? 1) * (crop.top + crop.bottom),
  );
  return { generalPtl, maxSubLayersMinus1, temporalIdNested, chromaFormatIdc, bitDepthLumaMinus8, bitDepthChromaMinus8, ...size };
}

/**
 * H.265 parameters and HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1), for an 'hev1' sample entry.
 * NAL units without start codes or length prefixes (first byte = NAL header). Size, profile, tier, level and
 * temporal layers come from the first SPS.
 *
 * Where this differs from ffmpeg's hvcC:
 * - min_spatial_segmentation_idc is always 0 ("no guarantee"), so parallelismType is 0 ("unknown"). ffmpeg takes the
 *   former from the VUI's bitstream_restriction and the latter from the PPS, but zeroes both when the VUI does not
 *   say (as with libx265's defaults). 0 is always a true statement; reaching the VUI would mean parsing the SPS's
 *   reference picture sets, for an optional hint about decoder parallelism.
 * - ffmpeg merges profile_tier_level over every VPS and SPS (highest tier, profile and level, common compatibility
 *   and constraint flags) and takes the most temporal layers; this reads the first SPS, which for the single-layer
 *   streams of cameras says the same.
 * array_completeness is 0 in the three arrays: 'hev1' lets the stream repeat parameter sets in band, and 1 would
 * claim that it does not (§8.3.3.1.2). ffmpeg writes the same for 'hev1' (1 only for 'hvc1').
 */
export function h265Params(vps: readonly Buffer[], sps: readonly Buffer[], pps: readonly Buffer[]): VideoParams {
  expectType(vps, 'h265', HEVC_VPS, 'VPS', 3);
  expectType(sps, 'h265', HEVC_SPS, 'SPS', 3);
  expectType(pps, 'h265', HEVC_PPS, 'PPS', 3);
  const s = parseH265Sps(sps[0] as Buffer);
  const parts = [
    Buffer.from([1]), // configurationVersion
    s.generalPtl,
    Buffer.from([
      0xf0, // reserved '1111', min_spatial_segmentation_idc 0 (12 bits)
      0x00,
      0xfc, // reserved '111111', parallelismType 0
      0xfc | s.chromaFormatIdc,
      0xf8 | s.bitDepthLumaMinus8,
      0xf8 | s.bitDepthChromaMinus8,
      0, // avgFrameRate 0: unspecified (16 bits)
      0,
      // constantFrameRate 0 (2 bits), numTemporalLayers (3), temporalIdNested (1), lengthSizeMinusOne 3 (2)
      ((s.maxSubLayersMinus1 + 1) << 3) | (s.temporalIdNested << 2) | 3,
      3, // numOfArrays
    ]),
  ];
  for (const [type, nals] of [[HEVC_VPS, vps], [HEVC_SPS, sps], [HEVC_PPS, pps]] as const) {
    if (nals.length > 0xffff) fail('unsupported', `${nals.length} parameter sets of type ${type}`);
    // array_completeness 0, reserved 0, NAL_unit_type (one byte); numNalus (16 bits)
    parts.push(Buffer.from([type, nals.length >>> 8, nals.length & 0xff]));
    for (const nal of nals) pushNal(parts, nal);
  }
  return { codec: 'h265', width: s.width, height: s.height, sampleEntry: 'hev1', config: Buffer.concat(parts) };
}

/**
 * Equality of two parameter-set collections, to notice a change in band (a new init segment is then needed): the
 * same NAL units, byte for byte, in the same order (the order in which the record lists them).
 */
export function sameParamSets(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((nal, i) => nal.equals(b[i] as Buffer));
}
