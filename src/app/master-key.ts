// The master key of encryption at rest (architecture §7; S): `VIGIL_MASTER_KEY` (base64 of 32 bytes) or the file
// `<dataDir>/keys/master.key` (base64), created once with mode 0600 and REFUSED when group or world can read it.
// It wraps every segment's data key (storage/keys.ts); losing it loses all encrypted video. During a rotation
// (`vigil key rotate`) the next key waits in `master.key.next` until every data key is rewrapped; a crash in between
// leaves both files, and both are loaded (each wrapped key names the master key that wrapped it), so nothing is lost
// and the rotation is simply run again. `keys/serve.pid` marks a running `vigil serve`, which rotation refuses.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/index.js';
import { masterKeyOf, MasterKeyring, SegmentKeyRepo, SegmentKeys, type MasterKey } from '../storage/index.js';

export class MasterKeyError extends Error {
  readonly code = 'master_key';
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

export function masterKeyPaths(dataDir: string): { dir: string; current: string; next: string; servePid: string } {
  const dir = join(dataDir, 'keys');
  return { dir, current: join(dir, 'master.key'), next: join(dir, 'master.key.next'), servePid: join(dir, 'serve.pid') };
}

function decode(text: string, where: string): MasterKey {
  const b64 = text.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new MasterKeyError(`${where} must be the base64 encoding of 32 bytes (a 256-bit master key)`);
  return masterKeyOf(key);
}

function readKeyFile(path: string): MasterKey {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new MasterKeyError(`${path} is readable by group or others (mode ${mode.toString(8)}): refused; chmod 600 it and check who copied it`);
  }
  return decode(readFileSync(path, 'utf8'), path);
}

/** Writes a key file durably (O_EXCL, 0600, fsync of file and directory). */
function writeKeyFile(path: string, key: Buffer): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeFileSync(fd, key.toString('base64') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  fsyncPath(join(path, '..'));
}

function fsyncPath(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The installation's master keyring, or null when there is none and `create` is false (encryption off and never on).
 * With `create`, a missing key file is made. An unfinished rotation's next key is loaded too (unwrap only).
 */
export function loadMasterKeyring(dataDir: string, options: { create: boolean }, env: NodeJS.ProcessEnv = process.env): MasterKeyring | null {
  if (env.VIGIL_MASTER_KEY) {
    const current = decode(env.VIGIL_MASTER_KEY, 'VIGIL_MASTER_KEY');
    const next = env.VIGIL_MASTER_KEY_NEXT ? [decode(env.VIGIL_MASTER_KEY_NEXT, 'VIGIL_MASTER_KEY_NEXT')] : [];
    return new MasterKeyring(current, next);
  }
  const p = masterKeyPaths(dataDir);
  if (!existsSync(p.current)) {
    if (!options.create) return null;
    mkdirSync(p.dir, { recursive: true, mode: 0o700 });
    writeKeyFile(p.current, randomBytes(32));
  }
  const current = readKeyFile(p.current);
  return new MasterKeyring(current, existsSync(p.next) ? [readKeyFile(p.next)] : []);
}

/** Marks a running `vigil serve` (rotation refuses to run beside it: serve would keep wrapping with the old key). */
export function markServing(dataDir: string): () => void {
  const p = masterKeyPaths(dataDir);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  writeFileSync(p.servePid, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (readFileSync(p.servePid, 'utf8').trim() === String(process.pid)) unlinkSync(p.servePid);
    } catch {
      // already gone
    }
  };
}

function serveRunning(dataDir: string): number | null {
  const p = masterKeyPaths(dataDir);
  if (!existsSync(p.servePid)) return null;
  const pid = Number(readFileSync(p.servePid, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

export interface RotationResult {
  from: string;
  to: string;
  rewrapped: number;
  resumed: boolean;
}

/**
 * `vigil key rotate`: a new master key; every data key rewrapped by it (video untouched); then the new key replaces
 * the old (rename, fsync). Crash-safe: until the rename the old key file stays and both keys are loaded.
 * With `VIGIL_MASTER_KEY` the new key comes from `VIGIL_MASTER_KEY_NEXT` and the operator swaps the variables after.
 */
export async function rotateMasterKey(dataDir: string, db: Db, env: NodeJS.ProcessEnv = process.env): Promise<RotationResult> {
  const repo = new SegmentKeyRepo(db);
  const pid = serveRunning(dataDir);
  if (pid !== null) throw new MasterKeyError(`vigil serve is running (pid ${pid}): stop it before rotating the master key`);
  const fromEnv = !!env.VIGIL_MASTER_KEY;
  if (fromEnv && !env.VIGIL_MASTER_KEY_NEXT) {
    throw new MasterKeyError('the master key comes from VIGIL_MASTER_KEY: put the new key (base64 of 32 random bytes) in VIGIL_MASTER_KEY_NEXT to rotate');
  }
  const ring = loadMasterKeyring(dataDir, { create: false }, env);
  if (!ring) throw new MasterKeyError('there is no master key to rotate (encryption was never on)');
  const p = masterKeyPaths(dataDir);
  let next: MasterKey;
  let resumed = false;
  if (fromEnv) {
    next = decode(env.VIGIL_MASTER_KEY_NEXT!, 'VIGIL_MASTER_KEY_NEXT');
  } else if (existsSync(p.next)) {
    next = readKeyFile(p.next); // an interrupted rotation: finish it with the same next key
    resumed = true;
  } else {
    writeKeyFile(p.next, randomBytes(32));
    next = readKeyFile(p.next);
  }
  if (next.id === ring.current.id) throw new MasterKeyError('the new master key is the current one');
  const rewrapped = await new SegmentKeys(repo, new MasterKeyring(next, [ring.current])).rewrapAll();
  if (!fromEnv) {
    renameSync(p.next, p.current); // the old key is gone from here on
    fsyncPath(p.dir);
  }
  return { from: ring.current.id, to: next.id, rewrapped, resumed };
}

export interface KeyStatus {
  /** Fingerprint of the current master key, null when there is none. */
  current: string | null;
  source: 'env' | 'file' | null;
  /** A rotation was interrupted (`master.key.next` exists): run `vigil key rotate` again. */
  rotationPending: boolean;
  /** Wrapped data keys per master key fingerprint. */
  dataKeys: { masterKeyId: string; keys: number }[];
}

export async function keyStatus(dataDir: string, db: Db, env: NodeJS.ProcessEnv = process.env): Promise<KeyStatus> {
  const ring = loadMasterKeyring(dataDir, { create: false }, env);
  const counts = await new SegmentKeyRepo(db).countByMaster();
  return {
    current: ring?.current.id ?? null,
    source: env.VIGIL_MASTER_KEY ? 'env' : ring ? 'file' : null,
    rotationPending: !env.VIGIL_MASTER_KEY && existsSync(masterKeyPaths(dataDir).next),
    dataKeys: counts.map((c) => ({ masterKeyId: c.master_key_id, keys: c.keys })),
  };
}
