export { LocalSegmentStore, SegmentFileWriter, type StoreEntry } from './local-store.js';
export { dayOf, parseSegmentRelPath, resolveInside, segmentRelPath, StoragePathError, type SegmentFileRef } from './paths.js';
