// The minimal page in a real browser (Debian's Chromium via playwright-core) against the real server recording a
// real RTSP camera: live view decodes frames through MSE, playback decodes a recorded range through hls.js, and the
// H.265 camera is recorded but refused for live view with a clear bilingual message (no hvc1 in this Chromium).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { launchBrowser } from './support/browser.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

describe('web page in Chromium', () => {
  let sim: SimCameras;
  let vigil: ServingVigil;
  let browser: Browser;
  let dataDir: string;
  let h264Id: string;
  let h265Id: string;

  beforeAll(async () => {
    sim = await startSimCameras({
      port: 0,
      streams: [
        { name: 'web-h264', width: 640, height: 360, bitrateKbps: 800, gopFrames: 25 },
        { name: 'web-h265', width: 320, height: 240, bitrateKbps: 300, gopFrames: 25, codec: 'h265' },
      ],
    });
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-web-'));
    writeTestConfig(dataDir);
    const add = async (name: string, url: string) => {
      const r = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', name, '--url', url]);
      expect(r.code, r.stderr).toBe(0);
      return (r.json as { id: string }).id;
    };
    h264Id = await add('东门 East Gate', sim.urlOf('web-h264'));
    h265Id = await add('门厅 Hall', sim.urlOf('web-h265'));
    vigil = await startServe(dataDir);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(vigil.url + '/');
    await page.waitForFunction(() => (document.getElementById('camera') as HTMLSelectElement).options.length >= 2);
    return page;
  }

  it('plays live video of the selected camera (MSE over the WebSocket)', async () => {
    const page = await openPage();
    await page.selectOption('#camera', h264Id);
    await page.waitForFunction(() => (window as unknown as { vigilLive: { framesDecoded(): number } }).vigilLive.framesDecoded() > 25, undefined, { timeout: 20_000 });
    expect(await page.textContent('#live-state')).toMatch(/播放中|Playing/);
    await page.close();
  });

  it('plays back a recorded range with hls.js', async () => {
    const rangeOf = async () => {
      const res = await fetch(`${vigil.url}/api/v1/cameras/${h264Id}/recordings?from=${Date.now() - 120_000}&to=${Date.now()}`);
      const tl = (await res.json()) as { segments: { startMs: number; endMs: number }[] };
      return tl.segments.length >= 2 ? { from: tl.segments[0]!.startMs, to: tl.segments[1]!.endMs } : null;
    };
    const range = await waitFor(rangeOf, { timeoutMs: 30_000, what: 'two recorded segments' });
    const page = await openPage();
    await page.selectOption('#camera', h264Id);
    await page.click('#tab-playback');
    // The form takes Asia/Shanghai wall time (UTC+8, no DST), to the second.
    const cst = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19);
    await page.fill('#from', cst(range.from + 1000));
    await page.fill('#to', cst(range.to));
    await page.click('#range button[type="submit"], #range [type="submit"]');
    await page.waitForFunction(() => (window as unknown as { vigilPlayback: { framesDecoded(): number } }).vigilPlayback.framesDecoded() > 25, undefined, { timeout: 20_000 });
    expect(await page.getAttribute('#download', 'href')).toMatch(new RegExp(`/api/v1/cameras/${h264Id}/export\\.mp4\\?from=\\d+&to=\\d+`));
    await page.close();
  });

  it('records the H.265 camera and says clearly that this browser cannot decode it live', async () => {
    await waitFor(async () => {
      const res = await fetch(`${vigil.url}/api/v1/cameras/${h265Id}/recordings?from=${Date.now() - 120_000}&to=${Date.now()}`);
      const tl = (await res.json()) as { segments: { codec: string }[] };
      return tl.segments.some((s) => /^(hvc1|hev1)\./.test(s.codec));
    }, { timeoutMs: 30_000, what: 'an H.265 segment' });
    const page = await openPage();
    await page.selectOption('#camera', h265Id);
    await page.waitForFunction(() => /HEVC/.test(document.body.innerText), undefined, { timeout: 15_000 });
    const text = await page.innerText('body');
    expect(text).toMatch(/无法解码 H\.265/); // Chinese first
    expect(text).toMatch(/cannot decode H\.265/); // English second
    // Nothing is fed to the decoder for it: the frame counter (left from the camera shown first) stands still.
    const frames = () => page.evaluate(() => (window as unknown as { vigilLive: { framesDecoded(): number } }).vigilLive.framesDecoded());
    const before = await frames();
    await page.waitForTimeout(1500);
    expect(await frames()).toBe(before);
    await page.close();
  });
});
