// Node API of the simulated cameras (tools/sim-camera), used by the demo, the system tests and the benchmarks.
// Owns the lifecycle of one RTSP server child process (server.py, GStreamer's RTSP server) and the mapping from
// stream descriptions to cached clips (clips.ts). The child dies when its stdin closes, so it never outlives the
// Node process that started it, even after a crash or `kill -9` of that process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureClip, type Codec } from './clips.js';

export type { Codec } from './clips.js';
export { ensureClip, defaultClipCacheDir, type ClipSpec } from './clips.js';

export interface SimStream {
  /** Mount name: rtsp://127.0.0.1:PORT/<name>. Letters, digits, `.`, `_`, `-`. */
  name: string;
  width: number;
  height: number;
  /** Default 25. */
  fps?: number;
  /** Default: about 4000 kbit/s for 1080p25, scaled by pixels per second. */
  bitrateKbps?: number;
  /** Default 'h264'. 'live' streams are always H.264. */
  codec?: Codec;
  /** Default 2 s of frames. */
  gopFrames?: number;
  /** Text drawn in the picture; default the name. Streams with equal label and parameters share one clip. */
  label?: string;
  /** Length of the looped clip; default 10 s. Longer clips only change how often the picture repeats. */
  clipSeconds?: number;
  /**
   * 'clip' (default): a pre-encoded clip replayed live, nearly free. 'live': encoded in real time with the wall
   * clock in the picture (x264, costs a real share of a core: one or two per machine at most).
   */
  kind?: 'clip' | 'live';
}

export interface Credentials {
  user: string;
  password: string;
}

export interface SimCameraOptions {
  streams: SimStream[];
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, every mount requires RTSP Basic auth with these credentials. */
  auth?: Credentials;
  /** 'digest': `auth` is asked for with RFC 2069-style Digest (MD5, no qop) instead of Basic. Default 'basic'. */
  authMethod?: 'basic' | 'digest';
  /** Cache directory for clips; default `${VIGIL_CACHE_DIR:-<repo>/.vigil-cache}/clips`. */
  cacheDir?: string;
}

export interface SimCameras {
  port: number;
  /** Pid of the RTSP server process (for CPU measurements). */
  pid: number;
  /**
   * rtsp://127.0.0.1:PORT/<name>, with the server's credentials when auth is set. Pass `credentials` to use
   * others (e.g. a wrong password), or null for none.
   */
  urlOf(name: string, credentials?: Credentials | null): string;
  /** Unmounts the stream and drops its clients' connections and sessions; resolves once the server did. */
  stop(name: string): Promise<void>;
  /** Mounts the stream again; resolves once the server did. */
  start(name: string): Promise<void>;
  /** Stops the server; resolves once the process has exited. */
  close(): Promise<void>;
  /** Resolves when the server process exits, for whatever reason (close(), a crash, a signal). */
  exited: Promise<void>;
}

const SERVER_PY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.py');
const PYTHON = '/usr/bin/python3'; // Debian's python, the one python3-gi is installed for
const READY_TIMEOUT_MS = 60_000;
const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

export function preset1080p(name: string, extra: Partial<SimStream> = {}): SimStream {
  return { name, width: 1920, height: 1080, fps: 25, bitrateKbps: 4000, gopFrames: 50, codec: 'h264', ...extra };
}

export function preset720p(name: string, extra: Partial<SimStream> = {}): SimStream {
  return { name, width: 1280, height: 720, fps: 25, bitrateKbps: 2000, gopFrames: 50, codec: 'h264', ...extra };
}

function defaultBitrate(s: SimStream, fps: number): number {
  return Math.max(100, Math.round((4000 * s.width * s.height * fps) / (1920 * 1080 * 25)));
}

type ServerStream =
  | { name: string; kind: 'clip'; codec: Codec; clip: string }
  | { name: string; kind: 'live'; width: number; height: number; fps: number; bitrateKbps: number; gopFrames: number; label: string };

async function resolveStream(s: SimStream, cacheDir: string | undefined): Promise<ServerStream> {
  const fps = s.fps ?? 25;
  const bitrateKbps = s.bitrateKbps ?? defaultBitrate(s, fps);
  const gopFrames = s.gopFrames ?? fps * 2;
  const label = s.label ?? s.name;
  if (s.kind === 'live') {
    return { name: s.name, kind: 'live', width: s.width, height: s.height, fps, bitrateKbps, gopFrames, label };
  }
  const codec = s.codec ?? 'h264';
  const clip = await ensureClip({
    name: label, width: s.width, height: s.height, fps, gopFrames, bitrateKbps, codec,
    seconds: s.clipSeconds ?? 10, ...(cacheDir ? { cacheDir } : {}),
  });
  return { name: s.name, kind: 'clip', codec, clip };
}

interface ServerEvent {
  event: string;
  port?: number;
  pid?: number;
  id?: number;
  ok?: boolean;
  error?: string;
  message?: string;
}

export async function startSimCameras(options: SimCameraOptions): Promise<SimCameras> {
  const names = new Set<string>();
  for (const s of options.streams) {
    if (!NAME_RE.test(s.name)) throw new Error(`sim-camera: bad stream name ${JSON.stringify(s.name)}`);
    if (names.has(s.name)) throw new Error(`sim-camera: duplicate stream name ${s.name}`);
    names.add(s.name);
  }
  // One encode at a time: first runs encode many clips, and the machine's cores are shared.
  const streams: ServerStream[] = [];
  for (const s of options.streams) streams.push(await resolveStream(s, options.cacheDir));

  const auth = options.auth ? { ...options.auth, method: options.authMethod ?? 'basic' } : null;
  const config = { port: options.port ?? 0, auth, streams };
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, ['-u', SERVER_PY, '--config-json', JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const debug = Boolean(process.env.VIGIL_SIM_CAMERA_DEBUG);
  let stderrTail = '';
  child.stderr.on('data', (d: Buffer) => {
    if (debug) process.stderr.write(d);
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  });
  // Writing to a dead child's stdin raises EPIPE on the stream; the exit handler reports the real cause.
  child.stdin.on('error', () => {});

  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('close', () => {
      exited = true;
      resolve();
    });
  });
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let nextId = 1;

  const ready = new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim-camera: server not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let ev: ServerEvent;
      try {
        ev = JSON.parse(line) as ServerEvent;
      } catch {
        return; // not ours (a library printing to stdout)
      }
      if (ev.event === 'ready' && typeof ev.port === 'number') {
        clearTimeout(timer);
        resolve({ port: ev.port, pid: ev.pid ?? child.pid ?? 0 });
      } else if (ev.event === 'error') {
        clearTimeout(timer);
        reject(new Error(`sim-camera: server failed: ${ev.message ?? 'unknown error'}`));
      } else if (ev.event === 'ack' && typeof ev.id === 'number') {
        const p = pending.get(ev.id);
        pending.delete(ev.id);
        if (ev.ok) p?.resolve();
        else p?.reject(new Error(`sim-camera: ${ev.error ?? 'command failed'}`));
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // 'close', not 'exit': it comes after stdout is drained, so a last {"event":"error"} line is seen first.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const err = new Error(`sim-camera: server exited (${signal ?? code}): ${stderrTail.trim()}`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  });

  const close = async (): Promise<void> => {
    if (!exited) {
      child.stdin.end();
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(killTimer);
    }
  };

  let info: { port: number; pid: number };
  try {
    info = await ready;
  } catch (e) {
    await close();
    throw e;
  }

  const command = (cmd: 'stop' | 'start', name: string): Promise<void> => {
    if (!names.has(name)) return Promise.reject(new Error(`sim-camera: unknown stream ${name}`));
    if (exited) return Promise.reject(new Error('sim-camera: server has exited'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ cmd, name, id })}\n`);
    });
  };

  return {
    port: info.port,
    pid: info.pid,
    urlOf(name, credentials) {
      if (!names.has(name)) throw new Error(`sim-camera: unknown stream ${name}`);
      const cred = credentials === undefined ? options.auth : credentials;
      const userinfo = cred ? `${encodeURIComponent(cred.user)}:${encodeURIComponent(cred.password)}@` : '';
      return `rtsp://${userinfo}127.0.0.1:${info.port}/${name}`;
    },
    stop: (name) => command('stop', name),
    start: (name) => command('start', name),
    close,
    exited: exitPromise,
  };
}
