// The errors of compliance/: closed codes mapped to HTTP statuses by http/errors.ts; a refusal of the law carries
// its article.
export type ComplianceErrorCode =
  /** A filing needs the management unit's profile first (R14 单位基本情况). HTTP 409. */
  | 'unit_profile_missing'
  /** Profile input failed validation; `field` names it. HTTP 422. */
  | 'invalid_unit'
  /** The unified social credit code fails GB 32100-2015 (a false filing is an R29 matter). HTTP 422. */
  | 'credit_code_invalid'
  /** Filing input failed validation. HTTP 422. */
  | 'invalid_filing'
  /** No submission with that id. HTTP 404. */
  | 'filing_submission_not_found'
  /** A receipt is already recorded for that submission (it is kept as received). HTTP 409. */
  | 'filing_receipt_exists'
  /** A retired system or one never built is not filed. HTTP 409. */
  | 'filing_not_applicable';

export class ComplianceError extends Error {
  override readonly name = 'ComplianceError';

  constructor(
    readonly code: ComplianceErrorCode,
    message: string,
    readonly field?: string,
    readonly article?: string,
  ) {
    super(message);
  }
}

export function isComplianceError(value: unknown, code?: ComplianceErrorCode): value is ComplianceError {
  return value instanceof ComplianceError && (code === undefined || value.code === code);
}
