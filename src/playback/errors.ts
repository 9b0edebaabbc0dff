// Playback's one error class. Callers switch on `code`, never on message text; the codes are those of the one HTTP
// error registry (src/http/errors.ts), which owns the status of each. Messages are for people: they say what was
// wrong and what is accepted, and never contain file paths.

export type PlaybackErrorCode =
  | 'bad_time_range' // from/to missing, unparsable, reversed, empty, absurd or too long (400)
  | 'range_not_satisfiable' // an HTTP byte range outside the segment file (416)
  | 'no_recording' // nothing recorded in the range (404)
  | 'not_found' // the camera or segment asked for does not exist (404); raised by callers that look rows up
  // A segment's index does not fit its row, or its file does not match its index (short read, fragment that is not
  // a moof): 500, and `vigil check --storage` reports the same segment.
  | 'segment_corrupt'
  | 'mixed_streams' // rows of more than one stream passed to a per-stream builder: a caller bug (500)
  // R16.3: a segment read without the playback grant its playlist opened (absent, expired, another viewer's) (403)
  | 'grant_required'
  // A Grant handed to a reader that it does not cover (other camera or action): a caller bug, refused (403)
  | 'grant_mismatch'
  | 'watermark_unavailable'; // D18: exports are watermarked, and no CJK font is installed (500)

/** Why a time range was refused: lets a client (or a test) tell the cases apart without parsing the message. */
export type TimeRangeReason = 'missing' | 'not_a_time' | 'reversed' | 'empty' | 'too_early' | 'too_late' | 'too_long';

export interface PlaybackErrorDetail {
  reason?: TimeRangeReason;
  field?: 'from' | 'to';
  segmentId?: number;
}

export class PlaybackError extends Error {
  /** The request field at fault, where there is one: the error handler puts it in the response body. */
  readonly field: 'from' | 'to' | undefined;

  constructor(
    readonly code: PlaybackErrorCode,
    message: string,
    readonly detail: PlaybackErrorDetail = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PlaybackError';
    this.field = detail.field;
    if (code === 'grant_required') this.article = 'R16.3';
  }

  /** The article of the law that refused the request, where one did. */
  readonly article: string | undefined;
}
