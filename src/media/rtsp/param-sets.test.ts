// Parameter-set parsing against real encoder output: libx264 / libx265 streams made by the installed ffmpeg at test
// time, whose picture size is checked against ffprobe and whose records against the avcC / hvcC that ffmpeg's mp4
// muxer writes for the same stream. Hand-built SPSs cover the syntax those encoders never emit (pic_order_cnt_type 1,
// SPS scaling lists, H.265 sub-layer profile/level), and a seeded fast-check run feeds mutated and random NAL units.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitReader, unescapeRbsp } from './bitreader.js';
import { ParamSetError, h264Params, h265Params, sameParamSets, type VideoParams } from './param-sets.js';

const run = promisify(execFile);

interface Case {
  name: string;
  codec: 'h264' | 'h265';
  /** profile_idc the encoder is expected to write (so the case exercises what its name says). */
  profile: number;
  size: string;
  args: string[];
  /** High bit depth and chroma formats: skipped, not failed, where the encoder build refuses them. */
  optional?: true;
}

const X265 = ['-c:v', 'libx265', '-x265-params', 'log-level=error'];
const CASES: Case[] = [
  { name: 'H.264 baseline 1920x1080 (1088 cropped)', codec: 'h264', profile: 66, size: '1920x1080', args: ['-c:v', 'libx264', '-profile:v', 'baseline'] },
  { name: 'H.264 high 1280x720', codec: 'h264', profile: 100, size: '1280x720', args: ['-c:v', 'libx264', '-profile:v', 'high'] },
  { name: 'H.264 high 642x362 (odd cropping)', codec: 'h264', profile: 100, size: '642x362', args: ['-c:v', 'libx264', '-profile:v', 'high'] },
  // Field coding: map units of two macroblock rows, and a crop unit twice as tall.
  { name: 'H.264 high interlaced 1920x1080', codec: 'h264', profile: 100, size: '1920x1080', args: ['-c:v', 'libx264', '-flags', '+ildct+ilme'] },
  { name: 'H.264 high10 642x362', codec: 'h264', profile: 110, size: '642x362', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p10le'], optional: true },
  { name: 'H.264 high 4:2:2 interlaced 642x362', codec: 'h264', profile: 122, size: '642x362', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv422p', '-flags', '+ildct+ilme'], optional: true },
  // Profile 244 is outside the 2010 edition's list for the avcC extension; ffmpeg writes it anyway.
  { name: 'H.264 high 4:4:4 predictive 642x362', codec: 'h264', profile: 244, size: '642x362', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv444p'], optional: true },
  { name: 'H.265 main 1920x1080', codec: 'h265', profile: 1, size: '1920x1080', args: X265 },
  { name: 'H.265 main 1280x720', codec: 'h265', profile: 1, size: '1280x720', args: X265 },
  { name: 'H.265 main10 642x362', codec: 'h265', profile: 2, size: '642x362', args: [...X265, '-pix_fmt', 'yuv420p10le'], optional: true },
  { name: 'H.265 4:2:2 642x362', codec: 'h265', profile: 4, size: '642x362', args: [...X265, '-pix_fmt', 'yuv422p'], optional: true },
  { name: 'H.265 4:4:4 642x362', codec: 'h265', profile: 4, size: '642x362', args: [...X265, '-pix_fmt', 'yuv444p'], optional: true },
  // sps_max_sub_layers_minus1 1: the sub-layer flags and reserved bits of profile_tier_level are there.
  { name: 'H.265 two temporal sub-layers 320x240', codec: 'h265', profile: 1, size: '320x240', args: ['-c:v', 'libx265', '-x265-params', 'log-level=error:temporal-layers=1'] },
];

interface Made {
  case: Case;
  /** Parameter sets before the first picture, by NAL type, in stream order, without repeats. */
  sets: Map<number, Buffer[]>;
  probe: { width: number; height: number };
  /** ffprobe's field_order: 'tt', 'bb', 'tb' or 'bt' for field-coded streams. */
  fieldOrder: string;
  /** avcC, or the hvcC of an 'hev1' remux. */
  record: Buffer;
  /** H.265 only: the hvcC of an 'hvc1' remux. */
  hvc1Record?: Buffer;
}

let dir = '';
/** undefined: the encoder here refused an optional case; it is skipped. */
const made = new Map<string, Made | undefined>();

/** NAL units of an Annex B byte stream (H.264 Annex B, H.265 Annex B), start codes and trailing zeros removed. */
function splitAnnexB(data: Buffer): Buffer[] {
  const codes: number[] = [];
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      codes.push(i);
      i += 2;
    }
  }
  return codes.map((at, k) => {
    let end = codes[k + 1] ?? data.length;
    while (end > at + 3 && data[end - 1] === 0) end--;
    return data.subarray(at + 3, end);
  });
}

function parameterSets(codec: 'h264' | 'h265', nals: Buffer[]): Map<number, Buffer[]> {
  const sets = new Map<number, Buffer[]>();
  for (const nal of nals) {
    const type = codec === 'h264' ? (nal[0] ?? 0) & 0x1f : ((nal[0] ?? 0) >>> 1) & 0x3f;
    const vcl = codec === 'h264' ? type >= 1 && type <= 5 : type < 32;
    if (vcl) break;
    const list = sets.get(type) ?? [];
    if (!list.some((n) => n.equals(nal))) list.push(nal);
    sets.set(type, list);
  }
  return sets;
}

/** Payload of the first box of `type` in an mp4 file (the sample entry's avcC / hvcC: nothing else has that name). */
function boxPayload(file: Buffer, type: string): Buffer {
  const at = file.indexOf(type, 0, 'latin1');
  if (at < 4) throw new Error(`no '${type}' box`);
  return file.subarray(at + 4, at - 4 + file.readUInt32BE(at - 4));
}

async function remux(input: string, name: string, tag: string[]): Promise<Buffer> {
  const out = join(dir, name);
  await run('ffmpeg', ['-v', 'error', '-y', '-i', input, '-c', 'copy', ...tag, '-f', 'mp4', out]);
  return readFile(out);
}

async function make(c: Case, index: number): Promise<Made | undefined> {
  const raw = join(dir, `${index}.${c.codec}`);
  const input = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${c.size}:rate=25`, '-frames:v', '3'];
  try {
    await run('ffmpeg', [...input, ...c.args, '-f', c.codec === 'h264' ? 'h264' : 'hevc', raw]);
  } catch (err) {
    if (!c.optional) throw err;
    console.error(`skipping '${c.name}': the encoder refused it: ${String(err).slice(0, 300)}`);
    return undefined;
  }
  const probeArgs = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,field_order', '-of', 'json', raw];
  const [probe, first, second] = await Promise.all([
    run('ffprobe', probeArgs),
    remux(raw, `${index}-a.mp4`, c.codec === 'h265' ? ['-tag:v', 'hev1'] : []),
    c.codec === 'h265' ? remux(raw, `${index}-b.mp4`, ['-tag:v', 'hvc1']) : undefined,
  ]);
  const stream = (JSON.parse(probe.stdout) as { streams: { width: number; height: number; field_order?: string }[] }).streams[0];
  if (!stream) throw new Error(`ffprobe found no stream in ${raw}`);
  return {
    case: c,
    sets: parameterSets(c.codec, splitAnnexB(await readFile(raw))),
    probe: { width: stream.width, height: stream.height },
    fieldOrder: stream.field_order ?? '',
    record: boxPayload(first, c.codec === 'h264' ? 'avcC' : 'hvcC'),
    ...(second ? { hvc1Record: boxPayload(second, 'hvcC') } : {}),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-param-sets-'));
  // One case at a time: the machine has two cores and other test files run beside this one.
  for (const [i, c] of CASES.entries()) made.set(c.name, await make(c, i));
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function params(m: Made): VideoParams {
  const get = (type: number): Buffer[] => m.sets.get(type) ?? [];
  return m.case.codec === 'h264' ? h264Params(get(7)[0] ?? Buffer.alloc(0), get(8)) : h265Params(get(32), get(33), get(34));
}

/** The fields of an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1), for readable failures. */
function hvccFields(b: Buffer): Record<string, unknown> {
  const arrays: { completeness: number; type: number; nalus: string[] }[] = [];
  let pos = 23;
  for (let i = 0; i < (b[22] ?? 0); i++) {
    const nalus: string[] = [];
    const count = b.readUInt16BE(pos + 1);
    let p = pos + 3;
    for (let k = 0; k < count; k++) {
      const len = b.readUInt16BE(p);
      nalus.push(b.subarray(p + 2, p + 2 + len).toString('hex'));
      p += 2 + len;
    }
    arrays.push({ completeness: (b[pos] ?? 0) >>> 7, type: (b[pos] ?? 0) & 0x3f, nalus });
    pos = p;
  }
  const u8 = (i: number): number => b[i] ?? -1;
  return {
    version: u8(0),
    profileSpaceTierIdc: u8(1),
    compatibility: b.readUInt32BE(2).toString(16),
    constraints: b.subarray(6, 12).toString('hex'),
    level: u8(12),
    minSpatialSegmentation: b.readUInt16BE(13),
    parallelism: u8(15),
    chroma: u8(16),
    bitDepthLuma: u8(17),
    bitDepthChroma: u8(18),
    avgFrameRate: b.readUInt16BE(19),
    flags: u8(21).toString(2),
    arrays,
    end: pos === b.length,
  };
}

describe('real encoder output', () => {
  for (const c of CASES) {
    it(c.name, (ctx) => {
      const m = made.get(c.name);
      if (!m) return ctx.skip();
      const p = params(m);
      expect({ width: p.width, height: p.height }).toEqual(m.probe);
      expect(p.codec).toBe(c.codec);
      // profile_idc: byte 1 of avcC, the low 5 bits of hvcC's byte 1.
      expect((p.config[1] ?? 0) & (c.codec === 'h264' ? 0xff : 0x1f)).toBe(c.profile);
      expect(['tt', 'bb', 'tb', 'bt'].includes(m.fieldOrder)).toBe(c.args.includes('+ildct+ilme'));
      if (c.codec === 'h264') {
        expect(p.sampleEntry).toBe('avc1');
        expect(p.config.toString('hex')).toBe(m.record.toString('hex'));
        return;
      }
      expect(p.sampleEntry).toBe('hev1');
      expect(hvccFields(p.config)).toEqual(hvccFields(m.record));
      expect(p.config.toString('hex')).toBe(m.record.toString('hex'));
      // ffmpeg's 'hvc1' record differs only in array_completeness (1: no parameter sets in band).
      const fields = hvccFields(p.config);
      const arrays = fields.arrays as { completeness: number }[];
      expect(hvccFields(m.hvc1Record as Buffer)).toEqual({ ...fields, arrays: arrays.map((a) => ({ ...a, completeness: 1 })) });
    });
  }

  it('has the sub-layers in the sub-layer case', (ctx) => {
    const m = made.get('H.265 two temporal sub-layers 320x240');
    if (!m) return ctx.skip();
    // numTemporalLayers 2, temporalIdNested 0, lengthSizeMinusOne 3.
    expect(params(m).config[21]).toBe((2 << 3) | 3);
  });
});

/** MSB-first writer for hand-built parameter sets. */
class BitWriter {
  private readonly bits: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  ue(value: number): this {
    const len = Math.floor(Math.log2(value + 1));
    return this.u(len, 0).u(len + 1, value + 1);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** The bits with rbsp_trailing_bits (H.264 §7.3.2.11): a one, then zeros to the byte boundary. */
  rbsp(): Buffer {
    const bits = [...this.bits, 1];
    while (bits.length % 8) bits.push(0);
    const bytes: number[] = [];
    for (let i = 0; i < bits.length; i += 8) bytes.push(bits.slice(i, i + 8).reduce((v, b) => v * 2 + b, 0));
    return Buffer.from(bytes);
  }

  /** The RBSP with an emulation_prevention_three_byte before any 0x00..0x03 that follows two zero bytes. */
  nal(): Buffer {
    const out: number[] = [];
    let zeros = 0;
    for (const byte of this.rbsp()) {
      if (zeros >= 2 && byte <= 3) {
        out.push(3);
        zeros = 0;
      }
      out.push(byte);
      zeros = byte === 0 ? zeros + 1 : 0;
    }
    return Buffer.from(out);
  }
}

interface H264Options {
  profile: number;
  chroma?: number;
  separatePlanes?: boolean;
  /** Delta lists of the SPS scaling matrix, by list index; absent lists are not sent. */
  scaling?: Record<number, number[]>;
  frameMbsOnly: boolean;
  widthMbs: number;
  heightMapUnits: number;
  crop: [number, number, number, number];
}

/** An SPS with pic_order_cnt_type 1, which libx264 never writes (H.264 §7.3.2.1.1). */
function h264Sps(o: H264Options): Buffer {
  const w = new BitWriter().u(8, 0x67).u(8, o.profile).u(8, 0).u(8, 40).ue(0);
  if (o.chroma !== undefined) {
    w.ue(o.chroma);
    if (o.chroma === 3) w.u(1, o.separatePlanes ? 1 : 0);
    w.ue(2).ue(2).u(1, 0).u(1, o.scaling ? 1 : 0); // 10-bit luma and chroma
    if (o.scaling) {
      for (let i = 0; i < (o.chroma === 3 ? 12 : 8); i++) {
        const deltas = o.scaling[i];
        w.u(1, deltas ? 1 : 0);
        for (const d of deltas ?? []) w.se(d);
      }
    }
  }
  w.ue(0).ue(1); // log2_max_frame_num_minus4, pic_order_cnt_type 1
  w.u(1, 0).se(-2).se(1).ue(3).se(1).se(-1).se(5); // always-zero flag, two offsets, a cycle of three
  w.ue(2).u(1, 0).ue(o.widthMbs - 1).ue(o.heightMapUnits - 1).u(1, o.frameMbsOnly ? 1 : 0);
  if (!o.frameMbsOnly) w.u(1, 1); // mb_adaptive_frame_field_flag
  w.u(1, 1).u(1, 1); // direct_8x8_inference_flag, frame_cropping_flag
  for (const c of o.crop) w.ue(c);
  return w.u(1, 0).nal(); // vui_parameters_present_flag
}

const H264_PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);

interface H265Options {
  /** [sub_layer_profile_present_flag, sub_layer_level_present_flag] per sub-layer below the highest. */
  subLayers: [number, number][];
  chroma: number;
  separatePlanes?: boolean;
  width: number;
  height: number;
  crop: [number, number, number, number];
  depthMinus8: number;
}

/** General PTL: space 0, high tier, Main 10; compatibility with Main 10; progressive + frame-only; level 5.1. */
const PTL = [0x22, 0x20, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 153];

/** An SPS with sub-layer profile and level information, which libx265 never writes (H.265 §7.3.2.2.1, §7.3.3). */
function h265Sps(o: H265Options): Buffer {
  const w = new BitWriter().u(16, 0x4201).u(4, 0).u(3, o.subLayers.length).u(1, 1);
  for (const b of PTL) w.u(8, b);
  for (const [profile, level] of o.subLayers) w.u(1, profile).u(1, level);
  if (o.subLayers.length > 0) w.u(2 * (8 - o.subLayers.length), 0);
  for (const [profile, level] of o.subLayers) {
    if (profile) w.u(8, 0xff).u(32, 0xffffffff).u(32, 0xffffffff).u(16, 0xffff); // 88 bits, all ones
    if (level) w.u(8, 0xff);
  }
  w.ue(0).ue(o.chroma);
  if (o.chroma === 3) w.u(1, o.separatePlanes ? 1 : 0);
  w.ue(o.width).ue(o.height).u(1, 1);
  for (const c of o.crop) w.ue(c);
  return w.ue(o.depthMinus8).ue(o.depthMinus8).ue(4).nal(); // ... log2_max_pic_order_cnt_lsb_minus4
}

const VPS = Buffer.from([0x40, 0x01, 0x0c, 0x01]);
const H265_PPS = Buffer.from([0x44, 0x01, 0xc1, 0x72]);

describe('hand-built SPS', () => {
  it('H.264 4:2:2 10-bit, scaling lists, pic_order_cnt_type 1, field coding', () => {
    // Lists 0 and 6 sent in full, list 1 "use the default" (first delta makes nextScale 0), the rest absent.
    const sps = h264Sps({
      profile: 122,
      chroma: 2,
      scaling: { 0: Array<number>(16).fill(1), 1: [-8], 6: Array<number>(64).fill(0) },
      frameMbsOnly: false,
      widthMbs: 120,
      heightMapUnits: 34,
      crop: [1, 3, 0, 4], // CropUnitX 2 (SubWidthC), CropUnitY 2 (SubHeightC 1 × two fields)
    });
    const p = h264Params(sps, [H264_PPS]);
    expect({ width: p.width, height: p.height }).toEqual({ width: 1920 - 8, height: 1088 - 8 });
    const head = [1, 122, 0, 40, 0xff, 0xe1, 0, sps.length];
    const tail = [1, 0, H264_PPS.length, ...H264_PPS, 0xfc | 2, 0xf8 | 2, 0xf8 | 2, 0];
    expect(p.config).toEqual(Buffer.from([...head, ...sps, ...tail]));
  });

  it('H.264 4:4:4 with separate colour planes: twelve lists, crop unit 1', () => {
    const scaling = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [i, Array<number>(i < 6 ? 16 : 64).fill(-1)]));
    // -1 per step walks 8 -> 7 -> ... -> 0 after eight deltas, which ends the list early.
    for (const list of Object.values(scaling)) list.length = 8;
    const sps = h264Sps({ profile: 244, chroma: 3, separatePlanes: true, scaling, frameMbsOnly: true, widthMbs: 40, heightMapUnits: 23, crop: [0, 2, 0, 7] });
    expect(h264Params(sps, [H264_PPS])).toMatchObject({ width: 638, height: 361 });
  });

  it('H.264 main profile: no chroma fields, no avcC extension', () => {
    const sps = h264Sps({ profile: 77, frameMbsOnly: true, widthMbs: 80, heightMapUnits: 45, crop: [0, 0, 0, 0] });
    const p = h264Params(sps, [H264_PPS, H264_PPS]);
    expect({ width: p.width, height: p.height }).toEqual({ width: 1280, height: 720 });
    expect(p.config.length).toBe(6 + 2 + sps.length + 1 + 2 * (2 + H264_PPS.length));
  });

  it('H.265 with sub-layer profile and level, 4:2:2 conformance window', () => {
    const sps = h265Sps({ subLayers: [[1, 1], [0, 1], [1, 0]], chroma: 2, width: 1920, height: 1088, crop: [0, 4, 0, 8], depthMinus8: 2 });
    const p = h265Params([VPS], [sps], [H265_PPS]);
    // SubWidthC 2, SubHeightC 1 for 4:2:2.
    expect({ width: p.width, height: p.height }).toEqual({ width: 1912, height: 1080 });
    const fields = hvccFields(p.config);
    expect(fields).toMatchObject({ version: 1, profileSpaceTierIdc: 0x22, compatibility: '20000000', constraints: '900000000000', level: 153 });
    expect(fields).toMatchObject({ minSpatialSegmentation: 0xf000, parallelism: 0xfc, chroma: 0xfe, bitDepthLuma: 0xfa, bitDepthChroma: 0xfa, avgFrameRate: 0, end: true });
    // constantFrameRate 0, numTemporalLayers 4, temporalIdNested 1, lengthSizeMinusOne 3
    expect(p.config[21]).toBe((4 << 3) | (1 << 2) | 3);
    expect(fields.arrays).toEqual([
      { completeness: 0, type: 32, nalus: [VPS.toString('hex')] },
      { completeness: 0, type: 33, nalus: [sps.toString('hex')] },
      { completeness: 0, type: 34, nalus: [H265_PPS.toString('hex')] },
    ]);
  });

  it('H.265 monochrome and separate colour planes crop in luma samples', () => {
    const mono = h265Sps({ subLayers: [], chroma: 0, width: 648, height: 368, crop: [1, 5, 2, 4], depthMinus8: 0 });
    expect(h265Params([VPS], [mono], [H265_PPS])).toMatchObject({ width: 642, height: 362 });
    const planes = h265Sps({ subLayers: [[0, 0]], chroma: 3, separatePlanes: true, width: 648, height: 368, crop: [1, 5, 2, 4], depthMinus8: 0 });
    const p = h265Params([VPS], [planes], [H265_PPS]);
    expect(p).toMatchObject({ width: 642, height: 362 });
    expect(p.config[16]).toBe(0xff); // chroma_format_idc 3 is still what the record says
  });
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParamSetError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('errors', () => {
  const sps = h264Sps({ profile: 100, chroma: 1, frameMbsOnly: true, widthMbs: 80, heightMapUnits: 45, crop: [0, 0, 0, 0] });
  const hsps = h265Sps({ subLayers: [], chroma: 1, width: 1280, height: 720, crop: [0, 0, 0, 0], depthMinus8: 0 });

  it('bad_nal: empty, short, wrong type, forbidden bit, missing PPS', () => {
    expect(codeOf(() => h264Params(Buffer.alloc(0), [H264_PPS]))).toBe('bad_nal');
    expect(codeOf(() => h264Params(sps.subarray(0, 3), [H264_PPS]))).toBe('bad_nal');
    expect(codeOf(() => h264Params(H264_PPS, [sps]))).toBe('bad_nal');
    expect(codeOf(() => h264Params(sps, [Buffer.alloc(0)]))).toBe('bad_nal');
    expect(codeOf(() => h264Params(Buffer.from([0xe7, ...sps.subarray(1)]), [H264_PPS]))).toBe('bad_nal');
    expect(codeOf(() => h264Params(sps, []))).toBe('bad_nal');
    expect(codeOf(() => h265Params([hsps], [VPS], [H265_PPS]))).toBe('bad_nal');
    expect(codeOf(() => h265Params([VPS], [hsps], [hsps]))).toBe('bad_nal');
    expect(codeOf(() => h265Params([VPS], [], [H265_PPS]))).toBe('bad_nal');
    expect(codeOf(() => h265Params([VPS], [Buffer.from([0x42])], [H265_PPS]))).toBe('bad_nal');
  });

  it('bad_nal: values the syntax does not allow', () => {
    const cropAll = h264Sps({ profile: 100, chroma: 1, frameMbsOnly: true, widthMbs: 1, heightMapUnits: 1, crop: [4, 4, 0, 0] });
    expect(codeOf(() => h264Params(cropAll, [H264_PPS]))).toBe('bad_nal');
    const chroma5 = h264Sps({ profile: 100, chroma: 5, frameMbsOnly: true, widthMbs: 1, heightMapUnits: 1, crop: [0, 0, 0, 0] });
    expect(codeOf(() => h264Params(chroma5, [H264_PPS]))).toBe('bad_nal');
    // 32 leading zeros: an exp-Golomb code no syntax element may have.
    expect(codeOf(() => h264Params(Buffer.from([0x67, 100, 0, 40, 0, 0, 0, 0, 0xff]), [H264_PPS]))).toBe('bad_nal');
    const width0 = h265Sps({ subLayers: [], chroma: 1, width: 0, height: 720, crop: [0, 0, 0, 0], depthMinus8: 0 });
    expect(codeOf(() => h265Params([VPS], [width0], [H265_PPS]))).toBe('bad_nal');
  });

  it('truncated: every proper prefix of a valid SPS that is long enough to have a type', () => {
    for (let n = 4; n < sps.length - 1; n++) expect(codeOf(() => h264Params(sps.subarray(0, n), [H264_PPS]))).toBe('truncated');
    for (let n = 3; n < hsps.length - 1; n++) expect(codeOf(() => h265Params([VPS], [hsps.subarray(0, n)], [H265_PPS]))).toBe('truncated');
  });

  it('unsupported: a layer above the base, 16-bit video, a picture wider than 65535', () => {
    const layer1 = Buffer.from(hsps);
    layer1[1] = 0x09; // nuh_layer_id 1, nuh_temporal_id_plus1 1
    expect(codeOf(() => h265Params([VPS], [layer1], [H265_PPS]))).toBe('unsupported');
    const deep = h265Sps({ subLayers: [], chroma: 1, width: 64, height: 64, crop: [0, 0, 0, 0], depthMinus8: 8 });
    expect(codeOf(() => h265Params([VPS], [deep], [H265_PPS]))).toBe('unsupported');
    const wide = h264Sps({ profile: 100, chroma: 1, frameMbsOnly: true, widthMbs: 4097, heightMapUnits: 1, crop: [0, 0, 0, 0] });
    expect(codeOf(() => h264Params(wide, [H264_PPS]))).toBe('unsupported');
  });
});

describe('BitReader and unescapeRbsp', () => {
  it('reads fixed-width fields across byte boundaries, up to 32 bits', () => {
    const r = new BitReader(Buffer.from([0b1010_1100, 0xff, 0xff, 0xff, 0xff]));
    expect([r.readBit(), r.readBits(3), r.readBits(0), r.bitsLeft()]).toEqual([1, 0b010, 0, 36]);
    r.skipBits(4);
    expect(r.readBits(32)).toBe(0xffffffff);
    expect(r.bitsLeft()).toBe(0);
  });

  it('decodes exp-Golomb ue(v) and se(v) (H.264 Table 9-2, 9-3)', () => {
    // 1 | 010 | 011 | 00100 | 00101 | 1 (se 0) | 010 (se 1) | 011 (se -1) | 00100 (se 2) | 00101 (se -2)
    const w = new BitWriter().u(1, 1).u(3, 2).u(3, 3).u(5, 4).u(5, 5).u(1, 1).u(3, 2).u(3, 3).u(5, 4).u(5, 5);
    const r = new BitReader(w.rbsp());
    expect([r.readUe(), r.readUe(), r.readUe(), r.readUe(), r.readUe()]).toEqual([0, 1, 2, 3, 4]);
    expect([r.readSe(), r.readSe(), r.readSe(), r.readSe(), r.readSe()]).toEqual([0, 1, -1, 2, -2]);
    expect(new BitReader(new BitWriter().ue(2 ** 32 - 2).rbsp()).readUe()).toBe(2 ** 32 - 2);
    expect(new BitReader(new BitWriter().se(-(2 ** 31 - 1)).rbsp()).readSe()).toBe(-(2 ** 31 - 1));
    // The hand-built NAL units rely on this writer's escaping matching unescapeRbsp.
    const w32 = new BitWriter().u(32, 0).u(8, 1).u(16, 0).ue(2 ** 32 - 2);
    expect(unescapeRbsp(w32.nal())).toEqual(w32.rbsp());
  });

  it('throws ParamSetError truncated past the end', () => {
    const r = new BitReader(Buffer.from([0x00, 0x01]));
    expect(codeOf(() => r.readBits(17))).toBe('truncated');
    expect(codeOf(() => r.skipBits(17))).toBe('truncated');
    expect(codeOf(() => new BitReader(Buffer.from([0, 0])).readUe())).toBe('truncated');
    expect(codeOf(() => new BitReader(Buffer.alloc(0)).readBit())).toBe('truncated');
  });

  it('removes a 0x03 after two zero bytes, and only there', () => {
    expect(unescapeRbsp(Buffer.from([0x67, 0, 0, 3, 1, 0, 0, 3, 0]))).toEqual(Buffer.from([0x67, 0, 0, 1, 0, 0, 0]));
    // After a removed 0x03 the zero count restarts: the next 0x03 is data.
    expect(unescapeRbsp(Buffer.from([0, 0, 3, 3, 0, 3]))).toEqual(Buffer.from([0, 0, 3, 0, 3]));
    const plain = Buffer.from([0x67, 0, 3, 0, 1]);
    expect(unescapeRbsp(plain)).toBe(plain);
  });
});

describe('sameParamSets', () => {
  it('compares bytes and order, not identity', () => {
    const a = [Buffer.from([0x67, 1, 2]), Buffer.from([0x68, 3])];
    expect(sameParamSets(a, a.map((b) => Buffer.from(b)))).toBe(true);
    expect(sameParamSets([], [])).toBe(true);
    expect(sameParamSets(a, [...a].reverse())).toBe(false);
    expect(sameParamSets(a, a.slice(1))).toBe(false);
    expect(sameParamSets(a, [a[0]!, Buffer.from([0x68, 4])])).toBe(false);
  });
});

describe('fuzz', () => {
  /** [sps, pps] for H.264, [vps, sps, pps] for H.265. */
  type Input = { codec: 'h264' | 'h265'; sets: Buffer[][] };
  type Outcome = 'accepted' | ParamSetError['code'];
  const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 20261204);

  function call(i: Input): VideoParams {
    const [a = [], b = [], c = []] = i.sets;
    return i.codec === 'h264' ? h264Params(a[0] ?? Buffer.alloc(0), b) : h265Params(a, b, c);
  }

  function realInputs(): Input[] {
    const inputs: Input[] = [...made.values()].flatMap((m) => {
      if (!m) return [];
      const get = (type: number): Buffer[] => m.sets.get(type) ?? [];
      return [{ codec: m.case.codec, sets: m.case.codec === 'h264' ? [get(7), get(8)] : [get(32), get(33), get(34)] }];
    });
    const hand = { subLayers: [[1, 1], [0, 1]] as [number, number][], chroma: 1, width: 1920, height: 1088, crop: [0, 0, 0, 4] as const };
    inputs.push({ codec: 'h265', sets: [[VPS], [h265Sps({ ...hand, crop: [...hand.crop], depthMinus8: 2 })], [H265_PPS]] });
    return inputs;
  }

  /** Runs `input` and checks that it either fails with a ParamSetError or returns a plausible result. */
  function outcome(input: Input): Outcome {
    let p: VideoParams;
    try {
      p = call(input);
    } catch (err) {
      if (err instanceof ParamSetError) return err.code;
      throw err;
    }
    expect(Number.isInteger(p.width) && p.width > 0 && p.width <= 0xffff).toBe(true);
    expect(Number.isInteger(p.height) && p.height > 0 && p.height <= 0xffff).toBe(true);
    expect(p.config[0]).toBe(1);
    return 'accepted';
  }

  const edit = fc.record({
    kind: fc.constantFrom('set', 'flip', 'insert', 'delete', 'cut'),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  });
  type Edit = { kind: string; at: number; value: number };

  function mutate(nal: Buffer, edits: Edit[]): Buffer {
    const bytes = [...nal];
    for (const e of edits) {
      const at = bytes.length ? e.at % bytes.length : 0;
      if (e.kind === 'set') bytes[at] = e.value;
      else if (e.kind === 'flip') bytes[at] = (bytes[at] ?? 0) ^ (1 << (e.value & 7));
      else if (e.kind === 'insert') bytes.splice(at, 0, e.value);
      else if (e.kind === 'delete') bytes.splice(at, 1);
      else bytes.length = at;
    }
    return Buffer.from(bytes);
  }

  it('throws nothing but ParamSetError on mutated real and random parameter sets', () => {
    const inputs = realInputs();
    const counts: Record<Outcome, number> = { accepted: 0, truncated: 0, bad_nal: 0, unsupported: 0 };
    // Mutations of a real SPS (the one NAL unit that is parsed): gets past the header into every field behind it.
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { minLength: 1, maxLength: 4 }), (which, edits) => {
        const base = inputs[which % inputs.length] as Input;
        const spsIndex = base.codec === 'h264' ? 0 : 1;
        const sets = base.sets.map((list, i) => (i === spsIndex ? list.map((n, k) => (k === 0 ? mutate(n, edits) : n)) : list));
        counts[outcome({ codec: base.codec, sets })]++;
      }),
      { seed: SEED, numRuns: 3000 },
    );
    // Random NAL units, their header byte usually that of the expected type so that parsing starts.
    const nal = (header: number[]): fc.Arbitrary<Buffer> =>
      fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 40 })).map(([typed, body]) => Buffer.from(typed ? [...header, ...body] : body));
    fc.assert(
      fc.property(fc.boolean(), nal([0x67]), nal([0x68]), nal([0x40, 0x01]), nal([0x42, 0x01]), nal([0x44, 0x01]), (avc, sps, pps, hvps, hsps, hpps) => {
        counts[outcome(avc ? { codec: 'h264', sets: [[sps], [pps]] } : { codec: 'h265', sets: [[hvps], [hsps], [hpps]] })]++;
      }),
      { seed: SEED, numRuns: 2000 },
    );
    // Every kind of outcome was reached, so the inputs got into the parsers and out of them.
    expect(counts.accepted).toBeGreaterThan(100);
    expect(counts.truncated).toBeGreaterThan(100);
    expect(counts.bad_nal).toBeGreaterThan(100);
    expect(counts.unsupported).toBeGreaterThan(0);
  });
});
