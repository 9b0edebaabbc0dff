// Smoke test of the benchmarks: `npm run bench -- --quick` runs every benchmark with small N (real simulator, real
// `vigil serve`, real ffmpeg), finishes within 3 minutes and writes a complete JSON file for each. Goals are NOT
// asserted here (with 2 streams Vigil's fixed node cost dominates the CPU ratio); the full run is for numbers.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './lib/common.js';

const out = mkdtempSync(join(tmpdir(), 'vigil-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function runQuick(extra: string[] = [], dir = out): Promise<{ code: number | null; output: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', dir, ...extra], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

// The JSON is read back only to assert on it; its shape is checked by the assertions themselves.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const read = (name: string): Record<string, any> => JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));

describe('npm run bench -- --quick', () => {
  it('recording-cost --order concurrent --repeat 2 (ffmpeg children) measures both recorders over the same windows, twice', { timeout: 150_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-concurrent-'));
    try {
      // With ffmpeg children (the other RTSP client), so that the in-phase ratio is measured here too.
      const run = await runQuick(['--only', 'recording-cost', '--order', 'concurrent', '--repeat', '2', '--vigil-config', '{"ingest":{"rtspClient":"ffmpeg"}}'], dir);
      expect(run.code, run.output.slice(-4000)).toBe(0);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const r = JSON.parse(readFileSync(join(dir, 'recording-cost.json'), 'utf8')) as Record<string, any>;
      expect(r.parameters.order).toBe('concurrent');
      expect(r.parameters.repeat).toBe(2);
      expect(r.results.map((x: { round: number }) => x.round)).toEqual([1, 2]);
      for (const n of r.results) {
        for (const phase of ['bare', 'vigil']) {
          expect(n[phase].error, `${phase} phase`).toBeUndefined();
          expect(n[phase].recorder.cpuSeconds).toBeGreaterThan(0);
        }
        expect(n.cpuRatio).toBeGreaterThan(0);
        // Vigil's tree includes its ffmpeg children, so it costs no less than them. Not strictly more: /proc counts CPU in
        // 10 ms ticks, and over a 5 s window with 2 streams the node process alone can round to 0 (CI once saw 1.000).
        // The three figures are each rounded to 0.01 s, hence the 0.02 s of slack.
        const ff = n.vigil.recorder.ffmpegUserSystem as { user: number; system: number };
        expect(n.vigil.recorder.cpuSeconds).toBeGreaterThanOrEqual(ff.user + ff.system - 0.02);
        expect(n.inPhaseRatio).toBeGreaterThan(0.9);
        expect(n.vigil.recorder.cpuByComm.ffmpeg).toBeGreaterThan(0);
      }
      // Each phase logs when its window starts ("[  14.0 s]     vigil: measuring 5 s"): the same moment for both.
      const starts = run.output.split('\n').filter((l) => /(bare|vigil): measuring/.test(l)).map((l) => Number(/\[\s*([\d.]+) s\]/.exec(l)?.[1]));
      expect(starts).toHaveLength(4);
      expect(Math.abs(starts[0]! - starts[1]!)).toBeLessThan(1.5); // one after the other, they are a phase apart
      expect(Math.abs(starts[2]! - starts[3]!)).toBeLessThan(1.5);
      expect(starts[2]! - starts[1]!).toBeGreaterThan(4); // the second round's window comes after the first one's
      const median = r.summary.find((row: { metric: string }) => /CPU vigil \/ bare, median/.test(row.metric));
      const ratios = r.results.map((x: { cpuRatio: number }) => x.cpuRatio).sort((a: number, b: number) => a - b);
      expect(Number(median.value.split(' ')[0])).toBeCloseTo((ratios[0] + ratios[1]) / 2, 2); // shown to 3 decimals, rounded
      expect((await runQuick(['--only', 'recording-cost', '--order', 'sideways'], dir)).code).not.toBe(0);
      expect((await runQuick(['--only', 'recording-cost', '--repeat', '0'], dir)).code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Not a timed test (speed is measured by the benchmarks themselves): it proves every benchmark still runs.
  it('runs every benchmark and writes its results', { timeout: 260_000 }, async () => {
    const run = await runQuick();
    expect(run.code, run.output.slice(-4000)).toBe(0);

    for (const name of ['recording-cost', 'live-latency', 'seek', 'fuzz']) {
      const r = read(name);
      expect(r.name).toBe(name);
      expect(r.quick).toBe(true);
      expect(r.machine.cores).toBeGreaterThan(0);
      expect(r.machine.ffmpeg).toMatch(/ffmpeg/);
      expect(r.summary.length).toBeGreaterThan(0);
    }

    const rec = read('recording-cost').results[0];
    for (const phase of ['bare', 'vigil']) {
      expect(rec[phase].error, `${phase} phase`).toBeUndefined();
      expect(rec[phase].recorder.cpuSeconds).toBeGreaterThan(0);
      expect(rec[phase].recorder.rssPerStream.meanBytes).toBeGreaterThan(0);
    }
    expect(rec.vigil.fragments.windowReceived).toBeGreaterThan(0);
    expect(rec.vigil.fragments.written).toBeGreaterThan(0);
    expect(rec.cpuRatio).toBeGreaterThan(0);
    // The default RTSP client is the built-in one: Vigil's tree is its node process alone, no ffmpeg child to compare with.
    expect(rec.vigil.recorder.processes.max).toBe(1);
    expect(rec.vigil.recorder.cpuByComm.ffmpeg ?? 0).toBe(0);
    expect(rec.inPhaseRatio).toBeNull();
    expect(rec.vigil.bytePath).toBe('native'); // the default (auto) on a machine with a compiler

    const live = read('live-latency').results;
    expect(live.succeeded).toBe(live.connections);
    expect(live.firstFragmentNotKeyframe).toBe(0);

    const seek = read('seek').results;
    expect(seek.byRange['1 min'].queries).toBeGreaterThan(0);
    expect(seek.index.fragmentIndexBytesPerFrame).toBeGreaterThan(0);

    const killed = read('kill9').results;
    expect(killed.passed, JSON.stringify(read('kill9').notes)).toBe(true);
    expect(killed.kills).toBe(2); // 1 cycle × 2 streams
    expect(killed.storageMismatches).toBe(0);

    // The floors (bench/README.md, byte-path-floor): bare and the Node floor always run; the native floor needs `cc`.
    const floor = read('byte-path-floor').results[0];
    for (const phase of ['bare', 'node']) {
      expect(floor[phase].error, `${phase} floor phase`).toBeUndefined();
      expect(floor[phase].ffmpegCpuSeconds).toBeGreaterThan(0);
    }
    expect(floor.node.recorderCpuSeconds).toBeGreaterThan(0);
    if (floor.native.error === undefined) expect(floor.estimatedRatio.native).toBeGreaterThan(0);
    else expect(floor.native.error).toMatch(/cc|compiler/);

    const fuzz = read('fuzz').results;
    expect(fuzz.fuzz.failures).toEqual([]);
    expect(fuzz.parser.stream64k.mbPerSecond).toBeGreaterThan(0);
  });
});
