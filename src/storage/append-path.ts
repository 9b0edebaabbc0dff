// How a segment file's bytes get onto the disk: the one hot path of recording (every camera byte passes here once).
// Two implementations of the same contract, chosen at start (config `recording.bytePath`, docs/storage.md):
//
//   js      node:crypto and FileHandle.writev/datasync on the main thread: runs everywhere.
//   native  native/vigil_native.c: seal, pwritev, fdatasync and SHA-256 in one libuv threadpool job per append. Same
//           OpenSSL code, a fraction of Node's overhead around it (bench/README.md, recording-cost and byte-path-floor).
//
// The contract (both paths; src/storage/append-path.test.ts holds them to it, byte for byte): `append` writes `parts`
// in order at file offset `at` — sealed as records from `enc.firstIndex` (segment-crypto.ts) when `enc` is given —
// then fdatasyncs if `sync`, and only then adds the plaintext to `hash`. It resolves with the file bytes written and
// the plaintext length of each record sealed, or rejects with errno's code (ENOSPC, EIO, …) leaving `hash` as it was
// and possibly a torn tail past `at` for the caller to cut (storage invariant 3).
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { sealRecords } from './segment-crypto.js';

export type AppendPathName = 'js' | 'native';

/** The SHA-256 of a file's plaintext, as the append path keeps it. */
export interface AppendHash {
  update(data: Uint8Array): void;
  digest(): Buffer;
  /** The native SHA-256 state behind it (the native path only): what the native pipe reader adds to when it records. */
  readonly nativeHandle?: NativeHashHandle;
}

export interface AppendEncryption {
  key: Buffer;
  /** segment-crypto.ts aadBase(header, identity). */
  base: Buffer;
  /** Index of the first record this append seals (the records already in the file). */
  firstIndex: number;
}

export interface AppendResult {
  /** Bytes added to the file (records' overhead included). */
  fileBytes: number;
  /** Plaintext bytes of each record sealed; empty when unencrypted. */
  lengths: number[];
}

export interface AppendPath {
  readonly name: AppendPathName;
  newHash(): AppendHash;
  append(handle: FileHandle, at: number, parts: readonly Uint8Array[], enc: AppendEncryption | null, hash: AppendHash, sync: boolean): Promise<AppendResult>;
}

/** Writes all of `parts` at `at` in as few writev calls as the kernel allows (one, normally); returns the bytes. */
export async function writeAllAt(handle: FileHandle, parts: readonly Uint8Array[], at: number): Promise<number> {
  let rest = parts.filter((p) => p.length > 0);
  const total = rest.reduce((n, p) => n + p.length, 0);
  let done = 0;
  while (rest.length > 0) {
    // Linux writes at most IOV_MAX (1024) buffers per call; a short write continues where it stopped.
    const { bytesWritten } = await handle.writev(rest.slice(0, 1024), at + done);
    done += bytesWritten;
    rest = dropFront(rest, bytesWritten);
  }
  return total;
}

/** `parts` without their first `bytes` bytes. */
function dropFront(parts: readonly Uint8Array[], bytes: number): Uint8Array[] {
  let k = 0;
  while (k < parts.length && bytes >= parts[k]!.length) bytes -= parts[k++]!.length;
  const out = parts.slice(k);
  if (out.length > 0 && bytes > 0) out[0] = out[0]!.subarray(bytes);
  return out;
}

class NodeHash implements AppendHash {
  private readonly hash: Hash = createHash('sha256');
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

/** The JavaScript append path: runs wherever Node runs. */
export const jsAppendPath: AppendPath = {
  name: 'js',
  newHash: () => new NodeHash(),
  async append(handle, at, parts, enc, hash, sync) {
    let result: AppendResult;
    if (enc) {
      // One fragment → ⌈size / 64 KiB⌉ records, sealed from the pipe chunks without joining them, one writev.
      const { out, lengths } = sealRecords(enc.key, enc.base, enc.firstIndex, parts);
      result = { fileBytes: await writeAllAt(handle, out, at), lengths };
    } else {
      result = { fileBytes: await writeAllAt(handle, parts, at), lengths: [] };
    }
    if (sync) await handle.datasync();
    for (const part of parts) hash.update(part);
    return result;
  },
};

/** What native/vigil_native.c exports. */
export interface NativeAppendModule {
  append(
    fd: number, at: number, parts: readonly Uint8Array[], key: Buffer | null, aadBase: Buffer | null, firstIndex: number,
    hash: NativeHashHandle | null, sync: boolean,
  ): Promise<AppendResult>;
  sha256Create(): NativeHashHandle;
  sha256Update(hash: NativeHashHandle, data: Uint8Array): void;
  sha256Digest(hash: NativeHashHandle): Buffer;
}

/** An opaque handle to a native SHA-256 state (freed by the garbage collector). */
export type NativeHashHandle = { readonly __nativeHash: unique symbol };

class NativeHash implements AppendHash {
  readonly nativeHandle: NativeHashHandle;
  constructor(private readonly mod: NativeAppendModule) {
    this.nativeHandle = mod.sha256Create();
  }
  update(data: Uint8Array): void {
    this.mod.sha256Update(this.nativeHandle, data);
  }
  digest(): Buffer {
    return this.mod.sha256Digest(this.nativeHandle);
  }
}

/** The native append path over a loaded module (storage/native-build.ts loads it). */
export function nativeAppendPath(mod: NativeAppendModule): AppendPath {
  return {
    name: 'native',
    newHash: () => new NativeHash(mod),
    async append(handle, at, parts, enc, hash, sync) {
      if (!(hash instanceof NativeHash)) throw new Error('the native append path needs a hash from its own newHash()');
      // A part list longer than the addon takes (a fragment in > 4096 pipe chunks: never seen) is joined first.
      const list = parts.length > 4096 ? [Buffer.concat(parts)] : parts;
      return mod.append(handle.fd, at, list, enc?.key ?? null, enc?.base ?? null, enc?.firstIndex ?? 0, hash.nativeHandle, sync);
    },
  };
}
