// Who a CLI command acts as, for the records that must name a person (duty-log entries, duty-task definitions and
// completions, R8.1 place reviews). Like every other command, the CLI acts by default as the data directory's holder:
// the records name "vigil (command line)" (account id `system`, as an issued self-assessment does) and the unit of
// the management-unit profile. To sign as yourself, set VIGIL_TOKEN to your own API token (in the environment, never
// on the command line, where other users could read it in the process list), as `vigil hold request-lift` does; the
// token's owner must then hold the permission the HTTP route asks for, and the token must carry it as a scope (R16.2).
import { AccessError, hasPermission, type Permission, type SystemActor } from '../access/index.js';
import type { Core } from '../app/index.js';
import { UsageError } from './output.js';

export const CLI_ACTOR_ID = 'system';
export const CLI_ACTOR_NAME = 'vigil (command line)';

export interface CliActor {
  actor: SystemActor;
  /** True when VIGIL_TOKEN named a person; false for the data directory's holder. */
  identified: boolean;
}

export async function cliActor(core: Core, permission: Permission): Promise<CliActor> {
  const token = process.env.VIGIL_TOKEN?.trim();
  if (token) {
    const subject = await core.access.authenticateToken(token);
    if (!subject) throw new UsageError('VIGIL_TOKEN is unknown, expired or revoked');
    const scoped = subject.via !== 'token' || (subject.tokenScopes ?? []).includes(permission);
    if (!hasPermission(subject.roles, permission) || !scoped) {
      throw new AccessError('forbidden', `this needs the ${permission} permission, which ${subject.username}'s roles or token scopes do not give (R16.2)`, 'R16.2');
    }
    return { actor: { accountId: subject.accountId, username: subject.username, displayName: subject.displayName, unit: subject.unit }, identified: true };
  }
  const unit = await core.compliance.unit();
  return { actor: { accountId: CLI_ACTOR_ID, username: 'cli', displayName: CLI_ACTOR_NAME, unit: unit?.name ?? '' }, identified: false };
}
