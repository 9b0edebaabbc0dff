// The shared context of retention/'s operations and its system-log writer (every administrative change and every
// deletion is logged, R17). Never secrets in details.
import type { Subject } from '../access/index.js';
import type { RetentionDeps } from './ports.js';
import type { RetentionRepo } from './repo.js';

export interface Ctx {
  deps: RetentionDeps;
  repo: RetentionRepo;
}

export async function logRetentionEvent(
  ctx: Ctx,
  actor: Subject | null,
  event: string,
  target: string | null,
  details: Record<string, unknown>,
  clientAddr: string | null = null,
): Promise<number> {
  const r = await ctx.deps.events.recordEvent({
    actor: actor && { accountId: actor.accountId, username: actor.username, displayName: actor.displayName, unit: actor.unit },
    event,
    target,
    details: actor === null && details.via === undefined ? { ...details, via: 'cli' } : details,
    clientAddr,
  });
  return r.id;
}
