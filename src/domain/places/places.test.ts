import { describe, expect, it } from 'vitest';
import {
  ALLOWED_AREA_TYPES,
  checkArea,
  FORBIDDEN_AREA_TYPES,
  isPlaceCategoryCode,
  PLACE_CATEGORIES,
  PLACE_CATEGORY_CODES,
  R8_1_ITEMS,
} from './places.js';

describe('checkArea refuses every R8.1 item with its exact article', () => {
  it.each([
    ['hotel_room', 'R8.1(1)'],
    ['private_dining_room', 'R8.1(1)'],
    ['dorm', 'R8.1(2)'],
    ['staff_lodging', 'R8.1(2)'],
    ['staff_rest_room', 'R8.1(2)'],
    ['public_bath', 'R8.1(3)'],
    ['toilet', 'R8.1(3)'],
    ['changing_room', 'R8.1(3)'],
    ['nursing_room', 'R8.1(3)'],
    ['fitting_room', 'R8.1(3)'],
    ['privacy_spot', 'R8.1(4)'],
  ])('%s → %s', (code, article) => {
    const result = checkArea(code);
    expect(result).toMatchObject({ ok: false, error: 'camera_place_forbidden', article });
    if (!result.ok) expect(result.message).toContain(article);
  });

  it('covers every R8.1 item (1)–(4)', () => {
    const articles = new Set(FORBIDDEN_AREA_TYPES.map((area) => area.article));
    expect([...articles].sort()).toEqual(Object.keys(R8_1_ITEMS).sort());
  });
});

describe('checkArea accepts the places R7.1 / R7.2 list, with their category', () => {
  it.each([
    ['road', 'government_public_area', 'R7.1'],
    ['square', 'government_public_area', 'R7.1'],
    ['underpass', 'government_public_area', 'R7.1'],
    ['mall', 'crowd_venue', 'R7.2(1)'],
    ['hospital', 'crowd_venue', 'R7.2(1)'],
    ['school', 'crowd_venue', 'R7.2(1)'],
    ['stadium', 'crowd_venue', 'R7.2(1)'],
    ['park', 'crowd_venue', 'R7.2(1)'],
    ['car_park', 'crowd_venue', 'R7.2(1)'],
    ['station', 'transport_hub', 'R7.2(2)'],
    ['airport', 'transport_hub', 'R7.2(2)'],
    ['port', 'transport_hub', 'R7.2(2)'],
    ['bus', 'public_transport_vehicle', 'R7.2(3)'],
    ['train', 'public_transport_vehicle', 'R7.2(3)'],
    ['service_area', 'road_service_area', 'R7.2(4)'],
    ['bank', 'other_public_place', 'R9'],
    ['residential_entrance', 'other_public_place', 'R9'],
    ['office', 'non_public_place', 'R33'],
  ])('%s → %s (%s)', (code, category, article) => {
    const result = checkArea(code);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.area.placeCategory).toBe(category);
      expect(PLACE_CATEGORIES[result.area.placeCategory].article).toBe(article);
    }
  });

  it('answers area_type_unknown for a code it does not know', () => {
    expect(checkArea('moon_base')).toMatchObject({ ok: false, error: 'area_type_unknown' });
  });

  it('has unique codes and a category for every allowed area', () => {
    const codes = [...FORBIDDEN_AREA_TYPES, ...ALLOWED_AREA_TYPES].map((area) => area.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const area of ALLOWED_AREA_TYPES) expect(isPlaceCategoryCode(area.placeCategory)).toBe(true);
  });
});

describe('place categories exactly as R7.1, R7.2(1)–(4), R9, R33', () => {
  it.each([
    ['government_public_area', 'R7.1', 'R7'],
    ['crowd_venue', 'R7.2(1)', 'R7'],
    ['transport_hub', 'R7.2(2)', 'R7'],
    ['public_transport_vehicle', 'R7.2(3)', 'R7'],
    ['road_service_area', 'R7.2(4)', 'R7'],
    ['other_public_place', 'R9', 'R9'],
    ['non_public_place', 'R33', 'R33'],
  ] as const)('%s → %s, rule set %s', (code, article, ruleSet) => {
    expect(PLACE_CATEGORIES[code]).toMatchObject({ code, article, ruleSet });
    expect(PLACE_CATEGORIES[code].label.zh).not.toBe('');
    expect(PLACE_CATEGORIES[code].label.en).not.toBe('');
    expect(isPlaceCategoryCode(code)).toBe(true);
  });

  it('has exactly seven categories and every one has an allowed area type', () => {
    expect(PLACE_CATEGORY_CODES).toHaveLength(7);
    for (const code of PLACE_CATEGORY_CODES) {
      expect(ALLOWED_AREA_TYPES.some((area) => area.placeCategory === code)).toBe(true);
    }
    expect(isPlaceCategoryCode('public')).toBe(false);
  });
});
