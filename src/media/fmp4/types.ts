// Contract of the fMP4 parser (architecture §3 "Parse"). Pure: no I/O, no application imports.
// ffmpeg writes `-movflags +frag_keyframe+empty_moov+default_base_moof`: an init segment (ftyp + moov) and then
// fragments (moof + mdat, optionally preceded by styp/sidx/prft which belong to the fragment that follows).

/** The init segment of a track: ftyp + moov bytes, and what playback needs from them. */
export interface InitSegment {
  data: Buffer;
  trackId: number;
  /** Ticks per second of the video track's media time (mdhd timescale). */
  timescale: number;
  /** RFC 6381 codec string for MSE / HLS, e.g. 'avc1.640028' or 'hvc1.1.6.L120.90'. */
  codec: string;
  /** 'h264' | 'h265' | other sample entry fourcc. */
  codecFamily: 'h264' | 'h265' | 'other';
  width: number;
  height: number;
}

/** One fragment: moof + mdat bytes (plus any styp/sidx/prft that preceded the moof), with its timing. */
export interface Fragment {
  data: Buffer;
  /** mfhd sequence number. */
  sequence: number;
  /** tfdt of the video track, in timescale ticks. */
  baseMediaDecodeTime: number;
  /** Sum of sample durations of the video track, in timescale ticks. */
  durationTicks: number;
  /** Number of video samples (frames). */
  sampleCount: number;
  /** True when the first video sample is a sync sample (IDR): playback can start here. */
  keyframe: boolean;
}

export type Fmp4ErrorCode =
  | 'truncated' // input ended inside a box
  | 'bad_box_size' // a box size smaller than its header, or beyond the limit
  | 'unexpected_box' // a box where the stream grammar does not allow it (e.g. moof before moov)
  | 'missing_box' // a required child box is absent (e.g. moof without tfhd)
  | 'unsupported' // valid MP4 but not something we record (no video track, unknown sample entry)
  | 'bad_value'; // a field with an impossible value (zero timescale, sample count past the box end)

/** Every parse failure is one of these: callers switch on `code`, never on message text. */
export class Fmp4ParseError extends Error {
  constructor(readonly code: Fmp4ErrorCode, message: string, readonly offset?: number) {
    super(message);
    this.name = 'Fmp4ParseError';
  }
}

/** What the stream parser emits, in stream order. */
export type Fmp4Item = { kind: 'init'; init: InitSegment } | { kind: 'fragment'; fragment: Fragment };

/** A fragment located inside a stored segment file. */
export interface LocatedFragment extends Fragment {
  /** Byte offset of `data` in the file. */
  offset: number;
}

/** Result of reading a whole (possibly truncated) segment file: used by recovery and `check --storage`. */
export interface SplitFile {
  init: InitSegment;
  fragments: LocatedFragment[];
  /** Byte length of the whole fragments prefix (init + complete fragments): recovery truncates to this. */
  wholeLength: number;
  /** Bytes after the last whole fragment (a fragment cut by a crash), 0 for a clean file. */
  trailingBytes: number;
}

// --- Additions (after the fixed contract above) ---

/**
 * The video track's `trex` defaults (moov/mvex): the values a fragment uses when neither its tfhd nor its trun
 * carries a sample duration, size or flags. Optional so that hand-made InitSegment values stay valid.
 */
export interface TrackExtendsDefaults {
  sampleDurationTicks: number;
  sampleSizeBytes: number;
  sampleFlags: number;
}

export interface InitSegment {
  /** From moov/mvex/trex of the video track, when present (always, for ffmpeg's fragmented output). */
  trex?: TrackExtendsDefaults;
}

/** What parseFragment needs from the init segment: the track to read, and the trex defaults if known. */
export type FragmentContext = Pick<InitSegment, 'trackId'> & Partial<Pick<InitSegment, 'trex'>>;

/** Fmp4StreamParser options. */
export interface Fmp4StreamOptions {
  /** Largest box accepted, in bytes (default 64 MiB): a corrupt size must not make the parser buffer gigabytes. */
  maxBoxSize?: number;
}
