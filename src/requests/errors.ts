// The errors of requests/ (public reports, R24): one class, a closed set of codes, mapped by http/errors.ts.
export const REQUEST_ERROR_CODES = [
  'invalid_report', // 400: a field of a report or response failed validation (`field` names it)
  'report_not_found', // 404: no report with that tracking code or id (the same answer for a malformed code)
  'report_closed', // 409: a closed report takes no more responses
] as const;
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

export class RequestError extends Error {
  override readonly name = 'RequestError';

  constructor(
    readonly code: RequestErrorCode,
    message: string,
    readonly field?: string,
    readonly article?: string,
  ) {
    super(message);
  }
}
