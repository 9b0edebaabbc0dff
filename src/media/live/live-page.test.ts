// The live page (web/) against the live hub in real Chromium, before the real HTTP server exists: a loopback
// node:http server serves web/ and a stub camera list, a `ws` server on /api/v1/cameras/<id>/live subscribes each
// socket to a LiveHub, and the hub is fed by real ffmpeg (libx264, and libx265 for the H.265 camera) through the
// real fMP4 stream parser. Proves: frames decode from the cached GOP onward, an H.265 camera is asked for again as
// the H.264 transcode (here the stub answers `transcode=h264` with the H.264 camera's stream, or refuses it like a
// server at its transcode limit), with the bilingual note or explanation, and the end of a stream reaches the page. Everything started here is stopped in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { launchBrowser } from '../../../test/support/browser.js';
import { Fmp4StreamParser } from '../fmp4/index.js';
import { LiveHub, wsLiveSink } from './index.js';

const webRoot = fileURLToPath(new URL('../../../web/', import.meta.url));
const hlsBundle = fileURLToPath(new URL('../../../node_modules/hls.js/dist/hls.min.js', import.meta.url));
const keepArtifacts = process.env.VIGIL_KEEP_ARTIFACTS === '1';

const h264Args = [
  '-hide_banner', '-loglevel', 'error', '-nostdin',
  '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
  '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25',
  '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '500000', 'pipe:1',
];
// One second of H.265 is enough: the page must refuse it at the init message, before any fragment.
const h265Args = [
  '-hide_banner', '-loglevel', 'error', '-nostdin',
  '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '1',
  '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1',
  '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', 'pipe:1',
];

// Stands in for the playback API's playlist: 4 s of fMP4 HLS, one-second segments.
const hlsVodArgs = [
  '-hide_banner', '-loglevel', 'error', '-nostdin',
  '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '4',
  '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
  '-f', 'hls', '-hls_time', '1', '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'vod',
];

const cameras = [
  { id: 'cam-1', name: '大门 Gate (H.264)', enabled: true, streams: [{ id: 's-1', kind: 'main', url: 'rtsp://sim/cam-1', record: true }] },
  { id: 'cam-2', name: '停车场 Car park (H.265)', enabled: true, streams: [{ id: 's-2', kind: 'main', url: 'rtsp://sim/cam-2', record: true }] },
];

interface Encoder {
  child: ChildProcess;
  exited: Promise<void>;
  stderr: () => string;
}

/** Runs ffmpeg and publishes every parsed item of its stdout into the hub under `streamId`. */
function encode(args: string[], hub: LiveHub, streamId: string): Encoder {
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const parser = new Fmp4StreamParser();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    for (const item of parser.push(chunk)) hub.publish(streamId, item);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return { child, exited, stderr: () => stderr };
}

/** The signed-in viewer, as GET /api/v1/auth/me describes it. */
const me = {
  accountId: 'u-1', username: 'op1', displayName: '王五', unit: '保卫处 Security Office', roles: ['operator'],
  permissions: ['camera.list', 'video.live', 'video.playback', 'video.export'], via: 'session', csrfToken: 'csrf-1',
  reasonCategories: ['incident_investigation', 'security_patrol'],
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Stub of the recordings API for cam-1: one run over the range but for a 30 s gap in its middle. */
function recordingsOf(url: URL): unknown {
  const fromMs = Number(url.searchParams.get('from'));
  const toMs = Number(url.searchParams.get('to'));
  const mid = Math.round((fromMs + toMs) / 2);
  return {
    runs: [{ startMs: fromMs, endMs: mid - 15_000 }, { startMs: mid + 15_000, endMs: toMs }],
    segments: [],
    gaps: [{ startMs: mid - 15_000, endMs: mid + 15_000, cause: 'camera_offline' }],
  };
}

const types: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
  '.m3u8': 'application/vnd.apple.mpegurl', '.mp4': 'video/mp4', '.m4s': 'video/mp4',
};

/** Serves web/ (path-checked), hls.js, the stub camera list and recordings, and cam-1's HLS files from `hlsDir`. */
async function serve(req: IncomingMessage, res: ServerResponse, hlsDir: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path === '/api/v1/auth/me') return sendJson(res, 200, me);
  if (path === '/api/v1/cameras') return sendJson(res, 200, cameras);
  if (path === '/api/v1/cameras/cam-1/recordings') return sendJson(res, 200, recordingsOf(url));
  // The page draws each camera's privacy masks over the picture (R13, D11): none here.
  if (/^\/api\/v1\/cameras\/cam-1\/masks$/.test(path)) return sendJson(res, 200, { masks: [] });
  if (path.startsWith('/api/v1/cameras/cam-2/')) {
    return sendJson(res, 403, { error: 'reason_required', message: '调阅须填写事由 A reason is required', article: 'R16.3' });
  }
  const hls = /^\/api\/v1\/cameras\/cam-1\/([\w.-]+\.(?:m3u8|mp4|m4s))$/.exec(path);
  let file: string;
  if (hls) file = join(hlsDir, hls[1] ?? '');
  else if (path === '/vendor/hls.min.js') file = hlsBundle;
  else file = resolve(webRoot, `.${path === '/' ? '/index.html' : path}`);
  if (!hls && file !== hlsBundle && !file.startsWith(webRoot.endsWith(sep) ? webRoot : webRoot + sep)) {
    return sendJson(res, 404, { error: 'not_found', message: path });
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': `${types[extname(file)] ?? 'application/octet-stream'}; charset=utf-8` });
    res.end(body);
  } catch {
    sendJson(res, 404, { error: 'not_found', message: `没有此文件 No such file: ${path}` });
  }
}

describe('live page in Chromium', () => {
  const hub = new LiveHub();
  const encoders: Encoder[] = [];
  let server: Server;
  let wss: WebSocketServer;
  let browser: Browser | undefined;
  let page: Page;
  let baseUrl: string;
  let artifacts: string;
  const pageErrors: string[] = [];
  const transcodeRequests: string[] = [];
  let refuseTranscode = true;

  beforeAll(async () => {
    artifacts = await mkdtemp(join(tmpdir(), 'vigil-live-page-'));
    encoders.push(encode(h264Args, hub, 'cam-1/main'), encode(h265Args, hub, 'cam-2/main'));
    const hlsDir = join(artifacts, 'hls');
    await mkdir(hlsDir);
    const vod = spawn('ffmpeg', [...hlsVodArgs, join(hlsDir, 'playback.m3u8')], { stdio: 'ignore' });
    const vodDone = new Promise((done) => vod.once('exit', done));
    wss = new WebSocketServer({ noServer: true });
    server = createServer((req, res) => void serve(req, res, hlsDir));
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = /^\/api\/v1\/cameras\/([^/]+)\/live$/.exec(url.pathname);
      if (!match) {
        socket.destroy();
        return;
      }
      let streamId = `${decodeURIComponent(match[1] ?? '')}/${url.searchParams.get('stream') || 'main'}`;
      const transcode = url.searchParams.get('transcode');
      if (transcode) transcodeRequests.push(`${streamId}~${transcode}`);
      // The stub's "transcode" of the H.265 camera is the H.264 camera's stream; the protocol is the same.
      if (transcode === 'h264') streamId = 'cam-1/main';
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (transcode && refuseTranscode) {
          ws.send(JSON.stringify({ type: 'error', error: 'transcode_limit', message: 'all 2 live transcodes are in use by other viewers' }));
          ws.close(4503, 'transcode_limit');
          return;
        }
        const unsubscribe = hub.subscribe(streamId, wsLiveSink(ws));
        ws.once('close', unsubscribe);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    expect(await vodDone).toBe(0);
    await page.goto(baseUrl);
    await page.waitForFunction(() => document.querySelectorAll('#camera option').length === 2);
    // R16.3: nothing plays before a reason is stated.
    expect(await page.textContent('#error')).toContain('R16.3');
    await page.selectOption('#reason-category', 'security_patrol');
    await page.fill('#reason-text', '夜间巡查 night patrol');
    await page.dispatchEvent('#reason-text', 'change');
  }, 60_000); // encoding the HLS clip and starting Chromium on 2 busy cores

  afterAll(async () => {
    await browser?.close();
    hub.close();
    for (const encoder of encoders) encoder.child.kill('SIGKILL');
    await Promise.all(encoders.map((encoder) => encoder.exited));
    for (const client of wss?.clients ?? []) client.terminate();
    wss?.close();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
    if (!keepArtifacts) await rm(artifacts, { recursive: true, force: true });
  }, 30_000);

  it('decodes more than 20 frames of the live H.264 camera within 6 s of choosing it', async () => {
    await page.selectOption('#camera', 'cam-1');
    await page.click('#tab-live'); // (re)connects: the count goes on from frames of the page's first connection
    const started = Date.now();
    const base = await page.evaluate(() => window.vigilLive.framesDecoded());
    await page.waitForFunction((n) => window.vigilLive.framesDecoded() > n + 20, base, { timeout: 6000 });
    const elapsedMs = Date.now() - started;
    expect(await page.evaluate(() => window.vigilLive.state())).toBe('playing');
    expect(await page.textContent('#live-state')).toContain('播放中 Playing');

    // A cached GOP alone decodes in a burst; live play means ~25 more frames and ~1 s more media time per second.
    const sample = () => page.evaluate(() => ({
      frames: window.vigilLive.framesDecoded(),
      timeS: document.querySelector<HTMLVideoElement>('#live-video')?.currentTime ?? 0,
    }));
    const before = await sample();
    await new Promise((done) => setTimeout(done, 2000));
    const after = await sample();
    expect(after.frames - before.frames).toBeGreaterThan(30);
    expect(after.timeS - before.timeS).toBeGreaterThan(1.2);
    const latencyS = await page.evaluate(() => {
      const video = document.querySelector<HTMLVideoElement>('#live-video');
      const ranges = video?.buffered;
      return ranges && ranges.length ? ranges.end(ranges.length - 1) - (video?.currentTime ?? 0) : Infinity;
    });
    expect(latencyS).toBeLessThan(4); // the player keeps near the live edge
    // D18: the viewer's name and unit are drawn over the picture.
    expect(await page.textContent('#live .watermark')).toContain('王五 · 保卫处 Security Office · op1');

    const shot = join(artifacts, 'live.png');
    await page.screenshot({ path: shot });
    console.log(`live page: 20 frames after ${elapsedMs} ms, then ${after.frames - before.frames} frames in 2 s; ${shot}`);

    const [viewer] = hub.stats().streams.find((s) => s.streamId === 'cam-1/main')?.viewers ?? [];
    expect(viewer).toMatchObject({ state: 'live', skippedFragments: 0 });
    expect(viewer?.sentFragments).toBeGreaterThan(1);
    expect(pageErrors).toEqual([]);
  });

  it('asks for the H.265 camera as the H.264 transcode, and explains in both languages when the server refuses', async () => {
    await encoders[1]?.exited; // its init is cached in the hub; the camera's stream may have finished
    expect(hub.stats().streams.find((s) => s.streamId === 'cam-2/main')?.codec, encoders[1]?.stderr()).toMatch(/^hvc1\./);
    await page.selectOption('#camera', 'cam-2');
    await page.waitForFunction(() => window.vigilLive.state() === 'unsupported');
    expect(transcodeRequests).toEqual(['cam-2/main~h264']); // once: a refusal is shown, not retried
    const banner = await page.textContent('#error');
    expect(banner).toContain('此浏览器无法解码 H.265');
    expect(banner).toContain('服务器的实时转码路数已满');
    expect(banner).toContain('This browser cannot decode H.265');
    expect(banner).toContain('all 2 live transcodes are in use by other viewers (transcode_limit · HTTP 503)');
    expect(banner).not.toMatch(/administrator|管理员/); // nothing to ask for that does not exist
    expect(await page.isHidden('#live-note')).toBe(true);
    await page.screenshot({ path: join(artifacts, 'h265.png') });
  });

  it('plays the transcode of the H.265 camera with a note saying so', async () => {
    refuseTranscode = false;
    await page.selectOption('#camera', 'cam-1');
    await page.selectOption('#camera', 'cam-2');
    const base = await page.evaluate(() => window.vigilLive.framesDecoded());
    await page.waitForFunction((n) => window.vigilLive.framesDecoded() > n + 20, base, { timeout: 8000 });
    expect(await page.evaluate(() => window.vigilLive.transcoding())).toBe(true);
    expect(await page.textContent('#live-note')).toBe('已转码为 H.264 Transcoded to H.264');
    expect(await page.isVisible('#live-note')).toBe(true);
    await page.selectOption('#camera', 'cam-1'); // a camera the browser decodes: no transcode, no note
    await page.waitForFunction(() => window.vigilLive.state() === 'playing', undefined, { timeout: 6000 });
    expect(await page.evaluate(() => window.vigilLive.transcoding())).toBe(false);
    expect(await page.isHidden('#live-note')).toBe(true);
  });

  it('shows that the stream ended, with the reason', async () => {
    await page.selectOption('#camera', 'cam-1');
    await page.waitForFunction(() => window.vigilLive.state() === 'playing', undefined, { timeout: 6000 });
    hub.endStream('cam-1/main', '摄像机断开 camera lost');
    await page.waitForFunction(() => window.vigilLive.state() === 'ended');
    expect(await page.textContent('#live-state')).toBe('已结束 Ended：摄像机断开 camera lost');
  });

  it('plays back a range with hls.js, draws runs and gaps, and links the export', async () => {
    await page.click('#tab-playback');
    await page.selectOption('#camera', 'cam-1');
    await page.click('#range button[type=submit]');
    await page.waitForFunction(() => window.vigilPlayback.framesDecoded() > 20, undefined, { timeout: 8000 });
    expect(await page.evaluate(() => window.vigilPlayback.state())).toBe('playing');
    expect(await page.locator('#timeline .recorded').count()).toBe(2);
    expect(await page.locator('#timeline .gap').getAttribute('title')).toContain('camera_offline');
    expect(await page.textContent('#gaps')).toContain('缺口 Gap');
    const href = await page.getAttribute('#download', 'href');
    expect(href).toMatch(/^\/api\/v1\/cameras\/cam-1\/export\.mp4\?from=\d+&to=\d+&reason=security_patrol&reasonText=%E5%A4%9C/);
    const [fromMs, toMs] = [Number(/from=(\d+)/.exec(href ?? '')?.[1]), Number(/to=(\d+)/.exec(href ?? '')?.[1])];
    expect((toMs ?? 0) - (fromMs ?? 0)).toBe(5 * 60 * 1000);
    expect(await page.evaluate(() => window.vigilLive.state())).toBe('idle'); // live stops on the playback tab
    await page.screenshot({ path: join(artifacts, 'playback.png') });
  });

  it('shows an API refusal with its code and article instead of swallowing it', async () => {
    await page.click('#tab-playback');
    await page.selectOption('#camera', 'cam-2');
    await page.click('#range button[type=submit]');
    await page.waitForFunction(() => window.vigilPlayback.state() === 'error');
    const banner = await page.textContent('#error');
    expect(banner).toBe('调阅须填写事由 A reason is required (reason_required · HTTP 403 · 依据 Article R16.3)');
    const unexpected = pageErrors.filter((e) => !e.includes('403'));
    expect(unexpected).toEqual([]);
  });
});

declare global {
  interface Window {
    vigilLive: { framesDecoded(): number; state(): string; transcoding(): boolean };
    vigilPlayback: { framesDecoded(): number; state(): string };
  }
}
