// Row ⇄ view mapping of the installation record (issue 4): place columns for a change (with the R8.1 screening
// re-run), the API's CameraPlace, and the domain's InstallationRecord / SignageRecord for the compliance checker.
// Pure: rows in, values out.
import { isPlaceCategoryCode, screenedTextsOf, type InstallationRecord, type PreInstallationAssessment, type PrivacyMask, type SignageRecord } from '../domain/index.js';
import type { InstallationInput } from './installation.js';
import { DeviceError } from './errors.js';
import { screenPlace, type CameraPlace, type PlaceInput, type PlaceReviewClearance, type StoredPlaceReview } from './place.js';
import type * as repo from './repo.js';
import type { Signage, SignagePhotoType } from './signage.js';

type PlaceColumns = Omit<repo.CameraPlaceRowShape, 'camera_id' | 'updated_ms'>;

export const EMPTY_PLACE: PlaceColumns = {
  area_type: null, place_category: null, site: null, position: null, necessity: null, installing_party: null, review: null,
  faces_residence: 0, near_classified: 0, consent_ref: null, angle: null, assessment: null, review_cleared: null,
};

/** The place fields of a validated add or patch. */
export function pickPlace(input: PlaceInput & InstallationInput): PlaceInput & InstallationInput {
  const out: Record<string, unknown> = {};
  for (const k of ['areaType', 'placeCategory', 'site', 'position', 'necessity', 'installingParty',
    'facesResidence', 'nearMilitaryOrClassified', 'consentDocumentRef', 'angle', 'assessment'] as const) {
    if (input[k] !== undefined) out[k] = input[k];
  }
  return out as PlaceInput & InstallationInput;
}

/** Place columns for a change, with the R8.1 screening of the texts that say where the camera is, re-run on the result. */
export function placeColumns(input: PlaceInput & InstallationInput, current: repo.CameraRecord['place'] | null, name: string): repo.PlaceChange {
  const change: repo.PlaceChange = {};
  if (input.areaType !== undefined) change.area_type = input.areaType;
  if (input.placeCategory !== undefined) change.place_category = input.placeCategory;
  if (input.site !== undefined) change.site = input.site;
  if (input.position !== undefined) change.position = input.position;
  if (input.necessity !== undefined) change.necessity = input.necessity;
  if (input.installingParty !== undefined) change.installing_party = input.installingParty;
  if (input.facesResidence !== undefined) change.faces_residence = input.facesResidence ? 1 : 0;
  if (input.nearMilitaryOrClassified !== undefined) change.near_classified = input.nearMilitaryOrClassified ? 1 : 0;
  if (input.consentDocumentRef !== undefined) change.consent_ref = input.consentDocumentRef;
  if (input.angle !== undefined) change.angle = input.angle;
  if (input.assessment !== undefined) change.assessment = input.assessment === null ? null : JSON.stringify(input.assessment);
  const pick = <K extends 'site' | 'position' | 'angle' | 'necessity' | 'assessment'>(k: K) => (change[k] !== undefined ? change[k] : (current?.[k] ?? null));
  // The same texts the checker screens (domain screenInstallation), so the review list and the findings agree.
  const assessment = storedAssessment(pick('assessment'));
  const review = screenPlace({
    name, site: pick('site'), position: pick('position'), angle: pick('angle'), necessity: pick('necessity'),
    'assessment.purpose': assessment?.purpose, 'assessment.necessity': assessment?.necessity,
  });
  change.review = review.length > 0 ? JSON.stringify(review) : null;
  // A review was of the texts as they were: any change to what is screened re-opens it (R8.1).
  const cleared = storedReview(current?.review_cleared ?? null);
  if (cleared) {
    const texts = screenedTextsOf(installationOf('', { ...EMPTY_PLACE, ...(current ?? {}), ...change }, 0));
    if (cleared.name !== name || JSON.stringify(cleared.texts) !== JSON.stringify(texts)) change.review_cleared = null;
  }
  return change;
}

function storedAssessment(json: string | null): PreInstallationAssessment | undefined {
  return json ? (JSON.parse(json) as PreInstallationAssessment) : undefined;
}

function storedReview(json: string | null): StoredPlaceReview | null {
  return json ? (JSON.parse(json) as StoredPlaceReview) : null;
}

/**
 * The stored clearance of a camera's screening hits (R8.1): the texts and name as the reviewer read them, the terms
 * found, the note. Refused when nothing is flagged (there is nothing to review).
 */
export function placeReviewColumn(record: repo.CameraRecord, note: string, by: PlaceReviewClearance['by'], atMs: number): string {
  const place = record.place;
  const hits = place?.review ? (JSON.parse(place.review) as CameraPlace['review']) : [];
  if (hits.length === 0) throw new DeviceError('nothing_to_review', 'this camera has no screening hits awaiting review (R8.1)', 'place');
  const texts = screenedTextsOf(installationOf(record.camera.id, { ...EMPTY_PLACE, ...(place ?? {}) }, 0));
  const stored: StoredPlaceReview = { terms: [...new Set(hits.map((h) => h.term))], note, by, atMs, texts, name: record.camera.name };
  return JSON.stringify(stored);
}

export function toPlace(place: repo.CameraRecord['place']): CameraPlace | null {
  if (!place) return null;
  return {
    areaType: place.area_type,
    placeCategory: place.place_category,
    site: place.site,
    position: place.position,
    necessity: place.necessity,
    installingParty: place.installing_party,
    facesResidence: place.faces_residence !== 0,
    nearMilitaryOrClassified: place.near_classified !== 0,
    consentDocumentRef: place.consent_ref,
    angle: place.angle,
    assessment: place.assessment ? (JSON.parse(place.assessment) as PreInstallationAssessment) : null,
    review: place.review ? (JSON.parse(place.review) as CameraPlace['review']) : [],
    reviewCleared: clearanceOf(place.review_cleared),
  };
}

function clearanceOf(json: string | null): PlaceReviewClearance | null {
  const stored = storedReview(json);
  if (!stored) return null;
  const { texts: _texts, name: _name, ...clearance } = stored;
  return clearance;
}

export function masksOf(record: Pick<repo.CameraRecord, 'masks'>): PrivacyMask[] {
  return record.masks ? (JSON.parse(record.masks.polygons) as PrivacyMask[]) : [];
}

/** The record the domain's activation rule reads; text fields absent are empty, area type may be unrecorded. */
export function activationRecord(
  cameraId: string,
  place: repo.PlaceChange | repo.CameraRecord['place'] | undefined,
  maskCount: number,
): Omit<InstallationRecord, 'areaType'> & { areaType: string | null } {
  const p: PlaceColumns = { ...EMPTY_PLACE, ...(place ?? {}) };
  return { ...installationOf(cameraId, p, maskCount), areaType: p.area_type };
}

function installationOf(cameraId: string, p: PlaceColumns, maskCount: number, cameraName?: string): InstallationRecord {
  const assessment = storedAssessment(p.assessment);
  const cleared = storedReview(p.review_cleared);
  return {
    cameraId,
    ...(cameraName === undefined ? {} : { cameraName }),
    site: p.site ?? '',
    placeCategory: (p.place_category && isPlaceCategoryCode(p.place_category) ? p.place_category : 'non_public_place') as InstallationRecord['placeCategory'],
    areaType: p.area_type ?? '',
    position: p.position ?? '',
    angle: p.angle ?? '',
    necessityStatement: p.necessity ?? '',
    installingParty: p.installing_party ?? '',
    ...(assessment ? { assessment } : {}),
    facesResidence: p.faces_residence === 1,
    nearMilitaryOrClassified: p.near_classified === 1,
    ...(p.consent_ref ? { consentDocumentRef: p.consent_ref } : {}),
    privacyMaskCount: maskCount,
    ...(cleared ? { reviewedTexts: cleared.texts, reviewedName: cleared.name } : {}),
  };
}

/**
 * The installation record of a camera for the compliance checker, or undefined while its place category or area
 * type is not recorded (the checker then reports `installation_record_missing`, R7.3).
 */
export function installationRecordOf(record: repo.CameraRecord): InstallationRecord | undefined {
  const place = record.place;
  if (!place?.area_type || !place.place_category || !isPlaceCategoryCode(place.place_category)) return undefined;
  return installationOf(record.camera.id, place, masksOf(record).length, record.camera.name);
}

export function toSignage(row: repo.SignageMeta): Signage {
  return {
    id: row.id,
    cameraId: row.camera_id,
    text: row.text,
    installedMs: row.installed_ms,
    photo: row.photo_type && row.photo_sha256 ? { type: row.photo_type as SignagePhotoType, bytes: row.photo_bytes ?? 0, sha256: row.photo_sha256 } : null,
    recordedBy: row.recorded_by,
    createdMs: row.created_ms,
    updatedMs: row.updated_ms,
  };
}

/** R13 facts for the checker; `photoRef` names the photo by its SHA-256. */
export function signageRecordOf(row: repo.SignageMeta): SignageRecord {
  return { cameraId: row.camera_id, installedMs: row.installed_ms, text: row.text, ...(row.photo_sha256 ? { photoRef: `sha256:${row.photo_sha256}` } : {}) };
}
