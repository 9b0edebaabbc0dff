// A small tmpfs for a segment store, so a test can fill it (disk-full faults). As root: `mount -t tmpfs` on a temp
// dir, unmounted by dispose(). Otherwise: `vigil serve` runs inside `unshare --user --map-root-user --mount`, which
// mounts the tmpfs in its own mount namespace; the test reaches the files through /proc/<pid>/root while the
// server runs, and the mount vanishes with the namespace. When neither works, probeSmallStore() says why (the test
// skips with that message).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './faults.js';
import { startServeWith, vigilBin, type ServingVigil } from './vigil-process.js';

export interface SmallStore {
  mode: 'mount' | 'namespace';
  /** The tmpfs mount point as the vigil process sees it. */
  mountDir: string;
  /** The segment store directory on it (config `storeDir`). */
  storeDir: string;
  sizeBytes: number;
  /** Starts `vigil serve` so that it sees the tmpfs. */
  startServe(dataDir: string): Promise<ServingVigil>;
  /** `path` under mountDir as this process can open it (namespace mode: only while the server runs). */
  hostPath(path: string): string;
  /** Arguments that make `vigil check --storage` (run from here) see the same store. */
  checkArgs(dataDir: string): string[];
  dispose(): Promise<void>;
}


function canRun(command: string, args: string[]): string | null {
  try {
    execFileSync(command, args, { stdio: 'pipe', timeout: 10_000 });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return (e.stderr?.toString().trim() || e.message).split('\n')[0] ?? 'failed';
  }
}

/**
 * Whether a small tmpfs store can be had here, and how: mounts and unmounts a tiny tmpfs (as root), or tries the
 * same inside `unshare --user --map-root-user --mount`. Leaves nothing behind. Set VIGIL_TEST_FORCE_UNSHARE=1 to
 * use the namespace way even as root (to test it).
 */
export function probeSmallStore(): { mode: 'mount' | 'namespace' } | { reason: string } {
  let mountFailure: string | null = null;
  if (process.getuid?.() === 0 && process.env.VIGIL_TEST_FORCE_UNSHARE !== '1') {
    const dir = tempDir('tmpfs-probe');
    try {
      mountFailure = canRun('mount', ['-t', 'tmpfs', '-o', 'size=65536', 'tmpfs', dir]);
      if (!mountFailure) {
        canRun('umount', [dir]);
        return { mode: 'mount' };
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const why = canUnshare();
  if (why === null) return { mode: 'namespace' };
  return {
    reason: `${mountFailure ? `mount -t tmpfs failed as root (${mountFailure})` : 'not root'}, and \`unshare --user --map-root-user --mount\` cannot mount a tmpfs here: ${why}`,
  };
}

/** A tmpfs of `sizeBytes`, made the way probeSmallStore() found (throws when there is none). */
export function smallStore(sizeBytes: number): SmallStore {
  const probe = probeSmallStore();
  if ('reason' in probe) throw new Error(probe.reason);
  const root = tempDir('small-store');
  const mountDir = join(root, 'mnt');
  mkdirSync(mountDir);
  const storeDir = join(mountDir, 'store');
  const size = `size=${sizeBytes}`;

  if (probe.mode === 'mount') {
    const failed = canRun('mount', ['-t', 'tmpfs', '-o', `${size},mode=0755`, 'tmpfs', mountDir]);
    if (failed) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`mount -t tmpfs ${mountDir}: ${failed}`);
    }
    let mounted = true;
    return {
      mode: 'mount', mountDir, storeDir, sizeBytes,
      startServe: (dataDir) => startServeWith(vigilBin, serveArgs(dataDir)),
      hostPath: (path) => path,
      checkArgs: (dataDir) => ['--data-dir', dataDir],
      dispose: async () => {
        if (mounted) {
          // Lazy unmount as a fallback: still detaches if a dying process holds a file open.
          const err = canRun('umount', [mountDir]) && canRun('umount', ['-l', mountDir]);
          if (err) throw new Error(`cannot unmount ${mountDir}: ${err}`);
          mounted = false;
        }
        rmSync(root, { recursive: true, force: true });
      },
    };
  }

  let pid: number | undefined;
  return {
    mode: 'namespace', mountDir, storeDir, sizeBytes,
    startServe: async (dataDir) => {
      const vigil = await startServeWith('unshare', [
        '--user', '--map-root-user', '--mount', '--propagation', 'private', 'sh', '-c',
        `mount -t tmpfs -o ${size},mode=0755 tmpfs "$0" && exec "$@"`, mountDir, vigilBin, ...serveArgs(dataDir),
      ]);
      pid = vigil.child.pid;
      return vigil;
    },
    hostPath: (path) => {
      if (pid === undefined) throw new Error('the store is only reachable while the server runs');
      return `/proc/${pid}/root${path}`;
    },
    checkArgs: (dataDir) => {
      // A copy of the config whose storeDir reaches the tmpfs through the server's /proc root.
      if (pid === undefined) throw new Error('the store is only reachable while the server runs');
      const config = JSON.parse(readFileSync(join(dataDir, 'vigil.json'), 'utf8')) as Record<string, unknown>;
      const file = join(root, 'check.json');
      writeFileSync(file, JSON.stringify({ ...config, storeDir: `/proc/${pid}/root${storeDir}` }));
      return ['--data-dir', dataDir, '--config', file];
    },
    dispose: async () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function canUnshare(): string | null {
  const dir = tempDir('unshare-probe');
  try {
    return canRun('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o size=65536 tmpfs "${dir}"`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function serveArgs(dataDir: string): string[] {
  return ['serve', '--json', '--data-dir', dataDir, '--port', '0'];
}

