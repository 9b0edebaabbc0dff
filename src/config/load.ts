// Loads the configuration: defaults < config file < environment < command-line overrides, then validates it with
// the schema and reports every bad value by its path, in words an operator can act on.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Command-line `--data-dir`. */
  dataDir?: string;
  /** Command-line `--config FILE`. */
  configFile?: string;
  /** Command-line `--port`. */
  port?: string | number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

type Json = Record<string, unknown>;

function integerFrom(name: string, raw: string, problems: string[]): number | undefined {
  if (!/^-?\d+$/.test(raw.trim())) {
    problems.push(`${name}: "${raw}" is not a whole number`);
    return undefined;
  }
  return Number(raw);
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? deepMerge(b as Json, v as Json) : v;
  }
  return out;
}

/** Environment variables understood by vigil, each mapped to one setting. */
function fromEnv(env: NodeJS.ProcessEnv, problems: string[]): Json {
  const out: Json = {};
  const http: Json = {};
  if (env.VIGIL_HOST) http.host = env.VIGIL_HOST;
  if (env.VIGIL_PORT) http.port = integerFrom('VIGIL_PORT', env.VIGIL_PORT, problems);
  if (Object.keys(http).length) out.http = http;
  if (env.VIGIL_DB_URL) out.database = { dialect: 'postgres', url: env.VIGIL_DB_URL };
  if (env.VIGIL_STORE_DIR) out.storeDir = env.VIGIL_STORE_DIR;
  if (env.VIGIL_BYTE_PATH) out.recording = { bytePath: env.VIGIL_BYTE_PATH };
  if (env.VIGIL_LOG_LEVEL) out.log = { level: env.VIGIL_LOG_LEVEL };
  if (env.VIGIL_FFMPEG || env.VIGIL_RTSP_CLIENT) {
    out.ingest = { ...(env.VIGIL_FFMPEG ? { ffmpegPath: env.VIGIL_FFMPEG } : {}), ...(env.VIGIL_RTSP_CLIENT ? { rtspClient: env.VIGIL_RTSP_CLIENT } : {}) };
  }
  if (env.VIGIL_CHECKPOINT_EXPORT) out.integrity = { exportFile: env.VIGIL_CHECKPOINT_EXPORT };
  return out;
}

/** `"a", "b" or "c"` for a union of string literals (TypeBox's own message, "Expected union value", names none). */
function literalChoices(schema: unknown): string | null {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (!anyOf?.every((s) => typeof s.const === 'string')) return null;
  const names = anyOf.map((s) => JSON.stringify(s.const));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
}

function readConfigFile(path: string, problems: string[]): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`config file ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${path}: must contain a JSON object`);
      return {};
    }
    return parsed as Json;
  } catch (err) {
    problems.push(`config file ${path}: not valid JSON (${(err as Error).message})`);
    return {};
  }
}

/** Resolves the data directory: `--data-dir`, then VIGIL_DATA_DIR, then ./data. */
export function resolveDataDir(opts: Pick<LoadOptions, 'dataDir' | 'env' | 'cwd'>): string {
  const cwd = opts.cwd ?? process.cwd();
  return resolve(cwd, opts.dataDir ?? opts.env?.VIGIL_DATA_DIR ?? process.env.VIGIL_DATA_DIR ?? 'data');
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const problems: string[] = [];
  const dataDir = resolveDataDir({ ...opts, env, cwd });

  // The config file: --config, VIGIL_CONFIG, or <dataDir>/vigil.json when present.
  const explicit = opts.configFile ?? env.VIGIL_CONFIG;
  const configPath = explicit ? resolve(cwd, explicit) : join(dataDir, 'vigil.json');
  const file = explicit || existsSync(configPath) ? readConfigFile(configPath, problems) : {};

  let merged = deepMerge(file, fromEnv(env, problems));
  merged = deepMerge(merged, { dataDir });
  if (opts.port !== undefined) merged = deepMerge(merged, { http: { port: integerFrom('--port', String(opts.port), problems) } });

  const withDefaults = Value.Default(ConfigSchema, Value.Clone(merged));
  for (const e of Value.Errors(ConfigSchema, withDefaults)) {
    const path = e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const shown = e.value === undefined ? '' : ` (got ${JSON.stringify(e.value)})`;
    const choices = literalChoices(e.schema);
    problems.push(
      /additional|unexpected property/i.test(e.message)
        ? `${path}: unknown setting`
        : choices
          ? `${path}: must be one of ${choices}${shown}`
          : `${path}: ${e.message}${shown}`,
    );
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  const config = withDefaults as Config;
  if (config.database.dialect === 'postgres' && !config.database.url) {
    throw new ConfigError(['database.url: required when database.dialect is "postgres" (or set VIGIL_DB_URL)']);
  }
  if (config.storeDir && !isAbsolute(config.storeDir)) config.storeDir = resolve(cwd, config.storeDir);
  if (config.ingest.backoffMaxMs < config.ingest.backoffMinMs) {
    throw new ConfigError(['ingest.backoffMaxMs: must be at least ingest.backoffMinMs']);
  }
  return config;
}

/** The segment store directory: configured, or `<dataDir>/store`. */
export function storeDirOf(config: Config): string {
  return config.storeDir ?? join(config.dataDir, 'store');
}
