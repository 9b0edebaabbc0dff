// The built-in RTSP ingest (docs/storage.md, "Built-in RTSP ingest"): an RTSP client (RFC 2326, RTP over TCP
// interleaved), H.264/H.265 depacketization and an fMP4 muxer that together stand in for the ffmpeg child of
// media/ingest, for less CPU per camera. Used by media/ingest's supervisor only.

export { BuiltinRtspIngest } from './ingest-child.js';
export type { BuiltinIngestOptions } from './ingest-child.js';
export { RtpFragmenter, UnsupportedStreamError } from './fragmenter.js';
export type { FragmenterOptions, ParamSets, RtpVideoCodec } from './fragmenter.js';
