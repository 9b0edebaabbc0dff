// The retention and hold commands against a real data directory (R17, R15): a policy below 30 days exits 1 with
// article R17; a run deletes real segment files past retention and `vigil verify` then reports them deleted-lawfully
// (exit 0); the certificate prints as text, HTML and JSON; lifting a hold from the CLI needs two identified people
// (VIGIL_TOKEN), the same token cannot approve its own request.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { writeSegment } from './support/integrity-store.js';
import { runVigil, writeTestConfig } from './support/vigil-process.js';

const DAY = 86_400_000;

describe('vigil retention / vigil hold', () => {
  let dataDir: string;
  let camera: string;
  const files: string[] = [];
  const tokens: Record<string, string> = {};
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => runVigil([...args, '--data-dir', dataDir], env ? { env } : {});

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-retention-cli-'));
    writeTestConfig(dataDir);
    const r = await cli(['camera', 'add', '--json', '--name', 'gate', '--url', 'rtsp://127.0.0.1:9/none']);
    expect(r.code, r.stderr).toBe(0);
    camera = (r.json as { id: string }).id;
    // Real segment files and chained rows through the store and the index (ages 45, 40, 5 days).
    const core = await openCore(loadConfig({ dataDir }));
    try {
      for (const [i, age] of [45, 40, 5].entries()) {
        const end = Date.now() - age * DAY;
        const runId = await core.recordings.openRun({ streamId: `${camera}-main`, cameraId: camera, startMs: end - 60_000, startCause: 'start' });
        const data = Buffer.from(createHash('sha256').update(`segment ${i}`).digest().toString('hex').repeat(40));
        await writeSegment(core.store, core.recordings, { cameraId: camera, runId, seq: 0, startMs: end - 60_000, data });
        await core.recordings.closeRun(runId, end, 'shutdown');
        files.push(core.store.pathOf({ cameraId: camera, runId, seq: 0, startMs: end - 60_000 }));
      }
      for (const name of ['sec_a', 'sec_b']) {
        const { user } = await core.access.createUser(null, { username: name, displayName: name, unit: 'u', roles: ['security_admin'] });
        const subject = { accountId: user.id, username: name, displayName: name, unit: 'u', roles: user.roles, via: 'session' as const };
        tokens[name] = (await core.access.createToken(subject, { name: 'cli', scopes: ['hold.manage'], expiresMs: Date.now() + DAY })).token;
      }
    } finally {
      await core.close();
    }
  });

  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a policy below 30 days (exit 1, article R17); sets and lists a lawful one', async () => {
    const low = await cli(['retention', 'policy', 'set', '--json', '--camera', camera, '--days', '29']);
    expect(low.code).toBe(1);
    expect(low.json).toMatchObject({ error: 'retention_below_floor', article: 'R17' });
    expect((await cli(['retention', 'policy', 'set', '--default', '--camera', camera, '--days', '30'])).code).toBe(2);
    const set = await cli(['retention', 'policy', 'set', '--json', '--camera', camera, '--days', '35']);
    expect(set.code, set.stderr).toBe(0);
    const list = await cli(['retention', 'policy', 'list', '--cameras', '--json']);
    expect(list.json).toMatchObject({ cameras: [{ cameraId: camera, effectiveRetentionDays: 35 }] });
    const rmDefault = await cli(['retention', 'policy', 'remove', '--default', '--json']);
    expect(rmDefault.code).toBe(1);
    expect(rmDefault.json).toMatchObject({ article: 'R17' });
  });

  it('a hold keeps footage; its lift needs two identified people', async () => {
    const add = await cli(['hold', 'add', '--json', '--camera', camera, '--from', String(Date.now() - 46 * DAY), '--to', String(Date.now() - 44 * DAY),
      '--reason', 'case 7', '--legal-basis', '刑事诉讼法', '--requester', 'station 3']);
    expect(add.code, add.stderr).toBe(0);
    const holdId = (add.json as { id: string }).id;
    const dry = await cli(['retention', 'run', '--dry-run', '--json']);
    expect(dry.json).toMatchObject({ dryRun: true, kept: { onHold: 1 } });
    expect((dry.json as { planned: unknown[] }).planned).toHaveLength(1); // the 40-day segment only

    const anonymous = await cli(['hold', 'request-lift', holdId, '--reason', 'closed']);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain('VIGIL_TOKEN');
    expect((await cli(['hold', 'request-lift', holdId, '--reason', 'closed'], { VIGIL_TOKEN: tokens.sec_a })).code).toBe(0);
    const self = await cli(['hold', 'approve-lift', holdId, '--json'], { VIGIL_TOKEN: tokens.sec_a });
    expect(self.code).toBe(1);
    expect(self.json).toMatchObject({ error: 'hold_lift_same_account', article: 'R17' });
    const ok = await cli(['hold', 'approve-lift', holdId, '--json'], { VIGIL_TOKEN: tokens.sec_b });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ state: 'lifted' });
  });

  it('while another process runs the executor, a run exits 1 with retention_run_busy and deletes nothing (R17)', async () => {
    // What `vigil serve` mid-run leaves in the index: the executor's lease, held and not run out.
    const setLease = async (holder: string, expiresMs: number) => {
      const core = await openCore(loadConfig({ dataDir }));
      try {
        await core.database.db.updateTable('retention_lease').set({ holder, expires_ms: expiresMs }).execute();
      } finally {
        await core.close();
      }
    };
    await setLease('vigil-serve-elsewhere', Date.now() + 60_000);
    try {
      const busy = await cli(['retention', 'run', '--json']);
      expect(busy.code).toBe(1);
      expect(busy.json).toMatchObject({ error: 'retention_run_busy' });
      expect(files.map((f) => existsSync(f))).toEqual([true, true, true]);
      const dry = await cli(['retention', 'run', '--dry-run', '--json']); // writes nothing: needs no lease
      expect(dry.code, dry.stderr).toBe(0);
      expect((dry.json as { planned: unknown[] }).planned).toHaveLength(2);
    } finally {
      await setLease('', 0);
    }
  });

  it('a run deletes the files past retention; verify reports them deleted-lawfully; the certificate prints', async () => {
    const run = await cli(['retention', 'run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json as { runId: string; deleted: number };
    expect(report.deleted).toBe(2);
    expect(files.map((f) => existsSync(f))).toEqual([false, false, true]);
    const verify = await cli(['verify', '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.json).toMatchObject({ ok: true, counts: { ok: 1, 'deleted-lawfully': 2 } });
    const text = await cli(['retention', 'certificate', report.runId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Deletion certificate');
    const html = await cli(['retention', 'certificate', report.runId, '--format', 'html']);
    expect(html.stdout).toContain('<!doctype html>');
    const json = await cli(['retention', 'certificate', report.runId, '--json']);
    expect(json.json).toMatchObject({ signatureValid: true, certificate: { totals: { segments: 2 } } });
    // The index agrees with the store: no missing file, no orphan (the fixture's fragment index is synthetic).
    const check = await cli(['check', '--storage', '--json']);
    const mismatches = (check.json as { storage: { mismatches: { kind: string }[] } }).storage.mismatches;
    expect(mismatches.filter((m) => m.kind !== 'index_mismatch')).toEqual([]);
    const cap = await cli(['retention', 'capacity', '--json']);
    expect(cap.json).toMatchObject({ cameras: [{ cameraId: camera, retentionDays: 35 }] });
  });
});
