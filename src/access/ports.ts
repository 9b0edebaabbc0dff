// What access/ needs of the registers (implemented by audit/, wired by app/): the access register for every video
// access (R16.3) and the system log for logins, account, role, grant and personnel changes. Interfaces only, so
// access/ and audit/ do not import each other.
import type { Role, VideoAction } from './roles.js';

/** One row of the access register as the gate writes it (the register adds sequence, time and chain). */
export interface AccessRecordInput {
  outcome: 'granted' | 'refused';
  accountId: string | null;
  username: string;
  displayName: string;
  unit: string;
  roles: Role[];
  action: VideoAction;
  cameraIds: string[];
  fromMs: number | null;
  toMs: number | null;
  reasonCategory: string | null;
  reasonText: string | null;
  requestId: string | null;
  clientAddr: string | null;
  /** For a refusal: the error code, message and the article that refused it. */
  refusal: { code: string; message: string; article?: string } | null;
}

/** What the gate needs of the access register (implemented by audit/; wired by app/). */
export interface AccessRecorder {
  /** Appends the row and returns its register id; resolves only once the row is committed. */
  recordAccess(input: AccessRecordInput): Promise<{ id: number; atMs: number }>;
  /** Appends the close entry of an earlier granted row: bytes served and when it ended. */
  recordAccessEnd(accessId: number, end: { bytes: number; endedMs: number }): Promise<void>;
}

/** Who did something recorded in the system log; null actor = the system itself (e.g. first-start bootstrap). */
export interface SystemActor {
  accountId: string;
  username: string;
  displayName: string;
  unit: string;
}

export interface SystemEventInput {
  actor: SystemActor | null;
  /** Dotted event name, e.g. `login.succeeded`, `login.failed`, `account.locked`, `user.created`, `roles.changed`. */
  event: string;
  /** What the event is about (an account id, a camera id, …), if anything. */
  target: string | null;
  /** Event-specific facts. Never secrets: no passwords, tokens, TOTP secrets or camera credentials. */
  details: Record<string, unknown>;
  clientAddr: string | null;
}

export interface SystemEventRecorder {
  /** Appends to the system log; resolves once committed. */
  recordEvent(input: SystemEventInput): Promise<{ id: number; atMs: number }>;
}
