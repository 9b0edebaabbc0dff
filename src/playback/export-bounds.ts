// Where an export ends, known before its first byte: the last fragment it will write (the `x-vigil-end-ms` header)
// and the first one it leaves out for a format change (`x-vigil-truncated-at-ms`), found from the rows and
// the fragment indexes of a constant number of segments, never of every segment in the range. The time to first byte
// of an export therefore does not grow with the range (a day is 1,440 segments and 86,400 fragments; 31 days, 44,640
// and 2.7 million).
//
// It must agree exactly with the walk that writes the bytes (`walkSpans`, which decodes every segment as it reaches
// it). What that walk does between two segments depends on decoded fragments; what it does at the end of the range
// only on these facts, each established here from rows where they are safe, else by decoding:
// - Where the walk stops: at the first fragment starting at or after `to`, in whichever segment that is (rows may
//   overlap after a clock step). A segment whose row ends more than ROW_SLACK_MS before `to` is taken to have every
//   fragment start before `to`; the others are decoded. The recorder and reconciliation write `end_ms` from the same
//   fragments as the index (they differ by rounding, or by tfdt jumps under 5 s inside a file, which the index does
//   not record), so this is the one assumption: a row's end lies within the slack of its own index's end.
//   `ExportPlan.walk` checks the end it reaches and reports a violation as `segment_corrupt`, like any other row
//   that disagrees with its file.
// - Format change: decided from rows (codec, resolution, timescale). A segment of another format is decoded: the
//   export stops at its first keyframe before `to`; without one the walk skips it (nothing decodable there) and goes on.
// - The last fragment written: the last one before `to` in the last segment reached, if that segment holds a keyframe
//   before `to` (recorded segments start with one): whatever break came before, the walk resumes at a keyframe and
//   then takes everything up to `to`. Only a segment without such a keyframe depends on what precedes it (a break
//   there makes the walk skip it), and then the segments before it are decoded, back to one that has a keyframe.
// Mid-range breaks (run change, media or wall jump) and gaps are therefore not predicted from rows at all: nothing
// sent before the first byte depends on them, and the walk computes them exactly while writing.
import { breakBetween, fragmentsOf, sameFormat, type TimedFragment, type WalkStep } from './selection.js';
import type { PlaybackSegment } from './types.js';

/**
 * Rows whose `end_ms` is this much before `to` are taken to end before `to` without decoding their index. A minute:
 * far more than a row and its index differ by (milliseconds, a few seconds for a camera whose clock jumps inside a
 * file), and little to decode: the segments ending in the last minute before `to` (1–2 at the default 60 s target).
 */
export const ROW_SLACK_MS = 60_000;

export interface ExportEnd {
  /** The last fragment the export writes: its `wallEndMs` is the plan's end. */
  last: TimedFragment;
  /** The first fragment left out because the format changed there, and its segment; null when `to` comes first. */
  truncation: { segment: PlaybackSegment; fragment: TimedFragment } | null;
}

/** Index of the first fragment starting at or after `toMs` (the walk stops there), or the count when none does. */
function visitedCount(fragments: readonly TimedFragment[], toMs: number): number {
  const i = fragments.findIndex((f) => f.wallStartMs >= toMs);
  return i < 0 ? fragments.length : i;
}

function hasKeyframe(fragments: readonly TimedFragment[], count: number): boolean {
  for (let i = 0; i < count; i++) if (fragments[i]!.keyframe) return true;
  return false;
}

/**
 * Finds the end of the export whose walk over `sorted` began with `head` (its first span). Decodes the segments
 * near `toMs`, those of another format than the head's, and (only for segments without keyframes) their
 * predecessors; every other row is read but not decoded.
 */
export function findExportEnd(sorted: readonly PlaybackSegment[], head: WalkStep, toMs: number): ExportEnd {
  const reference = head.span.segment;
  const headLast = head.fragments[head.span.end - 1]!;
  // The walk stopped inside the head segment: nothing after it is reached.
  if (head.span.end < head.fragments.length) return { last: headLast, truncation: null };

  const decoded = new Map<number, readonly TimedFragment[]>();
  const fragmentsAt = (k: number): readonly TimedFragment[] => {
    let fragments = decoded.get(k);
    if (!fragments) decoded.set(k, (fragments = fragmentsOf(sorted[k]!)));
    return fragments;
  };

  // 1. Forward over the rows: the last segment the walk reaches (`z`, of which it visits `zCount` fragments), and
  //    a format change it meets first.
  let z = sorted.length - 1;
  let zCount = Infinity;
  let truncation: ExportEnd['truncation'] = null;
  // The one loop over every row of the range (44,640 for a month). Rows from the database driver are dictionary-mode
  // objects (~100 ns a field read), so the reference's fields are hoisted and each row's are read once.
  const { codec, width, height, timescale } = reference;
  const skipBefore = toMs - ROW_SLACK_MS;
  for (let k = head.index + 1; k < sorted.length; k++) {
    const segment = sorted[k]!;
    const same = segment.codec === codec && segment.width === width && segment.height === height && segment.timescale === timescale;
    if (same && segment.end_ms < skipBefore) continue; // reached, visited whole: no need to decode
    const fragments = fragmentsAt(k);
    const count = visitedCount(fragments, toMs);
    if (!same && hasKeyframe(fragments, count)) {
      // The walk enters it with a break (format change) and resumes at its first keyframe: the export stops there.
      truncation = { segment, fragment: fragments.find((f) => f.keyframe)! };
      z = k - 1;
      break;
    }
    if (count < fragments.length) {
      z = k;
      zCount = count;
      break;
    }
  }
  const countAt = (k: number): number => Math.min(fragmentsAt(k).length, k === z ? zCount : Infinity);

  // 2. Back from `z` to the nearest segment whose visited part holds a keyframe (or the head): the walk certainly
  //    writes that part through its end. Segments of another format before `z` have none (else step 1 stopped there).
  let anchor = z;
  while (anchor > head.index && !(sameFormat(sorted[anchor]!, reference) && hasKeyframe(fragmentsAt(anchor), countAt(anchor)))) anchor--;
  let last = anchor === head.index ? { segment: reference, fragment: headLast } : { segment: sorted[anchor]!, fragment: fragmentsAt(anchor)[countAt(anchor) - 1]! };

  // 3. Forward through the keyframe-less segments after it (none, for recorded data): one is written whole when the
  //    walk enters it with no break and not already waiting for a keyframe; otherwise it is skipped, and so is every
  //    one after it (the walk waits for a keyframe that never comes before `z` ends).
  let waitingForKeyframe = false;
  for (let k = anchor + 1; k <= z; k++) {
    const count = countAt(k);
    if (count === 0) continue;
    const segment = sorted[k]!;
    const fragments = fragmentsAt(k);
    if (!waitingForKeyframe && breakBetween(last, { segment, fragment: fragments[0]! }) === null) {
      last = { segment, fragment: fragments[count - 1]! };
    } else {
      waitingForKeyframe = true;
    }
  }
  return { last: last.fragment, truncation };
}
