// Public API of the fMP4 parser (architecture §3 "Parse"): a pure library, imported only through this file.
// Owns the reading of ffmpeg's fragmented MP4 (init segments, fragments, stored segment files) and the retiming of
// fragments for exports. No I/O and no application imports: the caller brings the bytes.

export { parseInit } from './init.js';
export { parseFragment, isSyncSampleFlags } from './fragment.js';
export { detachedFragment, fragmentParts, fragmentSize, isDetached } from './chunked.js';
export { Fmp4StreamParser, DEFAULT_MAX_BOX_SIZE } from './stream.js';
export { splitFile } from './split.js';
export { rewriteFragmentTiming } from './rewrite.js';
export { avcCodecString, hevcCodecString } from './codec.js';
export { runFuzz, type FuzzOptions, type FuzzReport } from './fuzz.js';
export {
  Fmp4ParseError,
  type Fmp4ErrorCode,
  type Fmp4Item,
  type Fmp4StreamOptions,
  type Fragment,
  type FragmentContext,
  type InitSegment,
  type LocatedFragment,
  type SplitFile,
  type TrackExtendsDefaults,
} from './types.js';
