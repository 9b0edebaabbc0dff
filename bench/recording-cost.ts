// Recording cost: N simulated 1080p H.264 streams (4 Mbit/s, 25 fps, GOP 2 s) recorded (a) by bare
// `ffmpeg -c copy` processes, one per stream, writing fragmented MP4 files, and (b) by `vigil serve` with its default
// config (60 s segments, 1 s fragments, fsync per fragment; its built-in RTSP ingest, so no ffmpeg children —
// `--vigil-config '{"ingest":{"rtspClient":"ffmpeg"}}'` measures the ffmpeg-child path) on a fresh data dir, one after
// the other (or, with --order concurrent, at the same time) against the same simulator, for the same warm-up and
// measured window.
//
// Measured from /proc (bench/lib/proc.ts): CPU seconds of the recorder's process tree (Vigil's node + its ffmpeg
// children; the bare ffmpeg processes), never the simulator or this driver; RSS of the tree sampled every second;
// the simulator's own CPU separately (to show it is not the bottleneck) and the whole machine's busy share. From
// Vigil's /metrics: fragments received, written and lost per stream.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { startSimCameras, type SimCameras } from '../tools/sim-camera/index.js';
import { startServe, waitFor, type ServingVigil } from '../test/support/vigil-process.js';
import {
  fmtBytes, listSetting, machineInfo, numberSetting, round, sleep,
  type BenchOptions, type BenchResult, type SummaryRow,
} from './lib/common.js';
import { bareFfmpegArgs, benchStream, ensureBenchClip, perStream, type PromSample } from './lib/media.js';
import { addCamera, adminSession, scrapeMetrics, stopServe } from './lib/vigil.js';
import {
  loadAverage, machineBusy, machineCpu, processTree, readStat, sampleGroup, threadCpuDelta, threadCpuSeconds, type GroupSample, type ProcStat,
} from './lib/proc.js';

const NOMINAL_BITRATE_BPS = 4_000_000;
const CPU_RATIO_GOAL = 1.15;

interface WindowMeasure {
  windowSeconds: number;
  cpuSeconds: number;
  cpuSecondsPerStream: number;
  /** Share of one core per stream over the window, in percent. */
  corePercentPerStream: number;
  cpuByComm: Record<string, number>;
  rssPerStream: { meanBytes: number; maxBytes: number };
  rssTotal: { meanBytes: number; maxBytes: number };
  /** PSS (shared library pages split among sharers): what the group really costs in memory. */
  pssPerStream: { meanBytes: number; maxBytes: number };
  rssByCommMean: Record<string, number>;
  processes: { min: number; max: number };
  samples: number;
  /** Threads of the root process (Vigil's node; absent for bare): the main thread (JS) vs the others (libuv pool: file
   *  writes and fdatasync; V8 GC and compiler threads), user and system apart. Threads that exited inside the window
   *  are missing here (their CPU is in cpuSeconds). */
  rootThreads?: Record<string, { user: number; system: number; threads: number }>;
  /** User vs system CPU of all ffmpeg processes of the group. */
  ffmpegUserSystem: { user: number; system: number };
}

interface SimMeasure {
  pid: number;
  /** Cores the simulator used over the window (1.0 = one core busy). */
  cores: number;
  /** The busiest single thread's share of a core (a saturated thread would be ~1.0). */
  busiestThreadCores: number;
  busiestThread: string;
}

interface PhaseBase {
  recorder: WindowMeasure;
  sim: SimMeasure;
  machine: { busy: number; iowait: number; loadAverageEnd: [number, number, number] };
  startupSeconds: number;
}

interface BarePhase extends PhaseBase {
  /** Bytes each ffmpeg wrote to its file during the window, as bit/s (nominal 4,000,000). */
  bitrateBps: { min: number; mean: number; max: number };
  exitedDuringWindow: number;
}

interface VigilPhase extends PhaseBase {
  fragments: {
    /** Totals since start, over all streams (at the end of the window). */
    received: number;
    written: number;
    lost: number;
    /** During the window only. */
    windowReceived: number;
    windowWritten: number;
    windowLost: number;
    /** Of windowWritten, appended by the native reader itself (docs/storage.md, "Inline recording"). */
    windowWrittenInline: number;
    /** Of windowWrittenInline, written with O_DIRECT (recording.directWrites; docs/storage.md, "Direct writes"). */
    windowWrittenDirect: number;
    /** Received in the window per stream: min/max (expected ≈ window seconds at 1 s fragments). */
    windowReceivedPerStream: { min: number; max: number };
    streamsWithLoss: number;
  };
  segmentsWritten: number;
  reconnects: number;
  /** The byte path Vigil recorded with (recording.bytePath; from /metrics). */
  bytePath: string;
  fps: { min: number; mean: number };
  bitrateBps: { min: number; mean: number; max: number };
  streamStates: Record<string, number>;
  /** From the index after a graceful stop: bytes of fragment index blobs / frames, and index DB bytes / frames. */
  index: { segments: number; frames: number; fragmentIndexBytesPerFrame: number; dbBytesPerFrame: number } | null;
  logWarnings: number;
  logErrors: number;
  /** 'killed' when a graceful stop took longer than 20 s. */
  stopped: 'stopped' | 'killed';
}

interface RunN {
  streams: number;
  /** With --repeat K > 1: which of the K rounds at this N (1-based). */
  round?: number;
  bare: BarePhase | { error: string };
  vigil: VigilPhase | { error: string };
  cpuRatio: number | null;
  /**
   * Vigil's tree CPU / its own ffmpeg children's CPU, inside the vigil phase: the ratio with Vigil's ffmpeg standing in
   * for bare ffmpeg (they run the same input code). Free of the ±15–25% the two phases differ by on a shared VM.
   */
  inPhaseRatio: number | null;
  rssRatio: number | null;
}

/** Samples a process group every second for `seconds`; returns the window measure. */
async function measureWindow(
  target: { rootPid: number } | { pids: readonly number[] },
  streams: number,
  seconds: number,
  simPid: number,
): Promise<{ recorder: WindowMeasure; sim: SimMeasure; machine: { busy: number; iowait: number } }> {
  const simThreads0 = threadCpuSeconds(simPid);
  const rootThreads0 = 'rootPid' in target ? threadCpuSeconds(target.rootPid) : null;
  const ffmpegPids = (): number[] =>
    ('rootPid' in target ? processTree(target.rootPid) : target.pids.map((p) => readStat(p)).filter((x): x is ProcStat => !!x))
      .filter((p) => p.comm === 'ffmpeg')
      .map((p) => p.pid);
  const ffmpegUs = (pids: number[]) =>
    pids.map((p) => readStat(p)).reduce((a, st) => (st ? { user: a.user + st.userSeconds, system: a.system + st.systemSeconds } : a), { user: 0, system: 0 });
  const ffPids = ffmpegPids();
  const ff0 = ffmpegUs(ffPids);
  const sim0 = sampleGroup({ pids: [simPid] });
  const m0 = machineCpu();
  const first = sampleGroup(target);
  const samples: GroupSample[] = [first];
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  while (Date.now() < end) {
    await sleep(Math.min(1000, end - Date.now()));
    samples.push(sampleGroup(target));
  }
  const last = samples.at(-1)!;
  const ff1 = ffmpegUs(ffPids);
  const rootThreads = rootThreads0 && 'rootPid' in target ? threadCpuDelta(target.rootPid, rootThreads0, threadCpuSeconds(target.rootPid)) : undefined;
  const m1 = machineCpu();
  const sim1 = sampleGroup({ pids: [simPid] });
  const simThreads1 = threadCpuSeconds(simPid);
  const windowSeconds = (last.atMs - first.atMs) / 1000;

  const cpuSeconds = last.cpuSeconds - first.cpuSeconds;
  const cpuByComm: Record<string, number> = {};
  for (const [k, v] of Object.entries(last.cpuByComm)) cpuByComm[k] = round(v - (first.cpuByComm[k] ?? 0), 2);
  const rss = samples.map((s) => s.rssBytes);
  const rssByCommMean: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.rssByComm)) rssByCommMean[k] = (rssByCommMean[k] ?? 0) + v / samples.length;
  let busiest = { name: '', cpu: 0 };
  for (const [tid, t] of simThreads1) {
    const cpu = t.cpuSeconds - (simThreads0.get(tid)?.cpuSeconds ?? 0);
    if (cpu > busiest.cpu) busiest = { name: t.comm, cpu };
  }
  const meanRss = rss.reduce((a, b) => a + b, 0) / rss.length;
  const pss = samples.map((s) => s.pssBytes);
  const meanPss = pss.reduce((a, b) => a + b, 0) / pss.length;
  return {
    recorder: {
      windowSeconds: round(windowSeconds, 2),
      cpuSeconds: round(cpuSeconds, 2),
      cpuSecondsPerStream: round(cpuSeconds / streams, 3),
      corePercentPerStream: round((100 * cpuSeconds) / streams / windowSeconds, 2),
      cpuByComm,
      rssPerStream: { meanBytes: Math.round(meanRss / streams), maxBytes: Math.round(Math.max(...rss) / streams) },
      rssTotal: { meanBytes: Math.round(meanRss), maxBytes: Math.max(...rss) },
      pssPerStream: { meanBytes: Math.round(meanPss / streams), maxBytes: Math.round(Math.max(...pss) / streams) },
      rssByCommMean: Object.fromEntries(Object.entries(rssByCommMean).map(([k, v]) => [k, Math.round(v)])),
      processes: { min: Math.min(...samples.map((s) => s.processes)), max: Math.max(...samples.map((s) => s.processes)) },
      samples: samples.length,
      ...(rootThreads ? { rootThreads } : {}),
      ffmpegUserSystem: { user: round(ff1.user - ff0.user, 2), system: round(ff1.system - ff0.system, 2) },
    },
    sim: {
      pid: simPid,
      cores: round((sim1.cpuSeconds - sim0.cpuSeconds) / windowSeconds, 3),
      busiestThreadCores: round(busiest.cpu / windowSeconds, 3),
      busiestThread: busiest.name,
    },
    machine: { busy: round(machineBusy(m0, m1).busy, 3), iowait: round(machineBusy(m0, m1).iowait, 3) },
  };
}

function stats3(values: number[]): { min: number; mean: number; max: number } {
  return {
    min: Math.round(Math.min(...values)),
    mean: Math.round(values.reduce((a, b) => a + b, 0) / values.length),
    max: Math.round(Math.max(...values)),
  };
}

/**
 * Where two phases run at once (`--order concurrent`) meet before measuring, so their windows are the same seconds.
 * A phase that fails before it gets there calls `leave`, so the other does not wait for it.
 */
interface MeetingPoint {
  arrive(): Promise<void>;
  leave(): void;
}

function meetingPoint(parties: number): MeetingPoint {
  let waiting = parties;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const count = () => {
    if (--waiting <= 0) open();
  };
  return {
    arrive: async () => {
      count();
      await opened;
    },
    leave: count,
  };
}

async function runBare(
  sim: SimCameras, names: string[], warmupS: number, measureS: number, log: (m: string) => void, meet?: MeetingPoint,
): Promise<BarePhase> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-bare-'));
  const children: { child: ChildProcess; out: string; exited: boolean; stderr: string }[] = [];
  const t0 = Date.now();
  try {
    for (const name of names) {
      const out = join(dir, `${name}.mp4`);
      const child = spawn('ffmpeg', bareFfmpegArgs(sim.urlOf(name), out), { stdio: ['ignore', 'ignore', 'pipe'] });
      const entry = { child, out, exited: false, stderr: '' };
      child.stderr!.on('data', (d: Buffer) => (entry.stderr = (entry.stderr + d.toString()).slice(-2000)));
      child.on('exit', () => (entry.exited = true));
      children.push(entry);
    }
    const size = (p: string): number => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    await waitFor(async () => children.every((c) => size(c.out) > 0), { timeoutMs: 60_000, intervalMs: 200, what: 'every bare ffmpeg to write' });
    const startupSeconds = (Date.now() - t0) / 1000;
    log(`    bare: ${names.length} ffmpeg writing after ${startupSeconds.toFixed(1)} s; warm-up ${warmupS} s`);
    await sleep(warmupS * 1000);
    await meet?.arrive();
    const exitedBefore = children.filter((c) => c.exited).length;
    const sizes0 = children.map((c) => size(c.out));
    const pids = children.map((c) => c.child.pid!).filter(Boolean);
    log(`    bare: measuring ${measureS} s`);
    const w = await measureWindow({ pids }, names.length, measureS, sim.pid);
    const sizes1 = children.map((c) => size(c.out));
    const bitrates = sizes1.map((s, i) => ((s - sizes0[i]!) * 8) / w.recorder.windowSeconds);
    const exited = children.filter((c) => c.exited);
    if (exited.length > 0) log(`    bare: ${exited.length} ffmpeg exited early; last stderr: ${exited[0]!.stderr.trim().slice(-300)}`);
    return {
      ...w,
      machine: { ...w.machine, loadAverageEnd: loadAverage() },
      startupSeconds: round(startupSeconds, 2),
      bitrateBps: stats3(bitrates),
      exitedDuringWindow: exited.length - exitedBefore,
    };
  } finally {
    for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exited ? undefined : new Promise((r) => c.child.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** One vigil serve phase (also used by the encryption benchmark, with `{ storage: { encryption } }`). */
export async function runVigil(
  sim: SimCameras, names: string[], warmupS: number, measureS: number, log: (m: string) => void, vigilConfig: Record<string, unknown> | null,
  meet?: MeetingPoint,
): Promise<VigilPhase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-rec-'));
  if (vigilConfig) writeFileSync(join(dataDir, 'vigil.json'), JSON.stringify(vigilConfig));
  let serve: ServingVigil | undefined;
  const t0 = Date.now();
  try {
    serve = await startServe(dataDir);
    const admin = await adminSession(serve, dataDir);
    for (const name of names) await addCamera(admin, `bench ${name}`, sim.urlOf(name));
    await waitFor(
      async () => {
        const received = perStream(await scrapeMetrics(admin), 'vigil_stream_fragments_received');
        return received.size === names.length && [...received.values()].every((v) => v > 0);
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'every Vigil stream to receive fragments' },
    );
    const startupSeconds = (Date.now() - t0) / 1000;
    log(`    vigil: ${names.length} streams recording after ${startupSeconds.toFixed(1)} s; warm-up ${warmupS} s`);
    await sleep(warmupS * 1000);
    await meet?.arrive();
    const before = await scrapeMetrics(admin);
    log(`    vigil: measuring ${measureS} s`);
    const w = await measureWindow({ rootPid: serve.child.pid! }, names.length, measureS, sim.pid);
    const after = await scrapeMetrics(admin);

    const get = (s: PromSample[], n: string) => perStream(s, n);
    const rec1 = get(after, 'vigil_stream_fragments_received');
    const wr1 = get(after, 'vigil_stream_fragments_written');
    const lost1 = get(after, 'vigil_stream_fragments_lost');
    const rec0 = get(before, 'vigil_stream_fragments_received');
    const wr0 = get(before, 'vigil_stream_fragments_written');
    const lost0 = get(before, 'vigil_stream_fragments_lost');
    const windowReceived = [...rec1].map(([k, v]) => v - (rec0.get(k) ?? 0));
    const fps = [...get(after, 'vigil_stream_fps').values()];
    const bitrate = [...get(after, 'vigil_stream_bitrate_bps').values()];
    const states: Record<string, number> = {};
    for (const s of after) if (s.name === 'vigil_stream_state' && s.value === 1) states[s.labels.state!] = (states[s.labels.state!] ?? 0) + 1;
    const logs = serve.logs();
    const levels = logs.split('\n').map((l) => /"level":(\d+)/.exec(l)?.[1]).filter(Boolean).map(Number);

    const stopped = await stopServe(serve);
    serve = undefined;
    return {
      ...w,
      machine: { ...w.machine, loadAverageEnd: loadAverage() },
      startupSeconds: round(startupSeconds, 2),
      fragments: {
        received: sum(rec1),
        written: sum(wr1),
        lost: sum(lost1),
        windowReceived: sum(rec1) - sum(rec0),
        windowWritten: sum(wr1) - sum(wr0),
        windowLost: sum(lost1) - sum(lost0),
        windowWrittenInline: sum(get(after, 'vigil_stream_fragments_written_inline')) - sum(get(before, 'vigil_stream_fragments_written_inline')),
        windowWrittenDirect: sum(get(after, 'vigil_stream_fragments_written_direct')) - sum(get(before, 'vigil_stream_fragments_written_direct')),
        windowReceivedPerStream: { min: Math.min(...windowReceived), max: Math.max(...windowReceived) },
        streamsWithLoss: [...lost1.values()].filter((v) => v > 0).length,
      },
      segmentsWritten: sum(get(after, 'vigil_stream_segments_written')),
      reconnects: sum(get(after, 'vigil_stream_reconnects')),
      bytePath: after.find((x) => x.name === 'vigil_recording_byte_path' && x.value === 1)?.labels.path ?? 'unknown',
      fps: { min: round(Math.min(...fps), 2), mean: round(fps.reduce((a, b) => a + b, 0) / fps.length, 2) },
      bitrateBps: stats3(bitrate),
      streamStates: states,
      index: indexDensity(dataDir),
      logWarnings: levels.filter((l) => l === 40).length,
      logErrors: levels.filter((l) => l >= 50).length,
      stopped,
    };
  } finally {
    if (serve) await serve.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Index density of what Vigil really recorded (after a graceful stop closed every segment). */
function indexDensity(dataDir: string): VigilPhase['index'] {
  const path = join(dataDir, 'index.sqlite');
  try {
    const db = new SQLite(path);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      const r = db.prepare('select count(*) as n, sum(frames) as frames, sum(length(fragment_index)) as blob from segments').get() as {
        n: number; frames: number | null; blob: number | null;
      };
      if (!r.frames) return null;
      const dbBytes = statSync(path).size;
      return {
        segments: r.n,
        frames: r.frames,
        fragmentIndexBytesPerFrame: round((r.blob ?? 0) / r.frames, 4),
        dbBytesPerFrame: round(dbBytes / r.frames, 3),
      };
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

export async function recordingCost(options: BenchOptions): Promise<BenchResult> {
  const started = Date.now();
  const loadBefore = loadAverage();
  const counts = listSetting(options, 'streams', options.quick ? [2] : [8, 16, 32]);
  const warmupS = numberSetting(options, 'warmup', options.quick ? 2 : 10);
  const measureS = numberSetting(options, 'duration', options.quick ? 5 : 60);
  const order = orderSetting(options.settings.order);
  // Experiments: `--vigil-config '{"recording":{"syncEveryFragment":false}}'` (written as the data dir's vigil.json;
  // default: none, i.e. the default config) and `--phases vigil` (skip the bare phase).
  const vigilConfig = options.settings['vigil-config'] ? (JSON.parse(options.settings['vigil-config']) as Record<string, unknown>) : null;
  const phaseSet = new Set((options.settings.phases ?? 'bare,vigil').split(',').map((p) => p.trim()));
  options.log(`  clip: ensuring the shared 1080p clip (encoded once, cached)`);
  await ensureBenchClip();

  const repeat = repeatSetting(options);
  const runs: RunN[] = [];
  const notes: string[] = [];
  for (const n of counts) {
    const names = Array.from({ length: n }, (_, i) => `c${i + 1}`);
    options.log(`  N=${n}: starting ${n} simulated 1080p streams`);
    const sim = await startSimCameras({ streams: names.map((name) => benchStream(name)), port: 0 });
    try {
      for (let pass = 1; pass <= repeat; pass++) {
        if (repeat > 1) options.log(`  N=${n}: round ${pass} of ${repeat}`);
        const run: RunN = {
          streams: n, ...(repeat > 1 ? { round: pass } : {}), bare: { error: 'not run' }, vigil: { error: 'not run' }, cpuRatio: null, inPhaseRatio: null, rssRatio: null,
        };
        const failed = (phase: 'bare' | 'vigil', e: unknown) => {
          run[phase] = { error: e instanceof Error ? e.message.slice(0, 2000) : String(e) };
          options.log(`    ${phase}: FAILED: ${run[phase] && 'error' in run[phase] ? (run[phase] as { error: string }).error.slice(0, 300) : ''}`);
        };
        const concurrent = order === 'concurrent' && phaseSet.has('bare') && phaseSet.has('vigil');
        if (concurrent) {
          // Both recorders take the same streams from the simulator (its media are shared) over the same seconds.
          const meet = meetingPoint(2);
          await Promise.all([
            runBare(sim, names, warmupS, measureS, options.log, meet).then((p) => { run.bare = p; }, (e: unknown) => { meet.leave(); failed('bare', e); }),
            runVigil(sim, names, warmupS, measureS, options.log, vigilConfig, meet).then((p) => { run.vigil = p; }, (e: unknown) => { meet.leave(); failed('vigil', e); }),
          ]);
        }
        const phases = concurrent ? [] : order === 'vigil-first' ? (['vigil', 'bare'] as const) : (['bare', 'vigil'] as const);
        for (const phase of phases) {
          if (!phaseSet.has(phase)) continue;
          try {
            if (phase === 'bare') run.bare = await runBare(sim, names, warmupS, measureS, options.log);
            else run.vigil = await runVigil(sim, names, warmupS, measureS, options.log, vigilConfig);
          } catch (e) {
            failed(phase, e);
          }
          await sleep(2000); // let the simulator drop the previous sessions and the disk settle
        }
        if (concurrent && pass < repeat) await sleep(2000);
        if (!('error' in run.vigil)) {
          const ff = run.vigil.recorder.ffmpegUserSystem;
          if (ff.user + ff.system > 0) run.inPhaseRatio = round(run.vigil.recorder.cpuSeconds / (ff.user + ff.system), 3);
        }
        if (!('error' in run.bare) && !('error' in run.vigil)) {
          run.cpuRatio = round(run.vigil.recorder.cpuSeconds / run.bare.recorder.cpuSeconds, 3);
          run.rssRatio = round(run.vigil.recorder.rssTotal.meanBytes / run.bare.recorder.rssTotal.meanBytes, 3);
        }
        runs.push(run);
        notes.push(...notesFor(run));
      }
    } finally {
      await sim.close();
    }
  }

  const summary: SummaryRow[] = [];
  for (const r of runs) {
    const tag = `N=${r.streams}${r.round ? ` #${r.round}` : ''}`;
    const b = 'error' in r.bare ? null : r.bare;
    const v = 'error' in r.vigil ? null : r.vigil;
    summary.push({
      metric: `${tag} CPU s/stream (${measureS} s) vigil / bare`,
      value: `${v ? v.recorder.cpuSecondsPerStream.toFixed(3) : notRun(r.vigil) ? 'not run' : 'failed'} / ${b ? b.recorder.cpuSecondsPerStream.toFixed(3) : notRun(r.bare) ? 'not run' : 'failed'} = ${r.cpuRatio ?? '–'}`,
      goal: `ratio ≤ ${CPU_RATIO_GOAL}`,
      ...(r.cpuRatio !== null ? { ok: r.cpuRatio <= CPU_RATIO_GOAL } : { ok: false }),
    });
    summary.push({
      metric: `${tag} CPU vigil / its own ffmpeg children (in phase)`,
      // With the built-in RTSP ingest (ingest.rtspClient builtin, the default) Vigil has no ffmpeg children to compare with.
      value: `${r.inPhaseRatio ?? '–'}${v ? ` (${v.bytePath} byte path${v.recorder.processes.max === 1 ? '; no ffmpeg children: built-in RTSP ingest' : ''})` : ''}`,
    });
    const mem = (m: { meanBytes: number; maxBytes: number } | undefined) => (m ? `${fmtBytes(m.meanBytes)} (${fmtBytes(m.maxBytes)})` : '–');
    summary.push({
      metric: `${tag} RSS/stream mean (max) vigil / bare`,
      value: `${mem(v?.recorder.rssPerStream)} / ${mem(b?.recorder.rssPerStream)}`,
    });
    summary.push({
      metric: `${tag} PSS/stream mean (max) vigil / bare`,
      value: `${mem(v?.recorder.pssPerStream)} / ${mem(b?.recorder.pssPerStream)}`,
    });
    if (v) {
      summary.push({
        metric: `${tag} fragments received/written/lost`,
        value: `${v.fragments.received}/${v.fragments.written}/${v.fragments.lost}`,
        goal: '0 lost',
        ok: v.fragments.lost === 0,
      });
    }
    summary.push({
      metric: `${tag} sim CPU (cores) bare/vigil; machine busy`,
      value: `${b ? b.sim.cores : '–'} / ${v ? v.sim.cores : '–'}; ${b ? Math.round(b.machine.busy * 100) : '–'}% / ${v ? Math.round(v.machine.busy * 100) : '–'}%`,
    });
  }
  if (repeat > 1) summary.push(...acrossRounds(runs, counts));
  const index = runs.map((r) => ('error' in r.vigil ? null : r.vigil.index)).find((x) => x);
  // The whole-DB figure means little for a few minutes of recording (fixed page overhead); see the seek benchmark.
  if (index) summary.push({ metric: 'real recording: fragment index bytes/frame', value: `${index.fragmentIndexBytesPerFrame}` });

  return {
    name: 'recording-cost',
    description:
      'N simulated 1080p H.264 streams at 4 Mbit/s recorded by bare ffmpeg -c copy (one process per stream) and by vigil serve ' +
      '(default config: 60 s segments, 1 s fragments, fsync per fragment), one after the other against the same simulator. CPU seconds ' +
      '(utime+stime from /proc, process tree of the recorder only) and RSS (VmRSS summed over the tree, sampled every second) over the ' +
      'measured window after a warm-up; fragments from Vigil /metrics.',
    quick: options.quick,
    machine: await machineInfo(),
    load: { before: loadBefore, after: loadAverage() },
    durationSeconds: round((Date.now() - started) / 1000, 1),
    parameters: {
      streams: counts, repeat, warmupSeconds: warmupS, measureSeconds: measureS, order, vigilConfig, phases: [...phaseSet], nominalBitrateBps: NOMINAL_BITRATE_BPS,
      stream: benchStream('cN'), bareCommand: `ffmpeg ${bareFfmpegArgs('rtsp://…', 'out.mp4').join(' ')}`, cpuRatioGoal: CPU_RATIO_GOAL,
    },
    results: runs,
    summary,
    notes,
  };
}

/**
 * `--repeat K` runs each N K times against one simulator (with `--order concurrent`, K aligned windows): on this kind
 * of shared VM a single window's ratio moves by ±0.05–0.15 (bench/README.md), so a goal is judged on the median.
 */
function repeatSetting(options: BenchOptions): number {
  const raw = options.settings.repeat;
  if (raw === undefined) return 1;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 1 || k > 50) throw new Error(`--repeat must be an integer in 1..50, got ${JSON.stringify(raw)}`);
  return k;
}

/** One row per N over its rounds: the median and range of both ratios. */
function acrossRounds(runs: RunN[], counts: number[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const spread = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return { median: round(median, 3), text: `${round(median, 3)} (${sorted[0]}–${sorted[sorted.length - 1]}, ${sorted.length} rounds)` };
  };
  for (const n of counts) {
    const mine = runs.filter((r) => r.streams === n);
    const ratios = mine.flatMap((r) => (r.cpuRatio === null ? [] : [r.cpuRatio]));
    const inPhase = mine.flatMap((r) => (r.inPhaseRatio === null ? [] : [r.inPhaseRatio]));
    if (ratios.length > 0) {
      const m = spread(ratios);
      rows.push({ metric: `N=${n} CPU vigil / bare, median (range)`, value: m.text, goal: `median ≤ ${CPU_RATIO_GOAL}`, ok: m.median <= CPU_RATIO_GOAL });
    }
    if (inPhase.length > 0) rows.push({ metric: `N=${n} CPU vigil / its own ffmpeg children, median (range)`, value: spread(inPhase).text });
  }
  return rows;
}

const notRun = (p: object): boolean => 'error' in p && p.error === 'not run';

/**
 * bare-first (default) and vigil-first run the phases one after the other; concurrent runs them at the same time over
 * the same streams, so the slow drift of a shared VM (the same ffmpeg work costing ±10–25% more or less from one
 * minute to the next) falls on both alike. The one-after-the-other orders remain for comparison with older results.
 */
function orderSetting(value: string | undefined): 'bare-first' | 'vigil-first' | 'concurrent' {
  if (value === undefined || value === 'bare-first') return 'bare-first';
  if (value === 'vigil-first' || value === 'concurrent') return value;
  throw new Error(`--order must be bare-first, vigil-first or concurrent, not ${JSON.stringify(value)}`);
}

function notesFor(r: RunN): string[] {
  const notes: string[] = [];
  const tag = `N=${r.streams}`;
  if ('error' in r.bare && r.bare.error !== 'not run') notes.push(`${tag}: bare phase failed: ${r.bare.error.slice(0, 300)}`);
  if ('error' in r.vigil && r.vigil.error !== 'not run') notes.push(`${tag}: vigil phase failed: ${r.vigil.error.slice(0, 300)}`);
  if (r.cpuRatio !== null && r.cpuRatio > CPU_RATIO_GOAL) notes.push(`${tag}: CPU ratio ${r.cpuRatio} is above the goal ${CPU_RATIO_GOAL}.`);
  for (const [phase, p] of [['bare', r.bare], ['vigil', r.vigil]] as const) {
    if ('error' in p) continue;
    if (p.machine.busy > 0.9) notes.push(`${tag} ${phase}: the machine was ${Math.round(p.machine.busy * 100)}% busy (CPU saturated): numbers are under contention.`);
    if (p.sim.busiestThreadCores > 0.8) notes.push(`${tag} ${phase}: a simulator thread (${p.sim.busiestThread}) used ${p.sim.busiestThreadCores} of a core: the simulator may be the bottleneck.`);
  }
  if (!('error' in r.bare)) {
    if (r.bare.bitrateBps.min < NOMINAL_BITRATE_BPS * 0.8) notes.push(`${tag} bare: slowest stream wrote only ${(r.bare.bitrateBps.min / 1e6).toFixed(2)} Mbit/s (nominal 4).`);
    if (r.bare.exitedDuringWindow > 0) notes.push(`${tag} bare: ${r.bare.exitedDuringWindow} ffmpeg exited during the window.`);
  }
  if (!('error' in r.vigil)) {
    const v = r.vigil;
    if (v.fragments.lost > 0) notes.push(`${tag} vigil: ${v.fragments.lost} fragments lost on ${v.fragments.streamsWithLoss} streams.`);
    if (v.reconnects > 0) notes.push(`${tag} vigil: ${v.reconnects} ingest reconnects.`);
    if (v.fps.min < 24) notes.push(`${tag} vigil: slowest stream at ${v.fps.min} fps (nominal 25).`);
  }
  return notes;
}
