// The registers on both dialects (R16.3): append, close, query, export round trips; append-only triggers; one chain
// under concurrent appends; checkpoints by entry count and at close.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type Dialect } from '../../test/support/databases.js';
import type { AuditRegisters } from './registers.js';
import { accessInput, eventInput, registersOver } from './test-fixtures.js';

describe.each(dialects)('audit registers on %s', (dialect: Dialect) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function setup(over: Parameters<typeof registersOver>[2] = {}) {
    const t = await createTestDatabase(dialect);
    const audit = registersOver(t.db, dialect, over);
    cleanup.push(t.dispose, () => audit.close());
    return { t, audit };
  }

  it('appends, closes and lists an access with its close joined in', async () => {
    let now = 1_780_000_000_000;
    const { audit } = await setup({ now: () => now });
    const open = await audit.recordAccess(accessInput({ cameraIds: ['cam-a', 'cam-b'] }));
    now += 90_000;
    await audit.recordAccessEnd(open.id, { bytes: 123_456, endedMs: now });
    await audit.recordAccess(accessInput({ outcome: 'refused', username: 'wang.fang', refusal: { code: 'no_grant', message: '无权限', article: 'R16.2' } }));
    const page = await audit.queryAccess({}, { limit: 10, offset: 0 });
    expect(page.total).toBe(2);
    expect(page.items.map((e) => e.outcome)).toEqual(['refused', 'granted']);
    const granted = page.items[1]!;
    expect(granted).toMatchObject({ id: open.id, username: 'zhang.wei', displayName: '张伟', cameraIds: ['cam-a', 'cam-b'], bytes: 123_456, durationMs: 90_000, reasonText: '案件 2026-117 调阅' });
    expect(granted.closedBy).toBe(open.id + 1);
    expect(page.items[0]).toMatchObject({ refusalCode: 'no_grant', refusalArticle: 'R16.2', bytes: null });
  });

  it('refuses to close an unknown, refused or already closed entry', async () => {
    const { audit } = await setup();
    const open = await audit.recordAccess(accessInput());
    const refused = await audit.recordAccess(accessInput({ outcome: 'refused', refusal: { code: 'x', message: 'y' } }));
    await expect(audit.recordAccessEnd(999, { bytes: 1, endedMs: 1 })).rejects.toMatchObject({ code: 'audit_entry_not_found' });
    await expect(audit.recordAccessEnd(refused.id, { bytes: 1, endedMs: 1 })).rejects.toMatchObject({ code: 'audit_entry_not_found' });
    await audit.recordAccessEnd(open.id, { bytes: 1, endedMs: 1 });
    await expect(audit.recordAccessEnd(open.id, { bytes: 2, endedMs: 2 })).rejects.toMatchObject({ code: 'audit_entry_already_closed' });
    expect((await audit.verify()).ok).toBe(true);
  });

  it('filters by camera, user, unit, action, reason, outcome and time, with totals', async () => {
    let now = 1_780_000_000_000;
    const { audit } = await setup({ now: () => now });
    for (let i = 0; i < 30; i++) {
      now += 60_000;
      await audit.recordAccess(accessInput({
        cameraIds: [`cam-${i % 3}`], username: i % 2 ? 'a' : 'b', unit: i % 5 ? 'u1' : 'u2', action: i % 2 ? 'live' : 'export',
        reasonCategory: i % 4 ? 'case' : 'patrol', outcome: i % 7 ? 'granted' : 'refused', refusal: i % 7 ? null : { code: 'c', message: 'm' },
      }));
    }
    const count = async (f: Parameters<AuditRegisters['queryAccess']>[0]) => (await audit.queryAccess(f, { limit: 5, offset: 0 })).total;
    expect(await count({ cameraId: 'cam-1' })).toBe(10);
    expect(await count({ username: 'a' })).toBe(15);
    expect(await count({ unit: 'u2' })).toBe(6);
    expect(await count({ action: 'export' })).toBe(15);
    expect(await count({ reasonCategory: 'patrol' })).toBe(8);
    expect(await count({ outcome: 'refused' })).toBe(5);
    const t0 = 1_780_000_000_000;
    expect(await count({ fromMs: t0 + 10 * 60_000, toMs: t0 + 20 * 60_000 })).toBe(10);
    expect(await count({ cameraId: 'cam-0', fromMs: t0 + 10 * 60_000, toMs: t0 + 20 * 60_000 })).toBe(4); // i = 9, 12, 15, 18
    const page2 = await audit.queryAccess({ cameraId: 'cam-1' }, { limit: 4, offset: 4 });
    expect(page2.items.map((e) => e.id)).toEqual([17, 14, 11, 8]);
  });

  it('exports CSV with a BOM, a header and Chinese text intact, and JSON that parses', async () => {
    const { audit } = await setup();
    for (let i = 0; i < 3; i++) await audit.recordAccess(accessInput({ reasonText: `调阅, "第${i}次"` }));
    await audit.recordEvent(eventInput());
    let csv = '';
    const n = await audit.exportAccess({}, 'csv', async (c) => void (csv += c));
    expect(n).toBe(3);
    expect(csv.startsWith('\uFEFFid,at,atMs,outcome,')).toBe(true);
    const lines = csv.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain('张伟');
    expect(lines[1]).toContain('"调阅, ""第0次"""');
    let json = '';
    await audit.exportSystem({}, 'json', async (c) => void (json += c));
    const parsed = JSON.parse(json) as { event: string; actorName: string; details: unknown }[];
    expect(parsed).toEqual([expect.objectContaining({ event: 'user.created', actorName: '李娜', details: { roles: ['operator'] } })]);
    let empty = '';
    await audit.exportSystem({ event: 'none' }, 'json', async (c) => void (empty += c));
    expect(JSON.parse(empty)).toEqual([]);
  });

  it('refuses UPDATE and DELETE on all four tables (triggers)', async () => {
    const { t, audit } = await setup();
    await audit.recordAccess(accessInput());
    await audit.recordEvent(eventInput());
    await audit.checkpointNow();
    for (const table of ['access_register', 'access_register_cameras', 'system_log', 'audit_checkpoints']) {
      await expect(sql`UPDATE ${sql.table(table)} SET at_ms = 1`.execute(t.db), `${table} update`).rejects.toThrow(/append-only \(R16\.3\)/);
      await expect(sql`DELETE FROM ${sql.table(table)}`.execute(t.db), `${table} delete`).rejects.toThrow(/append-only \(R16\.3\)/);
    }
    if (dialect === 'postgres') await expect(sql`TRUNCATE access_register`.execute(t.db)).rejects.toThrow(/append-only/);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('keeps one chain under many concurrent appends from two register instances', async () => {
    const { t, audit } = await setup();
    const other = registersOver(t.db, dialect);
    cleanup.push(() => other.close());
    const calls = Array.from({ length: 400 }, (_, i) =>
      i % 3 === 0 ? (i % 2 ? other : audit).recordEvent(eventInput({ target: `t${i}` })) : (i % 2 ? other : audit).recordAccess(accessInput({ requestId: `r${i}` })),
    );
    const ids = await Promise.all(calls);
    const accessIds = ids.filter((_, i) => i % 3 !== 0).map((r) => r.id).sort((a, b) => a - b);
    expect(accessIds).toEqual(Array.from({ length: accessIds.length }, (_, i) => i + 1));
    const report = await audit.verify();
    expect(report.logs.access.problems).toEqual([]);
    expect(report.logs.system.problems).toEqual([]);
    expect(report.logs.access.entries + report.logs.system.entries).toBe(400);
  });

  it('writes a checkpoint every N entries and at close, signing only what it wrote', async () => {
    const { t, audit } = await setup({ checkpointEveryEntries: 10 });
    for (let i = 0; i < 25; i++) await audit.recordAccess(accessInput());
    const rows = async () => t.db.selectFrom('audit_checkpoints').select(['log', 'upto_seq']).orderBy('id').execute();
    expect((await rows()).map((r) => Number(r.upto_seq))).toEqual([10, 20]);
    await audit.close();
    expect((await rows()).map((r) => [r.log, Number(r.upto_seq)])).toEqual([['access', 10], ['access', 20], ['access', 25]]);
    await expect(audit.recordAccess(accessInput())).rejects.toMatchObject({ code: 'audit_closed' });
    // A reader that appended nothing signs nothing at close.
    const reader = registersOver(t.db, dialect);
    await reader.close();
    expect(await rows()).toHaveLength(3);
  });

  it('writes a checkpoint once checkpointEveryMs has passed', async () => {
    let now = 1_780_000_000_000;
    const { t, audit } = await setup({ now: () => now, checkpointEveryEntries: 1000, checkpointEveryMs: 5000 });
    await audit.recordEvent(eventInput());
    await audit.verify(); // waits until the append's batch has finished its checkpoint check, at the old time
    expect(await t.db.selectFrom('audit_checkpoints').selectAll().execute()).toEqual([]);
    now += 6000;
    await audit.recordEvent(eventInput());
    await audit.verify();
    const rows = await t.db.selectFrom('audit_checkpoints').select(['log', 'upto_seq']).execute();
    expect(rows.map((r) => [r.log, Number(r.upto_seq)])).toEqual([['system', 2]]);
  });
});
