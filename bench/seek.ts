// Seek: time to first byte of an MP4 export at a random instant, over a SQLite index of ≥ 1,000,000 segment rows.
//
// The index is synthetic but shaped like a real one: a few cameras recording 60 s segments back to back for months,
// in runs of a few hundred to a few thousand segments separated by short gaps (reconnects), rows inserted in time
// order across cameras (as recorders do). Every row carries the fragment index of one REAL 60 s segment file (1080p25
// H.264 at 4 Mbit/s, 1 s fragments, muxed with the ingest's flags), and every row's bytes are read from that one file
// through the real LocalSegmentStore, so `writeExport` re-times real fragments.
//
// Measured per query, through the real code path: RecordingRepo.segmentsInRange (Kysely over better-sqlite3, as
// `vigil serve` opens it) → planExport → writeExport until its sink receives the first chunk (the init segment:
// time to first byte) and the second (the first re-timed fragment, after the first coalesced read of up to 4 MiB).
// Also reported: index bytes per frame (fragment index blob bytes / frames, and the whole DB file / frames).
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import SQLite from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { splitFile } from '../src/media/index.js';
import { planExport, writeExport, PlaybackError, type SegmentBytes } from '../src/playback/index.js';
import { encodeFragmentIndex, RecordingRepo } from '../src/recording/index.js';
import { LocalSegmentStore } from '../src/storage/index.js';
import { distribution, listSetting, machineInfo, numberSetting, round, type BenchOptions, type BenchResult, type Distribution } from './lib/common.js';
import { ensureBenchFmp4 } from './lib/media.js';
import { loadAverage } from './lib/proc.js';

const P95_GOAL_MS = 50;
const SEGMENT_FILE_REL = 'bench/segment-60s.mp4';

interface RealSegment {
  path: string;
  sizeBytes: number;
  initSizeBytes: number;
  durationMs: number;
  timescale: number;
  durationTicks: number;
  frames: number;
  keyframes: number;
  fragments: number;
  codec: string;
  width: number;
  height: number;
  blob: Buffer;
}

function describeSegment(path: string): RealSegment {
  const data = readFileSync(path);
  const split = splitFile(data);
  if (split.trailingBytes !== 0) throw new Error(`${path}: ${split.trailingBytes} trailing bytes`);
  let expected = split.init.data.length;
  for (const f of split.fragments) {
    if (f.offset !== expected) throw new Error(`${path}: fragment at ${f.offset}, expected ${expected} (not contiguous)`);
    expected += f.data.length;
  }
  const entries = split.fragments.map((f) => ({ sizeBytes: f.data.length, durationTicks: f.durationTicks, sampleCount: f.sampleCount, keyframe: f.keyframe }));
  const durationTicks = entries.reduce((n, e) => n + e.durationTicks, 0);
  return {
    path,
    sizeBytes: split.wholeLength,
    initSizeBytes: split.init.data.length,
    timescale: split.init.timescale,
    durationTicks,
    durationMs: Math.round((durationTicks * 1000) / split.init.timescale),
    frames: entries.reduce((n, e) => n + e.sampleCount, 0),
    keyframes: entries.filter((e) => e.keyframe).length,
    fragments: entries.length,
    codec: split.init.codec,
    width: split.init.width,
    height: split.init.height,
    blob: encodeFragmentIndex(entries),
  };
}

interface CameraLayout {
  cameraId: string;
  streamId: string;
  firstMs: number;
  lastMs: number;
}

/** Builds the synthetic index with a prepared insert in one transaction (raw better-sqlite3, schema by migrations). */
async function buildIndex(dbPath: string, rows: number, cameraCount: number, seg: RealSegment): Promise<{ cameras: CameraLayout[]; runs: number; seconds: number; schemaSeconds: number }> {
  const s0 = performance.now();
  const opened = openDatabase({ dialect: 'sqlite', path: dbPath });
  await migrateToLatest(opened.db);
  await opened.close();
  const schemaSeconds = (performance.now() - s0) / 1000;

  const t0 = performance.now();
  const db = new SQLite(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const insertRun = db.prepare(
    'insert into recording_runs (stream_id, camera_id, start_ms, end_ms, start_cause, end_cause) values (?, ?, ?, ?, ?, ?)',
  );
  const insertSegment = db.prepare(
    `insert into segments (run_id, stream_id, camera_id, seq, start_ms, end_ms, media_start, timescale, size_bytes, init_size_bytes,
       frames, keyframes, codec, width, height, sha256, fragment_index, status, created_ms)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const perCamera = Math.ceil(rows / cameraCount);
  // Recording ends an hour ago; each camera's history reaches back perCamera segments plus its gaps.
  const endMs = Date.now() - 3600_000;
  const approxSpan = perCamera * seg.durationMs * 1.01;
  interface Cursor extends CameraLayout { t: number; runId: number; runLeft: number; seq: number; media: number; made: number }
  const cursors: Cursor[] = Array.from({ length: cameraCount }, () => {
    const start = Math.round(endMs - approxSpan - Math.random() * 60_000);
    return { cameraId: uuidv7(), streamId: uuidv7(), firstMs: start, lastMs: start, t: start, runId: 0, runLeft: 0, seq: 0, media: 0, made: 0 };
  });
  let runs = 0;
  let made = 0;
  const tx = db.transaction(() => {
    while (made < rows) {
      for (const c of cursors) {
        if (made >= rows || c.made >= perCamera) continue;
        if (c.runLeft === 0) {
          if (c.runId !== 0) c.t += 2_000 + Math.floor(Math.random() * 58_000); // the gap before the next run
          // Runs of 200–3000 segments (3 h 20 min to 50 h), capped by what is left for this camera.
          c.runLeft = Math.min(perCamera - c.made, 200 + Math.floor(Math.random() * 2800));
          const runEnd = c.t + c.runLeft * seg.durationMs;
          c.runId = Number(insertRun.run(c.streamId, c.cameraId, c.t, runEnd, runs === 0 ? 'start' : 'reconnect', 'camera_lost').lastInsertRowid);
          c.seq = 0;
          c.media = Math.floor(Math.random() * 1e6) * seg.timescale;
          runs++;
        }
        const start = c.t;
        const end = start + seg.durationMs;
        insertSegment.run(
          c.runId, c.streamId, c.cameraId, c.seq, start, end, c.media, seg.timescale, seg.sizeBytes, seg.initSizeBytes,
          seg.frames, seg.keyframes, seg.codec, seg.width, seg.height, randomBytes(32), seg.blob, 'ok', end + 150,
        );
        c.t = end;
        c.lastMs = end;
        c.media += seg.durationTicks;
        c.seq++;
        c.runLeft--;
        c.made++;
        made++;
      }
    }
  });
  tx();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { cameras: cursors.map(({ cameraId, streamId, firstMs, lastMs }) => ({ cameraId, streamId, firstMs, lastMs })), runs, seconds: (performance.now() - t0) / 1000, schemaSeconds };
}

class StopExport extends Error {}

const rangeLabel = (ms: number): string =>
  ms < 3600_000 ? `${ms / 60_000} min` : ms < 2 * 86_400_000 ? `${ms / 3600_000} h` : `${ms / 86_400_000} d`;

interface QueryTiming {
  rangeMs: number;
  segments: number;
  queryMs: number;
  planMs: number;
  ttfbMs: number;
  firstFragmentMs: number;
}

async function exportOnce(repo: RecordingRepo, bytes: SegmentBytes, camera: CameraLayout, fromMs: number, rangeMs: number): Promise<QueryTiming | 'no_recording'> {
  const t0 = performance.now();
  const toMs = fromMs + rangeMs;
  const segments = await repo.segmentsInRange(camera.cameraId, fromMs, toMs, camera.streamId);
  const t1 = performance.now();
  if (segments.length === 0) return 'no_recording';
  let plan;
  try {
    plan = planExport({ segments, fromMs, toMs });
  } catch (e) {
    if (e instanceof PlaybackError && e.code === 'no_recording') return 'no_recording';
    throw e;
  }
  const t2 = performance.now();
  let ttfb = NaN;
  let firstFragment = NaN;
  let chunks = 0;
  try {
    await writeExport(plan, bytes, (chunk) => {
      chunks++;
      if (chunks === 1) {
        ttfb = performance.now() - t0;
        if (chunk.toString('latin1', 4, 8) !== 'ftyp') throw new Error('first chunk is not an init segment');
      } else {
        firstFragment = performance.now() - t0;
        throw new StopExport();
      }
    });
  } catch (e) {
    if (!(e instanceof StopExport)) throw e;
  }
  return { rangeMs, segments: segments.length, queryMs: t1 - t0, planMs: t2 - t1, ttfbMs: ttfb, firstFragmentMs: firstFragment };
}

export async function seek(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const loadBefore = loadAverage();
  const rows = Math.round(numberSetting(options, 'rows', options.quick ? 20_000 : 1_000_000));
  const cameraCount = Math.max(1, Math.round(numberSetting(options, 'cameras', 8)));
  const queries = Math.round(numberSetting(options, 'queries', options.quick ? 100 : 500));
  // Range lengths in minutes (`--ranges 1,60,1440,44640` adds the 31-day export limit).
  const ranges = listSetting(options, 'ranges', [1, 60, 1440]).map((min) => min * 60_000);

  options.log('  preparing a real 60 s 1080p fMP4 segment');
  const seg = describeSegment(await ensureBenchFmp4(60));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-seek-'));
  try {
    const store = new LocalSegmentStore(join(dir, 'store'));
    await store.init();
    mkdirSync(join(dir, 'store', 'bench'), { recursive: true });
    copyFileSync(seg.path, join(dir, 'store', SEGMENT_FILE_REL));
    let reads = 0;
    const bytes: SegmentBytes = { read: (_ref, offset, length) => (reads++, store.readRel(SEGMENT_FILE_REL, offset, length)) };

    const dbPath = join(dir, 'index.sqlite');
    options.log(`  building ${rows.toLocaleString('en')} segment rows for ${cameraCount} cameras`);
    const built = await buildIndex(dbPath, rows, cameraCount, seg);
    const dbBytes = statSync(dbPath).size;
    options.log(`  built in ${built.seconds.toFixed(1)} s (${Math.round(rows / built.seconds).toLocaleString('en')} rows/s), ${(dbBytes / 2 ** 20).toFixed(0)} MiB`);

    const check = new SQLite(dbPath, { readonly: true });
    const totals = check.prepare('select count(*) as n, sum(frames) as frames, sum(length(fragment_index)) as blob, sum(length(sha256)) as sha from segments').get() as {
      n: number; frames: number; blob: number; sha: number;
    };
    const plans = check.prepare(
      `explain query plan select * from segments where camera_id = ? and start_ms > ? and start_ms < ? and end_ms > ? and stream_id = ? order by start_ms, id`,
    ).all(built.cameras[0]!.cameraId, 0, 1, 0, built.cameras[0]!.streamId) as { detail: string }[];
    check.close();

    // The way `vigil serve` opens it (WAL, synchronous NORMAL, Kysely), in this process.
    const opened = openDatabase({ dialect: 'sqlite', path: dbPath });
    const repo = new RecordingRepo(opened.db);
    const timings = new Map<number, QueryTiming[]>(ranges.map((r) => [r, []]));
    let noRecording = 0;
    let coldFirst: QueryTiming | null = null;
    try {
      const pick = (rangeMs: number): { camera: CameraLayout; fromMs: number } => {
        const camera = built.cameras[Math.floor(Math.random() * built.cameras.length)]!;
        const fromMs = camera.firstMs + Math.random() * (camera.lastMs - camera.firstMs - rangeMs);
        return { camera, fromMs: Math.floor(fromMs) };
      };
      // The very first query pays for opening the statement cache and reading pages; reported apart, then 20 warm-ups.
      for (let i = 0; i < 21; i++) {
        const { camera, fromMs } = pick(60_000);
        const r = await exportOnce(repo, bytes, camera, fromMs, 60_000);
        if (i === 0 && r !== 'no_recording') coldFirst = r;
      }
      options.log(`  ${queries} exports at random instants for each range (${ranges.map(rangeLabel).join(', ')})`);
      for (let i = 0; i < queries; i++) {
        for (const rangeMs of ranges) {
          const { camera, fromMs } = pick(rangeMs);
          const r = await exportOnce(repo, bytes, camera, fromMs, rangeMs);
          if (r === 'no_recording') noRecording++;
          else timings.get(rangeMs)!.push(r);
        }
      }
    } finally {
      await opened.close();
    }

    const byRange: Record<string, { queries: number; ttfbMs: Distribution; firstFragmentMs: Distribution; queryMs: Distribution; planMs: Distribution; segmentsPerQuery: number }> = {};
    for (const [rangeMs, list] of timings) {
      byRange[rangeLabel(rangeMs)] = {
        queries: list.length,
        ttfbMs: distribution(list.map((t) => t.ttfbMs)),
        firstFragmentMs: distribution(list.map((t) => t.firstFragmentMs)),
        queryMs: distribution(list.map((t) => t.queryMs)),
        planMs: distribution(list.map((t) => t.planMs)),
        segmentsPerQuery: round(list.reduce((n, t) => n + t.segments, 0) / Math.max(1, list.length), 2),
      };
    }
    const index = {
      rows: totals.n,
      frames: totals.frames,
      fragmentIndexBytes: totals.blob,
      fragmentIndexBytesPerSegment: round(totals.blob / totals.n, 1),
      fragmentIndexBytesPerFrame: round(totals.blob / totals.frames, 4),
      fragmentIndexBytesPerFragment: round((totals.blob - totals.n) / (totals.n * seg.fragments), 3),
      dbBytes,
      dbBytesPerSegment: round(dbBytes / totals.n, 1),
      dbBytesPerFrame: round(dbBytes / totals.frames, 4),
    };
    const notes: string[] = [];
    for (const [label, r] of Object.entries(byRange)) {
      if (r.ttfbMs.p95 > P95_GOAL_MS) {
        notes.push(
          `${label} range: TTFB p95 ${r.ttfbMs.p95} ms is above the ${P95_GOAL_MS} ms goal (query p95 ${r.queryMs.p95} ms, plan p95 ${r.planMs.p95} ms, ` +
            `${r.segmentsPerQuery} segments per query).`,
        );
      }
    }
    if (noRecording > 0) notes.push(`${noRecording} random instants fell in a gap with nothing recorded in the range (not timed).`);
    notes.push('Warm page cache: the DB was just built, so its pages are in the OS cache (a cold first query after boot reads from disk).');
    return {
      name: 'seek',
      description:
        'Time to first byte of an MP4 export at a random instant (RecordingRepo.segmentsInRange → planExport → writeExport until its first ' +
        'chunk), over a synthetic SQLite index of real-shaped segment rows; ttfbMs = the init segment reaches the sink, firstFragmentMs = the ' +
        'first re-timed fragment does. Every row points at one real 60 s 1080p fMP4 segment read through LocalSegmentStore.',
      quick: options.quick,
      machine: await machineInfo(),
      load: { before: loadBefore, after: loadAverage() },
      durationSeconds: round((Date.now() - started) / 1000, 1),
      parameters: { rows, cameras: cameraCount, queriesPerRange: queries, rangesMs: ranges, p95GoalMs: P95_GOAL_MS },
      results: {
        build: { rows, runs: built.runs, seconds: round(built.seconds, 2), rowsPerSecond: Math.round(rows / built.seconds), schemaSeconds: round(built.schemaSeconds, 3) },
        segment: { ...seg, blob: undefined, path: undefined, blobBytes: seg.blob.length },
        index,
        queryPlan: plans.map((p) => p.detail),
        coldFirstQuery: coldFirst,
        byRange,
        noRecording,
        segmentReads: reads,
      },
      summary: [
        ...Object.entries(byRange).flatMap(([label, r]) => [
          {
            metric: `export TTFB p50 / p95, ${label} range (${rows.toLocaleString('en')} rows)`,
            value: `${round(r.ttfbMs.p50, 2)} / ${round(r.ttfbMs.p95, 2)} ms`,
            goal: `p95 ≤ ${P95_GOAL_MS} ms`,
            ok: r.ttfbMs.p95 <= P95_GOAL_MS,
          },
          {
            metric: `  of which query / plan p50 (p95); first fragment p95`,
            value: `${round(r.queryMs.p50, 2)} (${round(r.queryMs.p95, 2)}) / ${round(r.planMs.p50, 2)} (${round(r.planMs.p95, 2)}) ms; ${round(r.firstFragmentMs.p95, 1)} ms`,
          },
        ]),
        { metric: 'index build', value: `${round(built.seconds, 1)} s (${Math.round(rows / built.seconds).toLocaleString('en')} rows/s)` },
        { metric: 'index bytes/frame: fragment index blob; whole DB', value: `${index.fragmentIndexBytesPerFrame}; ${index.dbBytesPerFrame}` },
      ],
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
