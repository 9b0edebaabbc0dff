// Fuzzing harness for the fMP4 parser, in a non-test file so that the unit test and a longer benchmark run share it.
// Contract under test: for any input, parseInit, parseFragment, splitFile, rewriteFragmentTiming and
// Fmp4StreamParser either succeed or throw Fmp4ParseError, never anything else; and the stream parser's result does
// not depend on how the input is chunked. Every case is derived from (seed, case index) alone, so a failure is
// replayed by running that single case again.

import { children, readBox, T, type Box } from './box.js';
import { parseFragment } from './fragment.js';
import { parseInit } from './init.js';
import { rewriteFragmentTiming } from './rewrite.js';
import { splitFile } from './split.js';
import { Fmp4StreamParser } from './stream.js';
import { Fmp4ParseError, type Fmp4ErrorCode, type FragmentContext } from './types.js';
import { Rng, mutate, randomBoxes, type Seed } from './fuzz-inputs.js';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Whole fMP4 files (init + fragments), e.g. ffmpeg output; mutated to reach deep parser states. */
  corpus: readonly Buffer[];
  /** First case index (to replay one failing case: `{ firstCase: i, cases: 1 }`). */
  firstCase?: number;
}

export type FuzzTarget = 'init' | 'fragment' | 'rewrite' | 'split' | 'stream';

export interface FuzzReport {
  seed: number;
  cases: number;
  /** Cases where the target accepted the input. */
  accepted: number;
  /** Cases rejected, by Fmp4ParseError code. */
  rejected: Record<Fmp4ErrorCode, number>;
  /** Cases run per target. */
  targets: Record<FuzzTarget, number>;
}

/** A broken contract: carries what is needed to replay and debug the case. */
export class FuzzFailure extends Error {
  constructor(
    readonly seed: number,
    readonly caseIndex: number,
    readonly target: FuzzTarget,
    readonly input: Buffer,
    readonly reason: unknown,
  ) {
    super(
      `fuzz case ${caseIndex} (seed ${seed}, target ${target}, ${input.length} bytes): ` +
        (reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)),
    );
    this.name = 'FuzzFailure';
  }
}

interface Prepared {
  inits: Seed[];
  fragments: Seed[];
  contexts: FragmentContext[];
  files: Seed[];
}

const TARGETS: FuzzTarget[] = ['init', 'fragment', 'rewrite', 'split', 'stream'];

export function runFuzz(options: FuzzOptions): FuzzReport {
  const seed = options.seed >>> 0;
  const prepared = prepare(options.corpus);
  const report: FuzzReport = {
    seed,
    cases: 0,
    accepted: 0,
    rejected: { truncated: 0, bad_box_size: 0, unexpected_box: 0, missing_box: 0, unsupported: 0, bad_value: 0 },
    targets: { init: 0, fragment: 0, rewrite: 0, split: 0, stream: 0 },
  };
  const first = options.firstCase ?? 0;
  for (let index = first; index < first + options.cases; index++) {
    const rng = new Rng(seed, index);
    const target = rng.pick(TARGETS);
    const input = buildInput(rng, target, prepared);
    const ctx: FragmentContext =
      prepared.contexts.length > 0 && rng.below(8) > 0 ? rng.pick(prepared.contexts) : { trackId: rng.below(3) };
    report.cases++;
    report.targets[target]++;
    try {
      runTarget(rng, target, input, ctx);
      report.accepted++;
    } catch (e) {
      if (!(e instanceof Fmp4ParseError)) throw new FuzzFailure(seed, index, target, input, e);
      report.rejected[e.code]++;
    }
  }
  return report;
}

function runTarget(rng: Rng, target: FuzzTarget, input: Buffer, ctx: FragmentContext): void {
  switch (target) {
    case 'init':
      parseInit(input);
      return;
    case 'fragment':
      parseFragment(input, ctx);
      return;
    case 'rewrite': {
      const time = rng.below(4) === 0 ? 2 ** 32 + rng.below(2 ** 30) : rng.below(2 ** 31);
      const out = rewriteFragmentTiming(input, time, rng.below(2 ** 31), rng.below(4) === 0 ? ctx.trackId : undefined);
      parseFragment(out, ctx);
      return;
    }
    case 'split':
      splitFile(input);
      return;
    case 'stream':
      streamTwice(rng, input);
  }
}

/** Parses `input` whole and in random chunks; the items and the error (if any) must be the same. */
function streamTwice(rng: Rng, input: Buffer): void {
  const whole = streamResult(input, [input.length]);
  const sizes: number[] = [];
  const style = rng.below(4);
  for (let left = input.length; left > 0; ) {
    // Single bytes are costly: only for small inputs. Otherwise small chunks (headers split) or large ones.
    const size =
      style === 0 && input.length < 4096 ? 1 : style === 1 ? 1 + rng.below(24) : 1 + rng.below(input.length);
    sizes.push(Math.min(size, left));
    left -= size;
  }
  const difference = compareStreams(whole, streamResult(input, sizes));
  if (difference) throw new Error(`chunking changed the result: ${difference}`);
  if (whole.error) throw whole.error;
}

interface StreamResult {
  items: Buffer[];
  kinds: string;
  error?: Fmp4ParseError;
}

function compareStreams(whole: StreamResult, chunked: StreamResult): string | undefined {
  if (whole.kinds !== chunked.kinds) return `items ${whole.kinds} vs ${chunked.kinds}`;
  if (whole.error?.code !== chunked.error?.code || whole.error?.offset !== chunked.error?.offset) {
    return `error ${whole.error?.code}@${whole.error?.offset} vs ${chunked.error?.code}@${chunked.error?.offset}`;
  }
  const differs = whole.items.findIndex((data, i) => !data.equals(chunked.items[i] as Buffer));
  return differs >= 0 ? `bytes of item ${differs}` : undefined;
}

function streamResult(input: Buffer, sizes: number[]): StreamResult {
  const parser = new Fmp4StreamParser();
  const items: Buffer[] = [];
  let kinds = '';
  let pos = 0;
  try {
    for (const size of sizes) {
      for (const item of parser.push(input.subarray(pos, pos + size))) {
        items.push(item.kind === 'init' ? item.init.data : item.fragment.data);
        kinds += item.kind === 'init' ? 'I' : 'F';
      }
      pos += size;
    }
    parser.end();
    return { items, kinds };
  } catch (e) {
    if (!(e instanceof Fmp4ParseError)) throw e;
    return { items, kinds, error: e };
  }
}

function buildInput(rng: Rng, target: FuzzTarget, p: Prepared): Buffer {
  const kind = rng.below(10);
  if (kind === 0) return rng.bytes(rng.below(80));
  if (kind === 1) return randomBoxes(rng, target === 'split' || target === 'stream' ? 6 : 3);
  const pool = target === 'init' ? p.inits : target === 'fragment' || target === 'rewrite' ? p.fragments : null;
  if (pool) return pool.length > 0 ? mutate(rng, rng.pick(pool)) : rng.bytes(rng.below(80));
  return buildFile(rng, p);
}

/** A file of the corpus's init and a few of its fragments, with one piece mutated, or a mutated corpus file. */
function buildFile(rng: Rng, p: Prepared): Buffer {
  if (p.inits.length === 0 || rng.below(6) === 0) {
    return p.files.length > 0 ? mutate(rng, rng.pick(p.files)) : rng.bytes(rng.below(200));
  }
  const pieces: Seed[] = [rng.pick(p.inits)];
  const count = rng.below(4);
  for (let i = 0; i < count && p.fragments.length > 0; i++) pieces.push(rng.pick(p.fragments));
  const victim = rng.below(pieces.length + 1); // == length: no piece mutated, only the joined file truncated
  const buffers = pieces.map((s, i) => (i === victim ? mutate(rng, s) : s.bytes));
  const file = Buffer.concat(buffers);
  return victim === pieces.length ? file.subarray(0, rng.below(file.length + 1)) : file;
}

/** Splits the corpus into inits and fragments, and records where their box headers are (mutation targets). */
function prepare(corpus: readonly Buffer[]): Prepared {
  const p: Prepared = { inits: [], fragments: [], contexts: [], files: [] };
  for (const file of corpus) {
    p.files.push(seedOf(file, file.length));
    try {
      const split = splitFile(file);
      const init = split.init;
      p.inits.push(seedOf(init.data, init.data.length));
      p.contexts.push({ trackId: init.trackId, trex: init.trex });
      for (const f of split.fragments) {
        // Mutations aim at the boxes, not at the picture data: the parser never reads inside an mdat.
        const mdat = topLevel(f.data).find((box) => box.type === T.mdat);
        p.fragments.push(seedOf(f.data, Math.min(f.data.length, (mdat?.payload ?? f.data.length) + 16)));
      }
    } catch (e) {
      if (!(e instanceof Fmp4ParseError)) throw e;
    }
  }
  return p;
}

function seedOf(bytes: Buffer, hotEnd: number): Seed {
  const headers: number[] = [];
  collectHeaders(bytes, 0, bytes.length, headers, 0);
  return { bytes, hotEnd: Math.max(1, hotEnd), headers };
}

const CONTAINERS = new Set([T.moov, T.trak, T.mdia, T.minf, T.stbl, T.mvex, T.moof, T.traf]);

function collectHeaders(buf: Buffer, start: number, end: number, out: number[], depth: number): void {
  let boxes: Box[];
  try {
    boxes = depth === 0 ? topLevel(buf) : children(buf, start, end);
  } catch (e) {
    if (e instanceof Fmp4ParseError) return;
    throw e;
  }
  for (const box of boxes) {
    out.push(box.start);
    if (CONTAINERS.has(box.type)) collectHeaders(buf, box.payload, box.end, out, depth + 1);
    else if (box.type === T.stsd) collectHeaders(buf, box.payload + 8, box.end, out, depth + 1);
    else if (box.type === T.avc1 || box.type === T.hvc1 || box.type === T.hev1 || box.type === T.avc3) {
      collectHeaders(buf, box.payload + 78, box.end, out, depth + 1);
    }
  }
}

function topLevel(buf: Buffer): Box[] {
  const out: Box[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const box = readBox(buf, pos, buf.length, 'truncated');
    out.push(box);
    pos = box.end;
  }
  return out;
}
