// Shared helpers of the benchmarks: options, machine description, statistics, result files and the printed table.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage } from './proc.js';

export const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(benchDir, '..');

export interface BenchOptions {
  quick: boolean;
  /** Where result JSON files go (default bench/results). */
  outDir: string;
  /** Free-form settings from flags/env (`--streams 8,16`, VIGIL_BENCH_STREAMS=8,16), read by each benchmark. */
  settings: Record<string, string>;
  log: (msg: string) => void;
}

/** A setting from `--name value` / `--name=value` or `VIGIL_BENCH_NAME`, else the default. */
export function setting(options: BenchOptions, name: string, fallback: string): string {
  return options.settings[name] ?? fallback;
}

export function numberSetting(options: BenchOptions, name: string, fallback: number): number {
  const raw = options.settings[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`bench: --${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}

export function listSetting(options: BenchOptions, name: string, fallback: number[]): number[] {
  const raw = options.settings[name];
  if (raw === undefined) return fallback;
  const list = raw.split(',').map((x) => Number(x.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`bench: --${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`);
  return list;
}

export interface MachineInfo {
  date: string;
  hostname: string;
  platform: string;
  kernel: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  ffmpeg: string;
  sqlite: string | null;
  loadAverage: [number, number, number];
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
  } catch {
    return 'unavailable';
  }
}

let sqliteVersion: string | null | undefined;

export async function machineInfo(): Promise<MachineInfo> {
  if (sqliteVersion === undefined) {
    try {
      const { default: SQLite } = await import('better-sqlite3');
      const db = new SQLite(':memory:');
      sqliteVersion = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
      db.close();
    } catch {
      sqliteVersion = null;
    }
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    ffmpeg: firstLine('ffmpeg', ['-version']).replace(/ Copyright.*$/, ''),
    sqlite: sqliteVersion,
    loadAverage: loadAverage(),
  };
}

/** Nearest-rank percentile of an unsorted list (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Distribution {
  n: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : NaN;
  return {
    n,
    min: n ? Math.min(...values) : NaN,
    mean: round(mean, 3),
    p50: round(percentile(values, 50), 3),
    p95: round(percentile(values, 95), 3),
    p99: round(percentile(values, 99), 3),
    max: n ? round(Math.max(...values), 3) : NaN,
  };
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const MiB = 1024 * 1024;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One line of the printed summary table. */
export interface SummaryRow {
  metric: string;
  value: string;
  goal?: string;
  /** true = goal met, false = missed, undefined = no goal. */
  ok?: boolean;
}

export interface BenchResult {
  name: string;
  /** What the numbers mean, for a reader of the JSON alone. */
  description: string;
  quick: boolean;
  machine: MachineInfo;
  /** Machine state over the benchmark (load average before/after). */
  load: { before: [number, number, number]; after: [number, number, number] };
  durationSeconds: number;
  parameters: Record<string, unknown>;
  results: unknown;
  summary: SummaryRow[];
  /** Honest notes: goals missed and why, anomalies seen. */
  notes: string[];
}

export function writeResult(outDir: string, result: BenchResult): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${result.name}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export function formatTable(rows: { bench: string; metric: string; value: string; goal: string; status: string }[]): string {
  const headers = { bench: 'benchmark', metric: 'metric', value: 'value', goal: 'goal', status: '' };
  const all = [headers, ...rows];
  const width = (k: keyof typeof headers) => Math.max(...all.map((r) => [...r[k]].length));
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - [...s].length));
  const line = (r: typeof headers) =>
    (['bench', 'metric', 'value', 'goal', 'status'] as const).map((k) => pad(r[k], width(k))).join('  ').trimEnd();
  const rule = (['bench', 'metric', 'value', 'goal'] as const).map((k) => '-'.repeat(width(k))).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export const fmtBytes = (b: number): string =>
  b >= 10 * MiB ? `${(b / MiB).toFixed(0)} MiB` : b >= MiB ? `${(b / MiB).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
