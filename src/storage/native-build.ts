// Builds and loads native/vigil_native.c, the native byte path (the append path of append-path.ts and the ingest pipe
// reader, media/ingest's NativeStdout), on first use, as bin/vigil.mjs builds its bundle: no install script, no build
// step for the user, never stale. The library is compiled with the machine's C compiler (`cc`, Debian's gcc:
// tools/install-system-deps.sh) against the running Node's own headers (node_api.h and its bundled OpenSSL's; for
// Debian's own nodejs, libnode-dev's and libssl-dev's), and cached under `<package>/dist/native/` by a key of the
// source, the flags, the Node version and the platform, so a changed source or another Node builds anew. OpenSSL's
// symbols come from the node binary at load time. A compile takes under a second, once.
//
// Where it cannot be built or loaded (no compiler, no headers, a read-only install), `resolveBytePath('auto')` falls
// back to the JavaScript path and says why; `'native'` makes that an error instead (CI uses it, so the tests cannot
// silently run the other path).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { NativeFragmentValues, NativeStdout } from '../media/index.js';
import { jsAppendPath, nativeAppendPath, type AppendPath, type NativeAppendModule } from './append-path.js';

export type BytePathChoice = 'auto' | 'native' | 'js';

/** The native ingest pipe reader's functions (media/ingest's NativeStdout), and the scan it records by, for its test. */
export interface NativePipeReader extends NativeStdout {
  scanFragment(bytes: Uint8Array, trackId: number, trex: [number, number, number] | null): NativeFragmentValues | null;
}

export interface ResolvedBytePath {
  /** How segment bytes are appended. */
  path: AppendPath;
  /** The native pipe reader for ffmpeg's stdout; null on the JavaScript path. */
  pipeReader: NativePipeReader | null;
  /** Why the JavaScript path is used, when it is (null on the native path or when `js` was asked for). */
  fallbackReason: string | null;
}

export class NativeBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeBuildError';
  }
}

const SOURCE = join('native', 'vigil_native.c');
const CFLAGS = ['-O2', '-std=c11', '-shared', '-fPIC', '-fvisibility=hidden', '-Wall', '-Werror=implicit-function-declaration', '-Werror=incompatible-pointer-types'];

/** Directories that may hold the running Node's headers: beside its binary (official builds, NodeSource, nvm), then system ones. */
function headerDirCandidates(): string[] {
  const prefix = dirname(dirname(process.execPath));
  return [join(prefix, 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
}

/** The directory with node_api.h; OpenSSL's headers are Node's own beside it, or the system's (Debian's nodejs + libssl-dev). */
function headerDir(): string {
  const dir = headerDirCandidates().find((d) => existsSync(join(d, 'node_api.h')));
  if (!dir) throw new NativeBuildError(`no Node headers (node_api.h) in ${headerDirCandidates().join(', ')}`);
  if (!existsSync(join(dir, 'openssl', 'evp.h')) && !existsSync('/usr/include/openssl/evp.h')) {
    throw new NativeBuildError(`no OpenSSL headers (openssl/evp.h) in ${dir} or /usr/include`);
  }
  return dir;
}

/** `<root>/dist/native/vigil_native-<key>.node`: the key covers the source, the flags, the Node version and the platform. */
export function nativeLibraryPath(root: string): string {
  const source = readFileSync(join(root, SOURCE));
  const key = createHash('sha256')
    .update(source)
    .update(JSON.stringify([CFLAGS, process.version, process.platform, process.arch]))
    .digest('hex')
    .slice(0, 16);
  return join(root, 'dist', 'native', `vigil_native-${key}.node`);
}

const inFlight = new Map<string, Promise<string>>();

/** Builds the library if it is not cached yet; returns its path. Throws NativeBuildError with the compiler's words. */
export function buildNativeLibrary(root: string): Promise<string> {
  let out: string;
  try {
    out = nativeLibraryPath(root);
  } catch (err) {
    return Promise.reject(new NativeBuildError(`cannot read ${SOURCE}: ${(err as Error).message}`));
  }
  if (existsSync(out)) return Promise.resolve(out);
  const pending = inFlight.get(out) ?? compile(root, out).finally(() => inFlight.delete(out));
  inFlight.set(out, pending);
  return pending;
}

async function compile(root: string, out: string): Promise<string> {
  if (process.platform !== 'linux') throw new NativeBuildError(`the native append path is built for Linux only (this is ${process.platform})`);
  const include = headerDir();
  await mkdir(dirname(out), { recursive: true });
  // Other processes (test workers, a second `vigil`) may build at the same time: each writes its own file and renames
  // it into place, so a loader never sees half of one.
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  try {
    await promisify(execFile)('cc', [...CFLAGS, `-I${include}`, '-o', tmp, join(root, SOURCE)], { timeout: 120_000 });
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new NativeBuildError('no C compiler (cc): install gcc (tools/install-system-deps.sh)');
    throw new NativeBuildError(`cc failed: ${(e.stderr || e.message).trim().slice(0, 800)}`);
  }
  return out;
}

/** Loads the built library and checks it answers (a SHA-256 of nothing). */
function loadLibrary(path: string): NativeAppendModule & NativePipeReader {
  const mod = createRequire(import.meta.url)(path) as NativeAppendModule & NativePipeReader;
  const probe = mod.sha256Digest(mod.sha256Create()).toString('hex');
  if (probe !== 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855') {
    throw new NativeBuildError(`the native library's SHA-256 is wrong (${probe})`);
  }
  return mod;
}

/** The byte path for `choice` (config `recording.bytePath`): native if it can be had, else JavaScript (auto). */
export async function resolveBytePath(choice: BytePathChoice, root: string): Promise<ResolvedBytePath> {
  if (choice === 'js') return { path: jsAppendPath, pipeReader: null, fallbackReason: null };
  try {
    const mod = loadLibrary(await buildNativeLibrary(root));
    return { path: nativeAppendPath(mod), pipeReader: mod, fallbackReason: null };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (choice === 'native') throw new NativeBuildError(`recording.bytePath is "native" but the native byte path is unavailable: ${reason}`);
    return { path: jsAppendPath, pipeReader: null, fallbackReason: reason };
  }
}
