// audit/: the access register and the system log (R16.3) — append, hash chain, signed checkpoints, query, export and
// verify. Owns the tables access_register, access_register_cameras, system_log and audit_checkpoints; never
// touches the file system (app/ loads the signing key) and never updates or deletes a row (triggers refuse it).
export { AuditRegisters, type AuditRegistersDeps } from './registers.js';
export { AuditError, type AuditErrorCode } from './errors.js';
// The chain primitives, for tools that rebuild or check a register outside Vigil (bench, external verifiers).
export { checkpointSignatureValid, GENESIS_HASH, keyIdOf, rowHash, type LogName } from './chain.js';
export { parseInstant } from './time.js';
export type { ExportFormat } from './entries.js';
export type * from './types.js';
