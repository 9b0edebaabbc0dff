// Parser fuzz and throughput.
// 1. runFuzz (src/media/fmp4/fuzz.ts) with 10⁶+ seeded cases over a corpus of tiny real ffmpeg files (H.264, H.265,
//    MJPEG, made here with the unit test's recipe): cases per second, and any broken contract (an exception other
//    than Fmp4ParseError, or a stream result that depends on chunking) with the case needed to replay it.
// 2. Throughput of the stream parser (Fmp4StreamParser, what the ingest runs on ffmpeg's stdout) on a real 60 s
//    1080p H.264 fMP4 stream (4 Mbit/s, 1 s fragments) pushed in 64 KiB chunks (a pipe read), and of splitFile (what
//    recovery and `check --storage` run on a segment file).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Fmp4StreamParser, runFuzz, splitFile, type FuzzReport } from '../src/media/index.js';
import { machineInfo, numberSetting, round, MiB, type BenchOptions, type BenchResult } from './lib/common.js';
import { ensureBenchFmp4 } from './lib/media.js';
import { loadAverage } from './lib/proc.js';

const run = promisify(execFile);

/** The fuzz unit test's corpus recipe: tiny pictures keep mutated copies cheap. */
const CORPUS = [
  { name: 'tiny-h264', input: 'testsrc2=size=64x48:rate=10', seconds: 3, codec: ['-c:v', 'libx264', '-g', '10'] },
  { name: 'tiny-hevc', input: 'testsrc2=size=64x48:rate=10', seconds: 2, codec: ['-c:v', 'libx265', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-g', '10'] },
  { name: 'tiny-mjpeg', input: 'testsrc2=size=64x48:rate=5', seconds: 1, codec: ['-c:v', 'mjpeg'] },
];
const MUXER = ['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000'];

async function makeCorpus(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const c of CORPUS) {
    const path = join(dir, `${c.name}.mp4`);
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', c.input, '-t', String(c.seconds), ...c.codec, '-pix_fmt', 'yuv420p', ...MUXER, path]);
    out.push(readFileSync(path));
  }
  return out;
}

interface FuzzFailureInfo {
  caseIndex: number;
  message: string;
}

function mergeReports(a: FuzzReport | null, b: FuzzReport): FuzzReport {
  if (!a) return structuredClone(b);
  a.cases += b.cases;
  a.accepted += b.accepted;
  for (const k of Object.keys(b.rejected) as (keyof FuzzReport['rejected'])[]) a.rejected[k] += b.rejected[k];
  for (const k of Object.keys(b.targets) as (keyof FuzzReport['targets'])[]) a.targets[k] += b.targets[k];
  return a;
}

function streamParse(data: Buffer, chunkBytes: number): { inits: number; fragments: number; frames: number } {
  const parser = new Fmp4StreamParser();
  let inits = 0;
  let fragments = 0;
  let frames = 0;
  for (let pos = 0; pos < data.length; pos += chunkBytes) {
    for (const item of parser.push(data.subarray(pos, Math.min(data.length, pos + chunkBytes)))) {
      if (item.kind === 'init') inits++;
      else {
        fragments++;
        frames += item.fragment.sampleCount;
      }
    }
  }
  parser.end();
  return { inits, fragments, frames };
}

function throughput(label: string, bytes: number, fragments: number, passes: number, fn: () => void) {
  fn(); // warm-up (JIT)
  const t0 = performance.now();
  for (let i = 0; i < passes; i++) fn();
  const seconds = (performance.now() - t0) / 1000;
  return {
    label, passes, seconds: round(seconds, 4),
    mbPerSecond: round((bytes * passes) / seconds / 1e6, 1),
    mibPerSecond: round((bytes * passes) / seconds / MiB, 1),
    fragmentsPerSecond: Math.round((fragments * passes) / seconds),
  };
}

export async function fuzz(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const loadBefore = loadAverage();
  const cases = Math.round(numberSetting(options, 'cases', options.quick ? 20_000 : 1_000_000));
  const seed = Math.round(numberSetting(options, 'seed', 20261125));
  const passes = Math.max(1, Math.round(numberSetting(options, 'parse-passes', options.quick ? 3 : 20)));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-fuzz-'));
  try {
    const corpus = await makeCorpus(dir);
    options.log(`  fuzz: ${cases.toLocaleString('en')} cases, seed ${seed}, corpus ${corpus.map((c) => c.length).join(' + ')} bytes`);
    const chunk = 50_000;
    let report: FuzzReport | null = null;
    const failures: FuzzFailureInfo[] = [];
    const t0 = performance.now();
    let lastLog = t0;
    for (let first = 0; first < cases; ) {
      const n = Math.min(chunk, cases - first);
      try {
        report = mergeReports(report, runFuzz({ cases: n, seed, corpus, firstCase: first }));
        first += n;
      } catch (e) {
        // A broken contract: note the case, and go on after it.
        const caseIndex = (e as { caseIndex?: number }).caseIndex;
        if (typeof caseIndex !== 'number') throw e;
        failures.push({ caseIndex, message: e instanceof Error ? e.message.slice(0, 500) : String(e) });
        if (caseIndex > first) report = mergeReports(report, runFuzz({ cases: caseIndex - first, seed, corpus, firstCase: first }));
        first = caseIndex + 1;
        if (failures.length >= 20) break;
      }
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        options.log(`  fuzz: ${first.toLocaleString('en')} cases, ${Math.round(first / ((lastLog - t0) / 1000)).toLocaleString('en')} cases/s`);
      }
    }
    const fuzzSeconds = (performance.now() - t0) / 1000;
    const casesRun = (report?.cases ?? 0) + failures.length;
    const casesPerSecond = Math.round(casesRun / fuzzSeconds);

    options.log('  parser throughput on a real 60 s 1080p fMP4 stream');
    const path = await ensureBenchFmp4(60);
    const data = readFileSync(path);
    const shape = streamParse(data, 64 * 1024);
    const stream64k = throughput('Fmp4StreamParser, 64 KiB chunks', data.length, shape.fragments, passes, () => void streamParse(data, 64 * 1024));
    const stream1m = throughput('Fmp4StreamParser, 1 MiB chunks', data.length, shape.fragments, passes, () => void streamParse(data, MiB));
    // splitFile takes microseconds per file: many more passes for a stable figure.
    const split = throughput('splitFile (whole segment file)', data.length, shape.fragments, passes * 50, () => void splitFile(data));
    const realtimeStreams = round((stream64k.mbPerSecond * 1e6 * 8) / 4_000_000, 0);

    const notes: string[] = [];
    if (failures.length) notes.push(`${failures.length} fuzz cases broke the parser's contract (product bug): first ${failures[0]!.message}`);
    return {
      name: 'fuzz',
      description:
        'runFuzz over seeded cases (random bytes, random box trees, mutations of tiny real H.264/H.265/MJPEG fMP4 files) through every parser ' +
        'entry point; and parser throughput (decimal MB/s) on a real 60 s 1080p H.264 fMP4 stream at 4 Mbit/s with 1 s fragments.',
      quick: options.quick,
      machine: await machineInfo(),
      load: { before: loadBefore, after: loadAverage() },
      durationSeconds: round((Date.now() - started) / 1000, 1),
      parameters: { cases, seed, chunkCases: chunk, parsePasses: passes, corpus: CORPUS.map((c) => c.name) },
      results: {
        fuzz: { cases: casesRun, seconds: round(fuzzSeconds, 2), casesPerSecond, report, failures },
        parser: {
          input: { bytes: data.length, ...shape, seconds: 60 },
          stream64k,
          stream1m,
          splitFile: split,
          /** How many 4 Mbit/s streams one core's parsing could keep up with (64 KiB chunks). */
          realtimeStreamsPerCore: realtimeStreams,
        },
      },
      summary: [
        { metric: `fuzz cases/s (${casesRun.toLocaleString('en')} cases)`, value: `${casesPerSecond.toLocaleString('en')}; contract broken: ${failures.length}`, goal: '0 broken', ok: failures.length === 0 },
        { metric: 'parser MB/s on 1080p fMP4: stream 64 KiB / 1 MiB chunks', value: `${stream64k.mbPerSecond} / ${stream1m.mbPerSecond} (${realtimeStreams} × 4 Mbit/s streams per core)` },
        { metric: 'splitFile MB/s (box headers only, views)', value: `${split.mbPerSecond} (${split.fragmentsPerSecond.toLocaleString('en')} fragments/s)` },
      ],
      notes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
