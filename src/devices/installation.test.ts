// The installation record (issue 4) end to end through CameraService on both dialects: R10 / D11 / S fields stored
// and shown, activation refused with the article (R10, D11) on add, enable and mask removal, refused cameras kept out
// of ingest, masks and signage (R13) stored, and the facts the compliance checker reads.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dialects, type TestDatabase } from '../../test/support/databases.js';
import { CameraService, credentialKey, DeviceError } from './index.js';
import { validateAssessment, validateInstallation } from './installation.js';
import { checkPhoto, SIGNAGE_PHOTO_MAX_BYTES, sniffPhotoType, validateSignage } from './signage.js';

const T0 = 1_800_000_000_000;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]);
const SQUARE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]];
const ASSESSMENT = { purpose: '防盗', necessity: '多次失窃', alternativesConsidered: '加装照明，不足', assessedMs: T0 - 86_400_000 };

async function rejection(promise: Promise<unknown>): Promise<DeviceError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DeviceError);
  return error as DeviceError;
}

function thrown(fn: () => unknown): DeviceError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DeviceError);
    return e as DeviceError;
  }
  throw new Error('expected a DeviceError');
}

describe('installation field validation', () => {
  it.each([
    [{ facesResidence: 'yes' }, 'facesResidence', 'true or false'],
    [{ nearMilitaryOrClassified: 1 }, 'nearMilitaryOrClassified', 'true or false'],
    [{ consentDocumentRef: 7 }, 'consentDocumentRef', 'string or null'],
    [{ angle: 'x'.repeat(501) }, 'angle', 'at most 500'],
    [{ angle: 'a\u0007b' }, 'angle', 'control characters'],
    [{ assessment: 'yes' }, 'assessment', 'object or null'],
    [{ assessment: { ...ASSESSMENT, purpose: ' ' } }, 'assessment.purpose', 'required'],
    [{ assessment: { ...ASSESSMENT, alternativesConsidered: undefined } }, 'assessment.alternativesConsidered', 'required'],
    [{ assessment: { ...ASSESSMENT, assessedMs: 1.5 } }, 'assessment.assessedMs', 'ms since the epoch'],
    [{ assessment: { ...ASSESSMENT, cost: 1 } }, 'assessment.cost', 'unknown assessment field'],
  ])('refuses %j (%s)', (input, field, text) => {
    const e = thrown(() => validateInstallation(input));
    expect(e.code).toBe('invalid_camera');
    expect(e.field).toBe(field);
    expect(e.message).toContain(text);
  });

  it('normalises what it accepts', () => {
    expect(validateInstallation({ facesResidence: true, consentDocumentRef: '  ', angle: ' 俯角 30° ' })).toEqual({ facesResidence: true, consentDocumentRef: null, angle: '俯角 30°' });
    expect(validateAssessment({ ...ASSESSMENT, publicConsultation: ' 居委会公示 ' })).toEqual({ ...ASSESSMENT, publicConsultation: '居委会公示' });
    expect(validateAssessment(null)).toBeNull();
  });
});

describe('signage validation', () => {
  it.each([
    [{ text: '', installedMs: T0 }, 'text', 'must not be empty'],
    [{ text: 'x'.repeat(501), installedMs: T0 }, 'text', 'at most 500'],
    [{ text: '监控区域', installedMs: -1 }, 'installedMs', 'ms since the epoch'],
    [{ text: '监控区域' }, 'installedMs', 'ms since the epoch'],
    [{ text: '监控区域', installedMs: T0, photo: 'x' }, 'photo', 'unknown field'],
    [[], 'body', 'must be an object'],
  ])('refuses %j', (input, field, text) => {
    const e = thrown(() => validateSignage(input));
    expect(e).toMatchObject({ code: 'invalid_signage', field });
    expect(e.message).toContain(text);
  });

  it.each([
    [JPEG, 'image/jpeg'],
    [PNG, 'image/png'],
    [Buffer.from('GIF89a'), null],
    [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), null],
    [Buffer.from([0xff, 0xd8]), null],
    [Buffer.alloc(0), null],
  ])('sniffs %s as %s', (bytes, type) => {
    expect(sniffPhotoType(bytes)).toBe(type);
  });

  it('refuses an oversized or unknown photo, and hashes an accepted one', () => {
    expect(thrown(() => checkPhoto(Buffer.concat([JPEG, Buffer.alloc(SIGNAGE_PHOTO_MAX_BYTES)])))).toMatchObject({ code: 'photo_too_large' });
    expect(thrown(() => checkPhoto(Buffer.from('GIF89a')))).toMatchObject({ code: 'photo_type_unsupported' });
    expect(checkPhoto(PNG)).toEqual({ type: 'image/png', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe.each(dialects)('installation record through CameraService on %s', (dialect) => {
  let t: TestDatabase & { dispose(): Promise<void> };
  let nowMs = T0;
  let service: CameraService;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    service = new CameraService({ db: t.db, credentialKey: credentialKey(randomBytes(32)), clock: () => (nowMs += 1000) });
  });
  afterAll(async () => { await t?.dispose(); });

  it('stores and shows the R10 / D11 / S fields; a camera without them behaves as before', async () => {
    const plain = await service.add({ name: 'Plain', url: 'rtsp://cam-p.local/main' });
    expect(plain.enabled).toBe(true);
    expect(plain.place).toBeNull();
    const c = await service.add({
      name: 'Gate', url: 'rtsp://cam-g.local/main', areaType: 'mall', placeCategory: 'crowd_venue',
      nearMilitaryOrClassified: true, consentDocumentRef: '军函〔2026〕12号', angle: '朝东 俯角 30°', assessment: ASSESSMENT,
    });
    expect(c.place).toMatchObject({
      facesResidence: false, nearMilitaryOrClassified: true, consentDocumentRef: '军函〔2026〕12号', angle: '朝东 俯角 30°', assessment: ASSESSMENT,
    });
    expect((await service.get(c.id)).place).toEqual(c.place);
    const cleared = await service.update(c.id, { assessment: null, angle: null });
    expect(cleared.place).toMatchObject({ assessment: null, angle: null, consentDocumentRef: '军函〔2026〕12号' });
  });

  it('refuses activation without R10 consent, on add and on enable, changing nothing', async () => {
    const e = await rejection(service.add({ name: 'Near base', url: 'rtsp://cam-m.local/main', nearMilitaryOrClassified: true }));
    expect(e.toJSON()).toMatchObject({ error: 'classified_consent_missing', article: 'R10', field: 'consentDocumentRef' });
    const off = await service.add({ name: 'Near base', url: 'rtsp://cam-m.local/main', nearMilitaryOrClassified: true, enabled: false });
    expect(await rejection(service.update(off.id, { enabled: true }))).toMatchObject({ code: 'classified_consent_missing', article: 'R10' });
    // Clearing the consent of an enabled camera is refused too.
    const on = await service.update(off.id, { consentDocumentRef: '军函〔2026〕13号', enabled: true });
    expect(on.enabled).toBe(true);
    expect(await rejection(service.update(on.id, { consentDocumentRef: null }))).toMatchObject({ code: 'classified_consent_missing' });
    expect((await service.get(on.id)).place?.consentDocumentRef).toBe('军函〔2026〕13号');
  });

  it('refuses activation of a residence-facing camera until it has a mask (D11), and the mask removal that would undo it', async () => {
    const e = await rejection(service.add({ name: 'Facing flats', url: 'rtsp://cam-r.local/main', facesResidence: true }));
    expect(e.toJSON()).toMatchObject({ error: 'privacy_masks_missing', article: 'D11', field: 'masks' });
    const c = await service.add({ name: 'Facing flats', url: 'rtsp://cam-r.local/main', facesResidence: true, enabled: false });
    expect(await rejection(service.update(c.id, { enabled: true }))).toMatchObject({ code: 'privacy_masks_missing', article: 'D11' });
    expect(await service.setMasks(c.id, [{ points: SQUARE, burnExport: true }])).toEqual([{ points: SQUARE, burnExport: true, burnRecording: false }]);
    expect((await service.update(c.id, { enabled: true })).enabled).toBe(true);
    expect(await rejection(service.setMasks(c.id, []))).toMatchObject({ code: 'privacy_masks_missing', article: 'D11' });
    expect(await service.masks(c.id)).toHaveLength(1);
    expect(await rejection(service.setMasks(c.id, [{ points: [[0, 0], [1, 1], [1, 0], [0, 1]] }]))).toMatchObject({ code: 'invalid_mask', field: 'masks[0].points' });
  });

  it('keeps a camera that fails the rule out of ingest, and passes recording burn-in masks to it', async () => {
    const c = await service.add({ name: 'Burn', url: 'rtsp://cam-b.local/main', facesResidence: true, enabled: false });
    await service.setMasks(c.id, [{ points: SQUARE, burnRecording: true }, { points: [[0.6, 0.6], [0.9, 0.6], [0.9, 0.9]] }]);
    await service.update(c.id, { enabled: true });
    const plan = await service.streamsToIngest();
    const stream = plan.streams.find((s) => s.cameraId === c.id);
    expect(stream?.burnInMasks).toEqual([{ points: SQUARE, burnExport: false, burnRecording: true }]);
    // A row made non-compliant around the service (older data, manual SQL) is refused at ingest, with the article.
    await t.db.deleteFrom('camera_masks').where('camera_id', '=', c.id).execute();
    const after = await service.streamsToIngest();
    expect(after.streams.some((s) => s.cameraId === c.id)).toBe(false);
    expect(after.refused.find((r) => r.cameraId === c.id)?.error).toMatchObject({ code: 'privacy_masks_missing', article: 'D11' });
  });

  it('records signage (R13) with a photo kept as a blob with its SHA-256, and removes it', async () => {
    const c = await service.add({ name: 'Signed', url: 'rtsp://cam-s.local/main', areaType: 'mall', placeCategory: 'crowd_venue', necessity: '防盗' });
    const s = await service.addSignage(c.id, { text: '您已进入视频监控区域', installedMs: T0 }, 'admin');
    expect(s).toMatchObject({ cameraId: c.id, text: '您已进入视频监控区域', installedMs: T0, photo: null, recordedBy: 'admin' });
    const withPhoto = await service.setSignagePhoto(c.id, s.id, JPEG);
    expect(withPhoto.photo).toEqual({ type: 'image/jpeg', bytes: JPEG.length, sha256: checkPhoto(JPEG).sha256 });
    const photo = await service.signagePhoto(c.id, s.id);
    expect(photo.bytes.equals(JPEG)).toBe(true);
    expect(await service.listSignage(c.id)).toEqual([withPhoto]);
    expect(await rejection(service.setSignagePhoto(c.id, s.id, Buffer.from('GIF89a')))).toMatchObject({ code: 'photo_type_unsupported' });
    const other = await service.add({ name: 'Other', url: 'rtsp://cam-o.local/main' });
    expect(await rejection(service.signagePhoto(other.id, s.id))).toMatchObject({ code: 'signage_not_found' });
    expect(await rejection(service.addSignage('01932c07-8b2a-7c4e-9f10-3a5b6c7d8e9f', { text: 'x', installedMs: T0 }, null))).toMatchObject({ code: 'camera_not_found' });

    const facts = await service.signageRecords();
    expect(facts.filter((f) => f.cameraId === c.id)).toEqual([{ cameraId: c.id, installedMs: T0, text: '您已进入视频监控区域', photoRef: `sha256:${checkPhoto(JPEG).sha256}` }]);
    const s2 = await service.addSignage(c.id, { text: '第二块', installedMs: T0 + 1 }, null);
    expect(await rejection(service.signagePhoto(c.id, s2.id))).toMatchObject({ code: 'photo_not_found' });
    await service.removeSignage(c.id, s.id);
    expect((await service.listSignage(c.id)).map((x) => x.id)).toEqual([s2.id]);
    expect(await rejection(service.removeSignage(c.id, s.id))).toMatchObject({ code: 'signage_not_found' });
    await service.remove(c.id);
    expect((await service.signageRecords()).some((f) => f.cameraId === c.id)).toBe(false);
  });

  it('signage recorded while its camera is removed: recorded before, or camera_not_found after (never a failed key)', async () => {
    for (let i = 0; i < 5; i++) {
      const c = await service.add({ name: `Gone ${i}`, url: `rtsp://cam-g${i}.local/main` });
      const [signed] = await Promise.all([
        service.addSignage(c.id, { text: '视频监控区域', installedMs: T0 }, null).then(() => 'recorded', (e: unknown) => (e as DeviceError).code ?? e),
        service.remove(c.id),
      ]);
      expect(['recorded', 'camera_not_found']).toContain(signed);
      expect((await service.signageRecords()).some((f) => f.cameraId === c.id)).toBe(false); // went with the camera
    }
  });

  it('gives the checker the installation records of cameras whose place is recorded, with the mask count', async () => {
    const c = await service.add({
      name: 'Facts', url: 'rtsp://cam-f.local/main', areaType: 'mall', placeCategory: 'crowd_venue', site: '人民商场', necessity: '防盗',
      installingParty: '物业', facesResidence: true, enabled: false, assessment: ASSESSMENT,
    });
    await service.setMasks(c.id, [{ points: SQUARE }, { points: SQUARE }]);
    const records = await service.installationRecords();
    expect(records.find((r) => r.cameraId === c.id)).toEqual({
      cameraId: c.id, cameraName: 'Facts', site: '人民商场', placeCategory: 'crowd_venue', areaType: 'mall', position: '', angle: '', necessityStatement: '防盗',
      installingParty: '物业', assessment: ASSESSMENT, facesResidence: true, nearMilitaryOrClassified: false, privacyMaskCount: 2,
    });
    const plain = (await service.list()).find((x) => x.name === 'Plain')!;
    expect(records.some((r) => r.cameraId === plain.id)).toBe(false); // → installation_record_missing in the checker
  });
});
