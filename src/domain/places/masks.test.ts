// Privacy-mask rules (R13, D11): validation as a table of accepted and refused polygons, and rasterisation checked
// pixel by pixel against shapes whose coverage is known.
import { describe, expect, it } from 'vitest';
import { isSimplePolygon, MASK_MAX_POINTS, MASKS_MAX_PER_CAMERA, masksBurnedAt, rasteriseMasks, validateMasks } from './masks.js';

const square = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]];
const circle = (n: number) => Array.from({ length: n }, (_, i) => [0.5 + 0.4 * Math.cos((2 * Math.PI * i) / n), 0.5 + 0.4 * Math.sin((2 * Math.PI * i) / n)]);

describe('validateMasks', () => {
  it.each([
    ['empty list (no masks)', []],
    ['triangle', [{ points: [[0, 0], [1, 0], [0, 1]] }]],
    ['square with burn-in flags', [{ points: square, burnExport: true, burnRecording: false }]],
    ['concave L shape', [{ points: [[0, 0], [0.6, 0], [0.6, 0.2], [0.2, 0.2], [0.2, 0.6], [0, 0.6]] }]],
    [`${MASK_MAX_POINTS} points`, [{ points: circle(MASK_MAX_POINTS) }]],
    [`${MASKS_MAX_PER_CAMERA} masks`, Array.from({ length: MASKS_MAX_PER_CAMERA }, () => ({ points: square }))],
    ['overlapping masks (each simple)', [{ points: square }, { points: [[0.3, 0.3], [0.9, 0.3], [0.9, 0.9]] }]],
  ])('accepts %s', (_name, input) => {
    const r = validateMasks(input);
    expect(r.ok).toBe(true);
  });

  it.each([
    ['not an array', { points: square }, 'masks', 'array'],
    ['too many masks', Array.from({ length: MASKS_MAX_PER_CAMERA + 1 }, () => ({ points: square })), 'masks', `at most ${MASKS_MAX_PER_CAMERA}`],
    ['two points', [{ points: [[0, 0], [1, 1]] }], 'masks[0].points', '3–32'],
    ['33 points', [{ points: circle(MASK_MAX_POINTS + 1) }], 'masks[0].points', '3–32'],
    ['x above 1', [{ points: [[0, 0], [1.2, 0], [0, 1]] }], 'masks[0].points[1]', '0 ≤ x, y ≤ 1'],
    ['negative y', [{ points: [[0, 0], [1, -0.01], [0, 1]] }], 'masks[0].points[1]', '0 ≤ x, y ≤ 1'],
    ['NaN', [{ points: [[0, 0], [Number.NaN, 0], [0, 1]] }], 'masks[0].points[1]', '[x, y]'],
    ['string coordinate', [{ points: [[0, 0], ['1', 0], [0, 1]] }], 'masks[0].points[1]', '[x, y]'],
    ['three coordinates', [{ points: [[0, 0, 0], [1, 0], [0, 1]] }], 'masks[0].points[0]', '[x, y]'],
    ['collinear (folds onto itself)', [{ points: [[0, 0], [0.5, 0.5], [1, 1]] }], 'masks[0].points', 'crosses itself'],
    ['a speck (no area)', [{ points: [[0, 0], [1e-6, 0], [0, 1e-6]] }], 'masks[0].points', 'no area'],
    ['bow tie (self-intersecting)', [{ points: [[0, 0], [1, 1], [1, 0], [0, 1]] }], 'masks[0].points', 'crosses itself'],
    ['edge touching a far vertex', [{ points: [[0, 0], [1, 0], [0.5, 0.5], [1, 1], [0, 1], [0.5, 0]] }], 'masks[0].points', 'crosses itself'],
    ['spike folding back over its neighbour', [{ points: [[0, 0], [1, 0], [0.5, 0], [0.5, 1]] }], 'masks[0].points', 'crosses itself'],
    ['unknown field', [{ points: square, colour: 'red' }], 'masks[0]', 'unknown field'],
    ['non-boolean flag', [{ points: square, burnExport: 'yes' }], 'masks[0].burnExport', 'true or false'],
    ['mask not an object', [[0, 0]], 'masks[0]', 'object'],
  ])('refuses %s', (_name, input, field, text) => {
    const r = validateMasks(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.field).toBe(field);
      expect(r.message).toContain(text);
    }
  });

  it('defaults the burn-in flags to false (display only)', () => {
    const r = validateMasks([{ points: square }]);
    expect(r).toEqual({ ok: true, masks: [{ points: square, burnExport: false, burnRecording: false }] });
  });
});

describe('isSimplePolygon', () => {
  it.each([
    [[[0, 0], [1, 0], [1, 1], [0, 1]], true],
    [[[0, 0], [1, 1], [1, 0], [0, 1]], false],
    [[[0, 0], [2, 0], [2, 2], [1, 2], [1, -1]], false],
  ] as [[number, number][], boolean][])('%j → %s', (points, simple) => {
    expect(isSimplePolygon(points)).toBe(simple);
  });
});

describe('rasteriseMasks', () => {
  it('fills exactly the pixels whose centres are inside a square', () => {
    const img = rasteriseMasks([{ points: [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]] }], 8, 8);
    const rows = Array.from({ length: 8 }, (_, y) => Array.from(img.slice(y * 8, y * 8 + 8), (v) => (v ? '#' : '.')).join(''));
    expect(rows).toEqual(['........', '........', '..####..', '..####..', '..####..', '..####..', '........', '........']);
  });

  it('fills a triangle below its diagonal only, and the union of two masks', () => {
    const img = rasteriseMasks([{ points: [[0, 0], [1, 1], [0, 1]] }, { points: [[0.75, 0], [1, 0], [1, 0.25]] }], 4, 4);
    const rows = Array.from({ length: 4 }, (_, y) => Array.from(img.slice(y * 4, y * 4 + 4), (v) => (v ? '#' : '.')).join(''));
    expect(rows).toEqual(['...#', '#...', '##..', '###.']); // centres on the diagonal are outside (half-open)
  });

  it('concave shapes leave their notch open; no masks leave the image clear', () => {
    const img = rasteriseMasks([{ points: [[0, 0], [1, 0], [1, 1], [0.5, 0.5], [0, 1]] }], 4, 4);
    expect(img[3 * 4 + 2]).toBe(0); // inside the notch
    expect(img[0]).toBe(255);
    expect(rasteriseMasks([], 4, 4).every((v) => v === 0)).toBe(true);
  });

  it('refuses absurd sizes', () => {
    expect(() => rasteriseMasks([], 0, 10)).toThrow(RangeError);
    expect(() => rasteriseMasks([], 10_000, 10_000)).toThrow(RangeError);
  });

  it('selects the masks of each burn-in stage', () => {
    const masks = [
      { points: square as [number, number][], burnExport: true, burnRecording: false },
      { points: square as [number, number][], burnExport: false, burnRecording: true },
    ];
    expect(masksBurnedAt(masks, 'export')).toEqual([masks[0]]);
    expect(masksBurnedAt(masks, 'recording')).toEqual([masks[1]]);
  });
});
