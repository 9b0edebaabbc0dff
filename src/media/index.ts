// Public API of media/: the fMP4 parser, the ingest supervisor (one ffmpeg per stream) and the live hub.
export * from './fmp4/index.js';
export * from './ingest/index.js';
export * from './live/index.js';
export * from './watermark/index.js';
export * from './mask/index.js';
export * from './pdf/index.js';
