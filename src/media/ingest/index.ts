// Public API of media ingest (architecture §3 "Ingest"): the ffmpeg supervisor per camera stream, its argv, its
// state machine and the credential redaction other modules use when they log a camera URL.
// Other modules import from here only (architecture §2).

export { buildIngestArgs, buildInputScript, IngestArgsError, INPUT_SCRIPT_FD } from './args.js';
export type { IngestArgsOptions, IngestTransport, UrlVia } from './args.js';
export { createRedactor, redactSecrets, redactUrl, REDACTED, secretsFromUrl } from './redact.js';
export { DEFAULT_BACKOFF, INITIAL_SNAPSHOT, isPermanentReason, nextBackoffMs, retryDelayMs, transition } from './state.js';
export type { BackoffPolicy, CodecFamily, IngestEvent, IngestReason, IngestSnapshot, IngestState, StatePolicy } from './state.js';
export type { IngestStats } from './stats.js';
export { classifyStderrLine, DEFAULT_DIAGNOSTIC_LIMIT } from './stderr.js';
export type { DiagnosticLimit } from './stderr.js';
export { IngestSupervisor, systemClock } from './supervisor.js';
export type {
  IngestChild, IngestClock, IngestListener, IngestSupervisorOptions, NativeArmParams, NativeChunkInfo, NativeFragmentOrigin,
  NativeFragmentValues, NativeLiveSnapshot, NativeReaderHandle, NativeStdout, SpawnIngest, StreamParser,
} from './supervisor.js';
