export { ConfigSchema, type Config } from './schema.js';
export { ConfigError, loadConfig, resolveDataDir, storeDirOf, type LoadOptions } from './load.js';
