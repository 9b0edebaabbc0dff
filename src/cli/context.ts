// The options every command shares, and opening the core from them.
import { openCore, type Core } from '../app/index.js';
import { loadConfig, type Config } from '../config/index.js';

export interface CommonOptions {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

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
