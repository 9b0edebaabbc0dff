// The minimal page in a real browser (Debian's Chromium via playwright-core) against the real server recording a
// real RTSP camera: live view decodes frames through MSE, playback decodes a recorded range through hls.js, and the
// H.265 camera (no hvc1 in this Chromium) is recorded as H.265 and played live through the server's H.264 transcode,
// with a bilingual note saying so; the transcode's ffmpeg stops once the page has gone. The page is used as a person
// would: sign in (as the test viewer, an operator), state the reason for viewing (R16.3), then watch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseFragment, parseInit } from '../src/media/index.js';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { ApiSession, provisionAccounts, TEST_PASSWORD, TEST_REASON, withReason } from './support/accounts.js';
import { launchBrowser, signIn } from './support/browser.js';
import { childrenWith } from './support/processes.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

describe('web page in Chromium', () => {
  let sim: SimCameras;
  let vigil: ServingVigil;
  let browser: Browser;
  let dataDir: string;
  let h264Id: string;
  let h265Id: string;
  /** /metrics needs ops.read: a system administrator. */
  let admin: ApiSession;
  /** The integrity page needs audit.read (R15). */
  let auditor: ApiSession;

  beforeAll(async () => {
    sim = await startSimCameras({
      port: 0,
      streams: [
        { name: 'web-h264', width: 640, height: 360, bitrateKbps: 800, gopFrames: 25 },
        { name: 'web-h265', width: 320, height: 240, bitrateKbps: 300, gopFrames: 25, codec: 'h265' },
      ],
    });
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-web-'));
    writeTestConfig(dataDir, { live: { transcodeIdleMs: 1000 } });
    const add = async (name: string, url: string) => {
      const r = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', name, '--url', url]);
      expect(r.code, r.stderr).toBe(0);
      return (r.json as { id: string }).id;
    };
    h264Id = await add('东门 East Gate', sim.urlOf('web-h264'));
    h265Id = await add('门厅 Hall', sim.urlOf('web-h265'));
    const passwords = await provisionAccounts(dataDir, [{ username: 'sysadmin1', roles: ['system_admin'] }, { username: 'auditor1', roles: ['auditor'] }]);
    vigil = await startServe(dataDir);
    admin = await ApiSession.login(vigil.url, 'sysadmin1', passwords.get('sysadmin1')!);
    auditor = await ApiSession.login(vigil.url, 'auditor1', passwords.get('auditor1')!);
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
    // Sign in as the viewer (startServe already replaced its one-time password with TEST_PASSWORD).
    await page.fill('#login-username', 'viewer');
    await page.fill('#login-password', TEST_PASSWORD);
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() => (document.getElementById('camera') as HTMLSelectElement).options.length >= 2);
    // State the reason for viewing (R16.3); without it the page starts no video.
    await page.selectOption('#reason-category', TEST_REASON.category);
    await page.fill('#reason-text', TEST_REASON.text);
    await page.dispatchEvent('#reason-text', 'change');
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
      const res = await vigil.api(`/api/v1/cameras/${h264Id}/recordings?from=${Date.now() - 120_000}&to=${Date.now()}`);
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
    expect(await page.getAttribute('#download', 'href')).toMatch(new RegExp(`/api/v1/cameras/${h264Id}/export\\.mp4\\?from=\\d+&to=\\d+&reason=${TEST_REASON.category}&reasonText=`));
    await page.close();
  });

  it('records the H.265 camera as it comes and plays it live through the H.264 transcode, with a note', async () => {
    await waitFor(async () => {
      const res = await vigil.api(`/api/v1/cameras/${h265Id}/recordings?from=${Date.now() - 120_000}&to=${Date.now()}`);
      const tl = (await res.json()) as { segments: { codec: string }[] };
      return tl.segments.some((s) => /^(hvc1|hev1)\./.test(s.codec));
    }, { timeoutMs: 30_000, what: 'an H.265 segment' });
    const page = await openPage();
    const started = Date.now();
    await page.selectOption('#camera', h265Id);
    await page.waitForFunction(() => (window as unknown as { vigilLive: { transcoding(): boolean } }).vigilLive.transcoding(), undefined, { timeout: 15_000 });
    const base = await page.evaluate(() => (window as unknown as { vigilLive: { framesDecoded(): number } }).vigilLive.framesDecoded());
    await page.waitForFunction((n) => (window as unknown as { vigilLive: { framesDecoded(): number } }).vigilLive.framesDecoded() > n + 20, base, { timeout: 20_000 });
    console.log(`H.265 camera: 20 transcoded frames decoded ${Date.now() - started} ms after choosing it`);
    expect(await page.textContent('#live-state')).toMatch(/播放中|Playing/);
    expect(await page.textContent('#live-note')).toBe('已转码为 H.264 Transcoded to H.264');
    expect(await page.isVisible('#live-note')).toBe(true);
    expect(await page.isHidden('#error'), await page.textContent('#error') ?? '').toBe(true);
    const transcodes = async () => {
      const text = await (await admin.fetch('/metrics')).text();
      return Number(/^vigil_live_transcodes (\d+)$/m.exec(text)?.[1]);
    };
    expect(await transcodes()).toBe(1);
    expect(childrenWith(vigil.child.pid!, 'libx264')).toHaveLength(1); // one ffmpeg transcoding
    if (process.env.VIGIL_KEEP_ARTIFACTS === '1') await page.screenshot({ path: join(tmpdir(), 'vigil-h265-transcoded.png') });
    await page.close();
    // The viewer is gone: the transcode stops after its idle period (1 s here) and its ffmpeg is gone with it.
    await waitFor(async () => (await transcodes()) === 0, { timeoutMs: 10_000, what: 'the transcode to stop' });
    await waitFor(async () => childrenWith(vigil.child.pid!, 'libx264').length === 0, { timeoutMs: 5000, what: 'its ffmpeg to exit' });
    expect(vigil.logs()).toMatch(/"reason":"idle".*"msg":"live transcode stopped"|"msg":"live transcode stopped".*"reason":"idle"/);

    // The API itself, from cold (no transcode running): an avc1 init, then a keyframe fragment.
    const ws = new WebSocket(withReason(`${vigil.url.replace('http', 'ws')}/api/v1/cameras/${h265Id}/live?transcode=h264`), vigil.viewer.wsOptions());
    const opened = Date.now();
    const texts: string[] = [];
    const binaries: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`transcode over the API: ${JSON.stringify(texts)}`)), 10_000);
      ws.on('message', (data, isBinary) => {
        if (isBinary) binaries.push(data as Buffer);
        else texts.push(String(data));
        if (binaries.length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('error', reject);
    });
    const firstFragmentMs = Date.now() - opened;
    ws.close();
    console.log(`transcode over the API from cold: first H.264 fragment ${firstFragmentMs} ms after connecting`);
    expect(texts.map((t) => JSON.parse(t) as unknown)).toEqual([
      { type: 'waiting' },
      { type: 'init', codec: expect.stringMatching(/^avc1\./), codecFamily: 'h264', width: 320, height: 240 },
    ]);
    const init = parseInit(binaries[0]!);
    expect(parseFragment(binaries[1]!, init).keyframe).toBe(true);
    expect(firstFragmentMs).toBeLessThan(3000);
  });

  it('shows each camera as original and complete after a verify run asked for on the integrity page (R15)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Signed in as the auditor (password and TOTP settled through the API, as at first sign-in).
    await signIn(page.context(), auditor);
    await page.goto(`${vigil.url}/integrity.html`);
    await page.waitForSelector(`#cameras tr[data-camera-id="${h264Id}"]`);
    expect(await page.textContent(`#cameras tr[data-camera-id="${h264Id}"] td:nth-child(2)`)).toMatch(/尚未校验|Not verified|完整/);
    await page.click('#verify-all');
    await page
      .waitForFunction((id) => /完整 Original and complete/.test(document.querySelector(`#cameras tr[data-camera-id="${id}"] td:nth-child(2)`)?.textContent ?? ''), h264Id, { timeout: 30_000 })
      .catch(async (err: unknown) => {
        // Say what the page showed instead (a verify still running, or what it found), not only that time ran out.
        const shown = await page.evaluate(() => ['running', 'cameras', 'runs', 'error'].map((id) => `#${id}: ${document.getElementById(id)?.textContent?.replace(/\s+/g, ' ').trim() ?? ''}`).join('\n'));
        throw new Error(`${(err as Error).message}\n${shown}`);
      });
    expect(await page.textContent('#runs tbody tr:first-child td:nth-child(4)')).toMatch(/通过 OK/);
    expect(await page.isHidden('#error')).toBe(true);
    await page.close();
  });
});
