// `npm run bench [-- --quick] [--only NAME[,NAME]] [--out DIR] [--<setting> VALUE …]`: runs the benchmarks, writes one
// JSON file per benchmark to bench/results/<name>.json and prints a table. See bench/README.md.
//
// Options may also come from the environment: VIGIL_BENCH_QUICK=1, VIGIL_BENCH_ONLY=seek,fuzz, VIGIL_BENCH_OUT=DIR,
// and any setting as VIGIL_BENCH_<NAME> (e.g. VIGIL_BENCH_STREAMS=8,16). Flags win over the environment.
import { resolve } from 'node:path';
import { auditRegister } from './audit-register.js';
import { bytePathFloor } from './byte-path-floor.js';
import { benchDir, formatTable, writeResult, type BenchOptions, type BenchResult } from './lib/common.js';
import { encryption } from './encryption.js';
import { fuzz } from './fuzz.js';
import { gateOverhead } from './gate-overhead.js';
import { integrityVerify } from './integrity-verify.js';
import { kill9 } from './kill9.js';
import { liveLatency } from './live-latency.js';
import { recordingCost } from './recording-cost.js';
import { seek } from './seek.js';
import { loadAverage } from './lib/proc.js';

const BENCHMARKS: Record<string, (options: BenchOptions) => Promise<BenchResult>> = {
  'recording-cost': recordingCost,
  'live-latency': liveLatency,
  seek,
  fuzz,
  'audit-register': auditRegister,
  'gate-overhead': gateOverhead,
  'integrity-verify': integrityVerify,
  encryption,
  kill9,
  'byte-path-floor': bytePathFloor,
};

const USAGE = `usage: npm run bench -- [--quick] [--only ${Object.keys(BENCHMARKS).join('|')}[,…]] [--out DIR] [--SETTING VALUE …]
settings: --streams 8,16,32 --warmup 10 --duration 60 --order bare-first|vigil-first   (recording-cost)
          --connections 100 --window 40 --cameras 4                                  (live-latency)
          --rows 1000000 --cameras 8 --queries 500 --ranges 1,60,1440 --keep-db PATH    (seek)
          --cases 1000000 --seed 20261125 --parse-passes 20                           (fuzz)
          --appends 50000 --register-rows 10000000 --queries 500                      (audit-register)
          --gate-requests 3000 --clip-seconds 20                                      (gate-overhead)
          --verify-files 256 --file-mib 8 --mutations 1000                            (integrity-verify)
          --streams 8 --warmup 10 --duration 40 --rounds 4 --reads 1000                (encryption)
          --kill-cycles 20                                                            (kill9)
          --floor-streams 8 --floor-rounds 2 --floor-warmup 8 --floor-duration 30      (byte-path-floor)`;

function parseArgs(argv: string[]): { quick: boolean; only: string[] | null; outDir: string; settings: Record<string, string> } {
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    const m = /^VIGIL_BENCH_(.+)$/.exec(k);
    if (m && v !== undefined) settings[m[1]!.toLowerCase().replace(/_/g, '-')] = v;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`bench: unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
    const name = m[1]!;
    if (name === 'quick') {
      settings.quick = m[2] ?? '1';
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`bench: --${name} needs a value\n${USAGE}`);
    settings[name] = value;
  }
  const quick = ['1', 'true', 'yes'].includes((settings.quick ?? '').toLowerCase());
  const only = settings.only ? settings.only.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const name of only ?? []) {
    if (!BENCHMARKS[name]) throw new Error(`bench: unknown benchmark ${JSON.stringify(name)}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  }
  const outDir = resolve(settings.out ?? resolve(benchDir, 'results'));
  delete settings.quick;
  delete settings.only;
  delete settings.out;
  return { quick, only, outDir, settings };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
  const options: BenchOptions = { quick: args.quick, outDir: args.outDir, settings: args.settings, log };
  const names = args.only ?? Object.keys(BENCHMARKS);
  log(`bench: ${names.join(', ')}${args.quick ? ' (quick)' : ''}; load average ${loadAverage().join(' ')}; results in ${args.outDir}`);
  const rows: { bench: string; metric: string; value: string; goal: string; status: string }[] = [];
  let failed = 0;
  for (const name of names) {
    log(`${name}: start`);
    try {
      const result = await BENCHMARKS[name]!(options);
      const path = writeResult(args.outDir, result);
      log(`${name}: done in ${result.durationSeconds} s → ${path}`);
      for (const note of result.notes) log(`${name}: note: ${note}`);
      for (const r of result.summary) {
        rows.push({ bench: name, metric: r.metric, value: r.value, goal: r.goal ?? '', status: r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED' });
      }
    } catch (e) {
      failed++;
      log(`${name}: FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      rows.push({ bench: name, metric: 'run', value: 'failed (see log)', goal: '', status: 'FAILED' });
    }
  }
  console.log(`\n${formatTable(rows)}\n`);
  log(`bench: finished in ${((Date.now() - t0) / 1000).toFixed(1)} s; load average ${loadAverage().join(' ')}`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
