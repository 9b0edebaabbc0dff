// Loads or creates the key that seals camera credentials (R18): `VIGIL_CREDENTIAL_KEY` (64 hex chars) or the file
// `<dataDir>/keys/credentials.key`, created once with mode 0600. Losing this key means re-entering camera passwords.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class CredentialKeyError extends Error {}

export function loadCredentialKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.VIGIL_CREDENTIAL_KEY;
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new CredentialKeyError('VIGIL_CREDENTIAL_KEY must be 64 hexadecimal characters (32 bytes)');
    return Buffer.from(fromEnv, 'hex');
  }
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'credentials.key');
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0) chmodSync(path, 0o600); // tighten a key file someone loosened
    const hex = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(hex)) throw new CredentialKeyError(`${path} is not a 32-byte hex key`);
    return Buffer.from(hex, 'hex');
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
