import { describe, expect, it } from 'vitest';
import {
  checkActivation,
  classifiedConsentMissing,
  necessityStatementMissing,
  privacyMasksMissing,
  screenInstallation,
  type InstallationRecord,
} from './installation.js';

const compliantRecord: InstallationRecord = {
  cameraId: 'cam-1',
  site: '人民商场',
  placeCategory: 'crowd_venue',
  areaType: 'mall',
  position: '一层东门上方',
  angle: '朝向入口，俯角 30°',
  necessityStatement: '人员聚集的出入口，防范盗窃和踩踏（R7.2(1)）',
  installingParty: '人民商场物业管理部',
  facesResidence: false,
  nearMilitaryOrClassified: false,
  privacyMaskCount: 0,
};

describe('installation rules', () => {
  it('a compliant record may be activated and screens clear', () => {
    expect(checkActivation(compliantRecord)).toEqual({ ok: true });
    expect(screenInstallation(compliantRecord)).toEqual({ status: 'clear' });
  });

  it.each([
    ['R10 consent missing', { nearMilitaryOrClassified: true }, 'classified_consent_missing', 'R10'],
    ['R10 consent blank', { nearMilitaryOrClassified: true, consentDocumentRef: '  ' }, 'classified_consent_missing', 'R10'],
    ['D11 masks missing', { facesResidence: true, privacyMaskCount: 0 }, 'privacy_masks_missing', 'D11'],
    ['R8.1 forbidden area', { areaType: 'fitting_room' }, 'camera_place_forbidden', 'R8.1(3)'],
  ])('refuses activation: %s', (_name, change, error, article) => {
    expect(checkActivation({ ...compliantRecord, ...change })).toMatchObject({ ok: false, error, article });
  });

  it.each([
    ['R10 consent on file', { nearMilitaryOrClassified: true, consentDocumentRef: '某部同意函 2025-17' }],
    ['D11 masks drawn', { facesResidence: true, privacyMaskCount: 2 }],
  ])('allows activation: %s', (_name, change) => {
    expect(checkActivation({ ...compliantRecord, ...change })).toEqual({ ok: true });
  });

  it('predicates', () => {
    expect(classifiedConsentMissing(compliantRecord)).toBe(false);
    expect(privacyMasksMissing(compliantRecord)).toBe(false);
    expect(necessityStatementMissing(compliantRecord)).toBe(false);
    expect(necessityStatementMissing({ ...compliantRecord, necessityStatement: ' ' })).toBe(true);
    // R9.1 binds R9 places too; R33 non-public places are not bound by R7.3/R9.1.
    expect(necessityStatementMissing({ ...compliantRecord, placeCategory: 'other_public_place', necessityStatement: '' })).toBe(true);
    expect(necessityStatementMissing({ ...compliantRecord, placeCategory: 'non_public_place', necessityStatement: '' })).toBe(false);
  });

  it('screens the free text of the record for review', () => {
    const result = screenInstallation({ ...compliantRecord, position: '二楼卫生间外走廊' });
    expect(result).toMatchObject({ status: 'review', matches: [{ term: '卫生间', article: 'R8.1(3)' }] });
  });
});
