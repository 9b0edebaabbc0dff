// The errors of access/: one typed class with a closed set of codes, each mapped to a status in http/errors.ts.
// A refusal by a rule of the law carries that rule's article (R16.1, R16.2, R16.3, R15.2, R19), so the operator is
// told which rule refused and what to do. Messages never contain a password, token or TOTP secret.

/** Every code access/ throws; each has a status (and article where the law refuses) in http/errors.ts. */
export const ACCESS_ERROR_CODES = [
  'unauthenticated',
  'invalid_credentials',
  'totp_required',
  'totp_invalid',
  'totp_not_started',
  'account_locked',
  'account_disabled',
  'forbidden',
  'camera_not_granted',
  'reason_required',
  'vetting_missing',
  'confidentiality_missing',
  'training_missing',
  'training_overdue',
  'agreement_missing',
  'agreement_expired',
  'agreement_not_started',
  'separation_of_duties',
  'password_policy',
  'user_not_found',
  'username_taken',
  'group_not_found',
  'group_name_taken',
  'grant_not_found',
  'token_not_found',
  'token_scope_exceeds_owner',
  'csrf_invalid',
  'session_expired',
  'password_change_required',
  'totp_setup_required',
  'invalid_request',
] as const;
export type AccessErrorCode = (typeof ACCESS_ERROR_CODES)[number];

export class AccessError extends Error {
  override readonly name = 'AccessError';

  constructor(
    readonly code: AccessErrorCode,
    message: string,
    /** The article of the law that refuses this, if one does. */
    readonly article?: string,
    /** The input field at fault, for validation errors. */
    readonly field?: string,
  ) {
    super(message);
  }

  /** The shape the API returns (architecture §8), without the stack. */
  toJSON(): { error: AccessErrorCode; message: string; article?: string; field?: string } {
    return {
      error: this.code,
      message: this.message,
      ...(this.article === undefined ? {} : { article: this.article }),
      ...(this.field === undefined ? {} : { field: this.field }),
    };
  }
}

export function isAccessError(value: unknown, code?: AccessErrorCode): value is AccessError {
  return value instanceof AccessError && (code === undefined || value.code === code);
}

export function invalid(field: string, message: string): AccessError {
  return new AccessError('invalid_request', message, undefined, field);
}
