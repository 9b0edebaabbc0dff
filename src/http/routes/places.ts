// /api/v1/places/codes: the place categories (R7.1, R7.2(1)–(4), R9, R33) and area types (R8.1 forbidden ones
// included, marked with their item) with their Chinese and English labels, straight from domain/places, so a form
// never hard-codes the law's lists. Read-only and the same for everyone: it is the Regulation's own text, nothing of
// the unit's, so any signed-in account may read it (`authenticated`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ALLOWED_AREA_TYPES, FORBIDDEN_AREA_TYPES, PLACE_CATEGORIES, PLACE_CATEGORY_CODES, R8_1_ITEMS } from '../../domain/index.js';
import { errorResponses } from '../schemas.js';

const Label = Type.Object({ zh: Type.String(), en: Type.String() });
const PlaceCodes = Type.Object({
  placeCategories: Type.Array(Type.Object({ code: Type.String(), article: Type.String(), ruleSet: Type.String(), label: Label })),
  areaTypes: Type.Array(Type.Object({
    code: Type.String(),
    label: Label,
    forbidden: Type.Boolean({ description: 'R8.1: a camera may never be installed here; saving it is refused with 422' }),
    article: Type.Union([Type.String(), Type.Null()], { description: 'the R8.1 item for a forbidden area type' }),
    placeCategory: Type.Union([Type.String(), Type.Null()], { description: 'the category the Regulation puts this area in' }),
  })),
  forbiddenItems: Type.Array(Type.Object({ article: Type.String(), text: Type.String() })),
});

/** Built once: the lists are constants of the law. Allowed area types first, in the Regulation's order, then R8.1. */
const CODES = {
  placeCategories: PLACE_CATEGORY_CODES.map((code) => {
    const c = PLACE_CATEGORIES[code];
    return { code, article: c.article, ruleSet: c.ruleSet, label: { ...c.label } };
  }),
  areaTypes: [
    ...ALLOWED_AREA_TYPES.map((a) => ({ code: a.code, label: { ...a.label }, forbidden: false, article: null, placeCategory: a.placeCategory })),
    ...FORBIDDEN_AREA_TYPES.map((a) => ({ code: a.code, label: { ...a.label }, forbidden: true, article: a.article, placeCategory: null })),
  ],
  forbiddenItems: Object.entries(R8_1_ITEMS).map(([article, text]) => ({ article, text })),
};

export const placeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/places/codes', { config: { access: 'authenticated' }, schema: { response: { 200: PlaceCodes, ...errorResponses } } }, async () => CODES);
};
