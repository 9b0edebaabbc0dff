// Maps media time (tfdt ticks) to wall time (ms UTC) for one run (architecture §3 "Segments"): anchored at the
// first fragment's arrival and advanced by media time, so segment times are exact relative to each other. A camera
// clock that runs fast or slow drifts from the wall clock; past `maxDriftMs` the clock re-anchors at the next
// segment boundary and reports the correction so it is logged. Pure: time is a parameter.

export interface DriftCorrection {
  driftMs: number;
  atMs: number;
}

export class MediaClock {
  private anchorWallMs: number;
  private anchorTicks: number;

  constructor(
    readonly timescale: number,
    firstTicks: number,
    firstWallMs: number,
    private readonly maxDriftMs = 2_000,
  ) {
    this.anchorTicks = firstTicks;
    this.anchorWallMs = firstWallMs;
  }

  /**
   * While a run settles: a fragment that ended at media time `endTicks` arrived at `arrivedWallMs`. Arrivals are
   * only ever late (ffmpeg's start-up probing, a busy process), never early, so the earliest implied anchor is the
   * best one: move the anchor earlier when this arrival implies it.
   */
  observeArrival(endTicks: number, arrivedWallMs: number): void {
    const impliedAnchorMs = arrivedWallMs - ((endTicks - this.anchorTicks) * 1000) / this.timescale;
    if (impliedAnchorMs < this.anchorWallMs) this.anchorWallMs = impliedAnchorMs;
  }

  wallMsOf(ticks: number): number {
    return Math.round(this.anchorWallMs + ((ticks - this.anchorTicks) * 1000) / this.timescale);
  }

  /**
   * At a segment boundary: compare where media time puts `ticks` with the wall clock's `observedWallMs`; if they
   * differ by more than the allowance, re-anchor there and return the correction (else null).
   */
  correctAt(ticks: number, observedWallMs: number): DriftCorrection | null {
    const predicted = this.wallMsOf(ticks);
    const driftMs = observedWallMs - predicted;
    if (Math.abs(driftMs) <= this.maxDriftMs) return null;
    this.anchorTicks = ticks;
    this.anchorWallMs = observedWallMs;
    return { driftMs, atMs: observedWallMs };
  }
}
