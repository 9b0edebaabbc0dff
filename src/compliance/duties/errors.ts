// The errors of the operations duties and inspections (D17, R8.2, R24): one class, a closed set of codes, mapped to
// HTTP statuses by http/errors.ts. Messages name the problem; `article` the rule that refuses, `field` the input.
export const DUTY_ERROR_CODES = [
  'invalid_duty_input', // 400: a field failed validation (`field` names it)
  'duty_entry_not_found', // 404: the duty-log entry a correction names
  'task_not_found', // 404
  'inspection_not_found', // 404
  'inspection_finding_not_found', // 404
  'finding_state_conflict', // 409: rectify a closed finding, close an unrectified one
  'police_report_required', // 422 (R8.2): an R8 area check that found a camera must name the police report
  'self_assessment_not_found', // 404
] as const;
export type DutyErrorCode = (typeof DUTY_ERROR_CODES)[number];

export class DutyError extends Error {
  override readonly name = 'DutyError';

  constructor(
    readonly code: DutyErrorCode,
    message: string,
    readonly field?: string,
    readonly article?: string,
  ) {
    super(message);
  }
}

export function isDutyError(value: unknown, code?: DutyErrorCode): value is DutyError {
  return value instanceof DutyError && (code === undefined || value.code === code);
}
