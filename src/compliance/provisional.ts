// Provisional sources, from the data this build keeps, until other branches provide the real ones (see the report
// and docs/compliance.md §8): app/ wires them; replace each by its real adapter without touching the checker.
//  - retention: the R17 floor (30 days, domain RETENTION_FLOOR_DAYS) for every camera, as no policy is stored yet.
//  - installations: camera places (devices/ camera_places) without the R10 / D11 fields, so R10 and D11 are named
//    unchecked rather than reported clean.
//  - signage: none kept yet, so R13 is named unchecked rather than reported missing for every camera.
//  - personnel: every account's roles, trainings and agreements from access/.
import { PLACE_CATEGORIES, RETENTION_FLOOR_DAYS, type InstallationRecord, type PlaceCategoryCode, type UserFacts } from '../domain/index.js';
import type { InstallationSource, PersonnelSource, RetentionFacts, SignageSource } from './ports.js';
import { userFacts } from './snapshot.js';

export function floorRetention(days = RETENTION_FLOOR_DAYS): RetentionFacts {
  return { retentionDaysByCamera: async (ids) => new Map(ids.map((id) => [id, days])) };
}

interface CameraWithPlace {
  id: string;
  name: string;
  place: {
    areaType: string | null;
    placeCategory: string | null;
    site: string | null;
    position: string | null;
    necessity: string | null;
    installingParty: string | null;
  } | null;
}

export function installationsFromPlaces(cameras: { list(): Promise<CameraWithPlace[]> }): InstallationSource {
  return {
    unchecked: [
      { article: 'R10', rules: ['classified_consent_missing'], reason: 'the R10 consent fields of installation records are not kept by this build' },
      { article: 'D11', rules: ['privacy_masks_missing'], reason: 'the D11 residence and privacy-mask fields are not kept by this build' },
    ],
    async installationRecords() {
      const records: InstallationRecord[] = [];
      for (const camera of await cameras.list()) {
        const place = camera.place;
        // No valid place category = no installation record (the checker reports installation_record_missing, R7.3).
        if (!place?.placeCategory || !Object.hasOwn(PLACE_CATEGORIES, place.placeCategory) || !place.areaType) continue;
        records.push({
          cameraId: camera.id,
          site: place.site ?? '',
          placeCategory: place.placeCategory as PlaceCategoryCode,
          areaType: place.areaType,
          position: place.position ?? '',
          angle: '',
          necessityStatement: place.necessity ?? '',
          installingParty: place.installingParty ?? '',
          facesResidence: false,
          nearMilitaryOrClassified: false,
          privacyMaskCount: 0,
        });
      }
      return records;
    },
  };
}

export function noSignage(): SignageSource {
  return {
    unchecked: [{ article: 'R13', rules: ['signage_missing'], reason: 'signage records are not kept by this build' }],
    signageRecords: async () => [],
  };
}

interface AccessLike {
  listUsers(actor: null, page: { limit: number; offset: number }): Promise<{ items: { id: string; roles: string[]; disabled: boolean }[]; total: number }>;
  getPersonnel(actor: null, userId: string): Promise<{ trainings: { validUntilMs: number }[]; agreements: { startMs: number; endMs: number }[] }>;
}

export function personnelFromAccess(access: AccessLike): PersonnelSource {
  return {
    async users(nowMs) {
      const out: UserFacts[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await access.listUsers(null, { limit: 500, offset });
        for (const user of page.items) {
          const personnel = await access.getPersonnel(null, user.id);
          const facts = userFacts({ id: user.id, roles: user.roles, disabled: user.disabled, trainings: personnel.trainings, agreements: personnel.agreements, nowMs });
          if (facts) out.push(facts);
        }
        if (page.items.length < 500) break;
      }
      return out;
    },
  };
}
