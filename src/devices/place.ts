// A camera's installation place (issue 4, R7–R9): validation of the place fields against domain/'s codes, and the
// refusal the law requires. R8.1: a camera may never be registered or moved into a hotel room, private dining room,
// dorm, staff lodging or rest room, public bath, toilet, changing, nursing or fitting room, or any spot that films or
// overhears privacy — refused with the article. Free text (name, site, position) naming such a place is flagged for
// human review rather than silently accepted or refused: a "客房部走廊" is a corridor, not a guest room.
import { checkArea, isPlaceCategoryCode, PLACE_CATEGORY_CODES, screenTexts, type PreInstallationAssessment } from '../domain/index.js';
import { DeviceError } from './errors.js';

export const PLACE_FIELDS = ['areaType', 'placeCategory', 'site', 'position', 'necessity', 'installingParty'] as const;
export type PlaceField = (typeof PLACE_FIELDS)[number];
const TEXT_MAX_CHARS = 500;

/** The place fields of an add or update; null clears a field. */
export type PlaceInput = Partial<Record<PlaceField, string | null>>;

export interface CameraPlace {
  areaType: string | null;
  placeCategory: string | null;
  site: string | null;
  position: string | null;
  necessity: string | null;
  installingParty: string | null;
  /** D11: the field of view includes residences; such a camera needs privacy masks before activation. */
  facesResidence: boolean;
  /** R10: near a military zone or classified unit; such a camera needs that unit's consent on file. */
  nearMilitaryOrClassified: boolean;
  /** R10: reference of the written consent (document number, archive location). */
  consentDocumentRef: string | null;
  /** Viewing angle and coverage (R13: reasonable angle). */
  angle: string | null;
  /** S: the optional pre-installation assessment. */
  assessment: PreInstallationAssessment | null;
  /** Screening hits awaiting review (R8.1): the term found and the article it points to. */
  review: { term: string; article: string; field: string }[];
  /** A person's review of those hits (not a forbidden place), while the texts are as they read them; else null. */
  reviewCleared: PlaceReviewClearance | null;
}

/** Who confirmed that a camera's screening hits (R8.1) do not describe a forbidden place, when, and why. */
export interface PlaceReviewClearance {
  terms: string[];
  note: string;
  by: { username: string; name: string | null; unit: string | null };
  atMs: number;
}

/** What is stored: the clearance and the texts it was given for (the checker's screened texts and the camera name). */
export interface StoredPlaceReview extends PlaceReviewClearance {
  texts: string[];
  name: string;
}

function invalid(field: string, message: string): DeviceError {
  return new DeviceError('invalid_camera', message, field);
}

function text(field: string, value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string or null`);
  const t = value.trim().normalize('NFC');
  if (t.length > TEXT_MAX_CHARS) throw invalid(field, `${field} must be at most ${TEXT_MAX_CHARS} characters`);
  if (/[\p{Cc}\u2028\u2029]/u.test(t.replace(/\n/g, ''))) throw invalid(field, `${field} must not contain control characters`);
  return t === '' ? null : t;
}

/** Validates the place fields present in `r`; refuses a forbidden area type with its R8.1 item. */
export function validatePlace(r: Record<string, unknown>): PlaceInput {
  const place: PlaceInput = {};
  if (r.areaType !== undefined) {
    const code = text('areaType', r.areaType);
    if (code !== null) {
      const check = checkArea(code);
      if (!check.ok && check.error === 'camera_place_forbidden') {
        throw new DeviceError('camera_place_forbidden', check.message, 'areaType', check.article);
      }
      if (!check.ok) throw invalid('areaType', `unknown area type "${code.slice(0, 40)}"; the codes are listed in docs/compliance.md`);
    }
    place.areaType = code;
  }
  if (r.placeCategory !== undefined) {
    const code = text('placeCategory', r.placeCategory);
    if (code !== null && !isPlaceCategoryCode(code)) {
      throw invalid('placeCategory', `unknown place category "${code.slice(0, 40)}"; one of ${PLACE_CATEGORY_CODES.join(', ')}`);
    }
    place.placeCategory = code;
  }
  for (const field of ['site', 'position', 'necessity', 'installingParty'] as const) {
    if (r[field] !== undefined) place[field] = text(field, r[field]);
  }
  return place;
}

/** Screening of the free text that says where a camera is (R8.1): hits to review, per field. */
export function screenPlace(texts: Record<string, string | null | undefined>): CameraPlace['review'] {
  const hits: CameraPlace['review'] = [];
  for (const [field, value] of Object.entries(texts)) {
    if (!value) continue;
    const result = screenTexts([value]);
    if (result.status === 'review') for (const m of result.matches) hits.push({ term: m.matched, article: m.article, field });
  }
  return hits;
}
