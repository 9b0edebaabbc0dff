// Encryption at rest (architecture §7): what it costs.
// (1) Recording CPU of `vigil serve` with `storage.encryption` on vs off, N simulated 1080p streams, in the same run
//     against the same simulator, phases alternated off/on/on/off (ABBA) so drift of a shared machine cancels out;
//     the ratio is summed CPU of the "on" phases over summed CPU of the "off" phases (goal ≤ 1.10).
// (2) Playback time to first byte: the HLS route's first store read (one fragment's EXT-X-BYTERANGE, capped at the
//     route's 4 MiB read size) of a real 60 s 1080p fMP4 segment written through the real store, encrypted and
//     plaintext, "cold" (a fresh store: key row read, unwrap, trailer read — the first request of a segment) and "warm"
//     (the key and layout cached — the following requests); SQLite key table. Goal: encrypted cold p95 ≤ 50 ms.
// (3) The raw AES-256-GCM sealing throughput of the writer (one core), as a bound on the recording cost per stream.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateToLatest, openDatabase } from '../src/db/index.js';
import { splitFile } from '../src/media/index.js';
import { DEFAULT_MAX_READ_BYTES } from '../src/playback/types.js';
import { LocalSegmentStore, masterKeyOf, MasterKeyring, SegmentKeyRepo, SegmentKeys, type SegmentFileRef } from '../src/storage/index.js';
import { startSimCameras } from '../tools/sim-camera/index.js';
import { distribution, listSetting, machineInfo, numberSetting, round, sleep, type BenchOptions, type BenchResult, type SummaryRow } from './lib/common.js';
import { benchStream, ensureBenchClip, ensureBenchFmp4 } from './lib/media.js';
import { loadAverage } from './lib/proc.js';
import { runVigil } from './recording-cost.js';

const CPU_RATIO_GOAL = 1.1;
const TTFB_P95_GOAL_MS = 50;

async function recordingCpu(options: BenchOptions, n: number, warmupS: number, measureS: number, rounds: number) {
  const names = Array.from({ length: n }, (_, i) => `c${i + 1}`);
  const sim = await startSimCameras({ streams: names.map((name) => benchStream(name)), port: 0 });
  const order = Array.from({ length: rounds }, (_, i) => (i % 4 === 0 || i % 4 === 3 ? 'off' : 'on'));
  const phases: { encryption: 'on' | 'off'; cpuSeconds: number; lost: number; busy: number }[] = [];
  try {
    for (const phase of order) {
      options.log(`  N=${n}: vigil with storage.encryption ${phase}`);
      const v = await runVigil(sim, names, warmupS, measureS, options.log, { storage: { encryption: phase === 'on' } });
      phases.push({ encryption: phase as 'on' | 'off', cpuSeconds: round(v.recorder.cpuSeconds, 3), lost: v.fragments.windowLost, busy: round(v.machine.busy, 3) });
      await sleep(2000);
    }
  } finally {
    await sim.close();
  }
  const total = (p: 'on' | 'off') => phases.filter((x) => x.encryption === p).reduce((a, x) => a + x.cpuSeconds, 0);
  return { streams: n, phases, ratio: total('off') > 0 ? round(total('on') / total('off'), 3) : null };
}

async function ttfb(options: BenchOptions, requests: number) {
  const file = readFileSync(await ensureBenchFmp4(60));
  const split = splitFile(file);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-enc-'));
  const database = openDatabase({ dialect: 'sqlite', path: join(dir, 'index.sqlite') });
  try {
    await migrateToLatest(database.db);
    const keys = new SegmentKeys(new SegmentKeyRepo(database.db), new MasterKeyring(masterKeyOf(randomBytes(32))));
    const ref = (seq: number): SegmentFileRef => ({ cameraId: '0192f3a0-0000-7000-8000-00000000be01', runId: 1, seq, startMs: Date.UTC(2026, 11, 3) });
    const result: Record<string, ReturnType<typeof distribution>> = {};
    for (const encrypted of [true, false]) {
      const root = join(dir, encrypted ? 'enc' : 'plain');
      const writerStore = new LocalSegmentStore(root, encrypted ? { keys } : {});
      await writerStore.init();
      const segments = 8; // several files, so "cold" is not always the same file's page cache
      for (let seq = 0; seq < segments; seq++) {
        const w = await writerStore.createWriter(ref(seq));
        await w.write(split.init.data);
        for (const f of split.fragments) await w.writev([f.data]);
        await w.commit();
      }
      for (const mode of ['cold', 'warm'] as const) {
        const times: number[] = [];
        let store = new LocalSegmentStore(root, encrypted ? { keys, encryptNew: false } : {});
        for (let i = 0; i < requests; i++) {
          if (mode === 'cold') store = new LocalSegmentStore(root, encrypted ? { keys, encryptNew: false } : {});
          const f = split.fragments[Math.floor(Math.random() * split.fragments.length)]!;
          const t0 = performance.now();
          const got = await store.read(ref(i % segments), f.offset, Math.min(f.data.length, DEFAULT_MAX_READ_BYTES));
          times.push(performance.now() - t0);
          if (!got.equals(f.data.subarray(0, got.length))) throw new Error('read returned other bytes than were written');
        }
        result[`${encrypted ? 'encrypted' : 'plaintext'}-${mode}`] = distribution(times);
      }
    }
    options.log(`  ttfb: ${requests} fragment reads per mode`);
    return { fragments: split.fragments.length, meanFragmentBytes: Math.round(split.fragments.reduce((a, f) => a + f.data.length, 0) / split.fragments.length), readMs: result };
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sealThroughput(): Promise<{ mibPerSecond: number; coreSecondsPerStreamHour: number }> {
  const { aadBase, buildHeader, sealRecords } = await import('../src/storage/segment-crypto.js');
  const key = randomBytes(32);
  const base = aadBase(buildHeader(randomBytes(16)), 'bench/file.mp4');
  const fragment = randomBytes(500_000); // ~1 s of a 4 Mbit/s stream
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < 400; i++) {
    sealRecords(key, base, i * 8, [fragment]);
    bytes += fragment.length;
  }
  const s = (performance.now() - t0) / 1000;
  const mibPerSecond = bytes / s / 1048576;
  return { mibPerSecond: round(mibPerSecond, 1), coreSecondsPerStreamHour: round((3600 * 500_000) / (mibPerSecond * 1048576), 2) };
}

export async function encryption(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const before = loadAverage();
  const counts = listSetting(options, 'streams', options.quick ? [2] : [8]);
  const warmupS = numberSetting(options, 'warmup', options.quick ? 3 : 10);
  const measureS = numberSetting(options, 'duration', options.quick ? 10 : 40);
  // Quick mode (the smoke test runs every benchmark within 4 minutes) skips the recording phases unless --rounds is given.
  const rounds = numberSetting(options, 'rounds', options.quick ? 0 : 4);
  const requests = numberSetting(options, 'reads', options.quick ? 200 : 1000);
  await ensureBenchClip();
  options.log('encryption: AES-256-GCM sealing throughput');
  const seal = await sealThroughput();
  options.log('encryption: playback first-byte reads');
  const read = await ttfb(options, requests);
  const cpu = [];
  if (rounds > 0) for (const n of counts) cpu.push(await recordingCpu(options, n, warmupS, measureS, rounds));
  const cold = read.readMs['encrypted-cold']!;
  const summary: SummaryRow[] = [
    ...cpu.map((c) => ({
      metric: `N=${c.streams} recording CPU, encryption on / off (${c.phases.map((p) => p.encryption).join(',')}, ${measureS} s each)`,
      value: `${c.phases.filter((p) => p.encryption === 'on').map((p) => p.cpuSeconds).join('+')} / ${c.phases.filter((p) => p.encryption === 'off').map((p) => p.cpuSeconds).join('+')} s = ${c.ratio ?? '–'}`,
      goal: `≤ ${CPU_RATIO_GOAL}`,
      ok: c.ratio !== null && c.ratio <= CPU_RATIO_GOAL,
    })),
    { metric: 'playback first read p95, encrypted cold (new segment)', value: `${cold.p95} ms (p50 ${cold.p50})`, goal: `≤ ${TTFB_P95_GOAL_MS} ms`, ok: cold.p95 <= TTFB_P95_GOAL_MS },
    { metric: 'playback first read p95, encrypted warm / plaintext warm', value: `${read.readMs['encrypted-warm']!.p95} / ${read.readMs['plaintext-warm']!.p95} ms` },
    { metric: 'AES-256-GCM seal, one core', value: `${seal.mibPerSecond} MiB/s = ${seal.coreSecondsPerStreamHour} core-s per 4 Mbit/s stream-hour` },
  ];
  const notes = [
    'The CPU ratio compares whole vigil serve process trees (node + ffmpeg ingest children); the machine is shared, so phases alternate off/on/on/off.',
    'First read = the bytes the HLS route sends first for one EXT-X-BYTERANGE (a fragment, ≤ 4 MiB), page cache warm (the file was just written).',
  ];
  if (rounds === 0) notes.push('recording CPU not measured (quick mode): give --rounds 2 or more.');
  for (const c of cpu) for (const p of c.phases) if (p.busy > 0.9) notes.push(`N=${c.streams} ${p.encryption}: machine ${Math.round(p.busy * 100)}% busy (contention).`);
  return {
    name: 'encryption',
    description: 'Encryption at rest: recording CPU with storage.encryption on vs off, playback first-read latency encrypted vs plaintext, AES-GCM throughput.',
    quick: options.quick,
    machine: await machineInfo(),
    load: { before, after: loadAverage() },
    durationSeconds: round((Date.now() - started) / 1000, 1),
    parameters: { streams: counts, warmupSeconds: warmupS, measureSeconds: measureS, rounds, reads: requests, cpuRatioGoal: CPU_RATIO_GOAL, ttfbP95GoalMs: TTFB_P95_GOAL_MS },
    results: { recordingCpu: cpu, playbackRead: read, seal },
    summary,
    notes,
  };
}
