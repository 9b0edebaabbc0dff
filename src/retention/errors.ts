// The errors of retention/: one typed class with a closed set of codes, mapped to HTTP statuses by http/errors.ts.
// Policy values refused by the law come from domain/'s RetentionPolicyError (article R17) and pass through as is.

export type RetentionErrorCode =
  /** Input failed validation; `field` names it. HTTP 400/422. */
  | 'invalid_retention_input'
  | 'policy_not_found'
  | 'hold_not_found'
  /** A hold needs cameras, a range, reason, legal basis and requester (R17, S). HTTP 422. */
  | 'invalid_hold'
  /** The hold is already lifted or expired. HTTP 409. */
  | 'hold_not_active'
  /** A lift is already requested and waits for a second person. HTTP 409. */
  | 'hold_lift_pending'
  /** Approve without a request. HTTP 409. */
  | 'hold_lift_not_requested'
  /** Four eyes: the account that requested the lift may not approve it. HTTP 403. */
  | 'hold_lift_same_account'
  /** Lifting needs an identified account holding hold.manage (not the anonymous local CLI). HTTP 403. */
  | 'hold_lift_needs_account'
  | 'retention_run_not_found'
  /** Another executor run is in progress in this process. HTTP 409. */
  | 'retention_run_busy';

export class RetentionError extends Error {
  override readonly name = 'RetentionError';

  constructor(
    readonly code: RetentionErrorCode,
    message: string,
    readonly field?: string,
    readonly article?: string,
  ) {
    super(message);
  }

  toJSON(): { error: RetentionErrorCode; message: string; field?: string; article?: string } {
    return {
      error: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.article === undefined ? {} : { article: this.article }),
    };
  }
}

export function isRetentionError(value: unknown, code?: RetentionErrorCode): value is RetentionError {
  return value instanceof RetentionError && (code === undefined || value.code === code);
}
