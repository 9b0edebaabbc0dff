// The errors of devices/: one typed class with a closed set of codes, so the HTTP error plugin (conventions §6) can
// map each code to a status without parsing messages. Owns no I/O and no state.
//
// Messages are written for the operator and must never contain a camera URL or any part of its userinfo: camera
// addresses are confidential (D6) and credentials are secret (R18). Only ids we generated and fixed words are
// interpolated.

export type DeviceErrorCode =
  /** No camera with that (well-formed) id. HTTP 404. */
  | 'camera_not_found'
  /** Input failed validation; `field` names the offending field. HTTP 400. */
  | 'invalid_camera'
  /** R8.1: the area type is one where cameras are forbidden; `article` names the item. HTTP 422. */
  | 'camera_place_forbidden'
  /** R10: near a military zone or classified unit without that unit's consent on file; may not be enabled. HTTP 422. */
  | 'classified_consent_missing'
  /** D11: faces residences without a privacy mask; may not be enabled. HTTP 422. */
  | 'privacy_masks_missing'
  /** A privacy-mask polygon failed validation; `field` names it (`masks[2].points`). HTTP 422. */
  | 'invalid_mask'
  /** Signage input failed validation. HTTP 422. */
  | 'invalid_signage'
  /** No such signage record for this camera. HTTP 404. */
  | 'signage_not_found'
  /** A review of screening hits asked for a camera with none awaiting review (R8.1). HTTP 409. */
  | 'nothing_to_review'
  /** The signage record has no photo. HTTP 404. */
  | 'photo_not_found'
  /** A signage photo over 5 MiB. HTTP 413. */
  | 'photo_too_large'
  /** A signage photo that is neither JPEG nor PNG by its magic bytes. HTTP 415. */
  | 'photo_type_unsupported'
  /** The credential key supplied by the application is not 32 bytes. A configuration error, HTTP 500. */
  | 'credential_key_invalid'
  /** A sealed URL was sealed with a different credential key (key file replaced or lost). HTTP 500. */
  | 'credential_key_mismatch'
  /** A sealed URL is malformed, was altered, or belongs to another stream (AEAD check failed). HTTP 500. */
  | 'credential_unreadable';

export class DeviceError extends Error {
  override readonly name = 'DeviceError';

  constructor(
    readonly code: DeviceErrorCode,
    message: string,
    /** The input field at fault (`name`, `url`, `subUrl`, `enabled`, `recordSub`, `id`, …), for validation errors. */
    readonly field?: string,
    /** The article of the law that refuses the input, e.g. `R8.1(3)`. */
    readonly article?: string,
  ) {
    super(message);
  }

  /** The shape the API returns (architecture §8), without the stack. */
  toJSON(): { error: DeviceErrorCode; message: string; field?: string; article?: string } {
    return {
      error: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.article === undefined ? {} : { article: this.article }),
    };
  }
}

export function isDeviceError(value: unknown, code?: DeviceErrorCode): value is DeviceError {
  return value instanceof DeviceError && (code === undefined || value.code === code);
}
