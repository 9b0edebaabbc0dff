// Composition root (architecture §2): config → logger → core → recorder → HTTP. Wiring only, no logic.
export { openCore, databaseConfigOf, createAccess, type Core } from './core.js';
export { loadCredentialKey, CredentialKeyError } from './credential-key.js';
export { loadTotpKey, TotpKeyError } from './totp-key.js';
export { keyStatus, loadMasterKeyring, markServing, masterKeyPaths, MasterKeyError, rotateMasterKey, type KeyStatus, type RotationResult } from './master-key.js';
export { loadAuditKey, auditKeyPath, AuditKeyError } from './audit-key.js';
export { createLogger, redactPaths, type Logger } from './logger.js';
export { createMetrics } from './metrics.js';
export { startVigil, type RunningVigil } from './server.js';
export { createIntegrity, integritySources } from './integrity.js';
