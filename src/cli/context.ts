// The options every command shares, and opening the core from them.
import { openCore, type Core } from '../app/index.js';
import { loadConfig, type Config } from '../config/index.js';
import type { Output } from './output.js';

export interface CommonOptions {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

/** Wraps a command body: gets the output and common options, records the exit code (see main.ts). */
export type Act = <A extends unknown[]>(
  fn: (out: Output, opts: CommonOptions, ...args: A) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

export function configFrom(opts: CommonOptions & { port?: string }): Config {
  return loadConfig({ dataDir: opts.dataDir, configFile: opts.config, port: opts.port });
}

export async function withCore<T>(opts: CommonOptions, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore(configFrom(opts));
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}
