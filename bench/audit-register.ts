// Audit register (R16.3): (1) append throughput with the hash chain, through the real AuditRegisters (SQLite, and
// PostgreSQL when reachable): concurrent callers whose appends the register batches into shared transactions, and
// one caller awaiting each append; (2) p50/p95 of the "one camera-day" query (who accessed camera X on day D, first
// page of 100 plus the total) over a large register on SQLite.
//
// The large register is generated directly with better-sqlite3 (one prepared INSERT, 100k rows per transaction,
// secondary indexes dropped during the load and rebuilt with their migration definitions), each row hashed and
// chained with the same rowHash as the register — so `verify` could run over it. Shape: 6 months (the retention
// minimum), 1,000 cameras, each entry covering 1–3 cameras, every second granted entry followed by its close.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { AuditRegisters, GENESIS_HASH, rowHash } from '../src/audit/index.js';
import type { AccessRecordInput } from '../src/access/index.js';
import { migrateToLatest, openDatabase, type AccessRegisterRow, type OpenDatabase } from '../src/db/index.js';
import { distribution, machineInfo, numberSetting, round, type BenchOptions, type BenchResult, type SummaryRow } from './lib/common.js';
import { loadAverage } from './lib/proc.js';

const APPEND_GOAL_PER_S = 5000;
const QUERY_P95_GOAL_MS = 100;
const DAY_MS = 86_400_000;
const CAMERAS = 1000;
/** One key for the whole run: a second key would (rightly) make verify report the first one's checkpoints as foreign. */
const KEY = generateKeyPairSync('ed25519').privateKey;

const input = (i: number): AccessRecordInput => ({
  outcome: 'granted', accountId: `acc-${i % 50}`, username: `user${i % 50}`, displayName: '张伟', unit: '治安大队', roles: ['operator'],
  action: 'playback', cameraIds: [`cam-${i % CAMERAS}`], fromMs: 1_780_000_000_000, toMs: 1_780_000_600_000, reasonCategory: 'case',
  reasonText: '案件调阅', requestId: `req-${i}`, clientAddr: '10.0.0.7', refusal: null,
});

async function appendRate(db: OpenDatabase, n: number, concurrency: number): Promise<number> {
  const audit = new AuditRegisters({ db: db.db, now: Date.now, signingKey: KEY, checkpointEveryEntries: 1000, checkpointEveryMs: 600_000 });
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) await audit.recordAccess(input(next++));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const report = await audit.verify();
  await audit.close();
  if (!report.ok) throw new Error(`chain broken after the append benchmark: ${JSON.stringify(report.logs.access.problems.slice(0, 3))}`);
  return n / seconds;
}

async function withPostgres<T>(fn: (db: OpenDatabase) => Promise<T>): Promise<T> {
  const adminUrl = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `vigil_bench_audit_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = openDatabase({ dialect: 'postgres', url: url.toString() });
  try {
    await migrateToLatest(db.db);
    return await fn(db);
  } finally {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** Fills access_register (+ camera index) with `rows` chained rows spread over `days` days ending at endMs. */
function generate(path: string, rows: number, days: number, endMs: number): void {
  const file = new SQLite(path);
  file.pragma('synchronous = OFF');
  const indexes = file.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('access_register', 'access_register_cameras')").all() as { name: string; sql: string }[];
  for (const ix of indexes) file.exec(`DROP INDEX ${ix.name}`);
  const cols = ['seq', 'at_ms', 'kind', 'for_seq', 'account_id', 'username', 'display_name', 'unit', 'roles', 'action', 'camera_ids', 'from_ms', 'to_ms', 'reason_category', 'reason_text', 'request_id', 'client_addr', 'refusal_code', 'refusal_article', 'refusal_message', 'bytes', 'ended_ms', 'prev_hash', 'hash'] as const;
  const insert = file.prepare(`INSERT INTO access_register (${cols.join(',')}) VALUES (${cols.map((c) => `@${c}`).join(',')})`);
  const insertCam = file.prepare('INSERT INTO access_register_cameras (seq, camera_id, at_ms) VALUES (?, ?, ?)');
  const startMs = endMs - days * DAY_MS;
  const step = (days * DAY_MS) / rows;
  let prev = GENESIS_HASH;
  let lastOpen: AccessRegisterRow | null = null;
  const chunk = file.transaction((from: number, to: number) => {
    for (let seq = from; seq < to; seq++) {
      const atMs = Math.floor(startMs + seq * step);
      let row: AccessRegisterRow;
      if (lastOpen && seq % 2 === 0) {
        row = { ...lastOpen, seq, at_ms: atMs, kind: 'close', for_seq: lastOpen.seq, reason_category: null, reason_text: null, bytes: 5_000_000, ended_ms: atMs, prev_hash: prev, hash: prev };
        lastOpen = null;
      } else {
        const cams = Array.from({ length: 1 + (seq % 3) }, (_, k) => `cam-${(seq * 7 + k * 131) % CAMERAS}`);
        row = {
          seq, at_ms: atMs, kind: 'open', for_seq: null, account_id: `acc-${seq % 300}`, username: `user${seq % 300}`, display_name: '张伟',
          unit: `unit-${seq % 20}`, roles: 'operator', action: seq % 5 ? 'playback' : 'live', camera_ids: JSON.stringify(cams),
          from_ms: atMs - 3_600_000, to_ms: atMs, reason_category: 'case', reason_text: '案件调阅', request_id: null, client_addr: '10.0.0.7',
          refusal_code: null, refusal_article: null, refusal_message: null, bytes: null, ended_ms: null, prev_hash: prev, hash: prev,
        };
        for (const c of cams) insertCam.run(seq, c, atMs);
        lastOpen = row;
      }
      row.hash = rowHash('access', row);
      insert.run(row);
      prev = row.hash;
    }
  });
  for (let from = 1; from <= rows; from += 100_000) chunk(from, Math.min(rows + 1, from + 100_000));
  for (const ix of indexes) file.exec(ix.sql);
  file.exec('ANALYZE');
  file.close();
}

export async function auditRegister(options: BenchOptions): Promise<BenchResult> {
  const t0 = Date.now();
  const loadBefore = loadAverage();
  const appends = numberSetting(options, 'appends', options.quick ? 5000 : 50_000);
  const rows = numberSetting(options, 'register-rows', options.quick ? 200_000 : 10_000_000);
  const queries = numberSetting(options, 'queries', options.quick ? 100 : 500);
  const days = 183;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-audit-'));
  const notes: string[] = [];
  const summary: SummaryRow[] = [];
  const results: Record<string, unknown> = {};
  try {
    const sqlite = openDatabase({ dialect: 'sqlite', path: join(dir, 'append.sqlite') });
    await migrateToLatest(sqlite.db);
    const concurrent = await appendRate(sqlite, appends, 64);
    const sequential = await appendRate(sqlite, Math.min(appends, 5000), 1);
    await sqlite.close();
    results.sqlite = { concurrentPerS: round(concurrent, 0), sequentialPerS: round(sequential, 0), appends };
    summary.push({ metric: 'SQLite appends/s (64 concurrent callers)', value: String(round(concurrent, 0)), goal: `≥ ${APPEND_GOAL_PER_S}`, ok: concurrent >= APPEND_GOAL_PER_S });
    summary.push({ metric: 'SQLite appends/s (one caller, awaiting each)', value: String(round(sequential, 0)) });
    options.log(`audit-register: SQLite ${round(concurrent, 0)} appends/s concurrent, ${round(sequential, 0)} sequential`);

    try {
      const pgRates = await withPostgres(async (db) => ({ concurrent: await appendRate(db, appends, 64), sequential: await appendRate(db, Math.min(appends, 2000), 1) }));
      results.postgres = { concurrentPerS: round(pgRates.concurrent, 0), sequentialPerS: round(pgRates.sequential, 0) };
      summary.push({ metric: 'PostgreSQL appends/s (64 concurrent callers)', value: String(round(pgRates.concurrent, 0)) });
      summary.push({ metric: 'PostgreSQL appends/s (one caller)', value: String(round(pgRates.sequential, 0)) });
    } catch (err) {
      notes.push(`PostgreSQL not measured: ${(err as Error).message}`);
    }

    const path = join(dir, 'register.sqlite');
    const setup = openDatabase({ dialect: 'sqlite', path });
    await migrateToLatest(setup.db);
    await setup.close();
    const endMs = Date.UTC(2026, 11, 1);
    const g0 = performance.now();
    generate(path, rows, days, endMs);
    const generateSeconds = (performance.now() - g0) / 1000;
    options.log(`audit-register: generated ${rows} rows in ${round(generateSeconds, 1)} s`);
    const db = openDatabase({ dialect: 'sqlite', path });
    const audit = new AuditRegisters({ db: db.db, now: Date.now, signingKey: KEY, checkpointEveryEntries: 1000, checkpointEveryMs: 600_000 });
    const times: number[] = [];
    const hits: number[] = [];
    for (let q = 0; q < queries; q++) {
      const day = endMs - (1 + ((q * 37) % (days - 1))) * DAY_MS;
      const t = performance.now();
      const page = await audit.queryAccess({ cameraId: `cam-${(q * 53) % CAMERAS}`, fromMs: day, toMs: day + DAY_MS }, { limit: 100, offset: 0 });
      times.push(performance.now() - t);
      hits.push(page.total);
    }
    await audit.close();
    await db.close();
    const d = distribution(times);
    const dbBytes = statSync(path).size;
    results.cameraDay = { rows, days, cameras: CAMERAS, generateSeconds: round(generateSeconds, 1), dbBytes, queryMs: d, entriesPerCameraDay: distribution(hits) };
    summary.push({ metric: `camera-day query p50 (${rows.toLocaleString('en')} rows)`, value: `${d.p50} ms` });
    summary.push({ metric: `camera-day query p95 (${rows.toLocaleString('en')} rows)`, value: `${d.p95} ms`, goal: `≤ ${QUERY_P95_GOAL_MS} ms`, ok: d.p95 <= QUERY_P95_GOAL_MS });
    if (d.p95 > QUERY_P95_GOAL_MS) notes.push(`camera-day p95 ${d.p95} ms misses the ${QUERY_P95_GOAL_MS} ms goal`);
    if (concurrent < APPEND_GOAL_PER_S) notes.push(`SQLite concurrent append rate ${round(concurrent, 0)}/s misses the ${APPEND_GOAL_PER_S}/s goal`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: 'audit-register',
    description: 'Access register: append throughput with the hash chain (AuditRegisters, SQLite and PostgreSQL) and p50/p95 of the one camera-day query (first page of 100 + total) over a large SQLite register.',
    quick: options.quick,
    machine: await machineInfo(),
    load: { before: loadBefore, after: loadAverage() },
    durationSeconds: round((Date.now() - t0) / 1000, 1),
    parameters: { appends, rows, queries, days, cameras: CAMERAS },
    results,
    summary,
    notes,
  };
}
