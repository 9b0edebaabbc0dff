// Loads or creates the Ed25519 key that signs the audit registers' checkpoints (R16.3): the PEM file
// `<dataDir>/keys/audit-ed25519.pem`, created once with mode 0600. Losing it does not lose the registers (the chain
// still verifies), but old checkpoints can then only be checked against the exported public key.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class AuditKeyError extends Error {}

export function auditKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'audit-ed25519.pem');
}

export function loadAuditKey(dataDir: string): KeyObject {
  const path = auditKeyPath(dataDir);
  if (existsSync(path)) {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600); // tighten a key file someone loosened
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new AuditKeyError(`${path} is not a PEM private key: ${(err as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`${path} is a ${key.asymmetricKeyType} key; an Ed25519 key is required`);
    return key;
  }
  mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return privateKey;
}
