// The management unit's profile (管理单位, R14 "单位基本情况"): name, type, unified social credit code (checked
// against GB 32100-2015), contact person and phone, address. One per installation. Changes go to the system log.
import { checkCreditCode, type UnitProfile } from '../domain/index.js';
import type { Db } from '../db/index.js';
import { ComplianceError } from './errors.js';
import type { SystemActor, SystemEventRecorder } from './ports.js';
import * as repo from './repo.js';

export interface UnitView extends UnitProfile {
  updatedMs: number;
}

const FIELDS = ['name', 'unitType', 'unifiedSocialCreditCode', 'contactPerson', 'contactPhone', 'address'] as const;

export async function getUnit(db: Db): Promise<UnitView | null> {
  const row = await repo.getUnit(db);
  if (!row) return null;
  return {
    name: row.name, unitType: row.unit_type, unifiedSocialCreditCode: row.credit_code, contactPerson: row.contact_person,
    contactPhone: row.contact_phone, address: row.address, updatedMs: row.updated_ms,
  };
}

/** Sets the profile; absent fields keep their value, and a first profile needs every field. */
export async function setUnit(
  deps: { db: Db; events: SystemEventRecorder; nowMs: number },
  actor: SystemActor | null,
  input: Partial<UnitProfile>,
  via?: string,
): Promise<UnitView> {
  const current = await getUnit(deps.db);
  const next: Partial<UnitProfile> = { ...(current ?? {}) };
  for (const field of FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') throw new ComplianceError('invalid_unit', `${field} is required`, field);
    if (value.trim().length > 300) throw new ComplianceError('invalid_unit', `${field} is longer than 300 characters`, field);
    next[field] = value.trim();
  }
  const missing = FIELDS.filter((f) => next[f] === undefined);
  if (missing.length) throw new ComplianceError('invalid_unit', `the unit profile needs ${missing.join(', ')}`, missing[0]);
  const code = checkCreditCode(next.unifiedSocialCreditCode!);
  if (!code.ok) throw new ComplianceError('credit_code_invalid', `unified social credit code: ${code.message}`, 'unifiedSocialCreditCode', 'R14');
  if (!/^[0-9+()\- ]{5,30}$/.test(next.contactPhone!)) {
    throw new ComplianceError('invalid_unit', 'contactPhone must be a phone number (digits, +, -, spaces, parentheses)', 'contactPhone');
  }
  const profile = next as UnitProfile;
  await repo.putUnit(deps.db, {
    name: profile.name, unit_type: profile.unitType, credit_code: code.code, contact_person: profile.contactPerson,
    contact_phone: profile.contactPhone, address: profile.address, updated_ms: deps.nowMs,
  });
  const changed = FIELDS.filter((f) => current?.[f] !== (f === 'unifiedSocialCreditCode' ? code.code : profile[f]));
  await deps.events.recordEvent({ actor, event: 'unit.changed', target: 'unit', details: { fields: changed, ...(via ? { via } : {}) }, clientAddr: null });
  return (await getUnit(deps.db))!;
}
