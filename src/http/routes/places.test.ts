// GET /api/v1/places/codes through app.inject: every place category and area type of domain/places, each with its
// labels; forbidden area types marked with their R8.1 item, allowed ones with their category.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_AREA_TYPES, FORBIDDEN_AREA_TYPES, PLACE_CATEGORY_CODES } from '../../domain/index.js';
import { placeRoutes } from './places.js';

const app = Fastify();
beforeAll(async () => {
  await app.register(placeRoutes);
  await app.ready();
});
afterAll(() => app.close());

describe('GET /api/v1/places/codes', () => {
  it('returns the law’s lists from domain/places, forbidden area types marked with their article', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/places/codes' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      placeCategories: { code: string; article: string }[];
      areaTypes: { code: string; forbidden: boolean; article: string | null; placeCategory: string | null; label: { zh: string; en: string } }[];
      forbiddenItems: { article: string; text: string }[];
    };
    expect(body.placeCategories.map((c) => c.code)).toEqual([...PLACE_CATEGORY_CODES]);
    expect(body.placeCategories.find((c) => c.code === 'crowd_venue')?.article).toBe('R7.2(1)');
    expect(body.areaTypes).toHaveLength(ALLOWED_AREA_TYPES.length + FORBIDDEN_AREA_TYPES.length);
    expect(body.areaTypes.find((a) => a.code === 'toilet')).toEqual({
      code: 'toilet', forbidden: true, article: 'R8.1(3)', placeCategory: null, label: { zh: '公共卫生间内部', en: 'Inside a public toilet' },
    });
    expect(body.areaTypes.find((a) => a.code === 'mall')).toMatchObject({ forbidden: false, article: null, placeCategory: 'crowd_venue' });
    expect(body.forbiddenItems.map((i) => i.article)).toEqual(['R8.1(1)', 'R8.1(2)', 'R8.1(3)', 'R8.1(4)']);
  });
});
