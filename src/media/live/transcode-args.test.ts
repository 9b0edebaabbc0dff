// Exact argv of the live transcode (conventions §10): from the source's size and frame rate to the command line.
import { describe, expect, it } from 'vitest';
import { buildTranscodeArgs, gopFramesFor, outputSize, TranscodeArgsError, transcodeBitrateBps } from './transcode-args.js';

const MAX_WIDTH = 1280;

/** The command for a source, as the transcoder builds it. */
function argsFor(width: number, height: number, fps: number | null): string[] {
  return buildTranscodeArgs({
    gopFrames: gopFramesFor(fps),
    bitrateBps: transcodeBitrateBps(width, height, fps, MAX_WIDTH),
    fragmentMs: 500,
    maxWidth: MAX_WIDTH,
  });
}

const head = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-f', 'mp4', '-i', 'pipe:0', '-map', '0:v:0',
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency'];
const tail = ['-fps_mode', 'passthrough', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof',
  '-frag_duration', '500000', 'pipe:1'];
const vf = ['-vf', "scale='min(1280,iw)':-2,format=yuv420p"];

describe('buildTranscodeArgs', () => {
  it.each([
    // source width × height @ fps → GOP frames, bit rate
    ['320x240 @ 25 (sim camera sub stream)', 320, 240, 25, '50', '192000'],
    ['640x360 @ 25', 640, 360, 25, '50', '576000'],
    ['1080p @ 25: scaled to 720p', 1920, 1080, 25, '50', '2304000'],
    ['4K @ 30: scaled to 720p', 3840, 2160, 30, '60', '2765000'],
    ['1080p @ 12.5 (night mode)', 1920, 1080, 12.5, '25', '1152000'],
    ['unknown frame rate: 25 assumed', 640, 480, null, '50', '768000'],
    ['tiny picture: the floor', 160, 120, 5, '10', '150000'],
  ])('%s', (_name, width, height, fps, gop, rate) => {
    expect(argsFor(width, height, fps)).toEqual([...head, '-g', gop, ...vf, '-b:v', rate, '-maxrate', rate, '-bufsize', rate, ...tail]);
  });

  it('caps the bit rate at 4 Mbit/s and refuses impossible options', () => {
    expect(transcodeBitrateBps(1280, 720, 120, MAX_WIDTH)).toBe(4_000_000);
    expect(() => buildTranscodeArgs({ gopFrames: 0, bitrateBps: 500_000, fragmentMs: 500, maxWidth: 1280 })).toThrow(TranscodeArgsError);
    expect(() => buildTranscodeArgs({ gopFrames: 50, bitrateBps: 500_000, fragmentMs: 500, maxWidth: 1.5 })).toThrow(/maxWidth/);
  });

  it('computes the output size as the scale filter does: width capped, height even and in proportion', () => {
    expect(outputSize(1920, 1080, 1280)).toEqual({ width: 1280, height: 720 });
    expect(outputSize(640, 360, 1280)).toEqual({ width: 640, height: 360 });
    expect(outputSize(2560, 1440, 1280)).toEqual({ width: 1280, height: 720 });
    expect(outputSize(1280, 1024, 1000)).toEqual({ width: 1000, height: 800 });
  });
});
