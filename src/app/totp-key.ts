// Loads or creates the key that seals TOTP secrets at rest: `VIGIL_TOTP_KEY` (64 hex chars) or the file
// `<dataDir>/keys/totp.key`, created once with mode 0600. A key of its own rather than the camera credential key:
// the two protect different secrets with different owners (camera passwords: system admin; second factors: every
// account), so either can be rotated or restored without touching the other, and a leak of one does not open both.
// Losing this key means every account re-enrols TOTP (an admin resets it); nothing else is lost.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class TotpKeyError extends Error {}

export function loadTotpKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.VIGIL_TOTP_KEY;
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv)) throw new TotpKeyError('VIGIL_TOTP_KEY must be 64 hexadecimal characters (32 bytes)');
    return Buffer.from(fromEnv, 'hex');
  }
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'totp.key');
  if (existsSync(path)) {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600); // tighten a key file someone loosened
    const hex = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(hex)) throw new TotpKeyError(`${path} is not a 32-byte hex key`);
    return Buffer.from(hex, 'hex');
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
