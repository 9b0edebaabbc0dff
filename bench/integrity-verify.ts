// Integrity (R15): (1) `vigil verify` throughput against `sha256sum` over the same segment files in the same run
// (goal ≥ 0.8×), through the real IntegrityService over a store written by the real LocalSegmentStore and
// RecordingRepo (SQLite); (2) the randomized tamper test at full size (issue 5: 1,000 mutations, goal 100 % detected).
// Both hash from the page cache (each side runs after a warming pass), so the ratio compares hashing pipelines, not
// the disk; the first cold pass of sha256sum is reported too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { dropIntegrityAppendOnly, buildSyntheticStore, rng, T0, writeSegment } from '../test/support/integrity-store.js';
import { MUTATIONS, mutate } from '../test/support/tamper.js';
import { machineInfo, MiB, numberSetting, round, type BenchOptions, type BenchResult, type SummaryRow } from './lib/common.js';
import { loadAverage } from './lib/proc.js';

const RATIO_GOAL = 0.8;

function sha256sumSeconds(files: string[]): number {
  const t0 = performance.now();
  for (let i = 0; i < files.length; i += 200) execFileSync('sha256sum', files.slice(i, i + 200), { stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - t0) / 1000;
}

export async function integrityVerify(options: BenchOptions): Promise<BenchResult> {
  const t0 = Date.now();
  const loadBefore = loadAverage();
  const files = numberSetting(options, 'verify-files', options.quick ? 24 : 256);
  const fileMiB = numberSetting(options, 'file-mib', options.quick ? 2 : 8);
  const mutations = numberSetting(options, 'mutations', options.quick ? 60 : 1000);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-integrity-'));
  const summary: SummaryRow[] = [];
  const notes: string[] = [];
  const results: Record<string, unknown> = {};
  try {
    // (1) throughput
    const database = openDatabase({ dialect: 'sqlite', path: join(dir, 'index.sqlite') });
    await migrateToLatest(database.db);
    const s = await buildSyntheticStore(database, rng(1), 0);
    const cameraId = '0190a000-0000-7000-8000-0000000000b1';
    const runId = await s.recordings.openRun({ streamId: `${cameraId}-main`, cameraId, startMs: T0, startCause: 'start' });
    const data = Buffer.alloc(fileMiB * MiB);
    const random = rng(7);
    for (let b = 0; b < data.length; b += 4) data.writeUInt32LE(Math.floor(random() * 2 ** 32), b);
    for (let seq = 0; seq < files; seq++) {
      data.writeUInt32LE(seq, 0); // every file distinct
      await writeSegment(s.store, s.recordings, { cameraId, runId, seq, startMs: T0 + seq * 60_000, data });
    }
    const paths = (await s.rows()).map((r) => s.pathOf(r));
    const totalMiB = files * fileMiB;
    const coldSum = sha256sumSeconds(paths);
    const sumSeconds = Math.min(sha256sumSeconds(paths), sha256sumSeconds(paths));
    await s.integrity.verify(); // warm the same way
    const runs: number[] = [];
    for (let i = 0; i < 2; i++) {
      const report = await s.integrity.verify();
      if (!report.ok || report.filesHashed !== files) throw new Error(`verify of the clean bench store failed: ${JSON.stringify(report.counts)}`);
      runs.push(report.elapsedMs / 1000);
    }
    const verifySeconds = Math.min(...runs);
    const ratio = sumSeconds / verifySeconds;
    results.throughput = {
      files, fileMiB, totalMiB, sha256sumColdMiBps: round(totalMiB / coldSum, 0), sha256sumMiBps: round(totalMiB / sumSeconds, 0),
      verifyMiBps: round(totalMiB / verifySeconds, 0), ratio: round(ratio, 2),
    };
    summary.push({ metric: `verify throughput (${totalMiB} MiB, page cache)`, value: `${round(totalMiB / verifySeconds, 0)} MiB/s` });
    summary.push({ metric: 'sha256sum throughput (same files)', value: `${round(totalMiB / sumSeconds, 0)} MiB/s` });
    summary.push({ metric: 'verify / sha256sum', value: `${round(ratio, 2)}×`, goal: `≥ ${RATIO_GOAL}×`, ok: ratio >= RATIO_GOAL });
    if (ratio < RATIO_GOAL) notes.push(`verify reached ${round(ratio, 2)}× of sha256sum`);
    options.log(`integrity-verify: verify ${round(totalMiB / verifySeconds, 0)} MiB/s, sha256sum ${round(totalMiB / sumSeconds, 0)} MiB/s (${round(ratio, 2)}×)`);
    s.dispose();
    await database.close();

    // (2) tamper
    const tdb = openDatabase({ dialect: 'sqlite', path: join(dir, 'tamper.sqlite') });
    await migrateToLatest(tdb.db);
    await dropIntegrityAppendOnly(tdb); // cases reset the tables, and some mutations are an attacker's
    let detected = 0;
    const missed: string[] = [];
    for (let i = 0; i < mutations; i++) {
      const r = rng(500_000 + i);
      for (const t of ['segment_tombstones', 'integrity_checkpoints', 'segments', 'recording_runs'] as const) await tdb.db.deleteFrom(t).execute();
      const store = await buildSyntheticStore(tdb, r, 3 + Math.floor(r() * 4));
      try {
        await store.integrity.checkpoint();
        const kind = MUTATIONS[Math.floor(r() * MUTATIONS.length)]!;
        await mutate(kind, store, tdb, r);
        if (!(await store.integrity.verify()).ok) detected++;
        else missed.push(`seed ${500_000 + i} ${kind}`);
      } finally {
        store.dispose();
      }
    }
    await tdb.close();
    results.tamper = { mutations, detected, missed };
    summary.push({ metric: `tamper mutations detected (of ${mutations})`, value: `${round((100 * detected) / mutations, 2)} %`, goal: '100 %', ok: detected === mutations });
    if (missed.length) notes.push(`undetected: ${missed.slice(0, 20).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: 'integrity-verify',
    description: 'vigil verify (R15) throughput vs sha256sum over the same files (page cache), and the randomized tamper test',
    quick: options.quick,
    machine: await machineInfo(),
    load: { before: loadBefore, after: loadAverage() },
    durationSeconds: round((Date.now() - t0) / 1000, 1),
    parameters: { files, fileMiB, mutations },
    results,
    summary,
    notes,
  };
}
