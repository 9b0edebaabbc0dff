// The caller as the records name them (system log, duty log, filings), for the routes: one shape, built by
// access/ (systemActor), so every record of "who did this" carries the same four fields (R16.3: unit and name).
import { systemActor, type Subject, type SystemActor, type SystemEventRecorder } from '../../access/index.js';

/** The signed-in caller as a record's actor; null for an anonymous request (a public route) or the CLI. */
export const actorOf = systemActor;

/** The caller on a route that is never public: a missing subject is a sign-in error, not an anonymous record. */
export function signedInActor(subject: Subject | null): SystemActor {
  const actor = systemActor(subject);
  if (!actor) throw Object.assign(new Error('sign in first'), { code: 'unauthenticated' });
  return actor;
}

/** Writes one system-log entry for a request: its caller and client address, and what happened to what. */
export function requestEventLog(events: SystemEventRecorder) {
  return (req: { subject: Subject | null; ip: string }, event: string, target: string, details: Record<string, unknown>) =>
    events.recordEvent({ actor: systemActor(req.subject), event, target, details, clientAddr: req.ip });
}
