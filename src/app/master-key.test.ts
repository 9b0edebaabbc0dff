// The master key (architecture §7): key file with strict permissions or env, and `vigil key rotate`'s crash-safe
// rewrap (both dialects for the key table).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { LocalSegmentStore, masterKeyOf, MasterKeyring, SegmentKeyRepo, SegmentKeys } from '../storage/index.js';
import { keyStatus, loadMasterKeyring, markServing, masterKeyPaths, MasterKeyError, rotateMasterKey } from './master-key.js';

const workDir = mkdtempSync(join(tmpdir(), 'vigil-mk-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
const noEnv = {};

describe('master key loading', () => {
  it('creates keys/master.key once with mode 0600 and loads the same key again', () => {
    const dir = mkdtempSync(join(workDir, 'data-'));
    expect(loadMasterKeyring(dir, { create: false }, noEnv)).toBeNull();
    const a = loadMasterKeyring(dir, { create: true }, noEnv)!;
    const path = masterKeyPaths(dir).current;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(loadMasterKeyring(dir, { create: true }, noEnv)!.current.id).toBe(a.current.id);
  });

  it('refuses a key file group or others can read', () => {
    const dir = mkdtempSync(join(workDir, 'data-'));
    loadMasterKeyring(dir, { create: true }, noEnv);
    chmodSync(masterKeyPaths(dir).current, 0o640);
    expect(() => loadMasterKeyring(dir, { create: true }, noEnv)).toThrow(/readable by group or others/);
  });

  it.each([
    ['not base64!', /base64 encoding of 32 bytes/],
    [randomBytes(16).toString('base64'), /base64 encoding of 32 bytes/],
  ])('refuses a malformed VIGIL_MASTER_KEY %s', (value, message) => {
    expect(() => loadMasterKeyring(workDir, { create: true }, { VIGIL_MASTER_KEY: value })).toThrow(message);
  });

  it('takes VIGIL_MASTER_KEY (base64) over the file and never writes it to disk', () => {
    const dir = mkdtempSync(join(workDir, 'data-'));
    const key = randomBytes(32);
    const ring = loadMasterKeyring(dir, { create: true }, { VIGIL_MASTER_KEY: key.toString('base64') })!;
    expect(ring.current.id).toBe(masterKeyOf(key).id);
    expect(existsSync(masterKeyPaths(dir).current)).toBe(false);
  });
});

describe.each(dialects)('vigil key rotate on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  afterEach(async () => t?.dispose());

  async function setup() {
    t = await createTestDatabase(dialect);
    const dataDir = mkdtempSync(join(workDir, 'data-'));
    const ring = loadMasterKeyring(dataDir, { create: true }, noEnv)!;
    const store = new LocalSegmentStore(join(dataDir, 'store'), { keys: new SegmentKeys(new SegmentKeyRepo(t.db), ring) });
    await store.init();
    const plain: Buffer[] = [];
    for (let seq = 0; seq < 5; seq++) {
      const w = await store.createWriter({ cameraId: '0192f3a0-0000-7000-8000-0000000000e2', runId: 1, seq, startMs: Date.UTC(2026, 11, 3) });
      const data = randomBytes(20_000 + seq * 30_000);
      await w.write(data);
      await w.commit();
      plain.push(data);
    }
    const storeWith = (r: MasterKeyring) => new LocalSegmentStore(store.root, { keys: new SegmentKeys(new SegmentKeyRepo(t.db), r) });
    const readAll = async (s: LocalSegmentStore) => {
      for (let seq = 0; seq < 5; seq++) {
        const got = await s.read({ cameraId: '0192f3a0-0000-7000-8000-0000000000e2', runId: 1, seq, startMs: Date.UTC(2026, 11, 3) }, 0, plain[seq]!.length);
        expect(got.equals(plain[seq]!)).toBe(true);
      }
    };
    return { dataDir, ring, storeWith, readAll };
  }

  it('replaces the key file, rewraps every data key, keeps every segment readable; the old key opens none', async () => {
    const { dataDir, ring, storeWith, readAll } = await setup();
    const r = await rotateMasterKey(dataDir, t.db, noEnv);
    expect(r).toMatchObject({ from: ring.current.id, rewrapped: 5, resumed: false });
    expect(r.to).not.toBe(r.from);
    expect(existsSync(masterKeyPaths(dataDir).next)).toBe(false);
    const after = loadMasterKeyring(dataDir, { create: false }, noEnv)!;
    expect(after.current.id).toBe(r.to);
    expect(after.get(r.from)).toBeUndefined();
    await readAll(storeWith(after));
    await expect(storeWith(new MasterKeyring(ring.current)).readRel(
      `0192f3a0-0000-7000-8000-0000000000e2/20261203/1-0.mp4`, 0, 10,
    )).rejects.toMatchObject({ code: 'wrong_master_key' });
    expect((await keyStatus(dataDir, t.db, noEnv)).dataKeys).toEqual([{ masterKeyId: r.to, keys: 5 }]);
  });

  it('is crash-safe: an interrupted rotation leaves both keys loadable, and running it again finishes it', async () => {
    const { dataDir, ring, storeWith, readAll } = await setup();
    // Crash after the next key was written and one batch (2 of 5 keys) was rewrapped.
    const next = randomBytes(32);
    writeFileSync(masterKeyPaths(dataDir).next, next.toString('base64') + '\n', { mode: 0o600 });
    const partial = new SegmentKeys(new SegmentKeyRepo(t.db), new MasterKeyring(masterKeyOf(next), [ring.current]));
    await expect(partial.rewrapAll(2, () => { throw new Error('killed'); })).rejects.toThrow('killed');
    const mixed = await keyStatus(dataDir, t.db, noEnv);
    expect(mixed.rotationPending).toBe(true);
    expect(mixed.dataKeys.map((d) => d.keys).sort()).toEqual([2, 3]);
    await readAll(storeWith(loadMasterKeyring(dataDir, { create: false }, noEnv)!)); // nothing unreadable meanwhile
    const r = await rotateMasterKey(dataDir, t.db, noEnv);
    expect(r).toMatchObject({ from: ring.current.id, to: masterKeyOf(next).id, rewrapped: 3, resumed: true });
    await readAll(storeWith(loadMasterKeyring(dataDir, { create: false }, noEnv)!));
  });

  it('refuses while vigil serve runs (it would keep wrapping with the old key), and without a next key from env', async () => {
    const { dataDir } = await setup();
    writeFileSync(masterKeyPaths(dataDir).servePid, `${process.ppid}\n`); // a live process that is not us
    await expect(rotateMasterKey(dataDir, t.db, noEnv)).rejects.toThrow(/vigil serve is running/);
    rmSync(masterKeyPaths(dataDir).servePid);
    const unmark = markServing(dataDir);
    expect(existsSync(masterKeyPaths(dataDir).servePid)).toBe(true);
    unmark();
    expect(existsSync(masterKeyPaths(dataDir).servePid)).toBe(false);
    await expect(rotateMasterKey(dataDir, t.db, { VIGIL_MASTER_KEY: randomBytes(32).toString('base64') })).rejects.toBeInstanceOf(MasterKeyError);
  });
});
