// Opens the parts every command and the server share: data directory, index database (migrated), credential key,
// camera registry and segment store. No logic: wiring only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AccessService, type AccessRecorder, type SystemEventRecorder } from '../access/index.js';
import { AuditRegisters } from '../audit/index.js';
import { storeDirOf, type Config } from '../config/index.js';
import { migrateToLatest, openDatabase, type DatabaseConfig, type OpenDatabase } from '../db/index.js';
import { CameraService } from '../devices/index.js';
import { RecordingRepo } from '../recording/index.js';
import { LocalSegmentStore, SegmentKeyRepo, SegmentKeys } from '../storage/index.js';
import { loadAuditKey } from './audit-key.js';
import { loadCredentialKey } from './credential-key.js';
import { loadMasterKeyring } from './master-key.js';
import { createIntegrity } from './integrity.js';
import type { IntegrityService } from '../integrity/index.js';
import { loadTotpKey } from './totp-key.js';

export interface Core {
  config: Config;
  database: OpenDatabase;
  cameras: CameraService;
  recordings: RecordingRepo;
  store: LocalSegmentStore;
  /** The access register and the system log (R16.3). */
  audit: AuditRegisters;
  /** Accounts, sessions, roles, grants, personnel records and the access gate (R16). */
  access: AccessService;
  /** The segment integrity chain's checkpoints and verify (R15). */
  integrity: IntegrityService;
  close(): Promise<void>;
}

export function databaseConfigOf(config: Config): DatabaseConfig {
  return config.database.dialect === 'postgres'
    ? { dialect: 'postgres', url: config.database.url! }
    : { dialect: 'sqlite', path: join(config.dataDir, 'index.sqlite') };
}

export async function openCore(config: Config, onListenerError?: (err: unknown) => void): Promise<Core> {
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
    const store = new LocalSegmentStore(storeDirOf(config), { keys: segmentKeys, encryptNew: config.storage.encryption });
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
      db: database.db, recordings, store, signingKey, checkpointEveryMs: config.integrity.checkpointEveryMs,
    });
    // The registers and the segment chain write their final checkpoints before the database closes.
    const close = async () => {
      try {
        try {
          await integrity.close();
        } finally {
          await audit.close();
        }
      } finally {
        await database.close();
      }
    };
    const access = createAccess(database, audit, config, loadTotpKey(config.dataDir));
    return { config, database, cameras, recordings, store, audit, access, integrity, close };
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
