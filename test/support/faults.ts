// Helpers for the fault system tests (test/faults-*.test.ts): HTTP calls against a running `vigil serve`, camera
// status and metrics, the segment index read straight from the SQLite file, ffmpeg decode checks, and a tracker of
// every process the test started (vigil, its ffmpeg children, the simulated cameras) so a test can prove none leaked.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { segmentRelPath } from '../../src/storage/paths.js';
import type { SimStream } from '../../tools/sim-camera/index.js';
import { expect } from 'vitest';
import { plaintextBoxesIn, withPlainStore } from './segment-keys.js';
import { ApiSession, provisionAccounts, TEST_PASSWORD, withReason, type AccountSpec } from './accounts.js';
import { runVigil, type ServingVigil } from './vigil-process.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else undefined. */
  json: T;
  text: string;
}

/**
 * Who a helper talks to the server as: a running server (its signed-in `viewer`), a signed-in account, or a bare
 * base URL (no credentials: for probing what an anonymous caller gets).
 */
export type ApiClient = Pick<ServingVigil, 'viewer'> | ApiSession | string;

function sessionOf(client: Exclude<ApiClient, string>): ApiSession {
  return client instanceof ApiSession ? client : client.viewer;
}

/** fetch `path` as the client (cookie and CSRF token of its session; none for a bare URL). */
export function clientFetch(client: ApiClient, path: string, init: RequestInit = {}): Promise<Response> {
  return typeof client === 'string' ? fetch(`${client}${path}`, init) : sessionOf(client).fetch(path, init);
}

/**
 * Provisions an account on the server's data directory (the same service `vigil user …` calls; a no-op when it
 * exists) and signs it in over HTTP. E.g. `{ username: 'sysadmin1', roles: ['system_admin'] }` for /metrics
 * (ops.read), stream addresses (camera.locate) and camera changes (camera.configure).
 */
export async function signIn(base: string | { url: string }, dataDir: string, spec: AccountSpec): Promise<ApiSession> {
  const created = await provisionAccounts(dataDir, [spec]);
  return ApiSession.login(typeof base === 'string' ? base : base.url, spec.username, created.get(spec.username) ?? TEST_PASSWORD);
}

/** The system administrator of the fault tests (ops.read, camera.locate, camera.configure; never video). */
export const SYSADMIN: AccountSpec = { username: 'sysadmin1', displayName: '测试系统管理员 Test Sysadmin', roles: ['system_admin'] };

/**
 * GET (or another method) `path` on the server as `client`; never throws on a status. `path` is sent as is (no
 * re-encoding).
 */
export async function api<T = unknown>(client: ApiClient, path: string, init: RequestInit = {}): Promise<ApiResponse<T>> {
  const res = await clientFetch(client, path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json: json as T, text };
}

/** GET returning the raw bytes. */
export async function apiBytes(client: ApiClient, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await clientFetch(client, path);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

export interface StreamStatusJson {
  state: string;
  reason: string | null;
  recording: string;
  /** Who records the stream: the built-in RTSP ingest or an ffmpeg child; and why it fell back to ffmpeg. */
  rtspClient?: 'builtin' | 'ffmpeg';
  rtspFallback?: string | null;
}

export interface CameraJson {
  id: string;
  name: string;
  /** The camera's own RTSP client choice ('default': the server's ingest.rtspClient). */
  rtspClient?: 'default' | 'builtin' | 'ffmpeg';
  streams: { id: string; kind: 'main' | 'sub'; url?: string; record: boolean; status?: StreamStatusJson }[];
}

/** The camera list; stream `url`s are shown only to a role with camera.locate (e.g. SYSADMIN), else absent. */
export async function cameras(base: ApiClient): Promise<CameraJson[]> {
  const r = await api<CameraJson[]>(base, '/api/v1/cameras');
  if (r.status !== 200) throw new Error(`GET /api/v1/cameras answered ${r.status}: ${r.text}`);
  return r.json;
}

/** The status of a camera's main stream (undefined before the recorder has it). */
export async function mainStatus(base: ApiClient, cameraId: string): Promise<StreamStatusJson | undefined> {
  const camera = (await cameras(base)).find((c) => c.id === cameraId);
  return camera?.streams.find((s) => s.kind === 'main')?.status;
}

export interface TimelineJson {
  cameraId: string;
  fromMs: number;
  toMs: number;
  runs: { id: number; startMs: number; endMs: number | null; startCause: string; endCause: string | null }[];
  segments: { id: number; runId: number; startMs: number; endMs: number; sizeBytes: number; frames: number; codec: string; width: number; height: number; status: string }[];
  gaps: { startMs: number; endMs: number; cause: string }[];
}

export async function recordings(base: ApiClient, cameraId: string, fromMs: number, toMs = Date.now()): Promise<TimelineJson> {
  const r = await api<TimelineJson>(base, `/api/v1/cameras/${cameraId}/recordings?from=${fromMs}&to=${toMs}`);
  if (r.status !== 200) throw new Error(`recordings answered ${r.status}: ${r.text}`);
  return r.json;
}

/**
 * Loads the HLS playlist of a range (with the test reason, R16.3) and returns the segment URLs it embeds, each with
 * the playback grant token (`?grant=…`) a segment read needs, keyed by segment id.
 */
export async function playlistGrant(client: ApiClient, cameraId: string, fromMs: number, toMs: number): Promise<{ playlist: string; segmentUrls: Map<number, string>; token: string }> {
  const r = await api(client, withReason(`/api/v1/cameras/${cameraId}/playback.m3u8?from=${fromMs}&to=${toMs}`));
  if (r.status !== 200) throw new Error(`playlist answered ${r.status}: ${r.text}`);
  const segmentUrls = new Map<number, string>();
  for (const m of r.text.matchAll(/\/api\/v1\/cameras\/[^/\s"]+\/segments\/(\d+)\?grant=[^\s"]+/g)) segmentUrls.set(Number(m[1]), m[0]);
  const first = [...segmentUrls.values()][0];
  if (!first) throw new Error(`no segment URL in the playlist:\n${r.text.slice(0, 500)}`);
  return { playlist: r.text, segmentUrls, token: decodeURIComponent(new URL(first, 'http://x').searchParams.get('grant')!) };
}

/** The value of one Prometheus sample whose labels include all of `labels` (undefined when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[4]);
  }
  return undefined;
}

/** A loopback TCP port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** `vigil camera add --json`; returns the new camera's id (throws with the CLI's output otherwise). */
export async function addCamera(dataDir: string, name: string, url: string, extra: string[] = []): Promise<string> {
  const r = await runVigil(['camera', 'add', '--data-dir', dataDir, '--name', name, '--url', url, '--json', ...extra]);
  const id = (r.json as { id?: string } | undefined)?.id;
  if (r.code !== 0 || !id) throw new Error(`camera add failed (${r.code}): ${r.stdout}${r.stderr}`);
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// The index, read directly (SQLite, read-only) — to compare files with their rows' SHA-256 independently of vigil.

export interface SegmentRowInfo {
  id: number;
  run_id: number;
  stream_id: string;
  camera_id: string;
  seq: number;
  start_ms: number;
  end_ms: number;
  size_bytes: number;
  codec: string;
  status: string;
  sha256: Buffer;
}

export interface RunRowInfo {
  id: number;
  stream_id: string;
  camera_id: string;
  start_ms: number;
  end_ms: number | null;
  start_cause: string;
  end_cause: string | null;
}

export function readIndex(dataDir: string): { segments: SegmentRowInfo[]; runs: RunRowInfo[] } {
  const db = new Database(join(dataDir, 'index.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const segments = db
      .prepare('select id, run_id, stream_id, camera_id, seq, start_ms, end_ms, size_bytes, codec, status, sha256 from segments order by id')
      .all() as SegmentRowInfo[];
    const runs = db.prepare('select id, stream_id, camera_id, start_ms, end_ms, start_cause, end_cause from recording_runs order by id').all() as RunRowInfo[];
    return { segments, runs };
  } finally {
    db.close();
  }
}

export function segmentFile(storeDir: string, row: Pick<SegmentRowInfo, 'camera_id' | 'run_id' | 'seq' | 'start_ms'>): string {
  return join(storeDir, segmentRelPath({ cameraId: row.camera_id, runId: row.run_id, seq: row.seq, startMs: row.start_ms }));
}

/** SHA-256 of a file's raw bytes as stored (encrypted or not): "unchanged on disk". */
export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Problems of committed segments: missing file, plaintext size or SHA-256 different from the row. Empty when all
 * match. Segment files are read through the real store with the data dir's master key (encryption at rest,
 * architecture §7), so this works on encrypted and plaintext stores alike; an encrypted file must show no fMP4 box.
 */
export async function verifySegmentHashes(dataDir: string, storeDir: string, rows: readonly SegmentRowInfo[]): Promise<string[]> {
  const problems: string[] = [];
  await withPlainStore(dataDir, storeDir, async (store) => {
    for (const row of rows) {
      const path = segmentFile(storeDir, row);
      if (!existsSync(path)) {
        problems.push(`segment ${row.id}: file ${path} missing`);
        continue;
      }
      const rel = segmentRelPath({ cameraId: row.camera_id, runId: row.run_id, seq: row.seq, startMs: row.start_ms });
      if ((await store.isEncryptedRel(rel)) && plaintextBoxesIn(readFileSync(path)).length > 0) problems.push(`segment ${row.id}: encrypted file shows fMP4 boxes`);
      const data = await store.readWholeRel(rel);
      if (data.length !== row.size_bytes) problems.push(`segment ${row.id}: ${data.length} bytes, row says ${row.size_bytes}`);
      const hex = createHash('sha256').update(data).digest('hex');
      if (hex !== Buffer.from(row.sha256).toString('hex')) problems.push(`segment ${row.id}: SHA-256 differs from its row`);
    }
  });
  return problems;
}

/** Decodes a recorded segment with ffmpeg (decrypted through the store to a temp file first when encrypted). */
export async function decodeSegment(dataDir: string, storeDir: string, row: SegmentRowInfo): Promise<{ ok: boolean; frames: number; errors: string }> {
  const rel = segmentRelPath({ cameraId: row.camera_id, runId: row.run_id, seq: row.seq, startMs: row.start_ms });
  const plain = await withPlainStore(dataDir, storeDir, (store) => store.readWholeRel(rel));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-decode-'));
  try {
    const file = join(dir, 'segment.mp4');
    writeFileSync(file, plain);
    return await decodeWithFfmpeg(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Decodes a whole file with ffmpeg (`-v error … -f null -`): ok when ffmpeg exits 0 and prints no error. Also
 * returns the number of decoded frames (from -progress's `frame=`).
 */
export function decodeWithFfmpeg(path: string): Promise<{ ok: boolean; frames: number; errors: string }> {
  return new Promise((resolve) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-v', 'error', '-threads', '1', '-i', path, '-f', 'null', '-progress', 'pipe:1', '-'],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const frames = [...stdout.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1])).pop() ?? 0;
        resolve({ ok: !err && stderr.trim() === '', frames, errors: stderr.trim() });
      },
    );
  });
}

/** ffprobe's codec name of the first video stream (e.g. 'hevc', 'h264'). */
export function probeCodec(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path], (err, stdout) =>
      err ? reject(err) : resolve(stdout.trim()),
    );
  });
}

/** The first frame's lower-left corner (left half, bottom fifth) as 8-bit grey, scaled to 64×16, via ffmpeg. */
function lowerLeftOfFirstFrame(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-v', 'error', '-threads', '1', '-i', path, '-frames:v', '1', '-vf', 'crop=iw/2:ih/5:0:ih*4/5,scale=64:16,format=gray', '-f', 'rawvideo', 'pipe:1'],
      { encoding: 'buffer', maxBuffer: 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

/**
 * Mean absolute difference (0–255) between the lower-left corners of the first frames of two files: where the
 * export watermark (D18) is drawn. A re-encode alone differs by a few levels; burned-in text by far more.
 */
export async function lowerLeftDifference(a: string, b: string): Promise<number> {
  const [x, y] = await Promise.all([lowerLeftOfFirstFrame(a), lowerLeftOfFirstFrame(b)]);
  if (x.length !== 64 * 16 || y.length !== x.length) throw new Error(`lower-left crops of ${x.length} and ${y.length} bytes`);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: what the test started, and whether any of it is still alive.

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** R, S, D, Z (zombie), … */
  state: string;
}

export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may contain spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state = '?', ppid = '0'] = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(ppid), comm, state };
  } catch {
    return undefined;
  }
}

/** True when the process exists and is not a zombie (a zombie has exited; only its reaping is pending). */
export function isAlive(pid: number): boolean {
  const info = procInfo(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

export function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** Live descendants of `root` (children, grandchildren, …). */
export function descendantsOf(root: number): ProcInfo[] {
  const all = allProcesses();
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/**
 * Samples the descendants of this test process every `intervalMs` and remembers every one it saw, so processes
 * orphaned by a `kill -9` (re-parented away from us) are still known. `leaks()` names those still alive.
 */
export class ProcessTracker {
  readonly seen = new Map<number, ProcInfo>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly intervalMs = 200) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    // Refreshed while still ours: a child first seen between fork and exec carries its parent's name ("node"), not
    // "ffmpeg" (a CI run under load counted one ffmpeg short so). An orphan keeps what it was last seen as.
    for (const p of descendantsOf(process.pid)) this.seen.set(p.pid, p);
  }

  /** ffmpeg processes seen so far whose parent was `parentPid`. */
  ffmpegChildrenOf(parentPid: number): ProcInfo[] {
    this.sample();
    return [...this.seen.values()].filter((p) => p.ppid === parentPid && p.comm === 'ffmpeg');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Processes seen that are still alive (after waiting up to `graceMs` for them to go). */
  async leaks(graceMs = 5000): Promise<ProcInfo[]> {
    this.sample();
    const deadline = Date.now() + graceMs;
    for (;;) {
      const alive = [...this.seen.values()].filter((p) => isAlive(p.pid) && procInfo(p.pid)?.comm === p.comm);
      if (alive.length === 0 || Date.now() > deadline) return alive;
      await sleep(100);
    }
  }
}

/**
 * The end of a fault test: stop vigil gracefully, close the simulator, and assert that no process the test started
 * is still running. Returns vigil's exit code (undefined if it never started).
 */
export async function shutDownAndCheckLeaks(parts: { vigil?: ServingVigil; sim?: { close(): Promise<void> }; tracker: ProcessTracker }): Promise<number | null | undefined> {
  const code = await parts.vigil?.stop();
  await parts.sim?.close();
  parts.tracker.stop();
  const leaks = await parts.tracker.leaks();
  expect(leaks, `processes left running: ${JSON.stringify(leaks)}`).toEqual([]);
  return code;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every string that must never be printed for these credentials: raw, percent-encoded, and Basic-auth base64. */
export function secretForms(user: string, password: string): string[] {
  return [...new Set([password, encodeURIComponent(password), Buffer.from(`${user}:${password}`).toString('base64'), `${user}:`, encodeURIComponent(user) + ':'])];
}

/**
 * A cheap simulated stream: 320x240, 25 fps, a keyframe every second (so every 1 s fragment starts with one),
 * 300 kbit/s, a 4 s clip. Streams with the same label share one cached clip.
 */
export function smallStream(name: string, extra: Partial<SimStream> = {}): SimStream {
  return { name, width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, clipSeconds: 4, label: 'cam1', ...extra };
}

/**
 * GET with the path sent byte for byte (node:http; fetch would resolve `..` segments before sending). For probing
 * path traversal. As the client's session (its cookie) unless `client` is a bare URL.
 */
export function rawGet(client: ApiClient, path: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; body: Buffer; json: { error?: string; message?: string } | undefined }> {
  const session = typeof client === 'string' ? null : sessionOf(client);
  const url = new URL(session ? session.baseUrl : (client as string));
  if (session) headers = { cookie: session.cookie, ...headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: { error?: string; message?: string } | undefined;
        try {
          json = JSON.parse(body.toString('utf8')) as { error?: string; message?: string };
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
