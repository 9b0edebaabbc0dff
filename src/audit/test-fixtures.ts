// Shared by the audit tests: register inputs, a register over a test database, and the attacker's first step
// (dropping the append-only triggers) so a test can tamper as someone with database access would.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AccessRecordInput, SystemEventInput } from '../access/index.js';
import { sql, type Db } from '../db/index.js';
import { AuditRegisters } from './registers.js';

export const testKey: KeyObject = generateKeyPairSync('ed25519').privateKey;

export function accessInput(over: Partial<AccessRecordInput> = {}): AccessRecordInput {
  return {
    outcome: 'granted', accountId: 'acc-1', username: 'zhang.wei', displayName: '张伟', unit: '治安大队', roles: ['operator'],
    action: 'playback', cameraIds: ['cam-a'], fromMs: 1_780_000_000_000, toMs: 1_780_000_600_000, reasonCategory: 'case',
    reasonText: '案件 2026-117 调阅', requestId: 'req-1', clientAddr: '10.0.0.7', refusal: null, ...over,
  };
}

export function eventInput(over: Partial<SystemEventInput> = {}): SystemEventInput {
  return {
    actor: { accountId: 'adm-1', username: 'li.na', displayName: '李娜', unit: '信息中心' }, event: 'user.created',
    target: 'acc-1', details: { roles: ['operator'] }, clientAddr: '10.0.0.2', ...over,
  };
}

export function registersOver(db: Db, dialect: 'sqlite' | 'postgres', over: Partial<{ now: () => number; signingKey: KeyObject; checkpointEveryEntries: number; checkpointEveryMs: number }> = {}): AuditRegisters {
  return new AuditRegisters({ db, now: () => 1_780_000_000_000, signingKey: testKey, checkpointEveryEntries: 1000, checkpointEveryMs: 600_000, ...over });
}

const TABLES = ['access_register', 'access_register_cameras', 'system_log', 'audit_checkpoints'];

export async function dropAppendOnlyTriggers(db: Db, dialect: 'sqlite' | 'postgres'): Promise<void> {
  for (const t of TABLES) {
    if (dialect === 'postgres') {
      await sql`DROP TRIGGER ${sql.raw(`${t}_append_only`)} ON ${sql.table(t)}`.execute(db);
    } else {
      await sql`DROP TRIGGER ${sql.raw(`${t}_no_update`)}`.execute(db);
      await sql`DROP TRIGGER ${sql.raw(`${t}_no_delete`)}`.execute(db);
    }
  }
}
