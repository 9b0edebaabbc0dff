// End to end on both databases: a real RTSP camera (GStreamer) recorded by the real `vigil serve` (real ffmpeg),
// then listed, played back through HLS byte ranges, exported as one MP4 and watched live over the WebSocket — all as
// a signed-in operator through the access gate (R16): each viewing states a reason, segment reads carry the
// playlist's grant, the export carries the viewer watermark (D18), and an auditor then finds every viewing in the
// access register with its reason, the viewer's name and unit, and the bytes served.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseFragment, parseInit } from '../src/media/index.js';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { ApiSession, provisionAccounts, TEST_REASON, withReason } from './support/accounts.js';
import { createTestDatabase } from './support/databases.js';
import { runVigil, startServe, waitFor, writeTestConfig, type ServingVigil } from './support/vigil-process.js';

interface Timeline {
  runs: { id: number; startMs: number; endMs: number | null; startCause: string; endCause: string | null }[];
  segments: { id: number; runId: number; startMs: number; endMs: number; sizeBytes: number; frames: number; codec: string; width: number }[];
  gaps: { startMs: number; endMs: number; cause: string }[];
}

/** A row of GET /api/v1/audit/access (src/http/routes/audit.ts). */
interface AccessRow {
  id: number;
  outcome: 'granted' | 'refused';
  username: string;
  displayName: string;
  unit: string;
  action: string;
  cameraIds: string[];
  reasonCategory: string | null;
  reasonText: string | null;
  refusalCode: string | null;
  refusalArticle: string | null;
  closedBy: number | null;
  bytes: number | null;
  endedMs: number | null;
}

const VIEWER_NAME = '测试观看员 Test Viewer';
const VIEWER_UNIT = '测试单位 Test Unit';

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
  /** One-time passwords of the accounts provisioned before the server starts. */
  let passwords: Map<string, string>;
  /** Reads the access register (audit.read); TOTP enrolled at first sign-in. */
  let auditor: ApiSession;
  /** Camera changes and /metrics (camera.configure, ops.read); never video. */
  let admin: ApiSession;
  /** What the viewer did, to find in the register: the playback grant's entry, the export's, the bytes exported. */
  const seen = { playbackAccessId: 0, exportAccessId: 0, exportBytes: 0 };
  /** As the signed-in viewer (an operator with grants on every camera). */
  const api = (path: string, init?: RequestInit) => vigil!.api(path, init);
  /** With no credentials at all. */
  const anonymous = (path: string, init?: RequestInit) => fetch(`${vigil!.url}${path}`, init);
  const register = async (who: ApiSession, query = ''): Promise<AccessRow[]> => {
    const res = await who.fetch(`/api/v1/audit/access?limit=1000${query}`);
    expect(res.status, 'GET /api/v1/audit/access').toBe(200);
    return (await res.json()) as AccessRow[];
  };
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
    passwords = await provisionAccounts(dataDir, [
      { username: 'auditor1', displayName: '测试审计员 Test Auditor', roles: ['auditor'] },
      { username: 'sysadmin1', displayName: '测试系统管理员 Test Sysadmin', roles: ['system_admin'] },
    ]);
    vigil = await startServe(dataDir);
    auditor = await ApiSession.login(vigil.url, 'auditor1', passwords.get('auditor1')!);
    admin = await ApiSession.login(vigil.url, 'sysadmin1', passwords.get('sysadmin1')!);
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
    const path = `/api/v1/cameras/${cameraId}/playback.m3u8?from=${from}&to=${to}`;
    // The gate: no credentials → 401; no reason → 400 reason_required (R16.3).
    expect((await anonymous(withReason(path))).status).toBe(401);
    const noReason = await api(path);
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: 'reason_required', article: 'R16.3' });
    const res = await api(withReason(path));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/mpegurl/);
    const playlist = await res.text();
    expect(playlist).toMatch(/^#EXTM3U/);
    expect(playlist).toContain('#EXT-X-ENDLIST');
    const map = /#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@0"/.exec(playlist)!;
    // Segment URLs carry the playback grant's token (`<register entry id>.<random>`); without it → 403.
    const grant = new URL(map[1]!, vigil!.url).searchParams.get('grant');
    expect(grant).toMatch(/^\d+\.[\w-]{16,}$/);
    seen.playbackAccessId = Number(grant!.split('.')[0]);
    const bare = new URL(map[1]!, vigil!.url);
    bare.search = '';
    const noGrant = await api(bare.pathname, { headers: { range: 'bytes=0-99' } });
    expect(noGrant.status).toBe(403);
    expect(await noGrant.json()).toMatchObject({ error: 'grant_required', article: 'R16.3' });
    // The token is bound to the account: with no session, the same URL is refused before anything is read.
    expect((await anonymous(map[1]!, { headers: { range: 'bytes=0-99' } })).status).toBe(401);
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

  it('exports one watermarked MP4 of a range, cut at the keyframe at or before `from`, that ffmpeg decodes', async () => {
    const tl = await timeline(Date.now() - 60_000, Date.now());
    const from = tl.segments[0]!.startMs + 1500; // inside the GOP that starts at +1 s
    const to = tl.segments[1]!.endMs - 500;
    const path = `/api/v1/cameras/${cameraId}/export.mp4?from=${from}&to=${to}`;
    expect((await anonymous(withReason(path))).status).toBe(401);
    const noReason = await api(path);
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: 'reason_required', article: 'R16.3' });
    const res = await api(withReason(path));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    // The register entry the export was recorded under (R16.3); its number is burned into the picture too (D18).
    expect(res.headers.get('x-vigil-access-id')).toMatch(/^\d+$/);
    seen.exportAccessId = Number(res.headers.get('x-vigil-access-id'));
    const start = Number(res.headers.get('x-vigil-start-ms'));
    expect(start).toBeLessThanOrEqual(from);
    expect(from - start).toBeLessThan(1100); // one GOP (1 s) at most
    const file = join(dataDir, 'export.mp4');
    const bytes = Buffer.from(await res.arrayBuffer());
    seen.exportBytes = bytes.length;
    writeFileSync(file, bytes);
    // Re-encoded with the watermark, so not the recording's bytes; what must hold: a valid MP4 that decodes without
    // an error, of the range's duration and frames, starting with a keyframe.
    execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
    const firstFrame = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame,pict_type', '-of', 'json', file]).toString());
    expect(firstFrame.frames[0]).toMatchObject({ key_frame: 1, pict_type: 'I' });
    const probed = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames,width:format=duration', '-of', 'json', file]).toString());
    const duration = Number(probed.format.duration) * 1000;
    expect(Math.abs(duration - (to - start))).toBeLessThan(1100);
    expect(Number(probed.streams[0].nb_read_frames)).toBeGreaterThan(((to - start) / 1000 - 1) * 25);
    expect(Number(probed.streams[0].nb_read_frames)).toBeLessThanOrEqual(((to - start) / 1000 + 1) * 25);
    expect(probed.streams[0].width).toBe(640);
  });

  it('takes a watermarked JPEG snapshot of a recorded instant and of the live picture (action snapshot, R16.3)', async () => {
    const tl = await timeline(Date.now() - 60_000, Date.now());
    const at = tl.segments[0]!.startMs + 2300; // between keyframes: decoded forward from the one before
    const path = `/api/v1/cameras/${cameraId}/snapshot.jpg?at=${at}`;
    expect((await api(path)).status).toBe(400); // no reason
    for (const p of [path, `/api/v1/cameras/${cameraId}/snapshot.jpg`]) {
      const res = await api(withReason(p));
      expect(res.status, await res.clone().text().catch(() => '')).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const jpeg = Buffer.from(await res.arrayBuffer());
      expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
      const file = join(dataDir, 'snapshot.jpg');
      writeFileSync(file, jpeg);
      const probed = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file]).toString());
      expect(probed.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 640 });
    }
    const nothing = await api(withReason(`/api/v1/cameras/${cameraId}/snapshot.jpg?at=${Date.now() - 30 * 86_400_000}`));
    expect(nothing.status).toBe(404);
  });

  it('streams live fMP4 over the WebSocket: init first, then a keyframe fragment from the cached GOP', async () => {
    const wsUrl = `${vigil!.url.replace('http', 'ws')}/api/v1/cameras/${cameraId}/live?stream=sub`;
    // No reason: the socket says why (reason_required, R16.3) and closes with 4000 + 400, before any video.
    const refused = await new Promise<{ messages: string[]; binaries: number; code: number }>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, vigil!.viewer.wsOptions());
      const messages: string[] = [];
      let binaries = 0;
      const timer = setTimeout(() => reject(new Error(`live without a reason was not closed: ${JSON.stringify(messages)}`)), 5000);
      ws.on('message', (data, isBinary) => (isBinary ? binaries++ : messages.push(data.toString())));
      ws.on('close', (code) => {
        clearTimeout(timer);
        resolve({ messages, binaries, code });
      });
      ws.on('error', reject);
    });
    expect(refused.binaries).toBe(0);
    expect(refused.code).toBe(4400);
    expect(JSON.parse(refused.messages[0]!)).toMatchObject({ type: 'error', error: 'reason_required', article: 'R16.3' });

    const ws = new WebSocket(withReason(wsUrl), vigil!.viewer.wsOptions());
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

  it('records every viewing in the access register: reason, viewer name and unit, and the bytes served (R16.3)', async () => {
    // The operator may not read the register; the auditor may.
    expect((await api('/api/v1/audit/access')).status).toBe(403);
    expect(seen.playbackAccessId).toBeGreaterThan(0);
    expect(seen.exportAccessId).toBeGreaterThan(0);
    const viewerRow = { username: 'viewer', displayName: VIEWER_NAME, unit: VIEWER_UNIT, cameraIds: [cameraId] };
    const stated = { outcome: 'granted', reasonCategory: TEST_REASON.category, reasonText: TEST_REASON.text };
    // The live socket's close entry is written when the socket has gone (asynchronously): wait for it.
    const rows = await waitFor(async () => {
      const r = await register(auditor, '&username=viewer');
      return r.some((x) => x.action === 'live' && x.outcome === 'granted' && x.closedBy !== null) ? r : undefined;
    }, { timeoutMs: 10_000, what: 'the close entry of the live view' });
    const byId = new Map(rows.map((r) => [r.id, r]));

    const playback = byId.get(seen.playbackAccessId);
    expect(playback).toMatchObject({ ...viewerRow, ...stated, action: 'playback' });
    // Still open: a playback grant is closed after it has been idle (or at shutdown, checked in the last test).
    expect(playback!.closedBy).toBeNull();

    const exported = byId.get(seen.exportAccessId);
    expect(exported).toMatchObject({ ...viewerRow, ...stated, action: 'export' });
    expect(exported!.closedBy).not.toBeNull();
    expect(exported!.bytes).toBe(seen.exportBytes);
    // The export is in the system log as well, naming its register entry.
    const sys = (await (await auditor.fetch('/api/v1/audit/system?event=video.exported')).json()) as { actorUsername: string; details: { accessId: number; bytes: number } }[];
    expect(sys).toEqual([expect.objectContaining({ actorUsername: 'viewer', details: expect.objectContaining({ accessId: seen.exportAccessId, bytes: seen.exportBytes }) })]);

    const live = rows.filter((r) => r.action === 'live' && r.outcome === 'granted');
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ ...viewerRow, ...stated });
    expect(live[0]!.closedBy).not.toBeNull();
    expect(live[0]!.bytes).toBeGreaterThan(0);

    // The refusals for want of a reason are in the register too, one per video action tried without one.
    const refusals = rows.filter((r) => r.outcome === 'refused');
    expect(refusals.map((r) => r.action).sort()).toEqual(['export', 'live', 'playback', 'snapshot']);
    const stills = rows.filter((r) => r.action === 'snapshot' && r.outcome === 'granted');
    expect(stills).toHaveLength(3); // recorded, live, and the one over nothing recorded (granted, then 404)
    for (const r of stills) expect(r).toMatchObject({ ...viewerRow, ...stated });
    for (const r of refusals) expect(r).toMatchObject({ ...viewerRow, refusalCode: 'reason_required', refusalArticle: 'R16.3', reasonCategory: null });
  });

  it('answers a bad request with a clear 4xx, exposes metrics, and after a graceful stop the storage check is clean', async () => {
    const bad = await api(withReason(`/api/v1/cameras/${cameraId}/export.mp4?from=200&to=100`));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_time_range' });
    // Camera changes need camera.configure: the system administrator (the operator is refused).
    const post = (body: unknown) => admin.fetch('/api/v1/cameras', { method: 'POST', json: body });
    expect((await api('/api/v1/cameras', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', url: 'rtsp://127.0.0.1/x' }) })).status).toBe(403);
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
    // /metrics needs ops.read: the system administrator's role has it, the operator's does not.
    expect((await anonymous('/metrics')).status).toBe(401);
    expect((await api('/metrics')).status).toBe(403);
    const metrics = await (await admin.fetch('/metrics')).text();
    expect(metrics).toMatch(/vigil_stream_fragments_written\{[^}]*kind="main"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/vigil_stream_fragments_lost\{[^}]*kind="main"[^}]*\} 0/);
    expect(metrics).toMatch(/vigil_store_free_bytes \d+/);
    // recording.bytePath auto: on a machine with a compiler (the project's scripts install gcc) it is the native one.
    expect(metrics).toMatch(/vigil_recording_byte_path\{path="native"\} 1/);
    expect(metrics).toMatch(/vigil_recording_byte_path\{path="js"\} 0/);
    // On it, the readers record most fragments themselves (docs/storage.md, "Inline recording").
    expect(metrics).toMatch(/vigil_stream_fragments_written_inline\{[^}]*kind="main"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/vigil_process_cpu_seconds_total [\d.]+/);
    const openapi = (await (await api('/docs/json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/cameras', '/api/v1/cameras/{id}/export.mp4', '/api/v1/cameras/{id}/recordings']));
    const health = await (await anonymous('/healthz')).json(); // public
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
    // The graceful stop closed the playback grant that was still open: its close entry is in the register.
    const later = await provisionAccounts(dataDir, [{ username: 'auditor2', displayName: '测试审计员二 Test Auditor 2', roles: ['auditor'] }]);
    const auditor2 = await ApiSession.login(vigil.url, 'auditor2', later.get('auditor2')!);
    const playback = (await register(auditor2, '&username=viewer&action=playback')).find((r) => r.id === seen.playbackAccessId);
    expect(playback).toMatchObject({ action: 'playback', outcome: 'granted', reasonCategory: TEST_REASON.category });
    expect(playback!.closedBy).not.toBeNull();
    expect(playback!.bytes).toBeGreaterThan(0);
  });

  it('refuses a live WebSocket without a session (401), and still stops gracefully afterwards', async () => {
    const wsUrl = `${vigil!.url.replace('http', 'ws')}/api/v1/cameras/${cameraId}/live?stream=sub`;
    // No session: the upgrade is refused with 401 before any video.
    const anonymousStatus = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(withReason(wsUrl));
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        ws.terminate();
      });
      ws.on('open', () => reject(new Error('a live WebSocket opened without a session')));
      ws.on('error', () => undefined);
    });
    expect(anonymousStatus).toBe(401);
    // Regression guard: an upgrade refused by the auth hook is answered on a socket outside the HTTP server's
    // bookkeeping (@fastify/websocket); unless auth.ts destroys it after the answer, `app.close()` waits forever.
    const stopped = await Promise.race([vigil!.stop(), new Promise<string>((r) => setTimeout(() => r('still running 20 s after SIGTERM'), 20_000))]);
    expect(stopped, 'graceful stop after a refused unauthenticated WebSocket upgrade').toBe(0);
  }, 60_000);
});
