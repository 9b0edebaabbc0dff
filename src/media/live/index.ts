// Public API of live view (architecture §3 "Live"): the hub that caches each stream's GOP and fans fragments out,
// the wire protocol it speaks, and the adapter from a `ws` socket to its sink.

export { LiveHub } from './live-hub.js';
export type { LiveHubOptions, LiveHubStats, LiveStreamStats, LiveViewerState, LiveViewerStats } from './live-hub.js';
export { closeCodes, endedMessage, initMessage, waitingMessage } from './protocol.js';
export type { LiveEndedMessage, LiveInitMessage, LiveMessage, LiveSink, LiveWaitingMessage } from './protocol.js';
export { wsLiveSink } from './ws-sink.js';
