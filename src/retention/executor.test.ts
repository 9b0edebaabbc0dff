// The retention executor against a real store with real segment files, on both dialects (R17, D22(3), R15,
// architecture §4.4): what it deletes and keeps, tombstones and `verify`, one system-log entry per camera, the
// signed certificate, holds, a dry run, and a crash between every two steps completed by the next run.
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkStorage } from '../recording/index.js';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { DAY, NOW, retentionFixture, type RetentionFixture } from '../../test/support/retention-fixture.js';
import { certificateHtml, certificateText, RetentionError } from './index.js';
import { LEASE_TTL_MS } from './lease.js';

describe.each(dialects)('retention executor on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let f: RetentionFixture;
  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    f = await retentionFixture(t);
  });
  afterEach(async () => {
    await f.retention.close();
    f.dispose();
    await t.dispose();
  });

  /** Per camera: ages (days since the segment ended) 40, 35, 30 (exactly), 29.99, 10, 0.1. */
  async function seed(): Promise<Map<number, number>> {
    const age = new Map<number, number>();
    for (const cam of f.cameraIds) for (const a of [40, 35, 30, 29.99, 10, 0.1]) age.set(await f.segment(cam, a), a);
    return age;
  }

  it('deletes exactly what is past the 30-day default, tombstones it, and verify reports deleted-lawfully', async () => {
    const age = await seed();
    const before = await f.rows();
    const report = await f.retention.run({ trigger: 'cli' });
    const expected = before.filter((r) => age.get(r.id)! >= 30).map((r) => r.id).sort((a, b) => a - b);
    expect(report.planned.map((p) => p.segmentId).sort((a, b) => a - b)).toEqual(expected);
    expect(report.deleted).toBe(expected.length);
    expect(report.keysPurged).toBe(true); // the shredded data keys left the database files too
    expect(await t.db.selectFrom('segment_keys').select('rel').execute()).toHaveLength(before.length - expected.length);
    expect(report.kept.underFloor).toBe(before.length - expected.length);

    const after = await f.rows();
    for (const r of before) {
      const gone = expected.includes(r.id);
      expect(existsSync(f.pathOf(r)), `file of ${r.id}`).toBe(!gone);
      expect(after.some((a) => a.id === r.id), `row of ${r.id}`).toBe(!gone);
      if (gone) {
        const tomb = await f.integrity.repo.tombstone(r.id);
        expect(tomb?.sha256.equals(r.sha256)).toBe(true);
        expect(tomb?.chain_hash.equals(r.chain_hash!)).toBe(true);
        expect(tomb?.reason).toBe('past_retention');
      }
    }
    const v = await f.integrity.verify();
    expect(v.ok).toBe(true);
    expect(v.counts['deleted-lawfully']).toBe(expected.length);
    expect(v.counts.ok).toBe(before.length - expected.length);
    const storage = await checkStorage({ repo: f.recordings, store: f.store, dialect: t.dialect });
    expect(storage.mismatches.filter((m) => m.kind !== 'index_mismatch')).toEqual([]); // the fixture's fragment index is synthetic

    // One system-log entry per run and camera; every tombstone names its camera's entry.
    const logged = await f.events('retention.deleted');
    expect(logged.map((e) => e.target).sort()).toEqual([...f.cameraIds].sort());
    for (const e of logged) {
      expect(e.details).toMatchObject({ runId: report.runId, count: 3, reasons: { past_retention: 3 } });
      for (const id of e.details.segmentIds as number[]) expect(Number((await f.integrity.repo.tombstone(id))!.audit_seq)).toBe(e.id);
    }

    // The signed certificate: what (ids, ranges, SHA-256), when, why.
    const cert = await f.retention.certificate(report.runId!);
    expect(cert.signatureValid).toBe(true);
    expect(cert.certificate.segments.map((s) => s.id)).toEqual(expected);
    for (const s of cert.certificate.segments) expect(s.sha256).toBe(before.find((r) => r.id === s.id)!.sha256.toString('hex'));
    expect(cert.certificate.cameras.map((c) => c.segments)).toEqual([3, 3]);
    expect(certificateText(cert)).toContain(cert.certificate.segments[0]!.sha256);
    expect(certificateHtml(cert)).toContain('删除证明');
    // A changed byte breaks the signature.
    const forged = cert.json.replace('"past_retention"', '"past_ceiling"');
    const { certificateSignatureValid } = await import('./index.js');
    expect(certificateSignatureValid(forged, Buffer.from(cert.signature, 'base64'), f.key)).toBe(false);

    // A second run finds nothing more to delete.
    expect((await f.retention.run({ trigger: 'cli' })).deleted).toBe(0);
  });

  it('keeps held footage through every run, and deletes it once the hold is lifted by four eyes', async () => {
    const age = await seed();
    const [cam] = f.cameraIds;
    const a = await f.account('hold_a', ['security_admin']);
    const b = await f.account('hold_b', ['security_admin']);
    const hold = await f.retention.addHold(a, { cameraIds: [cam!], fromMs: NOW - 41 * DAY, toMs: NOW - 34 * DAY, reason: 'case 2026-117', legalBasis: '刑事诉讼法 第五十四条', requester: 'Police station X' });
    const report = await f.retention.run({ trigger: 'cli' });
    expect(report.kept.onHold).toBe(2); // ages 40 and 35 of the held camera
    expect(report.deleted).toBe(4);
    await f.retention.requestLift(a, hold.id, 'case closed');
    await expect(f.retention.approveLift(a, hold.id)).rejects.toMatchObject({ code: 'hold_lift_same_account', article: 'R17' });
    expect((await f.retention.run({ trigger: 'cli' })).deleted).toBe(0); // still held: a request alone lifts nothing
    const lifted = await f.retention.approveLift(b, hold.id);
    expect(lifted.state).toBe('lifted');
    const r3 = await f.retention.run({ trigger: 'cli' });
    expect(r3.deleted).toBe(2);
    expect([...age.values()].filter((x) => x >= 30)).toHaveLength(6);
    expect((await f.integrity.verify()).ok).toBe(true);
  });

  it('a hold placed while a run is deleting stops it for the footage it covers (R17)', async () => {
    await seed();
    const second = f.cameraIds[1]!;
    const before = await f.rows();
    let held = false;
    // The run planned all six old segments; after its first deletion step a hold on the second camera commits.
    const report = await f.retention.run({
      trigger: 'cli',
      onStep: async (s) => {
        if (s === 'marked' && !held) {
          held = true;
          await f.retention.addHold(null, { cameraIds: [second], fromMs: NOW - 50 * DAY, toMs: NOW, reason: 'case', legalBasis: 'law', requester: 'police' });
        }
      },
    });
    expect(report.planned).toHaveLength(6);
    const after = await f.rows();
    const oldOfSecond = before.filter((r) => r.camera_id === second && r.end_ms <= NOW - 30 * DAY);
    expect(oldOfSecond.length).toBeGreaterThan(0);
    // Every old segment of the held camera that was not already marked when the hold came is still there, as it was.
    const firstMarked = report.planned[0]!.segmentId;
    for (const r of oldOfSecond.filter((x) => x.id !== firstMarked)) {
      expect(after.find((x) => x.id === r.id)).toMatchObject({ status: r.status });
      expect(existsSync(f.pathOf(r))).toBe(true);
    }
    expect(report.deleted).toBe(6 - oldOfSecond.filter((x) => x.id !== firstMarked).length);
    expect((await f.integrity.verify()).ok).toBe(true);
  });

  it('one executor at a time across processes: another process is refused while a run deletes, and leaves it alone (R17)', async () => {
    await seed();
    const other = f.otherProcess(); // e.g. `vigil retention run` beside `vigil serve`
    const during: Record<string, unknown> = {};
    const report = await f.retention.run({
      trigger: 'schedule',
      onStep: async (s) => {
        if (s !== 'marked' || 'run' in during) return;
        during.run = await other.run({ trigger: 'cli' }).then(() => 'ran', (e: unknown) => (e instanceof RetentionError ? e.code : e));
        during.recovered = await other.recover(); // a start of `vigil serve` while the run is in flight
        during.dryRun = (await other.run({ trigger: 'cli', dryRun: true })).planned.length; // writes nothing: always runs
      },
    });
    // Without the lease the other process took this run for an interrupted one: it gave up its unmarked deletions
    // and signed a certificate for it, and this run signed a second one when it finished.
    expect(during).toEqual({ run: 'retention_run_busy', recovered: 0, dryRun: 5 });
    expect(report.deleted).toBe(6);
    expect(await f.retention.runs()).toHaveLength(1);
    const cert = await f.retention.certificate(report.runId!);
    expect(cert.certificate.totals).toMatchObject({ segments: 6, abandoned: 0 });
    expect(cert.signatureValid).toBe(true);
    // The lease is free again once the run is over.
    await expect(other.run({ trigger: 'cli' })).resolves.toMatchObject({ deleted: 0 });
    await other.close();
  });

  it('a process killed while it held the executor blocks others until its lease runs out; then its run is completed', async () => {
    await seed();
    const killed = f.otherProcess();
    let stop = false;
    await expect(killed.run({ trigger: 'cli', onStep: (s) => { if (s === 'marked' && !stop) { stop = true; throw new Error('killed'); } } }))
      .rejects.toThrow('killed');
    // A real kill -9 releases nothing: its lease stays until it runs out.
    await t.db.updateTable('retention_lease').set({ holder: 'the-killed-process', expires_ms: f.clock.nowMs + LEASE_TTL_MS }).execute();
    const [crashedRun] = await f.retention.runs();
    const refused = await f.retention.run({ trigger: 'cli' }).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(RetentionError);
    expect((refused as RetentionError).code).toBe('retention_run_busy');
    expect(await f.retention.recover()).toBe(0);
    expect((await f.retention.runs())[0]).toMatchObject({ id: crashedRun!.id, status: 'running' });

    f.clock.nowMs += LEASE_TTL_MS;
    const next = await f.retention.run({ trigger: 'cli' });
    expect(next.recovered).toBe(1);
    expect(next.deleted).toBe(5);
    expect((await f.retention.certificate(crashedRun!.id)).certificate.totals).toMatchObject({ segments: 1, abandoned: 5 });
    expect((await f.integrity.verify()).ok).toBe(true);
  });

  it('a server started while a killed process still holds the lease runs its start-up run once the lease has run out', async () => {
    await seed();
    const before = (await f.rows()).length;
    await t.db.updateTable('retention_lease').set({ holder: 'the-killed-process', expires_ms: f.clock.nowMs + LEASE_TTL_MS }).execute();
    const errors: unknown[] = [];
    f.retention.start({ runEveryMs: 3_600_000, checkEveryMs: 3_600_000, retryBusyMs: 100 }, (e) => errors.push(e));
    await new Promise((r) => setTimeout(r, 350)); // the start-up run and a few retries, all refused
    expect(await f.retention.runs()).toHaveLength(0);
    f.clock.nowMs += LEASE_TTL_MS; // the killed process's lease runs out: the next retry, not the hourly run, gets it
    const deadline = Date.now() + 5000;
    // Until the retried run has finished (not merely started deleting).
    while ((await f.retention.runs())[0]?.status !== 'completed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await f.retention.runs()).map((r) => [r.trigger, r.status])).toEqual([['schedule', 'completed']]);
    expect((await f.rows()).length).toBe(before - 6);
    expect(errors).toEqual([]);
  });

  it('a run that stalls past its lease while another executor takes over stops before its next deletion', async () => {
    await seed();
    let stalled = false;
    const refused = await f.retention.run({
      trigger: 'cli',
      onStep: async (s) => {
        if (s !== 'tombstoned' || stalled) return;
        stalled = true;
        f.clock.nowMs += LEASE_TTL_MS; // e.g. an unlink on a hung disk
        await t.db.updateTable('retention_lease').set({ holder: 'another-process', expires_ms: f.clock.nowMs + LEASE_TTL_MS }).execute();
      },
    }).then(() => null, (e: unknown) => e);
    expect((refused as RetentionError).code).toBe('retention_run_busy');
    expect((await f.retention.runs())[0]!.status).toBe('running');
    expect((await f.rows()).filter((r) => r.status === 'deleting')).toHaveLength(0); // stopped between deletions
    f.clock.nowMs += LEASE_TTL_MS;
    const next = await f.retention.run({ trigger: 'cli' });
    expect(next.recovered).toBe(0);
    expect(next.deleted).toBe(5);
    expect((await f.integrity.verify()).ok).toBe(true);
  });

  it('a dry run plans and changes nothing', async () => {
    await seed();
    const before = await f.rows();
    const report = await f.retention.run({ trigger: 'cli', dryRun: true });
    expect(report.planned).toHaveLength(6);
    expect(report.runId).toBeNull();
    expect(await f.rows()).toEqual(before);
    expect(await f.retention.runs()).toEqual([]);
    expect(await f.events('retention.deleted')).toEqual([]);
  });

  it.each(['marked', 'unlinked', 'tombstoned'] as const)('a crash after step "%s" is completed by the next run; verify stays clean', async (step) => {
    await seed();
    const before = await f.rows();
    let crashed = false;
    await expect(
      f.retention.run({
        trigger: 'cli',
        onStep: (s) => {
          if (s === step && !crashed) {
            crashed = true;
            throw new Error(`crash after ${s}`);
          }
        },
      }),
    ).rejects.toThrow(`crash after ${step}`);
    // Between the crash and the next run: no row points to a missing file unless it is marked for deletion.
    const mid = await f.rows();
    for (const r of mid) {
      if (!existsSync(f.pathOf(r))) expect(['deleting', 'deleted']).toContain(r.status);
    }
    const midCheck = await checkStorage({ repo: f.recordings, store: f.store, dialect: t.dialect });
    expect(midCheck.mismatches.filter((m) => m.kind !== 'index_mismatch')).toEqual([]);
    const [crashedRun] = await f.retention.runs();
    expect(crashedRun!.status).toBe('running');

    // Meanwhile a legal hold arrives on the second camera: the deletions not yet started must respect it.
    const second = f.cameraIds[1]!;
    await f.retention.addHold(null, { cameraIds: [second], fromMs: NOW - 50 * DAY, toMs: NOW, reason: 'case', legalBasis: 'law', requester: 'police' });
    const next = await f.retention.run({ trigger: 'cli' });
    expect(next.recovered).toBe(1); // the one segment the crash left mid-way is completed …
    const heldLeft = before.filter((r) => r.camera_id === second && r.end_ms <= NOW - 30 * DAY);
    const wasCrashed = (id: number) => mid.find((r) => r.id === id)?.status === 'deleting' || !mid.some((r) => r.id === id);
    const stillHeld = heldLeft.filter((r) => !wasCrashed(r.id));
    expect(next.kept.onHold).toBe(stillHeld.length); // … the others were abandoned and planned again: held ones stay
    expect(next.recovered + next.deleted + stillHeld.length).toBe(6);
    const after = await f.rows();
    expect(after).toHaveLength(before.length - 6 + stillHeld.length);
    const v = await f.integrity.verify();
    expect(v.ok).toBe(true);
    expect(v.counts['deleted-lawfully']).toBe(6 - stillHeld.length);
    const cert = await f.retention.certificate(crashedRun!.id);
    expect(cert.certificate.totals).toMatchObject({ segments: 1, abandoned: 5 });
    expect(cert.signatureValid).toBe(true);
  });

  it('deleting the newest segment of a stream keeps its row as the chain head, so the next segment still links', async () => {
    const [cam] = f.cameraIds;
    const old = await f.segment(cam!, 45);
    await f.retention.run({ trigger: 'cli' });
    const rows = await f.rows();
    expect(rows.map((r) => [r.id, r.status])).toEqual([[old, 'deleted']]);
    const newer = await f.segment(cam!, 0.01);
    expect((await f.integrity.verify()).ok).toBe(true);
    await f.retention.run({ trigger: 'cli' }); // the kept head is removed now that a newer row exists
    expect((await f.rows()).map((r) => r.id)).toEqual([newer]);
    const v = await f.integrity.verify();
    expect(v.ok).toBe(true);
    expect(v.counts['deleted-lawfully']).toBe(1);
  });
});
