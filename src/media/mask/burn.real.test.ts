// Real ffmpeg: privacy masks (R13, D11) burned into an export by the watermark encode (D18). The decoded picture is
// black inside the polygon and unchanged outside it, and the source was not black there to begin with.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupFixtures, decodeFrames, fixture, writeTemp } from '../fmp4/test-fixtures.js';
import { findCjkFont, runSnapshot, runWatermark } from '../watermark/index.js';
import { maskImagePam } from './image.js';

const run = promisify(execFile);
// 320×240 test pattern: the polygon covers x 80–240, y 60–180.
const SQUARE: [number, number][] = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
const INSIDE = '120:80:100:80'; // x 100–220, y 80–160: inside with a margin for the mask's edge
const OUTSIDE_TOP = '320:40:0:0';
const OUTSIDE_LEFT = '60:120:0:40';

/** One frame's crop as 8-bit grey; `seek` null for a still (a JPEG has no timestamps to seek by). */
async function grayCrop(path: string, crop: string, seek: string | null): Promise<Buffer> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', ...(seek === null ? [] : ['-ss', seek]), '-i', path, '-frames:v', '1', '-vf', `crop=${crop},format=gray`, '-f', 'rawvideo', '-'], {
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(stdout.length, `decoded ${crop} of ${path}`).toBeGreaterThan(0);
  return stdout;
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

afterAll(cleanupFixtures);

describe('masks burned into an export (real ffmpeg)', () => {
  const font = findCjkFont();

  it('an exported clip is black inside the polygon and unchanged outside, on every frame', async () => {
    expect(font, 'a CJK font (fonts-noto-cjk) must be installed').not.toBeNull();
    const source = await fixture('h264');
    const chunks: Buffer[] = [];
    await runWatermark(
      { ffmpegPath: 'ffmpeg', fontFile: font!, lines: ['导出 #7 测试'], maskImage: maskImagePam([{ points: SQUARE }]) },
      async (write) => {
        for (let i = 0; i < source.data.length; i += 7000) await write(source.data.subarray(i, i + 7000));
      },
      (chunk) => void chunks.push(chunk),
    );
    const path = await writeTemp('masked-export.mp4', Buffer.concat(chunks));
    expect(await decodeFrames(path)).toBe(await decodeFrames(source.path));
    for (const seek of ['0', '1.5', '3.8']) {
      const inside = await grayCrop(path, INSIDE, seek);
      expect(Math.max(...inside), `inside the mask at ${seek}s`).toBeLessThanOrEqual(24);
      // The test pattern is not black there: the mask did it.
      expect(Math.max(...(await grayCrop(source.path, INSIDE, seek)))).toBeGreaterThan(100);
      expect(meanAbsDiff(await grayCrop(path, OUTSIDE_TOP, seek), await grayCrop(source.path, OUTSIDE_TOP, seek))).toBeLessThan(6);
      expect(meanAbsDiff(await grayCrop(path, OUTSIDE_LEFT, seek), await grayCrop(source.path, OUTSIDE_LEFT, seek))).toBeLessThan(6);
    }
  });

  it('a snapshot is masked the same way', async () => {
    const source = await fixture('h264');
    const chunks: Buffer[] = [];
    await runSnapshot(
      { ffmpegPath: 'ffmpeg', fontFile: font!, lines: ['快照 测试'], seekSeconds: 1, maskImage: maskImagePam([{ points: SQUARE }]) },
      async (write) => { await write(source.data); },
      (chunk) => void chunks.push(chunk),
    );
    const path = await writeTemp('masked-still.jpg', Buffer.concat(chunks));
    expect(Math.max(...(await grayCrop(path, INSIDE, null)))).toBeLessThanOrEqual(24);
    expect(meanAbsDiff(await grayCrop(path, OUTSIDE_TOP, null), await grayCrop(source.path, OUTSIDE_TOP, '1'))).toBeLessThan(8);
  });
});
