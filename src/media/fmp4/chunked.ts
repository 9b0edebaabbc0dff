// Fragments kept as the chunks they arrived in. A 1 s 1080p fragment (~500 KB) arrives from ffmpeg's stdout as ~8
// pipe reads of up to 64 KiB; joining them cost a 500 KB allocation and copy per fragment, and that allocation
// (external ArrayBuffer memory) was what drove V8 into a full mark-compact every few seconds (bench/README.md,
// recording-cost). The writer needs no joined copy (writev + incremental hash), so the stream parser hands out the
// chunk views and `data` joins them only when someone asks (a live viewer's WebSocket send), once.
//
// Memory: the views keep their chunks alive. A chunk is one pipe read (≤ 64 KiB, sized to what was read), so a
// fragment holds at most its own bytes plus the parts of its first and last chunk that belong to its neighbours.
import type { Fragment } from './types.js';

const PARTS = Symbol('vigil.fragmentParts');
const SIZE = Symbol('vigil.fragmentSize');

interface Chunked {
  [PARTS]: readonly Buffer[];
  [SIZE]: number;
}

/**
 * A fragment whose bytes are `parts` (in order, `size` bytes in all). `data` is an enumerable getter that joins them
 * on first use and keeps the joined buffer in place of the parts (so the bytes are held once).
 */
export function chunkedFragment(fields: Omit<Fragment, 'data'>, parts: readonly Buffer[], size: number): Fragment {
  const f = { ...fields } as Fragment & Chunked;
  Object.defineProperty(f, PARTS, { value: parts, writable: true, enumerable: false });
  Object.defineProperty(f, SIZE, { value: size, enumerable: false });
  Object.defineProperty(f, 'data', {
    enumerable: true,
    configurable: true,
    get(this: Fragment & Chunked): Buffer {
      const joined = this[PARTS].length === 1 ? this[PARTS][0]! : Buffer.concat(this[PARTS], size);
      this[PARTS] = [joined];
      Object.defineProperty(this, 'data', { value: joined, enumerable: true, writable: true, configurable: true });
      return joined;
    },
  });
  return f;
}

/** The fragment's bytes as a list of buffers (one for an ordinary fragment), without joining them. */
export function fragmentParts(f: Fragment): readonly Buffer[] {
  return (f as Partial<Chunked>)[PARTS] ?? [f.data];
}

/** The fragment's byte length, without joining its parts. */
export function fragmentSize(f: Fragment): number {
  return (f as Partial<Chunked>)[SIZE] ?? f.data.length;
}

const DETACHED = Symbol('vigil.detachedFragment');
const NO_PARTS: readonly Buffer[] = Object.freeze([]);

/** A class, not defineProperty on a literal: one is made per recorded fragment, on the main thread. */
class DetachedFragment implements Chunked {
  readonly [PARTS] = NO_PARTS;
  readonly [DETACHED] = true;
  readonly [SIZE]: number;
  constructor(
    readonly sequence: number,
    readonly baseMediaDecodeTime: number,
    readonly durationTicks: number,
    readonly sampleCount: number,
    readonly keyframe: boolean,
    size: number,
  ) {
    this[SIZE] = size;
  }
  get data(): Buffer {
    throw new Error('this fragment was recorded natively and its bytes were not handed over');
  }
}

/**
 * A fragment whose bytes are not in this process (the native reader recorded it and kept them: native/vigil_native.c).
 * It has its values and size; `data` throws, `fragmentParts` is empty. Only a consumer that checks `isDetached` first
 * may take one (the recorder, which was told it is written, and the live hub, which then asks for bytes).
 */
export function detachedFragment(f: Omit<Fragment, 'data'>, size: number): Fragment {
  return new DetachedFragment(f.sequence, f.baseMediaDecodeTime, f.durationTicks, f.sampleCount, f.keyframe, size);
}

/** Whether the fragment's bytes stayed native (see detachedFragment). */
export function isDetached(f: Fragment): boolean {
  return f instanceof DetachedFragment;
}
