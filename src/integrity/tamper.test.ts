// Randomized tamper test (issue 5, R15): random mutations of segment files, index rows and checkpoints over a
// synthetic store written by the real LocalSegmentStore and RecordingRepo; verify must detect every one (and name
// what changed), while lawful deletions (tombstones) stay reported as such — both hand-made ones and those of the
// real retention executor (issue 5, R17). Seeded: a failure prints its seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { buildSyntheticStore, deleteByRetention, deleteLawfully, dropIntegrityAppendOnly, rng } from '../../test/support/integrity-store.js';
import { MUTATIONS, mutate, type Expectation } from '../../test/support/tamper.js';
import type { IntegrityVerifyReport } from './index.js';

const CASES = { sqlite: 220, postgres: 22 } as const;

function check(report: IntegrityVerifyReport, want: Expectation): string | null {
  if (report.ok) return 'verify reported ok';
  for (const w of want.segments ?? []) {
    const got = report.segments.find((v) => v.segmentId === w.id);
    if (got?.status !== w.status) return `segment ${w.id}: want ${w.status}, got ${got?.status ?? 'nothing'}`;
  }
  for (const f of want.unexpectedFiles ?? []) {
    if (!report.segments.some((v) => v.status === 'unexpected' && v.file === f)) return `file ${f} not reported unexpected`;
  }
  if (want.checkpointProblem && report.checkpoints.problems.length === 0) return 'no checkpoint problem';
  return null;
}

describe.each(dialects)('randomized tamper test on %s', (dialect) => {
  let db: TestDatabase & { dispose(): Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    await dropIntegrityAppendOnly(db); // the cases reset the tables, and some mutations are an attacker's
  });
  afterAll(async () => { await db.dispose(); });

  it(`detects ${CASES[dialect]} random mutations, 100 %`, async () => {
    const perKind = new Map<string, number>();
    for (let i = 0; i < CASES[dialect]; i++) {
      const seed = 1000 + i;
      const random = rng(seed);
      for (const t of ['segment_tombstones', 'integrity_checkpoints', 'segments', 'recording_runs'] as const) await db.db.deleteFrom(t).execute();
      const s = await buildSyntheticStore(db, random, 3 + Math.floor(random() * 4));
      try {
        const rows = await s.rows();
        const lawful = random();
        if (lawful < 0.2) await deleteLawfully(s, db, rows[Math.floor(random() * 2)]!, random() < 0.5);
        // The real retention executor (R17): the first segment of each camera, past the 30-day floor.
        else if (lawful < 0.5) expect(await deleteByRetention(s, db, 1)).toHaveLength(2);
        await s.integrity.checkpoint();
        const before = await s.integrity.verify();
        expect(before.ok, `seed ${seed}: clean store`).toBe(true);
        const kind = MUTATIONS[i % MUTATIONS.length]!;
        const want = await mutate(kind, s, db, random);
        const report = await s.integrity.verify();
        const why = check(report, want);
        expect(why, `seed ${seed} ${kind}: ${why} — ${JSON.stringify(report.segments)} ${JSON.stringify(report.checkpoints)}`).toBeNull();
        // Lawful deletions stay lawful whatever else was done.
        expect(report.counts['deleted-lawfully']).toBe(before.counts['deleted-lawfully']);
        perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
      } finally {
        s.dispose();
      }
    }
    expect([...perKind.keys()].sort()).toEqual([...MUTATIONS].sort());
  }, 240_000);
});
