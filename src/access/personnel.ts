// Personnel records the gate checks before any video (R16.1 vetting, confidentiality agreement, training; R15.2 and
// R19 contractor agreements). personnel.manage (security admin) for changes; an account may read its own record, so
// it can see why it is refused. Agreements and trainings are appended, never edited: the history is evidence.
import { v7 as uuidv7 } from 'uuid';
import { authorize, logEvent, requireUser, type AccessServiceDeps } from './deps.js';
import { invalid } from './errors.js';
import { personnelRefusals, type PersonnelFacts } from './gate-rules.js';
import type { Subject } from './grant.js';
import { requiredText } from './policy.js';
import * as repo from './repo.js';
import type { Role } from './roles.js';
import type { PersonnelView } from './views.js';

function checkTime(field: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw invalid(field, `${field} must be a time in ms since the epoch`);
  return value as number;
}

/** The personnel facts of an account as the gate reads them. */
export function factsOf(record: repo.PersonnelRecord): PersonnelFacts {
  return {
    vettedMs: record.personnel?.vetted_ms ?? null,
    confidentialitySignedMs: record.personnel?.confidentiality_signed_ms ?? null,
    trainings: record.trainings.map((t) => ({ course: t.course, completedMs: t.completed_ms, validUntilMs: t.valid_until_ms })),
    agreements: record.agreements.map((a) => ({ company: a.company, startMs: a.start_ms, endMs: a.end_ms })),
  };
}

async function view(deps: AccessServiceDeps, userId: string): Promise<PersonnelView> {
  const { roles } = await requireUser(deps, userId);
  const record = await repo.getPersonnel(deps.db, userId);
  return {
    userId,
    vettedMs: record.personnel?.vetted_ms ?? null,
    confidentialitySignedMs: record.personnel?.confidentiality_signed_ms ?? null,
    trainings: record.trainings.map((t) => ({ id: t.id, course: t.course, completedMs: t.completed_ms, validUntilMs: t.valid_until_ms })),
    agreements: record.agreements.map((a) => ({
      id: a.id, company: a.company, scope: a.scope, startMs: a.start_ms, endMs: a.end_ms, documentRef: a.document_ref,
    })),
    blockers: personnelRefusals(roles as Role[], factsOf(record), deps.now()),
  };
}

export async function getPersonnel(deps: AccessServiceDeps, actor: Subject | null, userId: string): Promise<PersonnelView> {
  if (actor?.accountId !== userId) authorize(actor, 'personnel.manage');
  return view(deps, userId);
}

export async function setPersonnel(
  deps: AccessServiceDeps,
  actor: Subject | null,
  userId: string,
  input: { vettedMs?: number | null; confidentialitySignedMs?: number | null },
): Promise<PersonnelView> {
  authorize(actor, 'personnel.manage');
  await requireUser(deps, userId);
  const patch: { vetted_ms?: number | null; confidentiality_signed_ms?: number | null } = {};
  if (input.vettedMs !== undefined) patch.vetted_ms = input.vettedMs === null ? null : checkTime('vettedMs', input.vettedMs);
  if (input.confidentialitySignedMs !== undefined) {
    patch.confidentiality_signed_ms = input.confidentialitySignedMs === null ? null : checkTime('confidentialitySignedMs', input.confidentialitySignedMs);
  }
  await repo.upsertPersonnel(deps.db, userId, patch, deps.now());
  await logEvent(deps, actor, 'personnel.changed', userId, { ...input });
  return view(deps, userId);
}

export async function addTraining(
  deps: AccessServiceDeps,
  actor: Subject | null,
  userId: string,
  input: { course: string; completedMs: number; validUntilMs: number },
): Promise<PersonnelView> {
  authorize(actor, 'personnel.manage');
  await requireUser(deps, userId);
  const course = requiredText('course', input.course);
  const completedMs = checkTime('completedMs', input.completedMs);
  const validUntilMs = checkTime('validUntilMs', input.validUntilMs);
  if (validUntilMs < completedMs) throw invalid('validUntilMs', 'validUntilMs must not be before completedMs');
  const id = uuidv7();
  await repo.insertTraining(deps.db, { id, user_id: userId, course, completed_ms: completedMs, valid_until_ms: validUntilMs, created_ms: deps.now() });
  await logEvent(deps, actor, 'training.added', userId, { trainingId: id, course, completedMs, validUntilMs });
  return view(deps, userId);
}

export async function setAgreement(
  deps: AccessServiceDeps,
  actor: Subject | null,
  userId: string,
  input: { company: string; scope: string; startMs: number; endMs: number; documentRef: string },
): Promise<PersonnelView> {
  authorize(actor, 'personnel.manage');
  await requireUser(deps, userId);
  const company = requiredText('company', input.company);
  const scope = requiredText('scope', input.scope, 500);
  const documentRef = requiredText('documentRef', input.documentRef, 200);
  const startMs = checkTime('startMs', input.startMs);
  const endMs = checkTime('endMs', input.endMs);
  if (endMs <= startMs) throw invalid('endMs', 'endMs must be after startMs');
  const id = uuidv7();
  await repo.insertAgreement(deps.db, {
    id, user_id: userId, company, scope, start_ms: startMs, end_ms: endMs, document_ref: documentRef, created_ms: deps.now(),
  });
  await logEvent(deps, actor, 'agreement.recorded', userId, { agreementId: id, company, scope, startMs, endMs, documentRef });
  return view(deps, userId);
}
