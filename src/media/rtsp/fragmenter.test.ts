// RtpFragmenter on real RTP: ffmpeg's own RTP packetizer (a different one from the simulator's GStreamer payloader)
// sends a real H.264/H.265 encode over loopback UDP; the fMP4 made from it must parse, decode without an error and
// hold every frame. Hand-made packets cover what encoders here do not send (STAP-A, lost fragments, timestamp
// wrap, B-frames, a resolution change).

import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fmp4StreamParser, type Fmp4Item } from '../fmp4/index.js';
import { RtpFragmenter, UnsupportedStreamError, type ParamSets, type RtpVideoCodec } from './fragmenter.js';
import { sdpParamSets } from './sdp-param-sets.js';
import { ParamSetError } from './param-sets.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-fragmenter-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Captured {
  packets: Buffer[];
  fmtp: Record<string, string>;
}

/** `frames` frames of a real encode, sent by ffmpeg as RTP to a loopback UDP port, captured in order. */
async function ffmpegRtp(codec: RtpVideoCodec, frames: number, size: string, encoderArgs: string[]): Promise<Captured> {
  const sock = createSocket('udp4');
  sock.on('error', () => {});
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  sock.setRecvBufferSize(8 * 1024 * 1024);
  const packets: Buffer[] = [];
  sock.on('message', (m) => packets.push(m));
  const sdpFile = join(dir, `${codec}-${size}-${frames}.sdp`);
  const encoder = codec === 'h264' ? ['-c:v', 'libx264', '-preset', 'ultrafast'] : ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:bframes=0'];
  const child = spawn('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-frames:v', String(frames),
    ...encoder, ...encoderArgs, '-g', '25', '-pix_fmt', 'yuv420p', '-f', 'rtp', '-payload_type', '96', '-sdp_file', sdpFile,
    `rtp://127.0.0.1:${sock.address().port}?pkt_size=1200`,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${code}`)))));
  await new Promise((r) => setTimeout(r, 100));
  sock.close();
  const fmtpLine = /a=fmtp:\d+ (.*)/.exec(readFileSync(sdpFile, 'utf8'))?.[1] ?? '';
  const fmtp: Record<string, string> = {};
  for (const part of fmtpLine.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fmtp[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return { packets, fmtp };
}

function run(codec: RtpVideoCodec, packets: Buffer[], paramSets?: ParamSets, fragmentMs = 1000): { out: Buffer[]; inits: number } {
  const out: Buffer[] = [];
  let inits = 0;
  const f = new RtpFragmenter({
    codec, clockRate: 90_000, fragmentMs, ...(paramSets ? { paramSets } : {}),
    onInit: (data) => {
      inits++;
      out.push(data);
    },
    onFragment: (data) => out.push(data),
  });
  for (const p of packets) f.push(p);
  f.flush();
  return { out, inits };
}

function parse(chunks: Buffer[]): Fmp4Item[] {
  const parser = new Fmp4StreamParser();
  const items = chunks.flatMap((c) => parser.push(c));
  parser.end();
  return items;
}

/** ffmpeg decodes the file: frame count, and no error line. */
function decode(file: Buffer, name: string): { frames: number; errors: string } {
  const path = join(dir, name);
  writeFileSync(path, file);
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,codec_name', '-of', 'json', path], { encoding: 'utf8' })) as {
    streams: { nb_read_frames: string }[];
  };
  const errors = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { frames: Number(probe.streams[0]!.nb_read_frames), errors };
}

describe('RtpFragmenter on ffmpeg RTP', () => {
  for (const [codec, size, width, height] of [['h264', '1280x720', 1280, 720], ['h265', '640x360', 640, 360]] as const) {
    it(`${codec}: every frame, in 1 s fragments starting at keyframes, decodable`, async () => {
      const frames = 60;
      const cap = await ffmpegRtp(codec, frames, size, codec === 'h264' ? ['-bf', '0'] : []);
      const { out, inits } = run(codec, cap.packets, sdpParamSets(codec, cap.fmtp));
      expect(inits).toBe(1);
      const items = parse(out);
      const init = items[0]!;
      expect(init.kind).toBe('init');
      if (init.kind !== 'init') return;
      expect(init.init).toMatchObject({ codecFamily: codec, width, height, timescale: 90_000 });
      const fragments = items.slice(1).map((i) => (i.kind === 'fragment' ? i.fragment : null));
      expect(fragments.every((f) => f !== null)).toBe(true);
      let next = 0;
      let samples = 0;
      for (const [i, f] of fragments.entries()) {
        expect(f!.sequence).toBe(i + 1);
        expect(f!.baseMediaDecodeTime).toBe(next); // contiguous media time
        expect(f!.durationTicks).toBeLessThanOrEqual(90_000);
        next += f!.durationTicks;
        samples += f!.sampleCount;
      }
      expect(fragments[0]!.keyframe).toBe(true);
      // GOP 25 frames = 1 s: every fragment is a keyframe fragment of 25 samples but the last.
      expect(fragments.slice(0, -1).every((f) => f!.keyframe && f!.sampleCount === 25)).toBe(true);
      expect(samples).toBe(frames);
      const decoded = decode(Buffer.concat(out), `${codec}.mp4`);
      expect(decoded.errors).toBe('');
      expect(decoded.frames).toBe(frames);
    });
  }

  it('h264 without SDP parameter sets: waits for in-band ones (x264 repeats them at each keyframe)', async () => {
    const cap = await ffmpegRtp('h264', 30, '320x240', ['-bf', '0']);
    const { out, inits } = run('h264', cap.packets);
    expect(inits).toBe(1);
    const items = parse(out);
    expect(items.filter((i) => i.kind === 'fragment').length).toBeGreaterThan(0);
  });

  it('B-frames are refused (RTP timestamps go backwards): the stream goes to ffmpeg', async () => {
    const cap = await ffmpegRtp('h264', 20, '320x240', ['-bf', '2']);
    expect(() => run('h264', cap.packets, sdpParamSets('h264', cap.fmtp))).toThrow(UnsupportedStreamError);
  });
});

// --- hand-made packets -----------------------------------------------------------------------------------------

// x264's parameter sets for 320x240 baseline, level 3.0 and 3.1 (`-profile:v baseline -level 3.0|3.1 -f h264`).
const SPS_A = Buffer.from('6742c01ed90141fb011000000300100000030320f162e480', 'hex');
const PPS = Buffer.from('68cb83cb20', 'hex');

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | 96;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  return Buffer.concat([h, payload]);
}

function stapA(...nals: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([0x18]), ...nals.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
}

function fuA(nal: Buffer, pieces: number): Buffer[] {
  const body = nal.subarray(1);
  const step = Math.ceil(body.length / pieces);
  const out: Buffer[] = [];
  for (let i = 0; i < pieces; i++) {
    const fu = (i === 0 ? 0x80 : 0) | (i === pieces - 1 ? 0x40 : 0) | (nal[0]! & 0x1f);
    out.push(Buffer.concat([Buffer.from([(nal[0]! & 0xe0) | 28, fu]), body.subarray(i * step, (i + 1) * step)]));
  }
  return out;
}

const idr = (n: number): Buffer => Buffer.concat([Buffer.from([0x65]), Buffer.alloc(n, 0xab)]);
const pSlice = (n: number): Buffer => Buffer.concat([Buffer.from([0x41]), Buffer.alloc(n, 0xcd)]);

/** Samples of each fragment, as sizes (4-byte length prefix included). */
function sampleLayout(out: Buffer[]): { keyframe: boolean; count: number; tfdt: number; duration: number }[] {
  return parse(out).flatMap((i) => (i.kind === 'fragment' ? [{ keyframe: i.fragment.keyframe, count: i.fragment.sampleCount, tfdt: i.fragment.baseMediaDecodeTime, duration: i.fragment.durationTicks }] : []));
}

describe('RtpFragmenter on hand-made packets', () => {
  it('STAP-A parameter sets + FU-A IDR, P frames, a timestamp wrap at 2^32 and a lost FU piece', () => {
    const packets: Buffer[] = [];
    let seq = 65_530; // sequence numbers wrap too
    let ts = 2 ** 32 - 3600 * 3; // the 32-bit timestamp wraps after three frames
    packets.push(rtp(seq++, ts, false, stapA(SPS_A, PPS)));
    const idrPieces = fuA(idr(3000), 3);
    idrPieces.forEach((piece, i) => packets.push(rtp(seq++, ts, i === idrPieces.length - 1, piece)));
    for (let i = 1; i < 30; i++) {
      ts += 3600;
      const pieces = fuA(pSlice(1500), 2);
      if (i === 10) {
        seq++; // the first piece of frame 10 is lost: its NAL unit is dropped, the frame is empty and gone
        packets.push(rtp(seq++, ts, true, pieces[1]!));
        continue;
      }
      packets.push(rtp(seq++, ts, false, pieces[0]!), rtp(seq++, ts, true, pieces[1]!));
    }
    const { out, inits } = run('h264', packets, undefined, 1000);
    expect(inits).toBe(1);
    const layout = sampleLayout(out);
    expect(layout.reduce((s, f) => s + f.count, 0)).toBe(29); // 30 frames, one lost
    expect(layout[0]).toMatchObject({ keyframe: true, tfdt: 0 });
    // Frame 25 starts at 1 s: the first fragment is frames 0–24 without the lost 10, whose time frame 9 covers.
    expect(layout[0]).toMatchObject({ count: 24, duration: 25 * 3600 });
    expect(layout[1]).toMatchObject({ keyframe: false, count: 5, tfdt: 25 * 3600 });
  });

  it('nothing before the first keyframe; a new SPS on a keyframe makes a new init segment', () => {
    const spsB = Buffer.from('6742c01fd90141fb011000000300100000030320f1832480', 'hex');
    const packets: Buffer[] = [];
    let seq = 0;
    let ts = 1000;
    const frame = (nals: Buffer[]): void => {
      nals.forEach((n, i) => packets.push(rtp(seq++, ts, i === nals.length - 1, n)));
      ts += 3600;
    };
    frame([pSlice(100)]); // before any keyframe: dropped
    frame([SPS_A, PPS, idr(200)]);
    frame([pSlice(100)]);
    frame([spsB, PPS, idr(200)]);
    frame([pSlice(100)]);
    const { out, inits } = run('h264', packets);
    expect(inits).toBe(2);
    const items = parse(out);
    expect(items.map((i) => i.kind)).toEqual(['init', 'fragment', 'init', 'fragment']);
  });

  it('NAL units with the same timestamp after a marker continue that access unit', () => {
    const packets = [
      rtp(1, 0, true, SPS_A), rtp(2, 0, true, PPS), rtp(3, 0, true, idr(100)),
      rtp(4, 3600, true, pSlice(50)), rtp(5, 7200, true, pSlice(50)),
    ];
    const layout = sampleLayout(run('h264', packets).out);
    expect(layout).toEqual([{ keyframe: true, count: 3, tfdt: 0, duration: 3 * 3600 }]);
  });

  it('timestamps a frame or two back are B-frames: refused; a jump back of seconds ends the session instead', () => {
    const head = [rtp(1, 0, false, SPS_A), rtp(2, 0, false, PPS), rtp(3, 0, true, idr(100)), rtp(4, 7200, true, pSlice(50))];
    expect(() => run('h264', [...head, rtp(5, 3600, true, pSlice(50))])).toThrow(UnsupportedStreamError);
    let thrown: unknown;
    try {
      run('h264', [...head, rtp(5, 2 ** 32 - 90_000 * 5, true, pSlice(50))]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(UnsupportedStreamError);
    expect((thrown as Error).message).toMatch(/jumped back 5\.1 s/);
  });

  it('interleaved packetization (MTAP, FU-B) is refused; junk packets are dropped, never thrown', () => {
    expect(() => run('h264', [rtp(1, 0, true, Buffer.from([0x1a, 0, 0, 0]))])).toThrow(UnsupportedStreamError);
    // Junk between good packets: dropped, or refused as unsupported or as bad parameter sets; never any other throw.
    const junk = [Buffer.alloc(5), Buffer.from('40000000000000000000000000', 'hex'), Buffer.alloc(12)];
    for (let i = 0; i < 2000; i++) {
      const p = Buffer.alloc(12 + (i % 40));
      for (let j = 0; j < p.length; j++) p[j] = (i * 7919 + j * 104_729) & 0xff;
      p[0] = 0x80 | (p[0]! & 0x3f);
      p.writeUInt32BE(3600 + (i % 3) * 3600, 4);
      junk.push(p);
    }
    let refused = 0;
    for (const j of junk) {
      try {
        run('h264', [rtp(1, 0, false, SPS_A), rtp(2, 0, false, PPS), rtp(3, 0, true, idr(100)), j, rtp(9, 14_400, true, pSlice(10))]);
      } catch (err) {
        expect(err instanceof UnsupportedStreamError || err instanceof ParamSetError).toBe(true);
        refused++;
      }
    }
    expect(refused).toBeLessThan(junk.length);
  });
});
