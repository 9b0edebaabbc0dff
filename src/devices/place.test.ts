// Camera places (issue 4): every forbidden area type of R8.1 is refused with its item, unknown codes are a clear
// validation error, and free text naming a forbidden place is flagged for review, not refused.
import { describe, expect, it } from 'vitest';
import { FORBIDDEN_AREA_TYPES } from '../domain/index.js';
import { DeviceError } from './errors.js';
import { screenPlace, validatePlace } from './place.js';

describe('validatePlace', () => {
  it.each(FORBIDDEN_AREA_TYPES.map((a) => [a.code, a.article]))('refuses area %s with %s', (code, article) => {
    const error = (() => {
      try {
        validatePlace({ areaType: code });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DeviceError);
    expect(error).toMatchObject({ code: 'camera_place_forbidden', article, field: 'areaType' });
    expect((error as DeviceError).toJSON()).toMatchObject({ error: 'camera_place_forbidden', article });
  });

  it('accepts allowed areas and categories, trims text, and null clears a field', () => {
    expect(validatePlace({ areaType: 'car_park', placeCategory: 'crowd_venue', site: '  东门广场 ', necessity: null })).toEqual({
      areaType: 'car_park', placeCategory: 'crowd_venue', site: '东门广场', necessity: null,
    });
  });

  it('names the field of an unknown code or bad value', () => {
    expect(() => validatePlace({ areaType: 'spaceship' })).toThrow(expect.objectContaining({ code: 'invalid_camera', field: 'areaType' }));
    expect(() => validatePlace({ placeCategory: 'R7.1' })).toThrow(expect.objectContaining({ code: 'invalid_camera', field: 'placeCategory' }));
    expect(() => validatePlace({ site: 42 })).toThrow(expect.objectContaining({ field: 'site' }));
    expect(() => validatePlace({ position: 'x'.repeat(501) })).toThrow(/at most 500/);
  });
});

describe('screenPlace (R8.1 review, not refusal)', () => {
  it('flags free text that names a forbidden place, per field, and passes ordinary places', () => {
    expect(screenPlace({ name: '客房部走廊', site: '一楼 Restroom 旁', position: null })).toEqual([
      { term: '客房', article: 'R8.1(1)', field: 'name' },
      expect.objectContaining({ article: 'R8.1(3)', field: 'site' }),
    ]);
    expect(screenPlace({ name: '东门 East Gate', site: '停车场入口', position: '朝南' })).toEqual([]);
  });
});
