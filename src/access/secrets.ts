// The secrets access/ makes and checks: argon2id password hashes, random session/API/CSRF tokens (stored only as
// SHA-256), generated one-time passwords, and the AES-256-GCM sealing of TOTP secrets at rest. No database, no clock.
//
// Sealed format v1: "v1." + base64( nonce[12] ‖ ciphertext ‖ tag[16] ), AAD "vigil/totp-secret/v1\0" ‖ userId, so a
// sealed secret copied onto another account's row fails to open instead of letting one code serve two accounts.
import { hash, verify } from '@node-rs/argon2';
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import { passwordProblem } from './policy.js';

/** Argon2id (the library's default algorithm) with its default cost: 19 MiB, 2 passes, 1 lane (OWASP minimum). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a damaged hash never matches
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one password check against a hash no password matches. Used when there is no hash to check
 * (unknown user name, locked account) so the answer takes as long as a real check and timing does not tell which.
 */
export async function spendPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hash(randomBytes(32).toString('base64url'));
  await verifyPassword(await dummyHash, password);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** 32 random bytes, base64url: session tokens and CSRF tokens. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export const API_TOKEN_PREFIX = 'vgl_';

/** `vgl_` + 32 random bytes base64url; the prefix lets secret scanners recognise a leaked token. */
export function randomApiToken(): string {
  return API_TOKEN_PREFIX + randomToken();
}

const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%+-=?@_';
const GENERATED_PASSWORD_CHARS = 20;

/** A random one-time password that meets the policy for `username` (retries the rare draw that does not). */
export function generatePassword(username: string): string {
  for (;;) {
    let password = '';
    for (let i = 0; i < GENERATED_PASSWORD_CHARS; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    if (passwordProblem(username, password) === null) return password;
  }
}

export const TOTP_KEY_BYTES = 32;
const SEAL_PREFIX = 'v1.';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_LABEL = Buffer.from('vigil/totp-secret/v1\0', 'utf8');

export function checkTotpKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== TOTP_KEY_BYTES) {
    throw new Error(`TOTP sealing key must be ${TOTP_KEY_BYTES} bytes`);
  }
}

/** Seals a base32 TOTP secret for storage in the account's row. */
export function sealTotpSecret(secret: string, key: Uint8Array, userId: string): string {
  checkTotpKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([AAD_LABEL, Buffer.from(userId, 'utf8')]));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return SEAL_PREFIX + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64');
}

/** Opens a sealed TOTP secret; throws if it was altered, sealed for another account, or with another key. */
export function openTotpSecret(sealed: string, key: Uint8Array, userId: string): string {
  checkTotpKey(key);
  const bytes = Buffer.from(sealed.startsWith(SEAL_PREFIX) ? sealed.slice(SEAL_PREFIX.length) : '', 'base64');
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new Error(`sealed TOTP secret of account ${userId} is not in the v1 format`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([AAD_LABEL, Buffer.from(userId, 'utf8')]));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`sealed TOTP secret of account ${userId} cannot be opened: altered, or sealed with another TOTP key`);
  }
}
