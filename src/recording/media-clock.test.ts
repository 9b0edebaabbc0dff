import { describe, expect, it } from 'vitest';
import { MediaClock } from './media-clock.js';

describe('MediaClock', () => {
  it('advances wall time by media time from the anchor', () => {
    const c = new MediaClock(90000, 900000, 1_000_000);
    expect(c.wallMsOf(900000)).toBe(1_000_000);
    expect(c.wallMsOf(900000 + 90000 * 60)).toBe(1_060_000);
  });

  it('tolerates small drift and re-anchors past the allowance', () => {
    const c = new MediaClock(1000, 0, 0, 2000);
    expect(c.correctAt(60_000, 61_500)).toBeNull();
    expect(c.wallMsOf(60_000)).toBe(60_000);
    expect(c.correctAt(120_000, 123_000)).toEqual({ driftMs: 3000, atMs: 123_000 });
    expect(c.wallMsOf(130_000)).toBe(133_000);
    expect(c.correctAt(200_000, 200_000)).toEqual({ driftMs: -3000, atMs: 200_000 });
  });

  it('settles on the earliest arrival: a late first fragment does not push the whole run late', () => {
    // The first 1 s fragment arrived 300 ms late (start-up probing); the next ones on time.
    const c = new MediaClock(1000, 0, 10_300);
    c.observeArrival(2000, 12_000);
    expect(c.wallMsOf(0)).toBe(10_000);
    c.observeArrival(3000, 13_250); // a later, late arrival changes nothing
    expect(c.wallMsOf(0)).toBe(10_000);
  });
});
