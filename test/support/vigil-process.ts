// Runs the real `vigil` command as a child process (bin/vigil) for system tests: `serve` with a data dir and a
// config file, and one-shot commands (`camera add`, `check --storage`) with their exit codes and output.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiSession, provisionAccounts, TEST_PASSWORD } from './accounts.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The `vigil` command as installed (`bin/vigil`: execs node with the server's V8 settings). */
export const vigilBin = join(repoRoot, 'bin', 'vigil');

export interface VigilRunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when --json was given and it parses. */
  json?: unknown;
}

/**
 * Env for a child vigil: the test's PostgreSQL URL when asked, never the parent's VIGIL_* settings — except
 * VIGIL_BYTE_PATH, which tools/test-all.sh sets to `native` so that no vigil of the suite quietly falls back.
 */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VIGIL_') || k === 'VIGIL_BYTE_PATH') env[k] = v;
  return { ...env, ...extra };
}

/** Runs `vigil <args>` to completion. */
export function runVigil(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<VigilRunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(vigilBin, args, { env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      if (args.includes('--json')) {
        try {
          json = JSON.parse(stdout.trim().split('\n').pop() ?? '');
        } catch {
          json = undefined;
        }
      }
      resolvePromise({ code, stdout, stderr, json });
    });
  });
}

export interface VigilConfigOverrides {
  recording?: Record<string, unknown>;
  ingest?: Record<string, unknown>;
  database?: { dialect: 'postgres'; url: string };
  storeDir?: string;
  live?: { maxTranscodes?: number; transcodeIdleMs?: number };
  log?: { level: string };
  [key: string]: unknown;
}

/** Writes `<dataDir>/vigil.json` with test-friendly defaults (short segments, fast backoff) plus overrides. */
export function writeTestConfig(dataDir: string, overrides: VigilConfigOverrides = {}): void {
  mkdirSync(dataDir, { recursive: true });
  const { recording, ingest, log, ...rest } = overrides;
  // Every other section (database, storeDir, live, playback, …) passes through as given.
  const config = {
    recording: { segmentTargetMs: 4000, fragmentMs: 1000, ...recording },
    ingest: { backoffMinMs: 300, backoffMaxMs: 2000, stallMs: 4000, ...ingest },
    log: log ?? { level: 'info' },
    ...rest,
  };
  writeFileSync(join(dataDir, 'vigil.json'), JSON.stringify(config, null, 2));
}

export interface ServingVigil {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server wrote to stderr (pino JSON log lines). */
  logs(): string;
  /**
   * Signed in as `viewer`, an operator with live, playback and export grants on every camera and valid personnel
   * records (R16.1): what a test uses to reach the API. Video requests still need a reason (see `withReason`).
   */
  viewer: ApiSession;
  /** `viewer.fetch`: the API as the signed-in viewer. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** SIGTERM and wait for exit (graceful: runs closed with cause `shutdown`). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (a crash). */
  kill(): Promise<void>;
}

/** Starts `vigil serve --json --port 0` and resolves once it prints its URL (and the viewer is signed in). */
export function startServe(dataDir: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ServingVigil> {
  return startServeWith(vigilBin, ['serve', '--json', '--data-dir', dataDir, '--port', '0'], options);
}

/** The test viewer of each data directory, created once; later starts sign in with TEST_PASSWORD. */
async function viewerPassword(dataDir: string): Promise<string> {
  const created = await provisionAccounts(dataDir, [{ username: 'viewer', displayName: '测试观看员 Test Viewer', roles: ['operator'], grantAll: ['live', 'playback', 'export', 'snapshot'] }]);
  return created.get('viewer') ?? TEST_PASSWORD;
}

/**
 * Runs `command args` — `vigil serve --json --port 0 …` itself, or a wrapper that ends up exec-ing it (e.g. `unshare`
 * for a private tmpfs) — and resolves once the server prints its URL.
 */
export async function startServeWith(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ServingVigil> {
  const dataDir = args[args.indexOf('--data-dir') + 1];
  if (!dataDir) throw new Error('startServeWith: the args must name --data-dir');
  const password = await viewerPassword(dataDir);
  const child = spawn(command, args, { env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const ready = await new Promise<{ url: string; port: number }>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start in time:\n${stderr.slice(-3000)}`)), options.timeoutMs ?? 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{') && l.includes('"url"'));
      if (line) {
        clearTimeout(timer);
        resolvePromise(JSON.parse(line) as { url: string; port: number });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited with ${code} before it was ready:\n${stderr.slice(-3000)}`));
    });
  });
  let viewer: ApiSession;
  try {
    viewer = await ApiSession.login(ready.url, 'viewer', password);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return {
    ...ready,
    child,
    viewer,
    api: (path, init) => viewer.fetch(path, init),
    logs: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}
