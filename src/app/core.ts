// Opens the parts every command and the server share: data directory, index database (migrated), credential key,
// camera registry and segment store. No logic: wiring only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AccessService, type AccessRecorder, type SystemEventRecorder } from '../access/index.js';
import { AuditRegisters } from '../audit/index.js';
import { DutiesService } from '../compliance/index.js';
import { ComplaintService } from '../requests/index.js';
import { storeDirOf, type Config } from '../config/index.js';
import { migrateToLatest, openDatabase, type DatabaseConfig, type OpenDatabase } from '../db/index.js';
import { ComplianceService, personnelFromAccess, type OperationsFacts } from '../compliance/index.js';
import { CameraService, SystemService } from '../devices/index.js';
import { renderPdf } from '../media/index.js';
import { RecordingRepo } from '../recording/index.js';
import { jsAppendPath, LocalSegmentStore, SegmentKeyRepo, SegmentKeys, type ResolvedBytePath } from '../storage/index.js';
import { loadAuditKey } from './audit-key.js';
import { loadCredentialKey } from './credential-key.js';
import { loadMasterKeyring } from './master-key.js';
import { createIntegrity } from './integrity.js';
import type { IntegrityService } from '../integrity/index.js';
import type { RetentionLogger, RetentionService } from '../retention/index.js';
import { createRetention } from './retention.js';
import { loadTotpKey } from './totp-key.js';

export interface Core {
  config: Config;
  database: OpenDatabase;
  cameras: CameraService;
  recordings: RecordingRepo;
  store: LocalSegmentStore;
  /** The recorder's byte path (pipe reader, append path), and why not native when it is not (`recording.bytePath`). */
  bytePath: ResolvedBytePath;
  /** The access register and the system log (R16.3). */
  audit: AuditRegisters;
  /** Accounts, sessions, roles, grants, personnel records and the access gate (R16). */
  access: AccessService;
  /** The segment integrity chain's checkpoints and verify (R15). */
  integrity: IntegrityService;
  /** Public reports (R24). */
  complaints: ComplaintService;
  /** Duty log, tasks, inspections, self-assessments and the duty facts for the checker (D17, R8.2, R24). */
  duties: DutiesService;
  /** Systems, their lifecycle, archive documents and cameras (R11, D12–D14). */
  systems: SystemService;
  /** Unit profile, filing (R14) and the compliance checker. */
  compliance: ComplianceService;
  /** Retention policies, legal holds, the executor, deletion certificates and capacity (R17, D22(3)). */
  retention: RetentionService;
  close(): Promise<void>;
}

export function databaseConfigOf(config: Config): DatabaseConfig {
  return config.database.dialect === 'postgres'
    ? { dialect: 'postgres', url: config.database.url! }
    : { dialect: 'sqlite', path: join(config.dataDir, 'index.sqlite') };
}

/**
 * `bytePath`: how segment bytes are written. Only `vigil serve` records, so only it resolves (and may build) the native
 * one (server.ts); every other command opens the store with the JavaScript path and never loads the library.
 */
export async function openCore(
  config: Config,
  onListenerError?: (err: unknown) => void,
  log?: RetentionLogger,
  bytePath: ResolvedBytePath = { path: jsAppendPath, pipeReader: null, fallbackReason: null },
): Promise<Core> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  const database = openDatabase(databaseConfigOf(config));
  try {
    await migrateToLatest(database.db);
    const cameras = new CameraService({
      db: database.db,
      credentialKey: loadCredentialKey(config.dataDir),
      clock: Date.now,
      ...(onListenerError ? { onListenerError } : {}),
    });
    // Encryption at rest (architecture §7): the master key is made on first start when encryption is on; with it off,
    // an existing key is still loaded so earlier encrypted footage stays readable and deletable (crypto-shredding).
    const keyring = loadMasterKeyring(config.dataDir, { create: config.storage.encryption });
    const segmentKeys = keyring ? new SegmentKeys(new SegmentKeyRepo(database.db), keyring) : null;
    const store = new LocalSegmentStore(storeDirOf(config), { keys: segmentKeys, encryptNew: config.storage.encryption, appendPath: bytePath.path });
    await store.init();
    // One installation key signs both the audit and the segment checkpoints (domain-separated; docs/integrity.md).
    const signingKey = loadAuditKey(config.dataDir);
    const audit = new AuditRegisters({
      db: database.db,
      now: Date.now,
      signingKey,
      checkpointEveryEntries: config.audit.checkpointEveryEntries,
      checkpointEveryMs: config.audit.checkpointEveryMs,
    });
    const recordings = new RecordingRepo(database.db);
    const integrity = createIntegrity({
      db: database.db, recordings, store, systemLog: audit, signingKey, checkpointEveryMs: config.integrity.checkpointEveryMs,
      verifyEveryMs: config.integrity.verifyEveryMs, exportFile: config.integrity.exportFile,
    });
    // The registers and the segment chain write their final checkpoints before the database closes.
    let settleCompliance: () => Promise<void> = async () => undefined;
    const access = createAccess(database, audit, config, loadTotpKey(config.dataDir));
    const retention = createRetention({
      db: database.db, config, recordings, store, tombstones: integrity.repo, access, cameras, events: audit, signingKey,
      ...(log ? { log } : {}),
    });
    // Retention runs end first (their system-log entries and certificates), then the registers and the segment
    // chain write their final checkpoints, then the database closes.
    const close = async () => {
      await settleCompliance();
      try {
        try {
          await retention.close();
        } finally {
          try {
            await integrity.close();
          } finally {
            await audit.close();
          }
        }
      } finally {
        await database.close();
      }
    };
    const complaints = new ComplaintService({ db: database.db, now: Date.now, events: audit });
    const duties = new DutiesService({ db: database.db, now: Date.now, events: audit, register: audit, complaints });
    const systems = new SystemService({ db: database.db, clock: Date.now, events: audit, ...(onListenerError ? { onListenerError } : {}) });
    const { compliance, settle } = createCompliance({
      database, cameras, systems, access, retention, events: audit, operations: duties, ...(onListenerError ? { onError: onListenerError } : {}),
    });
    settleCompliance = settle;
    return { config, database, cameras, recordings, store, bytePath, audit, access, integrity, complaints, duties, systems, compliance, retention, close };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/**
 * Builds the access service (R16) over the index database. `registers` is whatever implements both register ports
 * (audit/'s AuditRegisters); the TOTP key comes from `loadTotpKey(config.dataDir)`.
 */
export function createAccess(
  database: OpenDatabase,
  registers: AccessRecorder & SystemEventRecorder,
  config: Config,
  totpKey: Buffer,
  now: () => number = Date.now,
): AccessService {
  return new AccessService({ db: database.db, now, access: registers, events: registers, totpKey, ...config.access });
}

/**
 * The compliance service over live data: cameras with their installation records and signage (devices/), systems,
 * retention periods (retention/), personnel (access/) and the duty facts (DutiesService). Camera, system and
 * retention-policy changes re-check the filed facts so a change to file starts its deadline (R14).
 */
export function createCompliance(parts: {
  database: OpenDatabase;
  cameras: CameraService;
  systems: SystemService;
  access: AccessService;
  events: SystemEventRecorder;
  /** D17, R8.2, R24, R16.3 facts (DutiesService.complianceFacts). */
  operations: OperationsFacts;
  /** R17: each camera's retention period under its governing policy. */
  retention: RetentionService;
  now?: () => number;
  /** Where a failed background refresh of the filed facts is reported (default: console.error). */
  onError?: (err: unknown) => void;
}): { compliance: ComplianceService; settle: () => Promise<void> } {
  const compliance = new ComplianceService({
    db: parts.database.db,
    clock: parts.now ?? Date.now,
    events: parts.events,
    cameras: { list: () => parts.cameras.list() },
    systems: parts.systems,
    retention: parts.retention,
    // R7.3, R10, D11 and R13: the installation records and signage devices/ keeps; nothing left unchecked.
    installations: { installationRecords: () => parts.cameras.installationRecords(), unchecked: [] },
    signage: { signageRecords: () => parts.cameras.signageRecords(), unchecked: [] },
    operations: parts.operations,
    personnel: personnelFromAccess(parts.access),
    pdf: (html) => renderPdf(html),
  });
  // One refresh at a time, in order; close() waits for the last so the database is not closed under it.
  let pending: Promise<void> = Promise.resolve();
  const refresh = () => {
    pending = pending.then(() => compliance.refreshFilings()).catch(parts.onError ?? ((err: unknown) => console.error('filing refresh failed:', err)));
  };
  parts.cameras.onChange(refresh);
  parts.systems.onChange(refresh);
  // The retention period is a filed fact (R14): a policy change starts the change-filing deadline.
  parts.retention.onPolicyChange(refresh);
  return { compliance, settle: () => pending };
}
