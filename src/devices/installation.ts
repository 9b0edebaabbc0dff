// The R10 / D11 / S fields of a camera's installation record (issue 4) and the activation rule over them: a camera
// near a military zone or classified unit needs that unit's written consent on file (R10), one facing residences
// needs privacy masks (D11), before it may be enabled or recorded. The rule itself is domain/'s `checkActivation`;
// this file turns untrusted input into typed fields and the domain's refusal into a DeviceError with the article.
import {
  checkActivation,
  validateMasks,
  type ActivationCheck,
  type InstallationRecord,
  type PreInstallationAssessment,
  type PrivacyMask,
} from '../domain/index.js';
import { DeviceError } from './errors.js';

export const INSTALLATION_FIELDS = ['facesResidence', 'nearMilitaryOrClassified', 'consentDocumentRef', 'angle', 'assessment'] as const;
const TEXT_MAX_CHARS = 500;
const ASSESSMENT_TEXT_MAX_CHARS = 2000;

/** The installation fields of an add or update; null clears a text field or the assessment. */
export interface InstallationInput {
  facesResidence?: boolean;
  nearMilitaryOrClassified?: boolean;
  consentDocumentRef?: string | null;
  angle?: string | null;
  assessment?: PreInstallationAssessment | null;
}

function invalid(field: string, message: string): DeviceError {
  return new DeviceError('invalid_camera', message, field);
}

function text(field: string, value: unknown, max: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string or null`);
  const t = value.trim().normalize('NFC');
  if ([...t].length > max) throw invalid(field, `${field} must be at most ${max} characters`);
  if (/[\p{Cc}\u2028\u2029]/u.test(t.replace(/\n/g, ''))) throw invalid(field, `${field} must not contain control characters`);
  return t === '' ? null : t;
}

function required(field: string, value: unknown): string {
  const t = text(field, value ?? null, ASSESSMENT_TEXT_MAX_CHARS);
  if (t === null) throw invalid(field, `${field} is required in an assessment`);
  return t;
}

/** S: the pre-installation assessment — purpose, necessity, alternatives required; consultation optional; its date. */
export function validateAssessment(value: unknown): PreInstallationAssessment | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('assessment', 'assessment must be an object or null');
  const r = value as Record<string, unknown>;
  const allowed = ['purpose', 'necessity', 'alternativesConsidered', 'publicConsultation', 'assessedMs'];
  const extra = Object.keys(r).find((k) => !allowed.includes(k));
  if (extra !== undefined) {
    const shown = extra.slice(0, 40).replace(/[^\w.-]/g, '?');
    throw invalid(`assessment.${shown}`, `unknown assessment field "${shown}"; allowed: ${allowed.join(', ')}`);
  }
  const assessedMs = r.assessedMs;
  if (typeof assessedMs !== 'number' || !Number.isSafeInteger(assessedMs) || assessedMs < 0) {
    throw invalid('assessment.assessedMs', 'assessment.assessedMs must be the assessment date in ms since the epoch (UTC)');
  }
  const consultation = r.publicConsultation === undefined ? null : text('assessment.publicConsultation', r.publicConsultation, ASSESSMENT_TEXT_MAX_CHARS);
  return {
    purpose: required('assessment.purpose', r.purpose),
    necessity: required('assessment.necessity', r.necessity),
    alternativesConsidered: required('assessment.alternativesConsidered', r.alternativesConsidered),
    ...(consultation === null ? {} : { publicConsultation: consultation }),
    assessedMs,
  };
}

/** Validates the installation fields present in `r`. */
export function validateInstallation(r: Record<string, unknown>): InstallationInput {
  const out: InstallationInput = {};
  for (const flag of ['facesResidence', 'nearMilitaryOrClassified'] as const) {
    if (r[flag] === undefined) continue;
    if (typeof r[flag] !== 'boolean') throw invalid(flag, `${flag} must be true or false`);
    out[flag] = r[flag];
  }
  if (r.consentDocumentRef !== undefined) out.consentDocumentRef = text('consentDocumentRef', r.consentDocumentRef, TEXT_MAX_CHARS);
  if (r.angle !== undefined) out.angle = text('angle', r.angle, TEXT_MAX_CHARS);
  if (r.assessment !== undefined) out.assessment = validateAssessment(r.assessment);
  return out;
}

/** Masks from untrusted input (API body, CLI file), or `invalid_mask` naming the polygon and the problem. */
export function validateMaskInput(input: unknown): PrivacyMask[] {
  const r = validateMasks(input);
  if (!r.ok) throw new DeviceError('invalid_mask', r.message, r.field);
  return r.masks;
}

/**
 * Why a camera with this record may not be activated, as a DeviceError with the article, or null. The domain's
 * `checkActivation` decides; a camera whose area type is not recorded yet (cameras registered before issue 4) is
 * judged on R10 and D11 alone (the area check is given an allowed probe), so those keep working as before.
 */
export function activationRefusal(record: Omit<InstallationRecord, 'areaType'> & { areaType: string | null }): DeviceError | null {
  const check: ActivationCheck = checkActivation({ ...record, areaType: record.areaType ?? ALLOWED_PROBE });
  if (check.ok) return null;
  const field = check.error === 'classified_consent_missing' ? 'consentDocumentRef' : check.error === 'privacy_masks_missing' ? 'masks' : 'areaType';
  const code = check.error === 'area_type_unknown' ? 'invalid_camera' : check.error;
  return new DeviceError(code, check.message, field, 'article' in check ? check.article : undefined);
}

/** An area type the domain allows, used only to run checkActivation's R10 / D11 rules on a record without one. */
const ALLOWED_PROBE = 'road';
