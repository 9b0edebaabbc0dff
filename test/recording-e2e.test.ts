// End to end on both databases: a real RTSP camera (GStreamer) recorded by the real `vigil serve` (real ffmpeg),
// then listed, played back through HLS byte ranges, exported as one MP4 and watched live over the WebSocket.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseFragment, parseInit } from '../src/media/index.js';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { createTestDatabase } from './support/databases.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

interface Timeline {
  runs: { id: number; startMs: number; endMs: number | null; startCause: string; endCause: string | null }[];
  segments: { id: number; runId: number; startMs: number; endMs: number; sizeBytes: number; frames: number; codec: string; width: number }[];
  gaps: { startMs: number; endMs: number; cause: string }[];
}

let sim: SimCameras;
beforeAll(async () => {
  sim = await startSimCameras({
    port: 0,
    streams: [
      { name: 'e2e-main', width: 640, height: 360, bitrateKbps: 800, gopFrames: 25 },
      { name: 'e2e-sub', width: 320, height: 240, bitrateKbps: 300, gopFrames: 25 },
    ],
  });
});
afterAll(async () => sim?.close());

describe.each(['sqlite', 'postgres'] as const)('recording, playback, export and live on %s', (dialect) => {
  let dataDir: string;
  let vigil: ServingVigil | undefined;
  let cameraId: string;
  let disposeDb: (() => Promise<void>) | undefined;
  const api = (path: string, init?: RequestInit) => fetch(`${vigil!.url}${path}`, init);
  const timeline = async (fromMs: number, toMs: number): Promise<Timeline> =>
    (await (await api(`/api/v1/cameras/${cameraId}/recordings?from=${fromMs}&to=${toMs}`)).json()) as Timeline;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `vigil-e2e-${dialect}-`));
    if (dialect === 'postgres') {
      const db = await createTestDatabase('postgres');
      await db.close(); // the server opens its own pool on the same database
      disposeDb = db.dispose;
      writeTestConfig(dataDir, { database: { dialect: 'postgres', url: db.url! } });
    } else {
      writeTestConfig(dataDir);
    }
    const added = await runVigil(['camera', 'add', '--json', '--data-dir', dataDir, '--name', '东门 East Gate', '--url', sim.urlOf('e2e-main'), '--sub-url', sim.urlOf('e2e-sub')]);
    expect(added.code, added.stderr).toBe(0);
    cameraId = (added.json as { id: string }).id;
    expect(cameraId).toMatch(/^[0-9a-f-]{36}$/);
    vigil = await startServe(dataDir);
  });

  afterAll(async () => {
    if (vigil && vigil.child.exitCode === null) await vigil.kill();
    await disposeDb?.().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records ~4 s segments continuously and lists them with no gap inside the run', async () => {
    const t0 = Date.now() - 60_000;
    const tl = await waitFor(async () => {
      const x = await timeline(t0, Date.now());
      return x.segments.length >= 3 ? x : null;
    }, { timeoutMs: 40_000, what: '3 segments' });
    expect(tl.runs[0]).toMatchObject({ startCause: 'start', endMs: null });
    expect(tl.segments[0]).toMatchObject({ codec: expect.stringMatching(/^avc1\./), width: 640 });
    for (let i = 1; i < tl.segments.length; i++) expect(tl.segments[i]!.startMs).toBe(tl.segments[i - 1]!.endMs);
    for (const s of tl.segments) expect(s.endMs - s.startMs).toBeGreaterThanOrEqual(3900);
    // Only the leading "not recording" and trailing "in progress" gaps: nothing missing in between.
    expect(tl.gaps.map((g) => g.cause).filter((c) => c !== 'not_recording' && c !== 'in_progress')).toEqual([]);
  });

  it('serves an HLS playlist whose byte ranges land on fragments and whose init is the segment head', async () => {
    const tl = await timeline(Date.now() - 60_000, Date.now());
    const from = tl.segments[0]!.startMs;
    const to = tl.segments[1]!.endMs;
    const res = await api(`/api/v1/cameras/${cameraId}/playback.m3u8?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/mpegurl/);
    const playlist = await res.text();
    expect(playlist).toMatch(/^#EXTM3U/);
    expect(playlist).toContain('#EXT-X-ENDLIST');
    const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@0"/.exec(playlist)!;
    const initRes = await api(map[1]!, { headers: { range: `bytes=0-${Number(map[2]) - 1}` } });
    expect(initRes.status).toBe(206);
    const init = parseInit(Buffer.from(await initRes.arrayBuffer()));
    expect(init).toMatchObject({ codecFamily: 'h264', width: 640, height: 360 });
    const ranges = [...playlist.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)/g)];
    expect(ranges.length).toBeGreaterThanOrEqual(6);
    const [, len, off, uri] = ranges[1]!;
    const frag = await api(uri!, { headers: { range: `bytes=${off}-${Number(off) + Number(len) - 1}` } });
    expect(frag.status).toBe(206);
    const fragment = parseFragment(Buffer.from(await frag.arrayBuffer()), init);
    expect(fragment.sampleCount).toBeGreaterThan(0);
    const extinf = [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].reduce((s, m) => s + Number(m[1]), 0);
    expect(extinf).toBeGreaterThan((to - from) / 1000 - 1.5);
  });

  it('exports one MP4 of a range, cut at the keyframe at or before `from`, that ffmpeg decodes', async () => {
    const tl = await timeline(Date.now() - 60_000, Date.now());
    const from = tl.segments[0]!.startMs + 1500; // inside the GOP that starts at +1 s
    const to = tl.segments[1]!.endMs - 500;
    const res = await api(`/api/v1/cameras/${cameraId}/export.mp4?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const start = Number(res.headers.get('x-vigil-start-ms'));
    expect(start).toBeLessThanOrEqual(from);
    expect(from - start).toBeLessThan(1100); // one GOP (1 s) at most
    const file = join(dataDir, 'export.mp4');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
    const probed = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames,width:format=duration', '-of', 'json', file]).toString());
    const duration = Number(probed.format.duration) * 1000;
    expect(Math.abs(duration - (to - start))).toBeLessThan(1100);
    expect(Number(probed.streams[0].nb_read_frames)).toBeGreaterThan(((to - start) / 1000 - 1) * 25);
  });

  it('streams live fMP4 over the WebSocket: init first, then a keyframe fragment from the cached GOP', async () => {
    const ws = new WebSocket(`${vigil!.url.replace('http', 'ws')}/api/v1/cameras/${cameraId}/live?stream=sub`);
    const opened = Date.now();
    const messages: (string | Buffer)[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`live: got ${messages.length} messages`)), 5000);
      ws.on('message', (data, isBinary) => {
        messages.push(isBinary ? (data as Buffer) : data.toString());
        if (messages.filter((m) => Buffer.isBuffer(m)).length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.on('error', reject);
    });
    const firstFragmentMs = Date.now() - opened;
    ws.close();
    const text = JSON.parse(messages[0] as string);
    expect(text).toMatchObject({ type: 'init', codecFamily: 'h264', width: 320, height: 240 });
    const init = parseInit(messages[1] as Buffer);
    const first = parseFragment(messages[2] as Buffer, init);
    expect(first.keyframe).toBe(true);
    expect(firstFragmentMs).toBeLessThan(2000);
  });

  it('answers a bad request with a clear 4xx, exposes metrics, and after a graceful stop the storage check is clean', async () => {
    const bad = await api(`/api/v1/cameras/${cameraId}/export.mp4?from=200&to=100`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_time_range' });
    const post = (body: unknown) => api('/api/v1/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const unknownField = await post({ name: 'x', url: 'rtsp://127.0.0.1/x', shell: 'rm -rf /' });
    expect(unknownField.status).toBe(400);
    expect((await unknownField.json()).message).toMatch(/additional|shell/i);
    const badUrl = await post({ name: 'x', url: 'http://127.0.0.1/x' });
    expect(badUrl.status).toBe(422);
    expect(await badUrl.json()).toMatchObject({ error: 'invalid_camera', message: expect.stringMatching(/rtsp/i) });
    const page = await api('/api/v1/cameras?limit=1&offset=0');
    expect(page.headers.get('x-total-count')).toBe('1');
    expect(((await page.json()) as unknown[]).length).toBe(1);
    expect((await api('/api/v1/cameras?limit=0')).status).toBe(400);
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toMatch(/vigil_stream_fragments_written\{[^}]*kind="main"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/vigil_stream_fragments_lost\{[^}]*kind="main"[^}]*\} 0/);
    expect(metrics).toMatch(/vigil_store_free_bytes \d+/);
    expect(metrics).toMatch(/vigil_process_cpu_seconds_total [\d.]+/);
    const openapi = (await (await api('/docs/json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/cameras', '/api/v1/cameras/{id}/export.mp4', '/api/v1/cameras/{id}/recordings']));
    const health = await (await api('/healthz')).json();
    expect(health).toMatchObject({ status: 'ok' });

    expect(await vigil!.stop()).toBe(0);
    const check = await runVigil(['check', '--storage', '--json', '--data-dir', dataDir]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect((check.json as { storage: { mismatches: unknown[]; segmentsChecked: number } }).storage).toMatchObject({ mismatches: [] });
    // The run was closed with cause `shutdown` (reopen to read it).
    vigil = await startServe(dataDir);
    const tl = await timeline(Date.now() - 120_000, Date.now());
    expect(tl.runs[0]).toMatchObject({ endCause: 'shutdown' });
    expect(tl.runs.at(-1)).toMatchObject({ startCause: 'start' });
  });
});
