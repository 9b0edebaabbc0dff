// Errors of audit/, each with a code from the HTTP error registry (src/http/errors.ts).
export type AuditErrorCode = 'audit_entry_not_found' | 'audit_entry_already_closed' | 'audit_closed' | 'bad_time_range' | 'invalid_request';

export class AuditError extends Error {
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AuditError';
  }
}
