// The errors of systems (R11, D12–D14): one typed class with a closed set of codes, mapped to HTTP statuses by the
// error registry (http/errors.ts). A refusal the law makes carries its article.

export type SystemErrorCode =
  /** No system with that id. HTTP 404. */
  | 'system_not_found'
  /** Input failed validation; `field` names it. HTTP 422. */
  | 'invalid_system'
  /** The lifecycle does not allow that move (R11). HTTP 409. */
  | 'system_transition_invalid'
  /** The move needs an archive document the system lacks (R11, D12). HTTP 409. */
  | 'system_document_missing'
  /** No such document of that system. HTTP 404. */
  | 'system_document_not_found'
  /** A document file above 10 MiB. HTTP 413. */
  | 'document_too_large'
  /** The camera already belongs to another system (a camera is in at most one). HTTP 409. */
  | 'camera_in_other_system'
  /** A retired system is final: no documents, cameras or changes. HTTP 409. */
  | 'system_retired'
  /** D12: the camera's system has not passed acceptance; its video is not recorded and may not be viewed. HTTP 403. */
  | 'system_not_accepted';

export class SystemError extends Error {
  override readonly name = 'SystemError';

  constructor(
    readonly code: SystemErrorCode,
    message: string,
    readonly field?: string,
    readonly article?: string,
  ) {
    super(message);
  }

  toJSON(): { error: SystemErrorCode; message: string; field?: string; article?: string } {
    return {
      error: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.article === undefined ? {} : { article: this.article }),
    };
  }
}

export function isSystemError(value: unknown, code?: SystemErrorCode): value is SystemError {
  return value instanceof SystemError && (code === undefined || value.code === code);
}
