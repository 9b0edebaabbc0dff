// Public API of storage/: the segment store (files under the store root), encryption at rest (architecture §7) and
// the wrapped data keys' table.
export { LocalSegmentStore, type LocalSegmentStoreOptions, type StoreEntry } from './local-store.js';
export { SegmentFileWriter } from './segment-writer.js';
export { dayOf, parseSegmentRelPath, resolveInside, segmentRelPath, StoragePathError, type SegmentFileRef } from './paths.js';
export { keyIdString, masterKeyOf, MasterKeyring, SegmentKeys, unwrapKey, wrapKey, type DataKey, type MasterKey } from './keys.js';
export { SegmentKeyRepo } from './repo.js';
export { CHUNK_BYTES, HEADER_BYTES, isEncryptedHeader, SegmentCryptoError, type SegmentCryptoErrorCode } from './segment-crypto.js';
export { jsAppendPath, nativeAppendPath, type AppendPath, type AppendPathName } from './append-path.js';
export { NativeBuildError, resolveBytePath, type BytePathChoice, type NativePipeReader, type ResolvedBytePath } from './native-build.js';
