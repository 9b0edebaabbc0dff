// Privacy masks at display (R13, D11) in a real browser (Chromium via playwright-core) against the real server and a
// simulated RTSP camera: the console draws the camera's mask polygons in black on a canvas over the live picture,
// placed inside the picture's letterboxing, and nothing outside them. Signed in as the test viewer (an operator).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { TEST_PASSWORD, TEST_REASON } from './support/accounts.js';
import { launchBrowser } from './support/browser.js';
import { runVigil, startServe, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

type MaskState = { video: string; cameraId: string | null; rect: { x: number; y: number; width: number; height: number } | null; polygons: number; failed: boolean };

describe('privacy masks over the live picture in Chromium', () => {
  let sim: SimCameras;
  let vigil: ServingVigil;
  let browser: Browser;
  let dataDir: string;
  let cameraId: string;

  beforeAll(async () => {
    sim = await startSimCameras({ port: 0, streams: [{ name: 'mask-h264', width: 640, height: 360, bitrateKbps: 600, gopFrames: 25 }] });
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-web-masks-'));
    writeTestConfig(dataDir, {});
    const add = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '小区北 North', '--url', sim.urlOf('mask-h264'), '--faces-residence', '--disabled']);
    expect(add.code, add.stderr).toBe(0);
    cameraId = (add.json as { id: string }).id;
    // A square in the middle of the picture: x, y from 0.25 to 0.75.
    const masks = await runVigil(['camera', 'masks', 'set', cameraId, '--json', '--data-dir', dataDir, '--polygon', '0.25,0.25 0.75,0.25 0.75,0.75 0.25,0.75']);
    expect(masks.code, masks.stderr).toBe(0);
    expect((await runVigil(['camera', 'update', cameraId, '--json', '--data-dir', dataDir, '--enable'])).code).toBe(0);
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
    await page.fill('#login-username', 'viewer');
    await page.fill('#login-password', TEST_PASSWORD);
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => (document.getElementById('camera') as HTMLSelectElement).options.length >= 1 && (document.getElementById('camera') as HTMLSelectElement).value !== '');
    await page.selectOption('#reason-category', TEST_REASON.category);
    await page.fill('#reason-text', TEST_REASON.text);
    await page.dispatchEvent('#reason-text', 'change');
    return page;
  }

  /** Alpha of the overlay canvas at a CSS-pixel point of the live video element. */
  const alphaAt = (page: Page, x: number, y: number) => page.evaluate(([px, py]) => {
    const canvas = document.querySelector('#live-video + canvas.privacy-mask') as HTMLCanvasElement;
    const ratio = canvas.width / canvas.clientWidth;
    return canvas.getContext('2d')!.getImageData(Math.floor(px! * ratio), Math.floor(py! * ratio), 1, 1).data[3];
  }, [x, y]);

  it('draws the mask in black inside the letterboxed picture and nothing elsewhere', async () => {
    const page = await openPage();
    await page.waitForFunction(() => (window as unknown as { vigilLive: { framesDecoded(): number } }).vigilLive.framesDecoded() > 10, undefined, { timeout: 20_000 });
    const state = () => page.evaluate(() => (window as unknown as { vigilMasks: { state(): MaskState[] } }).vigilMasks.state()[0]!);
    await page.waitForFunction(() => (window as unknown as { vigilMasks: { state(): MaskState[] } }).vigilMasks.state()[0]?.polygons === 1, undefined, { timeout: 10_000 });
    expect((await state()).cameraId).toBe(cameraId);

    // A square element for a 16:9 picture: bars above and below. 600×600 → picture 600×337.5 at y 131.25.
    await page.evaluate(() => {
      const video = document.getElementById('live-video') as HTMLVideoElement;
      Object.assign(video.style, { width: '600px', aspectRatio: '1 / 1' });
    });
    await page.waitForFunction(() => (window as unknown as { vigilMasks: { state(): MaskState[] } }).vigilMasks.state()[0]?.rect?.width === 600, undefined, { timeout: 5000 });
    const { rect } = await state();
    expect(rect).toEqual({ x: 0, y: 131.25, width: 600, height: 337.5 });
    const at = (fx: number, fy: number) => alphaAt(page, rect!.x + fx * rect!.width, rect!.y + fy * rect!.height);
    expect(await at(0.5, 0.5)).toBe(255); // the middle of the mask
    expect(await at(0.3, 0.7)).toBe(255);
    expect(await at(0.1, 0.5)).toBe(0); // picture, outside the mask
    expect(await at(0.5, 0.2)).toBe(0); // above the mask: where a mask stretched over the bars would wrongly be black
    expect(await alphaAt(page, 300, 40)).toBe(0); // the letterbox bar
    const colour = await page.evaluate(() => {
      const canvas = document.querySelector('#live-video + canvas.privacy-mask') as HTMLCanvasElement;
      const ratio = canvas.width / canvas.clientWidth;
      return [...canvas.getContext('2d')!.getImageData(Math.floor(300 * ratio), Math.floor(300 * ratio), 1, 1).data];
    });
    expect(colour).toEqual([0, 0, 0, 255]);
    if (process.env.VIGIL_KEEP_ARTIFACTS === '1') await page.screenshot({ path: join(tmpdir(), 'vigil-privacy-mask.png') });
    await page.close();
  });
});
