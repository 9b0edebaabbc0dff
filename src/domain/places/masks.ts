// Privacy masks (R13 reasonable coverage, D11 residences): polygons in normalised picture coordinates (0..1, origin
// top left, x right, y down), the pure rules that validate them, and their rasterisation into a coverage image.
// Pure: no I/O; the image is a byte array that media/ wraps for ffmpeg and the console draws on a canvas.

export const MASK_MIN_POINTS = 3;
export const MASK_MAX_POINTS = 32;
/** Per camera: enough for every window of a façade, few enough to keep the filter and the overlay cheap. */
export const MASKS_MAX_PER_CAMERA = 16;

export type MaskPoint = readonly [number, number];

export interface PrivacyMask {
  /** 3–32 vertices, in order, not closed (the last joins the first). */
  points: MaskPoint[];
  /** Always drawn at display (console overlay). Also burned into exported clips (D18 encode) when true. */
  burnExport: boolean;
  /** Also burned into the recording (the ingest re-encodes instead of copying) when true. */
  burnRecording: boolean;
}

export type MaskCheck = { ok: true; masks: PrivacyMask[] } | { ok: false; field: string; message: string };

type Pt = readonly [number, number];

function cross(o: Pt, a: Pt, b: Pt): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function onSegment(p: Pt, q: Pt, r: Pt): boolean {
  return Math.min(p[0], r[0]) <= q[0] && q[0] <= Math.max(p[0], r[0]) && Math.min(p[1], r[1]) <= q[1] && q[1] <= Math.max(p[1], r[1]);
}

/** Whether closed segments ab and cd share a point (touching counts). */
export function segmentsIntersect(a: Pt, b: Pt, c: Pt, d: Pt): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && onSegment(c, a, d)) || (d2 === 0 && onSegment(c, b, d)) || (d3 === 0 && onSegment(a, c, b)) || (d4 === 0 && onSegment(a, d, b));
}

/** Twice the signed area (shoelace). */
export function doubleArea(points: readonly Pt[]): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x2, y2] = points[(i + 1) % points.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}

/** A simple polygon: no two non-adjacent edges meet, adjacent edges meet only at their shared vertex. */
export function isSimplePolygon(points: readonly Pt[]): boolean {
  const n = points.length;
  for (let i = 0; i < n; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % n]!;
    for (let j = i + 1; j < n; j++) {
      const c = points[j]!;
      const d = points[(j + 1) % n]!;
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) {
        // Sharing one vertex is expected; folding back over the neighbour (collinear overlap) is not.
        const shared = j === i + 1 ? b : a;
        const other1 = j === i + 1 ? a : b;
        const other2 = j === i + 1 ? d : c;
        if (cross(shared, other1, other2) === 0 && (onSegment(shared, other2, other1) || onSegment(shared, other1, other2))) return false;
        continue;
      }
      if (segmentsIntersect(a, b, c, d)) return false;
    }
  }
  return true;
}

function fail(field: string, message: string): MaskCheck {
  return { ok: false, field, message };
}

/** Validates untrusted input (an API body, a CLI file) into masks, or names the first problem and where it is. */
export function validateMasks(input: unknown): MaskCheck {
  if (!Array.isArray(input)) return fail('masks', 'masks must be an array of polygons');
  if (input.length > MASKS_MAX_PER_CAMERA) return fail('masks', `at most ${MASKS_MAX_PER_CAMERA} masks per camera, got ${input.length}`);
  const masks: PrivacyMask[] = [];
  for (const [i, raw] of input.entries()) {
    const field = `masks[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(field, `${field} must be an object with points`);
    const r = raw as Record<string, unknown>;
    const extra = Object.keys(r).find((k) => !['points', 'burnExport', 'burnRecording'].includes(k));
    if (extra !== undefined) return fail(field, `${field}: unknown field "${extra.slice(0, 40).replace(/[^\w.-]/g, '?')}"; allowed: points, burnExport, burnRecording`);
    for (const flag of ['burnExport', 'burnRecording'] as const) {
      if (r[flag] !== undefined && typeof r[flag] !== 'boolean') return fail(`${field}.${flag}`, `${field}.${flag} must be true or false`);
    }
    if (!Array.isArray(r.points)) return fail(`${field}.points`, `${field}.points must be an array of [x, y] pairs`);
    const n = r.points.length;
    if (n < MASK_MIN_POINTS || n > MASK_MAX_POINTS) {
      return fail(`${field}.points`, `${field} needs ${MASK_MIN_POINTS}–${MASK_MAX_POINTS} points, got ${n}`);
    }
    const points: MaskPoint[] = [];
    for (const [j, p] of (r.points as unknown[]).entries()) {
      const ok = Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1);
      if (!ok) return fail(`${field}.points[${j}]`, `${field}.points[${j}] must be [x, y] with 0 ≤ x, y ≤ 1 (fractions of the picture)`);
      points.push([p[0] as number, p[1] as number]);
    }
    if (!isSimplePolygon(points)) return fail(`${field}.points`, `${field} crosses itself: draw its edges so that none meet except at shared corners`);
    if (Math.abs(doubleArea(points)) < 1e-9) return fail(`${field}.points`, `${field} encloses no area`);
    masks.push({ points, burnExport: r.burnExport === true, burnRecording: r.burnRecording === true });
  }
  return { ok: true, masks };
}

/**
 * Rasterises the masks into a width × height coverage image, row-major, 255 where a pixel's centre lies inside any
 * polygon (even-odd rule per polygon, union across polygons), 0 elsewhere.
 */
export function rasteriseMasks(masks: readonly Pick<PrivacyMask, 'points'>[], width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 16_777_216) {
    throw new RangeError(`mask image size ${width}×${height} is out of range`);
  }
  const out = new Uint8Array(width * height);
  const xs: number[] = [];
  for (const mask of masks) {
    const pts = mask.points.map(([x, y]) => [x * width, y * height] as const);
    for (let row = 0; row < height; row++) {
      const cy = row + 0.5;
      xs.length = 0;
      for (let i = 0; i < pts.length; i++) {
        const [x1, y1] = pts[i]!;
        const [x2, y2] = pts[(i + 1) % pts.length]!;
        // Half-open rule: an edge counts when the scanline is in [min y, max y), so vertices are not counted twice.
        if ((y1 <= cy && cy < y2) || (y2 <= cy && cy < y1)) xs.push(x1 + ((cy - y1) / (y2 - y1)) * (x2 - x1));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixels whose centre x + 0.5 lies in [xs[k], xs[k+1]).
        const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
        const to = Math.min(width, Math.ceil(xs[k + 1]! - 0.5));
        out.fill(255, row * width + from, row * width + Math.max(from, to));
      }
    }
  }
  return out;
}

/** The masks burned in at a given stage. */
export function masksBurnedAt(masks: readonly PrivacyMask[], stage: 'export' | 'recording'): PrivacyMask[] {
  return masks.filter((m) => (stage === 'export' ? m.burnExport : m.burnRecording));
}
