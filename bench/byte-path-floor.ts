// Byte-path floor: what the recording goal (Vigil / bare ffmpeg CPU ≤ 1.15, recording-cost) leaves room for, measured
// in one run against one simulator. Three phases, one after the other, over the same N bench streams:
//
//   bare    N `ffmpeg -c copy` processes writing files: the baseline of recording-cost.
//   node    bench/node-floor.mjs enc: a Node process doing only what the design requires per byte (read ffmpeg's
//           pipe, SHA-256, AES-256-GCM, writev, fdatasync) for N ffmpeg children like Vigil's (fMP4 to a pipe).
//   native  bench/native-floor.c enc: the same work in C (a thread per stream, reused buffers, OpenSSL's EVP),
//           compiled with the machine's `cc` against Node's bundled OpenSSL headers and the system's libcrypto.so.3.
//
// For each: CPU of the recorder process alone (never its ffmpeg children) and of its ffmpeg children, from /proc,
// over the window. `estimatedRatio` = (children + recorder) / bare: the recording-cost ratio an implementation at
// that floor would reach, with nothing else (no parser, index, HTTP). On a shared VM the phases differ by up to ±25%
// in what the same ffmpeg work costs, so `inPhaseRatio` = (children + recorder) / children, measured inside one phase,
// is the steadier figure. No goal is checked here: these are floors, not Vigil. bench/README.md, byte-path-floor.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { benchDir, machineInfo, numberSetting, round, sleep, type BenchOptions, type BenchResult, type SummaryRow } from './lib/common.js';
import { bareFfmpegArgs, benchStream, ensureBenchClip } from './lib/media.js';
import { loadAverage, processTree, readStat } from './lib/proc.js';

const run = promisify(execFile);
const CPU_RATIO_GOAL = 1.15;

type PhaseName = 'bare' | 'node' | 'native';

interface PhaseMeasure {
  /** CPU of the recorder process itself (bare: 0, the ffmpeg processes are the recorder). */
  recorderCpuSeconds: number;
  /** CPU of the ffmpeg processes (bare: the recorders; node/native: the recorder's children). */
  ffmpegCpuSeconds: number;
  windowSeconds: number;
  /** Recorder CPU per stream-second, ms (bare: the ffmpeg processes'). */
  msPerStreamSecond: number;
  ffmpegMsPerStreamSecond: number;
}

interface Round {
  bare: PhaseMeasure | { error: string };
  node: PhaseMeasure | { error: string };
  native: PhaseMeasure | { error: string };
  /** (ffmpeg children + recorder) / bare ffmpeg, per floor: what recording-cost's ratio would be at that floor. */
  estimatedRatio: { node: number | null; native: number | null };
  /** (ffmpeg children + recorder) / ffmpeg children: the same inside one phase, free of the phases' noise. */
  inPhaseRatio: { node: number | null; native: number | null };
}

/** Compiles bench/native-floor.c into `dir`; returns the binary's path. Throws with the compiler's message. */
async function buildNativeFloor(dir: string): Promise<string> {
  const out = join(dir, 'native-floor');
  // Node's own OpenSSL headers (its include dir ships them), so no libssl-dev is needed; libcrypto.so.3 is libssl3's.
  const nodeInclude = resolve(dirname(process.execPath), '..', 'include', 'node');
  const include = existsSync(join(nodeInclude, 'openssl', 'evp.h')) ? [`-I${nodeInclude}`] : [];
  try {
    await run('cc', ['-O2', ...include, '-o', out, join(benchDir, 'native-floor.c'), '-l:libcrypto.so.3', '-lpthread']);
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    const message = err.code === 'ENOENT' ? 'no C compiler (cc) on this machine' : `cc failed: ${(err.stderr ?? err.message).slice(0, 500)}`;
    throw new Error(message, { cause: e });
  }
  return out;
}

/** CPU seconds of `pids`' own time (not reaped children). */
function cpuOf(pids: readonly number[]): number {
  return pids.reduce((n, pid) => n + (readStat(pid)?.cpuSeconds ?? 0), 0);
}

async function killTree(root: ChildProcess): Promise<void> {
  if (root.pid === undefined) return;
  const exited = new Promise<void>((r) => (root.exitCode !== null || root.signalCode !== null ? r() : root.once('exit', () => r())));
  for (const p of processTree(root.pid).reverse()) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exited;
}

async function measurePhase(
  phase: PhaseName,
  sim: SimCameras,
  names: string[],
  nativeBinary: string | null,
  warmupS: number,
  measureS: number,
): Promise<PhaseMeasure> {
  const dir = mkdtempSync(join(tmpdir(), `vigil-floor-${phase}-`));
  const urls = names.map((n) => sim.urlOf(n));
  const children: ChildProcess[] = [];
  const lifetime = String(Math.ceil(warmupS + measureS + 120)); // the floors must outlive the window; killed after it
  try {
    if (phase === 'bare') {
      for (const [i, url] of urls.entries()) {
        children.push(spawn('ffmpeg', bareFfmpegArgs(url, join(dir, `${i}.mp4`)), { stdio: 'ignore' }));
      }
    } else if (phase === 'node') {
      children.push(spawn(process.execPath, [join(benchDir, 'node-floor.mjs'), 'enc', String(names.length), lifetime, ...urls], { stdio: 'ignore', env: { ...process.env, TMPDIR: dir } }));
    } else {
      if (!nativeBinary) throw new Error('native floor not built');
      children.push(spawn(nativeBinary, ['enc', String(names.length), lifetime, ...urls], { stdio: 'ignore', env: { ...process.env, TMPDIR: dir } }));
    }
    await sleep(warmupS * 1000);
    const recorder = phase === 'bare' ? [] : [children[0]!.pid!];
    const ffmpegPids = phase === 'bare'
      ? children.map((c) => c.pid!)
      : processTree(children[0]!.pid!).filter((p) => p.comm === 'ffmpeg').map((p) => p.pid);
    if (ffmpegPids.length !== names.length) throw new Error(`${phase}: ${ffmpegPids.length} of ${names.length} ffmpeg processes running after the warm-up`);
    const r0 = cpuOf(recorder);
    const f0 = cpuOf(ffmpegPids);
    const t0 = Date.now();
    await sleep(measureS * 1000);
    const r1 = cpuOf(recorder);
    const f1 = cpuOf(ffmpegPids);
    const windowSeconds = (Date.now() - t0) / 1000;
    const streamSeconds = names.length * windowSeconds;
    const recorderCpu = phase === 'bare' ? f1 - f0 : r1 - r0;
    return {
      recorderCpuSeconds: round(r1 - r0, 3), // bare: no recorder process, so 0
      ffmpegCpuSeconds: round(f1 - f0, 3),
      windowSeconds: round(windowSeconds, 2),
      msPerStreamSecond: round((1000 * recorderCpu) / streamSeconds, 2),
      ffmpegMsPerStreamSecond: round((1000 * (f1 - f0)) / streamSeconds, 2),
    };
  } finally {
    for (const c of children) await killTree(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function bytePathFloor(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const loadBefore = loadAverage();
  const streams = numberSetting(options, 'floor-streams', options.quick ? 2 : 8);
  const rounds = numberSetting(options, 'floor-rounds', options.quick ? 1 : 2);
  const warmupS = numberSetting(options, 'floor-warmup', options.quick ? 5 : 8);
  const measureS = numberSetting(options, 'floor-duration', options.quick ? 4 : 30);
  await ensureBenchClip();
  const buildDir = mkdtempSync(join(tmpdir(), 'vigil-native-floor-'));
  let nativeBinary: string | null = null;
  let buildError: string | null = null;
  try {
    nativeBinary = await buildNativeFloor(buildDir);
  } catch (e) {
    buildError = (e as Error).message;
    options.log(`  native floor: ${buildError}`);
  }
  const names = Array.from({ length: streams }, (_, i) => `f${i + 1}`);
  const sim = await startSimCameras({ streams: names.map((n) => benchStream(n)), port: 0 });
  const results: Round[] = [];
  try {
    for (let k = 0; k < rounds; k++) {
      const round_: Round = { bare: { error: 'not run' }, node: { error: 'not run' }, native: { error: 'not run' }, estimatedRatio: { node: null, native: null }, inPhaseRatio: { node: null, native: null } };
      for (const phase of ['bare', 'node', 'native'] as const) {
        try {
          if (phase === 'native' && buildError) throw new Error(buildError);
          round_[phase] = await measurePhase(phase, sim, names, nativeBinary, warmupS, measureS);
          const m = round_[phase] as PhaseMeasure;
          options.log(`  round ${k + 1} ${phase}: recorder ${m.msPerStreamSecond} ms, ffmpeg ${m.ffmpegMsPerStreamSecond} ms per stream-second`);
        } catch (e) {
          round_[phase] = { error: (e as Error).message.slice(0, 1000) };
          options.log(`  round ${k + 1} ${phase}: FAILED: ${(e as Error).message.slice(0, 300)}`);
        }
        await sleep(1500); // let the simulator drop the sessions
      }
      const bare = 'error' in round_.bare ? null : round_.bare;
      for (const f of ['node', 'native'] as const) {
        const m = round_[f];
        if (!('error' in m) && m.ffmpegMsPerStreamSecond > 0) {
          round_.inPhaseRatio[f] = round((m.ffmpegMsPerStreamSecond + m.msPerStreamSecond) / m.ffmpegMsPerStreamSecond, 3);
        }
        if (bare && !('error' in m) && bare.ffmpegCpuSeconds > 0) {
          // Per stream-second, so phases with slightly different windows compare.
          round_.estimatedRatio[f] = round((m.ffmpegMsPerStreamSecond + m.msPerStreamSecond) / bare.ffmpegMsPerStreamSecond, 3);
        }
      }
      results.push(round_);
    }
  } finally {
    await sim.close();
    rmSync(buildDir, { recursive: true, force: true });
  }

  const summary: SummaryRow[] = [];
  const show = (m: PhaseMeasure | { error: string }, pick: (x: PhaseMeasure) => number) => ('error' in m ? (m.error === 'not run' ? 'not run' : 'failed') : pick(m).toFixed(2));
  results.forEach((r, i) => {
    summary.push({
      metric: `round ${i + 1}: ms/stream-s bare ffmpeg · node floor · native floor`,
      value: `${show(r.bare, (m) => m.ffmpegMsPerStreamSecond)} · ${show(r.node, (m) => m.msPerStreamSecond)} · ${show(r.native, (m) => m.msPerStreamSecond)}`,
    });
    summary.push({
      metric: `round ${i + 1}: ratio at the floor, in phase (vs bare) node · native`,
      value: `${r.inPhaseRatio.node ?? '–'} (${r.estimatedRatio.node ?? '–'}) · ${r.inPhaseRatio.native ?? '–'} (${r.estimatedRatio.native ?? '–'})`,
      goal: `≤ ${CPU_RATIO_GOAL}`,
    });
  });
  const notes: string[] = [];
  if (buildError) notes.push(`native floor not measured: ${buildError}`);
  return {
    name: 'byte-path-floor',
    description:
      'What recording-cost\'s goal leaves room for: CPU per stream-second of bare ffmpeg -c copy, of a Node process and of a C ' +
      'process that only read ffmpeg\'s fMP4 pipe, SHA-256 it, AES-256-GCM it, write and fdatasync it (bench/node-floor.mjs, ' +
      'bench/native-floor.c), one after the other against one simulator; estimatedRatio = (children + recorder) / bare, ' +
      'inPhaseRatio = (children + recorder) / children.',
    quick: options.quick,
    machine: await machineInfo(),
    load: { before: loadBefore, after: loadAverage() },
    durationSeconds: round((Date.now() - started) / 1000, 1),
    parameters: { streams, rounds, warmupSeconds: warmupS, measureSeconds: measureS, mode: 'enc', cpuRatioGoal: CPU_RATIO_GOAL },
    results,
    summary,
    notes,
  };
}
