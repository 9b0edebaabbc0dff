// The installation record every camera carries (R7.3, R9, R10, R13, D11, S) and the pure rules over it.
// Pure: the record is data handed in by devices/; nothing here stores or fetches it.
import { checkArea, PLACE_CATEGORIES, type AreaCheck, type PlaceCategoryCode } from './places.js';
import { screenTexts, type ScreenResult } from './screening.js';

/** S (2023 legal study): the optional assessment before installing — purpose, necessity, alternatives, consultation. */
export interface PreInstallationAssessment {
  purpose: string;
  necessity: string;
  alternativesConsidered: string;
  publicConsultation?: string;
  assessedMs: number;
}

export interface InstallationRecord {
  cameraId: string;
  /** The camera's name, screened with the texts (a name like “二楼更衣室” says where the camera is, R8.1). */
  cameraName?: string;
  site: string;
  placeCategory: PlaceCategoryCode;
  /** An area-type code of places.ts. */
  areaType: string;
  position: string;
  angle: string;
  /** R7.3 / R9.1: why the camera is necessary for public security. */
  necessityStatement: string;
  /** R7.3 / R9.1: only the management unit or the party with the security duty may install. */
  installingParty: string;
  assessment?: PreInstallationAssessment;
  /** D11: the field of view includes residences (windows, doors, balconies). */
  facesResidence: boolean;
  /** R10: near a military restricted/administration zone or a classified state organ. */
  nearMilitaryOrClassified: boolean;
  /** R10: reference of the written consent of that unit. */
  consentDocumentRef?: string;
  privacyMaskCount: number;
  /**
   * R8.1 screening: the texts (`screenedTextsOf`) as a person read them when clearing the record's screening hits as
   * not a forbidden place. The clearance holds only while the texts are exactly these.
   */
  reviewedTexts?: readonly string[];
  /** The camera's name as the reviewer read it, with `reviewedTexts`. */
  reviewedName?: string;
}

function isBlank(text: string | undefined): boolean {
  return text === undefined || text.trim() === '';
}

/** R7.3 / R9.1: a necessity statement is required in R7 and R9 places; R33 places are not bound by it. */
export function necessityStatementMissing(record: InstallationRecord): boolean {
  return PLACE_CATEGORIES[record.placeCategory].ruleSet !== 'R33' && isBlank(record.necessityStatement);
}

/** R10: a camera near a military or classified unit needs that unit's consent on file. */
export function classifiedConsentMissing(record: InstallationRecord): boolean {
  return record.nearMilitaryOrClassified && isBlank(record.consentDocumentRef);
}

/** D11 (with R13's reasonable angle and coverage): a residence-facing camera needs at least one privacy mask. */
export function privacyMasksMissing(record: InstallationRecord): boolean {
  return record.facesResidence && record.privacyMaskCount < 1;
}

export type ActivationCheck =
  | { ok: true }
  | { ok: false; error: 'classified_consent_missing'; article: 'R10'; message: string }
  | { ok: false; error: 'privacy_masks_missing'; article: 'D11'; message: string }
  | Extract<AreaCheck, { ok: false }>;

/** Whether a camera with this record may be activated: area allowed (R8.1), R10 consent on file, D11 masks drawn. */
export function checkActivation(record: InstallationRecord): ActivationCheck {
  const area = checkArea(record.areaType);
  if (!area.ok) return area;
  if (classifiedConsentMissing(record)) {
    return {
      ok: false,
      error: 'classified_consent_missing',
      article: 'R10',
      message: 'R10: near a military zone or classified unit, that unit’s prior consent must be on file before activation',
    };
  }
  if (privacyMasksMissing(record)) {
    return {
      ok: false,
      error: 'privacy_masks_missing',
      article: 'D11',
      message: 'D11: a camera facing residences needs privacy masks before activation',
    };
  }
  return { ok: true };
}

/** The free-text fields of the record that are screened for mentions of forbidden areas (R8.1), in a fixed order. */
export function screenedTextsOf(record: InstallationRecord): string[] {
  return [record.site, record.position, record.angle, record.necessityStatement, record.assessment?.purpose ?? '', record.assessment?.necessity ?? ''];
}

/** R8.1: screens the camera's name and every free-text field of the record for mentions of forbidden areas (for review). */
export function screenInstallation(record: InstallationRecord): ScreenResult {
  return screenTexts([record.cameraName ?? '', ...screenedTextsOf(record)]);
}

/** Whether a person cleared the record's screening hits and the name and texts are still the ones they read. */
export function screeningReviewed(record: InstallationRecord): boolean {
  const reviewed = record.reviewedTexts;
  const now = screenedTextsOf(record);
  return reviewed !== undefined && (record.reviewedName ?? '') === (record.cameraName ?? '') &&
    reviewed.length === now.length && reviewed.every((t, i) => t === now[i]);
}
