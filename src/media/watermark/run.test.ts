// Real ffmpeg: an fMP4 of the test pattern goes through the watermark encode; the output is a playable MP4 with the
// same frames, and its lower-left corner (where the text is drawn) differs from the source while the top does not.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupFixtures, decodeFrames, fixture, writeTemp } from '../fmp4/test-fixtures.js';
import { findCjkFont } from './font.js';
import { runWatermark, WatermarkError } from './run.js';

const run = promisify(execFile);

async function grayCrop(path: string, crop: string): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', path, '-frames:v', '1', '-vf', `crop=${crop},format=gray`, '-f', 'rawvideo', '-'], {
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

afterAll(cleanupFixtures);

describe('runWatermark (real ffmpeg, D18)', () => {
  const font = findCjkFont();

  it('burns the text into every frame and streams a playable MP4', async () => {
    expect(font, 'a CJK font (fonts-noto-cjk) must be installed by tools/install-system-deps.sh').not.toBeNull();
    const source = await fixture('h264');
    const chunks: Buffer[] = [];
    const bytes = await runWatermark(
      { ffmpegPath: 'ffmpeg', fontFile: font!, lines: ['导出 #42 张三 · 某某公安分局', '2026-12-02 10：00 camera 1'] },
      async (write) => {
        for (let i = 0; i < source.data.length; i += 7000) await write(source.data.subarray(i, i + 7000));
      },
      (chunk) => void chunks.push(chunk),
    );
    const out = Buffer.concat(chunks);
    expect(bytes).toBe(out.length);
    expect(out.toString('latin1', 4, 8)).toBe('ftyp');
    const path = await writeTemp('watermarked.mp4', out);
    expect(await decodeFrames(path)).toBe(await decodeFrames(source.path));
    // 320x240: the text sits in the bottom fifth at the left; the top strip has none.
    const bottomDiff = meanAbsDiff(await grayCrop(path, '160:48:0:192'), await grayCrop(source.path, '160:48:0:192'));
    const topDiff = meanAbsDiff(await grayCrop(path, '320:60:0:0'), await grayCrop(source.path, '320:60:0:0'));
    expect(bottomDiff).toBeGreaterThan(4 * Math.max(topDiff, 1));
  }, 60_000);

  it('fails clearly on input that is not video, and reaps ffmpeg', async () => {
    const error = await runWatermark(
      { ffmpegPath: 'ffmpeg', fontFile: font!, lines: ['x'] },
      async (write) => {
        await write(Buffer.from('this is not an mp4 file at all'.repeat(100)));
      },
      () => undefined,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatermarkError);
    expect((error as Error).message).toMatch(/watermark encoder failed/);
  }, 30_000);

  it('stops the encode when the consumer goes away', async () => {
    const source = await fixture('h264');
    const error = await runWatermark(
      { ffmpegPath: 'ffmpeg', fontFile: font!, lines: ['x'] },
      async (write) => {
        for (let r = 0; r < 50; r++) await write(source.data);
      },
      () => {
        throw new Error('client disconnected');
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatermarkError);
    expect((error as Error).message).toMatch(/client disconnected/);
  }, 30_000);
});
