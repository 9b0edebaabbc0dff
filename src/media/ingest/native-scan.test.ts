// The native reader records a fragment itself only when its C scan (native/vigil_native.c scan_fragment) reads it,
// and the recorder then indexes it with the scan's values. So the scan must never accept what the JavaScript parser
// (media/fmp4 parseFragment) rejects, and must read exactly its values: held here on real ffmpeg fragments, on
// generated ones of every shape buildFragment makes, and on 60,000 mutations of both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeBytePathForTests } from '../../../test/support/append-paths.js';
import { Rng, mutate, type Seed } from '../fmp4/fuzz-inputs.js';
import { parseFragment, splitFile, type FragmentContext } from '../fmp4/index.js';
import { buildFragment, type FragmentSpec, type SampleSpec } from '../fmp4/test-boxes.js';
import { cleanupFixtures, fixture } from '../fmp4/test-fixtures.js';
import type { NativePipeReader } from '../../storage/index.js';

let native: NativePipeReader;
const real: { data: Buffer; ctx: FragmentContext }[] = [];

beforeAll(async () => {
  native = (await nativeBytePathForTests()).pipeReader!;
  for (const name of ['tinyH264', 'tinyHevc'] as const) {
    const file = splitFile((await fixture(name)).data);
    const ctx = { trackId: file.init.trackId, ...(file.init.trex ? { trex: file.init.trex } : {}) };
    for (const f of file.fragments) real.push({ data: Buffer.from(f.data), ctx });
  }
});
afterAll(cleanupFixtures);

type Outcome = { values: Record<string, unknown> } | { rejected: true };

function js(data: Buffer, ctx: FragmentContext): Outcome {
  try {
    const { data: _data, ...values } = parseFragment(data, ctx);
    return { values };
  } catch {
    return { rejected: true };
  }
}

function c(data: Buffer, ctx: FragmentContext): Outcome {
  const t = ctx.trex;
  const values = native.scanFragment(data, ctx.trackId, t ? [t.sampleDurationTicks, t.sampleSizeBytes, t.sampleFlags] : null);
  return values ? { values: { ...values } } : { rejected: true };
}

/** C accepts only what JS accepts, with JS's values; returns whether C accepted. */
function agree(data: Buffer, ctx: FragmentContext): boolean {
  const cOut = c(data, ctx);
  if ('rejected' in cOut) return false;
  expect(js(data, ctx), `C read ${data.toString('hex').slice(0, 400)}`).toEqual(cOut);
  return true;
}

function randomSpec(rng: Rng): { spec: FragmentSpec; ctx: FragmentContext } {
  const trackId = 1 + rng.below(3);
  const maybe = (n: number): number | undefined => (rng.below(2) === 0 ? undefined : n);
  const flagsValue = (): number => rng.pick([0x02000000, 0x01010000, 0, 0x00010000, rng.u32()]);
  const trafs = Array.from({ length: 1 + rng.below(3) }, () => {
    const perSample = { duration: rng.below(2) === 0, size: rng.below(2) === 0, flags: rng.below(2) === 0, cto: rng.below(3) === 0 };
    return {
      trackId: 1 + rng.below(3),
      defaultDuration: maybe(rng.below(4000)),
      defaultSize: maybe(rng.below(64)),
      defaultFlags: maybe(flagsValue()),
      baseIsMoof: rng.below(4) !== 0,
      tfdt: rng.below(8) === 0 ? null : { version: rng.pick([0, 1] as const), value: rng.below(2 ** 31) },
      truns: Array.from({ length: rng.below(3) + (rng.below(4) === 0 ? 0 : 1) }, () => ({
        dataOffset: rng.below(6) !== 0,
        ...(rng.below(2) === 0 ? { firstSampleFlags: flagsValue() } : {}),
        samples: Array.from({ length: rng.below(5) }, (): SampleSpec => ({
          ...(perSample.duration ? { duration: rng.below(4000) } : {}),
          ...(perSample.size ? { size: rng.below(64) } : {}),
          ...(perSample.flags ? { flags: flagsValue() } : {}),
          ...(perSample.cto ? { cto: rng.below(100) } : {}),
        })),
      })),
    };
  });
  const trex = rng.below(2) === 0 ? { sampleDurationTicks: rng.below(4000), sampleSizeBytes: rng.below(64), sampleFlags: flagsValue() } : undefined;
  return { spec: { sequence: rng.below(1000), trafs }, ctx: { trackId, ...(trex ? { trex } : {}) } };
}

function headersOf(data: Buffer): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number): void => {
    for (let at = start; at + 8 <= end; ) {
      const size = data.readUInt32BE(at);
      if (size < 8 || at + size > end) return;
      out.push(at);
      const type = data.toString('latin1', at + 4, at + 8);
      if (type === 'moof' || type === 'traf') walk(at + 8, at + size);
      at += size;
    }
  };
  walk(0, data.length);
  return out;
}

describe('native fragment scan (native/vigil_native.c scan_fragment) against the parser', () => {
  it('reads every real ffmpeg fragment (H.264 and H.265) with the parser values', () => {
    expect(real.length).toBeGreaterThan(3);
    for (const { data, ctx } of real) expect(agree(data, ctx)).toBe(true);
    // Another track, and a cut or extended fragment: both reject.
    const { data, ctx } = real[0]!;
    expect(c(data, { ...ctx, trackId: ctx.trackId + 1 })).toEqual({ rejected: true });
    expect(c(data.subarray(0, data.length - 1), ctx)).toEqual({ rejected: true });
  });

  it('agrees on 20,000 generated fragments of every shape, accepting what the parser accepts', () => {
    const rng = new Rng(20261204, 1);
    let accepted = 0;
    let jsAccepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const { spec, ctx } = randomSpec(rng);
      const data = buildFragment(spec);
      if (agree(data, ctx)) accepted++;
      if ('values' in js(data, ctx)) jsAccepted++;
    }
    // Well-formed input: the scan takes all the parser takes (nothing left to the slower path).
    expect(accepted).toBe(jsAccepted);
    expect(accepted).toBeGreaterThan(5000);
  });

  it('never accepts a mutation the parser rejects, nor reads one differently (60,000 cases)', () => {
    const rng = new Rng(20261204, 2);
    const seeds: { seed: Seed; ctx: FragmentContext }[] = real.map(({ data, ctx }) => ({
      seed: { bytes: data, hotEnd: Math.min(data.length, 400), headers: headersOf(data) }, ctx,
    }));
    for (let i = 0; i < 40; i++) {
      const { spec, ctx } = randomSpec(rng);
      const bytes = buildFragment(spec);
      seeds.push({ seed: { bytes, hotEnd: bytes.length, headers: headersOf(bytes) }, ctx });
    }
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 60_000; i++) {
      const { seed, ctx } = rng.pick(seeds);
      if (agree(mutate(rng, seed), ctx)) accepted++;
      else rejected++;
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });
});
