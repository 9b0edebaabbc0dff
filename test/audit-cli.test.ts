// `vigil audit` as a real child process over a real SQLite file (R16.3): verify exits 0 on an intact register and 3
// once the file is tampered with (trigger dropped, a field edited — what someone with the file could do); export
// writes CSV with a BOM and the Chinese text intact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuditKey } from '../src/app/index.js';
import { AuditRegisters } from '../src/audit/index.js';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { runVigil } from './support/vigil-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-audit-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

beforeAll(async () => {
  // The register as `vigil serve` would leave it: same file, same key, final checkpoint at close.
  const open = openDatabase({ dialect: 'sqlite', path: join(dataDir, 'index.sqlite') });
  await migrateToLatest(open.db);
  const audit = new AuditRegisters({ db: open.db, now: Date.now, signingKey: loadAuditKey(dataDir), checkpointEveryEntries: 1000, checkpointEveryMs: 600_000 });
  for (let i = 0; i < 5; i++) {
    const r = await audit.recordAccess({
      outcome: 'granted', accountId: 'acc-1', username: 'zhang.wei', displayName: '张伟', unit: '治安大队', roles: ['operator'],
      action: 'playback', cameraIds: ['cam-1'], fromMs: 1_780_000_000_000, toMs: 1_780_000_600_000, reasonCategory: 'case',
      reasonText: `案件调阅 ${i}`, requestId: null, clientAddr: '10.0.0.7', refusal: null,
    });
    await audit.recordAccessEnd(r.id, { bytes: 1000 * i, endedMs: Date.now() });
  }
  await audit.recordEvent({ actor: null, event: 'bootstrap', target: null, details: {}, clientAddr: null });
  await audit.close();
  await open.close();
});

describe('vigil audit', () => {
  it('exports the access register as CSV with a BOM and Chinese text', async () => {
    const r = await runVigil(['--data-dir', dataDir, 'audit', 'export', '--format', 'csv', '--camera', 'cam-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith('\uFEFFid,at,atMs,outcome,')).toBe(true);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[5]).toContain('案件调阅 4');
    expect(lines[5]).toContain('张伟');
  });

  it('lists as JSON with the close joined in', async () => {
    const r = await runVigil(['--data-dir', dataDir, 'audit', 'list', '--user', 'zhang.wei', '--limit', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ total: 5, items: [{ id: 9, bytes: 4000 }, { id: 7, bytes: 3000 }] });
  });

  it('verify exits 0, then 3 naming the row after the file is tampered with', async () => {
    const ok = await runVigil(['--data-dir', dataDir, 'audit', 'verify', '--json']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, logs: { access: { entries: 10, checkpoints: 1 } } });

    const file = new SQLite(join(dataDir, 'index.sqlite'));
    expect(() => file.prepare("UPDATE access_register SET reason_text = '例行' WHERE seq = 3").run()).toThrow(/append-only/);
    file.exec('DROP TRIGGER access_register_no_update');
    file.prepare("UPDATE access_register SET reason_text = '例行' WHERE seq = 3").run();
    file.close();

    const bad = await runVigil(['--data-dir', dataDir, 'audit', 'verify']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('hash_mismatch at 3');
    expect(bad.stdout).toContain('PROBLEMS FOUND');
  });
});
