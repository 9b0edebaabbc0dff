// Composition root (architecture §2): config → logger → core → recorder → HTTP. Wiring only, no logic.
export { openCore, databaseConfigOf, createAccess, type Core } from './core.js';
export { loadCredentialKey, CredentialKeyError } from './credential-key.js';
export { loadTotpKey, TotpKeyError } from './totp-key.js';
export { keyStatus, loadMasterKeyring, markServing, masterKeyPaths, MasterKeyError, rotateMasterKey, type KeyStatus, type RotationResult } from './master-key.js';
export { loadAuditKey, auditKeyPath, AuditKeyError } from './audit-key.js';
export { createLogger, redactPaths, type Logger } from './logger.js';
export type { RunningVigil } from './server.js';

/**
 * `vigil serve`: the recorder, the HTTP server and the web page. Loaded on first call, so the other commands never load
 * fastify, its plugins, ws and prom-client (~0.4 s of every command's start-up; the bundle in bin/vigil.mjs keeps
 * the server in a chunk of its own).
 */
export async function startVigil(...args: Parameters<typeof import('./server.js').startVigil>): Promise<import('./server.js').RunningVigil> {
  const { startVigil: start } = await import('./server.js');
  return start(...args);
}
export { createIntegrity, integritySources } from './integrity.js';
