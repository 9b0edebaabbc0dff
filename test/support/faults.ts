// Helpers for the fault system tests (test/faults-*.test.ts): HTTP calls against a running `vigil serve`, camera
// status and metrics, the segment index read straight from the SQLite file, ffmpeg decode checks, and a tracker of
// every process the test started (vigil, its ffmpeg children, the simulated cameras) so a test can prove none leaked.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { segmentRelPath } from '../../src/storage/paths.js';
import type { SimStream } from '../../tools/sim-camera/index.js';
import { expect } from 'vitest';
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

/** GET (or another method) `path` on the server; never throws on a status. `path` is sent as is (no re-encoding). */
export async function api<T = unknown>(base: string, path: string, init: RequestInit = {}): Promise<ApiResponse<T>> {
  const res = await fetch(`${base}${path}`, init);
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
export async function apiBytes(base: string, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

export interface StreamStatusJson {
  state: string;
  reason: string | null;
  recording: string;
}

export interface CameraJson {
  id: string;
  name: string;
  streams: { id: string; kind: 'main' | 'sub'; url: string; record: boolean; status?: StreamStatusJson }[];
}

export async function cameras(base: string): Promise<CameraJson[]> {
  const r = await api<CameraJson[]>(base, '/api/v1/cameras');
  if (r.status !== 200) throw new Error(`GET /api/v1/cameras answered ${r.status}: ${r.text}`);
  return r.json;
}

/** The status of a camera's main stream (undefined before the recorder has it). */
export async function mainStatus(base: string, cameraId: string): Promise<StreamStatusJson | undefined> {
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

export async function recordings(base: string, cameraId: string, fromMs: number, toMs = Date.now()): Promise<TimelineJson> {
  const r = await api<TimelineJson>(base, `/api/v1/cameras/${cameraId}/recordings?from=${fromMs}&to=${toMs}`);
  if (r.status !== 200) throw new Error(`recordings answered ${r.status}: ${r.text}`);
  return r.json;
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

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Problems of committed segments: missing file, size or SHA-256 different from the row. Empty when all match. */
export function verifySegmentHashes(storeDir: string, rows: readonly SegmentRowInfo[]): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    const path = segmentFile(storeDir, row);
    if (!existsSync(path)) {
      problems.push(`segment ${row.id}: file ${path} missing`);
      continue;
    }
    const data = readFileSync(path);
    if (data.length !== row.size_bytes) problems.push(`segment ${row.id}: ${data.length} bytes, row says ${row.size_bytes}`);
    const hex = createHash('sha256').update(data).digest('hex');
    if (hex !== Buffer.from(row.sha256).toString('hex')) problems.push(`segment ${row.id}: SHA-256 differs from its row`);
  }
  return problems;
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
    for (const p of descendantsOf(process.pid)) if (!this.seen.has(p.pid)) this.seen.set(p.pid, p);
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
 * path traversal.
 */
export function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; body: Buffer; json: { error?: string; message?: string } | undefined }> {
  const url = new URL(base);
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
