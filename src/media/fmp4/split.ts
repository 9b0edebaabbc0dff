// splitFile: reads a stored segment file (init + fragments, as the recorder writes it) that may end in a fragment
// cut by a crash. It runs the same grammar as the stream parser, so a file and the stream it was written from are
// read alike. The init must be whole (a file without one is useless: that throws); anything from the first damaged
// or incomplete fragment on is reported as `trailingBytes`, for recovery to truncate.

import { StreamCore } from './stream.js';
import { Fmp4ParseError, type Fmp4Item, type Fmp4StreamOptions, type LocatedFragment, type SplitFile } from './types.js';

/**
 * Splits `data` into its init segment and whole fragments. Fragment `data` values are views of the input, not
 * copies. A second init segment in the file (there should be none: the recorder starts a new segment file when the
 * init changes) ends the readable part, like damage does.
 */
export function splitFile(data: Buffer, options: Fmp4StreamOptions = {}): SplitFile {
  const core = new StreamCore(options);
  const items: Fmp4Item[] = [];
  const offsets: number[] = [];
  let failure: Fmp4ParseError | undefined;
  try {
    core.feed(data, items, offsets);
    core.finish();
  } catch (e) {
    if (!(e instanceof Fmp4ParseError)) throw e;
    failure = e;
  }
  const first = items[0];
  if (!first || first.kind !== 'init') {
    throw failure ?? new Fmp4ParseError('truncated', 'file holds no init segment', 0);
  }
  const fragments: LocatedFragment[] = [];
  let wholeLength = core.cleanOffset;
  for (let i = 1; i < items.length; i++) {
    const item = items[i] as Fmp4Item;
    const offset = offsets[i] as number;
    if (item.kind === 'init') {
      wholeLength = offset;
      break;
    }
    fragments.push({ ...item.fragment, offset });
  }
  return { init: first.init, fragments, wholeLength, trailingBytes: data.length - wholeLength };
}
