// The gate's vocabulary (architecture §6): who is asking (Subject), what they ask (GateRequest), the register they
// are recorded in (ports.ts), and the proof they were let in (Grant). A Grant is branded: only access/ can
// make one, so a reader of video that takes a Grant cannot be called by a path that skipped the gate.
import type { Role, VideoAction } from './roles.js';

/** An authenticated caller: a person signed in, or a machine with an API token acting for its owner. */
export interface Subject {
  accountId: string;
  /** Login name. */
  username: string;
  /** Real name and unit, as the access register must record them (R16.3). */
  displayName: string;
  unit: string;
  roles: Role[];
  /** 'session' (browser) or 'token' (machine; `tokenId` names the token). */
  via: 'session' | 'token';
  /** For a session: the session's stored id (the SHA-256 of its token, never the token), so "end my other sessions" can keep it. */
  sessionId?: string;
  tokenId?: string;
  /** Scopes of an API token (a token may do less than its owner, never more). Absent for sessions. */
  tokenScopes?: string[];
}

/** Why video is being viewed (R16.3): a category from the configured list plus free text. */
export interface AccessReason {
  category: string;
  text: string;
}

export interface GateRequest {
  subject: Subject;
  action: VideoAction;
  /** Cameras and, for recorded video, the time range (ms since the epoch, UTC). Live has no range. */
  target: { cameraIds: string[]; fromMs?: number; toMs?: number };
  reason: AccessReason | undefined;
  /** A law-enforcement or data-subject request this access serves (R20, R21), if any. */
  requestId?: string;
  /** The client's address as the server saw it. */
  clientAddr?: string;
}

declare const grantBrand: unique symbol;

/** Proof that the gate let `subject` do `action` on `target`, with the register row `accessId` already written. */
export interface Grant {
  readonly [grantBrand]: true;
  readonly accessId: number;
  readonly subject: Subject;
  readonly action: VideoAction;
  readonly cameraIds: readonly string[];
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly openedMs: number;
  /** Counts bytes served under this grant (appended to the register on close). */
  addBytes(n: number): void;
  /** Appends the close entry (bytes, end time) once; later calls are no-ops. */
  close(): Promise<void>;
  readonly closed: boolean;
}
