// retention/: retention policies, legal holds with a four-eyes lift, the retention executor with its signed deletion
// certificates, and capacity (R17, D22(3), R15). Owns retention_policies, legal_holds, retention_runs and
// retention_deletions; reaches the segment index, the store, tombstones, groups and cameras only through ports.ts.
export { RetentionService, type PolicyChange, type RetentionLogger, type RetentionSchedule, type RetentionStatus, type RunView } from './service.js';
export { RetentionError, isRetentionError, type RetentionErrorCode } from './errors.js';
export { CERTIFICATE_TAG, certificateHtml, certificateSignatureValid, certificateText, type DeletionCertificate, type SignedCertificate } from './certificate.js';
export type { RunReport, RunTrigger, StepHook } from './executor.js';
export type { HoldInput, HoldState, HoldView } from './holds.js';
export type { PolicyInput, PolicyScopeInput, PolicyView } from './policies.js';
export type { CapacityReport } from './capacity.js';
export type * from './ports.js';
