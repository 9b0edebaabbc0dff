// Fuzz: 100,000 seeded cases (random bytes, random fMP4-shaped box trees, mutations of real ffmpeg files) through
// every entry point; the only exception allowed is Fmp4ParseError, and chunking must not change the stream result.
// A failure names its seed and case index; `runFuzz({ seed, corpus, firstCase: i, cases: 1 })` replays it.
import { afterAll, describe, expect, it } from 'vitest';
import { runFuzz, type FuzzReport } from './fuzz.js';
import { cleanupFixtures, fixture } from './test-fixtures.js';

afterAll(cleanupFixtures);

const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 20261125);
const CASES = 100_000;

async function corpus(): Promise<Buffer[]> {
  const files = await Promise.all([fixture('tinyH264'), fixture('tinyHevc'), fixture('tinyMjpeg')]);
  return files.map((f) => f.data);
}

describe('fMP4 parser fuzz', () => {
  it(`survives ${CASES} cases with only Fmp4ParseError (seed ${SEED})`, async () => {
    const files = await corpus();
    const report = runFuzz({ cases: CASES, seed: SEED, corpus: files });
    expect(report.cases).toBe(CASES);
    // Every entry point got its share, real inputs were accepted, and every kind of rejection was reached: the
    // mutations get past the first header into the checks behind it.
    for (const count of Object.values(report.targets)) expect(count).toBeGreaterThan(CASES / 6);
    expect(report.accepted).toBeGreaterThan(CASES / 20);
    for (const count of Object.values(report.rejected)) expect(count).toBeGreaterThan(50);
  });

  it('derives each case from (seed, index) alone, so one case replays without the others', async () => {
    const files = await corpus();
    const sum = (a: FuzzReport, b: FuzzReport): unknown => ({
      accepted: a.accepted + b.accepted,
      rejected: Object.fromEntries(Object.entries(a.rejected).map(([k, v]) => [k, v + b.rejected[k as keyof typeof b.rejected]])),
    });
    const all = runFuzz({ cases: 2000, seed: 99, corpus: files });
    const first = runFuzz({ cases: 1000, seed: 99, corpus: files });
    const second = runFuzz({ cases: 1000, seed: 99, corpus: files, firstCase: 1000 });
    expect(sum(first, second)).toEqual({ accepted: all.accepted, rejected: all.rejected });
    expect(runFuzz({ cases: 2000, seed: 100, corpus: files }).rejected).not.toEqual(all.rejected);
  });
});
