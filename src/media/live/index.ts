// Public API of live view (architecture §3 "Live"): the hub that caches each stream's GOP and fans fragments out,
// the wire protocol it speaks, the adapter from a `ws` socket to its sink, and the on-demand H.264 transcoder.

export { LiveHub } from './live-hub.js';
export type { LiveByteSource, LiveHubOptions, LiveHubStats, LiveStreamStats, LiveViewerState, LiveViewerStats } from './live-hub.js';
export { closeCodes, endedMessage, initMessage, waitingMessage } from './protocol.js';
export type { LiveEndedMessage, LiveErrorMessage, LiveInitMessage, LiveMessage, LiveSink, LiveWaitingMessage } from './protocol.js';
export { wsLiveSink } from './ws-sink.js';
export { buildTranscodeArgs, gopFramesFor, outputSize, TranscodeArgsError, transcodeBitrateBps } from './transcode-args.js';
export type { TranscodeArgsOptions } from './transcode-args.js';
export type { SpawnTranscode, TranscodeChild } from './transcode-run.js';
export { LiveTranscodeError, LiveTranscoder, transcodedStreamId } from './transcoder.js';
export type {
  LiveTranscodeErrorCode, LiveTranscoderOptions, LiveTranscoderStats, TranscodeEvent, TranscodeHub, TranscodeJobStats,
} from './transcoder.js';
