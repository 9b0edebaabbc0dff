// Policies and legal holds through RetentionService on both dialects (R17): validation with article R17, scopes
// (camera > groups, longest wins > default), the 30-day default of a fresh install, effective days per camera, the
// four-eyes lift with its refusals, expiry, and the system-log entry of every change. Plus a property of the
// executor: over random ages and holds it never deletes footage under 30 days or on hold, and verify stays clean.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { DAY, NOW, retentionFixture, type RetentionFixture } from '../../test/support/retention-fixture.js';
import { isRetentionPolicyError } from '../domain/index.js';

describe.each(dialects)('retention policies and holds on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let f: RetentionFixture;
  beforeEach(async () => {
    t = await createTestDatabase(dialect);
    f = await retentionFixture(t, 3);
  });
  afterEach(async () => {
    await f.retention.close();
    f.dispose();
    await t.dispose();
  });

  it('a fresh install has one default policy of 30 days; every camera keeps 30 days', async () => {
    const policies = await f.retention.listPolicies();
    expect(policies).toEqual([expect.objectContaining({ scope: { kind: 'default' }, retentionDays: 30, effectiveRetentionDays: 30, deleteAfterPurposeServed: true })]);
    expect([...(await f.retention.retentionDaysByCamera(f.cameraIds)).values()]).toEqual([30, 30, 30]);
  });

  it.each([
    [{ retentionDays: 29 }, 'retention_below_floor'],
    [{ retentionDays: 0 }, 'retention_not_whole_days'],
    [{ retentionDays: 30.5 }, 'retention_not_whole_days'],
    [{ retentionDays: 30, sector: { sector: 'bank', retentionDays: 30, legalBasis: 'x' } }, 'sector_override_not_above_floor'],
    [{ retentionDays: 30, sector: { sector: 'bank', retentionDays: 90, legalBasis: ' ' } }, 'sector_override_incomplete'],
    [{ retentionDays: 60, ceilingDays: 45 }, 'ceiling_below_retention'],
  ])('refuses %j with %s (article R17) and changes nothing', async (values, code) => {
    const err = await f.retention.setPolicy(null, { scope: { kind: 'camera', cameraId: f.cameraIds[0]! }, ...values }).catch((e: unknown) => e);
    expect(isRetentionPolicyError(err, code as never)).toBe(true);
    expect((err as { article: string }).article).toBe('R17');
    expect(await f.retention.listPolicies()).toHaveLength(1);
    expect(await f.events('retention.policy_set')).toEqual([]);
  });

  it('resolves camera over groups over default; among groups the longest wins; every change is logged', async () => {
    const [a, b, c] = f.cameraIds as [string, string, string];
    const changes: string[] = [];
    f.retention.onPolicyChange((ch) => changes.push(`${ch.kind} ${ch.policy.scope.kind}`));
    const lobby = await f.access.createGroup(null, { name: 'lobby', cameraIds: [a, b] });
    const vault = await f.access.createGroup(null, { name: 'vault', cameraIds: [b] });
    await f.retention.setPolicy(null, { scope: { kind: 'group', groupId: lobby.id }, retentionDays: 45 });
    await f.retention.setPolicy(null, { scope: { kind: 'group', groupId: vault.id }, retentionDays: 30, sector: { sector: 'banking', retentionDays: 90, legalBasis: '银行业规定' } });
    await f.retention.setPolicy(null, { scope: { kind: 'camera', cameraId: a }, retentionDays: 31 });
    expect(Object.fromEntries(await f.retention.retentionDaysByCamera([a, b, c]))).toEqual({ [a]: 31, [b]: 90, [c]: 30 });
    // Replacing the policy of a scope keeps one row and logs the change with what it was before.
    await f.retention.setPolicy(null, { scope: { kind: 'camera', cameraId: a }, retentionDays: 60 });
    expect((await f.retention.listPolicies()).filter((p) => p.scope.kind === 'camera')).toHaveLength(1);
    const changed = await f.events('retention.policy_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]!.details).toMatchObject({ retentionDays: 60, before: { retentionDays: 31 }, via: 'cli' });
    expect(await f.events('retention.policy_set')).toHaveLength(3);
    await f.retention.removePolicy(null, { scope: { kind: 'camera', cameraId: a } });
    expect((await f.retention.retentionDaysByCamera([a])).get(a)).toBe(45);
    expect(await f.events('retention.policy_removed')).toHaveLength(1);
    expect(changes).toEqual(['set group', 'set group', 'set camera', 'set camera', 'removed camera']);
    await expect(f.retention.removePolicy(null, { scope: { kind: 'default' } })).rejects.toMatchObject({ article: 'R17' });
    await expect(f.retention.setPolicy(null, { scope: { kind: 'group', groupId: 'nope' }, retentionDays: 30 })).rejects.toMatchObject({ code: 'invalid_retention_input' });
    await expect(f.retention.setPolicy(null, { scope: { kind: 'camera', cameraId: 'nope' }, retentionDays: 30 })).rejects.toMatchObject({ code: 'invalid_retention_input' });
  });

  it('concurrent first settings of one scope all succeed and leave one policy (no unique-index failure)', async () => {
    // A read-then-insert let two first settings both insert; on PostgreSQL the second failed on retention_policies_scope.
    const scope = { kind: 'camera' as const, cameraId: f.cameraIds[0]! };
    const settled = await Promise.allSettled([31, 32, 33, 34, 35, 36].map((days) => f.retention.setPolicy(null, { scope, retentionDays: days })));
    expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    const mine = (await f.retention.listPolicies()).filter((p) => p.scope.kind === 'camera' && p.scope.cameraId === scope.cameraId);
    expect(mine).toHaveLength(1);
    // Every answer names the one stored policy.
    const ids = new Set(settled.map((r) => (r.status === 'fulfilled' ? r.value.id : null)));
    expect([...ids]).toEqual([mine[0]!.id]);
  });

  it('holds: validated, four eyes to lift, the CLI (no account) cannot lift, expiry ends a hold and is logged once', async () => {
    const a = await f.account('sec_a', ['security_admin']);
    const b = await f.account('sec_b', ['security_admin']);
    const op = await f.account('op', ['operator']);
    const base = { cameraIds: [f.cameraIds[0]!], fromMs: NOW - 10 * DAY, toMs: NOW - 5 * DAY, reason: 'r', legalBasis: 'l', requester: 'q' };
    await expect(f.retention.addHold(a, { ...base, reason: ' ' })).rejects.toMatchObject({ code: 'invalid_hold', field: 'reason', article: 'R17' });
    await expect(f.retention.addHold(a, { ...base, cameraIds: [] })).rejects.toMatchObject({ code: 'invalid_hold', field: 'cameraIds' });
    await expect(f.retention.addHold(a, { ...base, cameraIds: ['ghost'] })).rejects.toMatchObject({ code: 'invalid_hold' });
    await expect(f.retention.addHold(a, { ...base, fromMs: NOW, toMs: NOW - 1 })).rejects.toMatchObject({ code: 'invalid_hold' });
    await expect(f.retention.addHold(a, { ...base, expiresMs: NOW - 1 })).rejects.toMatchObject({ code: 'invalid_hold', field: 'expiresMs' });

    const h = await f.retention.addHold(a, base);
    await expect(f.retention.approveLift(b, h.id)).rejects.toMatchObject({ code: 'hold_lift_not_requested' });
    await expect(f.retention.requestLift(null, h.id, 'done')).rejects.toMatchObject({ code: 'hold_lift_needs_account' });
    await expect(f.retention.requestLift(op, h.id, 'done')).rejects.toMatchObject({ code: 'hold_lift_needs_account' });
    await f.retention.requestLift(a, h.id, 'done');
    await expect(f.retention.requestLift(b, h.id, 'again')).rejects.toMatchObject({ code: 'hold_lift_pending' });
    await expect(f.retention.approveLift(a, h.id)).rejects.toMatchObject({ code: 'hold_lift_same_account', article: 'R17' });
    await expect(f.retention.approveLift(null, h.id)).rejects.toMatchObject({ code: 'hold_lift_needs_account' });
    expect((await f.retention.listHolds())[0]!.state).toBe('lift_requested');
    const lifted = await f.retention.approveLift(b, h.id);
    expect(lifted).toMatchObject({ state: 'lifted', liftRequestedBy: a.accountId, liftApprovedBy: b.accountId });
    await expect(f.retention.approveLift(b, h.id)).rejects.toMatchObject({ code: 'hold_not_active' });
    const events = (await f.events('hold.created')).concat(await f.events('hold.lift_requested'), await f.events('hold.lift_refused'), await f.events('hold.lifted'));
    expect(events.map((e) => [e.event, e.actorId])).toEqual([
      ['hold.created', a.accountId], ['hold.lift_requested', a.accountId], ['hold.lift_refused', a.accountId], ['hold.lifted', b.accountId],
    ]);

    const e = await f.retention.addHold(null, { ...base, expiresMs: NOW + DAY });
    expect((await f.retention.listHolds()).find((x) => x.id === e.id)!.state).toBe('active');
    f.clock.nowMs = NOW + DAY;
    expect((await f.retention.listHolds()).find((x) => x.id === e.id)!.state).toBe('expired');
    await f.retention.run({ trigger: 'cli' });
    await f.retention.run({ trigger: 'cli' });
    expect((await f.events('hold.expired')).map((x) => x.target)).toEqual([e.id]);
  });
});

describe('retention executor property (sqlite)', () => {
  it('over random ages and holds: never deletes under 30 days or on hold, deletes everything else past 30 days, verify clean', async () => {
    {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.double({ min: 0, max: 60, noNaN: true }), { minLength: 1, maxLength: 8 }),
          fc.option(fc.tuple(fc.double({ min: 0, max: 60, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }))),
          async (ages, hold) => {
            round++;
            const t = await createTestDatabase('sqlite'); // a fresh index and store per case
            const f = await retentionFixture(t, 1);
            try {
              const cam = f.cameraIds[0]!;
              const ids = new Map<number, number>();
              for (const age of ages) ids.set(await f.segment(cam, age), age);
              let held = (_age: number) => false;
              if (hold) {
                const [from, len] = hold;
                // Held range in "days ago": [from, from + len] — a segment (1 minute ending age days ago) overlapping it is held.
                await f.retention.addHold(null, { cameraIds: [cam], fromMs: NOW - (from + len) * DAY, toMs: NOW - from * DAY, reason: 'r', legalBasis: 'l', requester: 'q' });
                held = (age) => {
                  const end = NOW - Math.round(age * DAY);
                  return end >= NOW - (from + len) * DAY && end - 60_000 <= NOW - from * DAY;
                };
              }
              await f.retention.run({ trigger: 'cli' });
              const left = new Set((await f.rows()).map((r) => r.id));
              for (const [id, age] of ids) {
                const pastFloor = NOW - (NOW - Math.round(age * DAY)) >= 30 * DAY;
                expect(left.has(id), `round ${round}: segment aged ${age} d, held ${held(age)}`).toBe(!pastFloor || held(age));
              }
              expect((await f.integrity.verify()).ok).toBe(true);
            } finally {
              await f.retention.close();
              f.dispose();
              await t.dispose();
            }
          },
        ),
        { numRuns: 25, seed: 20261203 },
      );
    }
  }, 120_000);
});
