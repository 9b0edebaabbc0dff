import { describe, expect, it } from 'vitest';
import { IngestStatsWindow } from './stats.js';

describe('IngestStatsWindow', () => {
  it('measures bitrate and fps over the media time of the fragments in the window', () => {
    const w = new IngestStatsWindow(10_000);
    // 25 fps, 1 s fragments of 250 000 bytes: 2 Mbit/s.
    for (let i = 0; i < 5; i++) w.addFragment(1000 * i, 250_000, 25, 1);
    expect(w.totals(4500)).toEqual({ bytes: 1_250_000, fragments: 5, frames: 125, bitrateBps: 2_000_000, fps: 25 });
  });

  it('forgets fragments older than the window but keeps the totals', () => {
    const w = new IngestStatsWindow(10_000);
    w.addFragment(0, 1000, 10, 1);
    w.addFragment(20_000, 500, 5, 0.5);
    expect(w.totals(20_000)).toEqual({ bytes: 1500, fragments: 2, frames: 15, bitrateBps: 8000, fps: 10 });
    expect(w.totals(40_000)).toMatchObject({ bitrateBps: 0, fps: 0, fragments: 2 });
  });
});
