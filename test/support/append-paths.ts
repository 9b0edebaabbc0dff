// Both append paths (src/storage/append-path.ts) for tests: the JavaScript one and the native one, built from
// native/vigil_native.c the way `vigil` builds it. The native one is required here — the project's scripts install a
// C compiler — so a test can never pass by silently running the other path.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsAppendPath, resolveAppendPath, type AppendPath, type AppendPathName } from '../../src/storage/index.js';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let native: Promise<AppendPath> | null = null;

export function nativeAppendPathForTests(): Promise<AppendPath> {
  native ??= resolveAppendPath('native', packageDir).then((r) => r.path);
  return native;
}

export async function appendPathNamed(name: AppendPathName): Promise<AppendPath> {
  return name === 'js' ? jsAppendPath : nativeAppendPathForTests();
}

export const appendPathNames: AppendPathName[] = ['js', 'native'];
