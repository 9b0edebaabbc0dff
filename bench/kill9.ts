// kill -9 of the recorder, repeated (issue 2: ≥ 5 cycles in CI, 20 here): runs the fault test
// test/faults-kill9.test.ts with VIGIL_KILL_CYCLES cycles (real `vigil serve`, two simulated cameras, SIGKILL at a
// different point of the segment each cycle, restart) and reads the report it writes once all its assertions held:
// footage lost per stream per kill, segments recovered from partial files, `check --storage` mismatches (0, or the
// test fails), restart times. A failed test is a failed benchmark, with the test's output in the notes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distribution, machineInfo, numberSetting, repoRoot, round, type BenchOptions, type BenchResult, type SummaryRow } from './lib/common.js';
import { loadAverage } from './lib/proc.js';

interface KillReport {
  cycles: number;
  streams: number;
  fragmentMs: number;
  lossesMs: number[];
  recoveredSegments: number;
  verifiedSegments: number;
  serveReadyMs: number[];
  orphansGoneMs: number[];
  mismatches: number;
}

/** The delivery tolerance the fault test allows beyond one fragment (its LOSS_TOLERANCE_MS, explained there). */
const LOSS_TOLERANCE_MS = 500;

function runFaultTest(cycles: number, reportFile: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', 'test/faults-kill9.test.ts'], {
      cwd: repoRoot,
      // Without the VITEST* variables of a vitest this may run under (bench/bench.test.ts): the inner run is its own.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))), VIGIL_KILL_CYCLES: String(cycles), VIGIL_KILL_REPORT: reportFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (d: Buffer): void => {
      output = (output + d.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

export async function kill9(options: BenchOptions): Promise<BenchResult> {
  const t0 = Date.now();
  const loadBefore = loadAverage();
  const cycles = Math.max(1, Math.round(numberSetting(options, 'kill-cycles', options.quick ? 1 : 20)));
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-kill9-'));
  const reportFile = join(dir, 'report.json');
  const summary: SummaryRow[] = [];
  const notes: string[] = [];
  let results: Record<string, unknown>;
  try {
    options.log(`kill9: ${cycles} cycles of kill -9 / restart with 2 cameras (test/faults-kill9.test.ts)`);
    const run = await runFaultTest(cycles, reportFile);
    const passed = run.code === 0 && existsSync(reportFile);
    if (!passed) {
      results = { passed: false, exitCode: run.code };
      summary.push({ metric: `kill -9 cycles passed (of ${cycles})`, value: 'failed', goal: 'all', ok: false });
      notes.push(`the fault test failed (exit ${run.code}); its output ends: ${run.output.slice(-3000)}`);
    } else {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as KillReport;
      const loss = distribution(report.lossesMs);
      const lossGoalMs = report.fragmentMs + LOSS_TOLERANCE_MS;
      results = {
        passed: true,
        cycles: report.cycles,
        streams: report.streams,
        kills: report.lossesMs.length,
        lossMs: loss,
        lossesMs: report.lossesMs,
        recoveredSegments: report.recoveredSegments,
        verifiedSegments: report.verifiedSegments,
        storageMismatches: report.mismatches,
        serveReadyMs: distribution(report.serveReadyMs),
        orphanedFfmpegGoneMs: distribution(report.orphansGoneMs),
      };
      summary.push({ metric: `kill -9 cycles passed (of ${cycles})`, value: String(report.cycles), goal: 'all', ok: report.cycles === cycles });
      summary.push({ metric: 'footage lost per stream per kill, max (ms)', value: String(loss.max), goal: `≤ ${lossGoalMs} (the last fragment)`, ok: loss.max <= lossGoalMs });
      summary.push({ metric: 'footage lost per stream per kill, median (ms)', value: String(loss.p50) });
      summary.push({ metric: 'check --storage mismatches after each restart', value: String(report.mismatches), goal: '0', ok: report.mismatches === 0 });
      summary.push({ metric: 'segments recovered from partial files', value: String(report.recoveredSegments) });
      summary.push({ metric: 'restart to serving, median (ms)', value: String(round(distribution(report.serveReadyMs).p50, 0)) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: 'kill9',
    description: 'kill -9 of vigil serve while recording 2 cameras, repeated: loss per stream per kill, recovery, 0 index mismatches',
    quick: options.quick,
    machine: await machineInfo(),
    load: { before: loadBefore, after: loadAverage() },
    durationSeconds: round((Date.now() - t0) / 1000, 1),
    parameters: { cycles },
    results,
    summary,
    notes,
  };
}
