// R13 signage (公共场所安装图像采集设备应当设置显著提示标识): the record of a sign announcing a camera — its text, when it
// was put up, an optional photo, who recorded it. Pure validation here; storage is repo.ts (the photo is a blob in
// the row, with its SHA-256, never a file), the API and CLI are thin over CameraService.
import { createHash } from 'node:crypto';
import { DeviceError } from './errors.js';

export const SIGNAGE_TEXT_MAX_CHARS = 500;
/** 5 MiB: a phone photo of a sign, re-saved at a sane size; larger is refused rather than stored in the database. */
export const SIGNAGE_PHOTO_MAX_BYTES = 5 * 1024 * 1024;
export type SignagePhotoType = 'image/jpeg' | 'image/png';

/** A signage record as the API shows it (the photo's bytes are fetched separately). */
export interface Signage {
  id: string;
  cameraId: string;
  text: string;
  installedMs: number;
  photo: { type: SignagePhotoType; bytes: number; sha256: string } | null;
  recordedBy: string | null;
  createdMs: number;
  updatedMs: number;
}

export interface NewSignageInput {
  text: string;
  installedMs: number;
}

function invalid(field: string, message: string): DeviceError {
  return new DeviceError('invalid_signage', message, field);
}

export function validateSignage(input: unknown): NewSignageInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('body', 'signage must be an object with text and installedMs');
  const r = input as Record<string, unknown>;
  const extra = Object.keys(r).find((k) => k !== 'text' && k !== 'installedMs');
  if (extra !== undefined) {
    const shown = extra.slice(0, 40).replace(/[^\w.-]/g, '?');
    throw invalid(shown, `unknown field "${shown}"; allowed: text, installedMs`);
  }
  if (typeof r.text !== 'string') throw invalid('text', 'text must be the wording of the sign');
  const text = r.text.trim().normalize('NFC');
  if (text === '') throw invalid('text', 'text must not be empty: give the wording of the sign (R13)');
  if ([...text].length > SIGNAGE_TEXT_MAX_CHARS) throw invalid('text', `text must be at most ${SIGNAGE_TEXT_MAX_CHARS} characters`);
  if (/[\p{Cc}\u2028\u2029]/u.test(text.replace(/\n/g, ''))) throw invalid('text', 'text must not contain control characters');
  const installedMs = r.installedMs;
  if (typeof installedMs !== 'number' || !Number.isSafeInteger(installedMs) || installedMs < 0) {
    throw invalid('installedMs', 'installedMs must be the installation date in ms since the epoch (UTC)');
  }
  return { text, installedMs };
}

/** The image type by its magic bytes, never by a name or a declared type: JPEG (FF D8 FF) or PNG (89 50 4E 47 0D 0A 1A 0A). */
export function sniffPhotoType(bytes: Uint8Array): SignagePhotoType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= png.length && png.every((b, i) => bytes[i] === b)) return 'image/png';
  return null;
}

/** Checks a photo's size and type; returns its type and SHA-256 (hex). */
export function checkPhoto(bytes: Uint8Array): { type: SignagePhotoType; sha256: string } {
  if (bytes.length === 0) throw new DeviceError('photo_type_unsupported', 'the photo is empty: send a JPEG or PNG file', 'photo');
  if (bytes.length > SIGNAGE_PHOTO_MAX_BYTES) {
    throw new DeviceError('photo_too_large', `the photo is ${bytes.length} bytes; at most ${SIGNAGE_PHOTO_MAX_BYTES} (5 MiB)`, 'photo');
  }
  const type = sniffPhotoType(bytes);
  if (!type) throw new DeviceError('photo_type_unsupported', 'the photo must be a JPEG or PNG image (checked by its content, not its name)', 'photo');
  return { type, sha256: createHash('sha256').update(bytes).digest('hex') };
}
