// Both byte paths for tests (recording.bytePath: src/storage/append-path.ts, the pipe reader in media/ingest): the JavaScript one and the native one, built from
// native/vigil_native.c the way `vigil` builds it. The native one is required here — the project's scripts install a
// C compiler — so a test can never pass by silently running the other path.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsAppendPath, resolveBytePath, type AppendPath, type AppendPathName, type ResolvedBytePath } from '../../src/storage/index.js';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let native: Promise<ResolvedBytePath> | null = null;

/** The native byte path (append path and pipe reader), built once per test process. */
export function nativeBytePathForTests(): Promise<ResolvedBytePath> {
  native ??= resolveBytePath('native', packageDir);
  return native;
}

export async function nativeAppendPathForTests(): Promise<AppendPath> {
  return (await nativeBytePathForTests()).path;
}

export async function appendPathNamed(name: AppendPathName): Promise<AppendPath> {
  return name === 'js' ? jsAppendPath : nativeAppendPathForTests();
}

export const appendPathNames: AppendPathName[] = ['js', 'native'];
