// What every part of AccessService shares: its dependencies, the permission check run on every administrative call
// (defence in depth: the HTTP layer checks the same permission first, R16.2), and writing to the system log.
// A null actor is the local CLI (someone holding the data directory): it is not checked, and is logged with
// details.via = 'cli' so the system log still says how the change was made.
import type { Db } from '../db/index.js';
import { AccessError } from './errors.js';
import type { Subject } from './grant.js';
import type { AccessRecorder, SystemActor, SystemEventRecorder } from './ports.js';
import { hasPermission, type Permission } from './roles.js';
import * as repo from './repo.js';

export interface AccessServiceDeps {
  db: Db;
  now: () => number;
  access: AccessRecorder;
  events: SystemEventRecorder;
  /** 32 bytes; seals TOTP secrets at rest. */
  totpKey: Buffer;
  reasonCategories: readonly string[];
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  lockoutAfterFailures: number;
  lockoutMs: number;
}

/** May `actor` use `permission`? Through its roles and, for an API token, its scopes. */
export function allows(actor: Subject, permission: Permission): boolean {
  if (!hasPermission(actor.roles, permission)) return false;
  return actor.via !== 'token' || (actor.tokenScopes ?? []).includes(permission);
}

/** Throws 'forbidden' unless `actor` is the CLI (null) or holds one of `permissions`. */
export function authorize(actor: Subject | null, ...permissions: Permission[]): void {
  if (actor === null || permissions.some((p) => allows(actor, p))) return;
  throw new AccessError('forbidden', `this needs the ${permissions.join(' or ')} permission, which your roles do not give (R16.2)`, 'R16.2');
}

export function systemActor(actor: Subject | null): SystemActor | null {
  return actor && { accountId: actor.accountId, username: actor.username, displayName: actor.displayName, unit: actor.unit };
}

/** Appends to the system log. Never pass secrets in `details` (passwords, tokens, TOTP secrets). */
export async function logEvent(
  deps: AccessServiceDeps,
  actor: Subject | null,
  event: string,
  target: string | null,
  details: Record<string, unknown> = {},
  clientAddr: string | null = null,
): Promise<void> {
  await deps.events.recordEvent({
    actor: systemActor(actor),
    event,
    target,
    details: actor === null && details.via === undefined ? { ...details, via: 'cli' } : details,
    clientAddr,
  });
}

export async function requireUser(deps: AccessServiceDeps, id: string): Promise<repo.UserRecord> {
  const record = typeof id === 'string' && id.length > 0 && id.length <= 64 ? await repo.getUser(deps.db, { id }) : undefined;
  if (!record) throw new AccessError('user_not_found', `no account with id ${JSON.stringify(String(id).slice(0, 64))}`);
  return record;
}
