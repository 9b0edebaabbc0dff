// Camera URL secrecy: sealing (AES-256-GCM) of full stream URLs and their redacted form for display.
// Owns the sealed format and the redaction rules. Touches no database, file or clock; the key is supplied by the
// caller (the app loads it from its key file). No transactions here.
//
// Why: RTSP URLs carry the camera's user name and password in their userinfo (or, on some cameras sold in China,
// as `user=…&password=…` in the path or query). R18 requires those credentials to be stored encrypted, and D6 treats
// camera addresses as confidential, so only `redactUrl` output is ever stored in clear, shown or logged.
//
// Sealed format, version 1:  "v1." + base64( keyId[4] ‖ nonce[12] ‖ ciphertext ‖ tag[16] )
//   keyId  first 4 bytes of SHA-256("vigil/credential-key-id/v1" ‖ key): tells "sealed with another key" (key file
//          replaced) apart from "altered", which the AEAD tag alone cannot. 32 bits of a hash of a 256-bit random
//          key reveal nothing useful about it.
//   nonce  12 random bytes per seal (never reused: a fresh seal on every write, even of the same URL).
//   AAD    "vigil/camera-stream-url/v1" ‖ 0x00 ‖ keyId ‖ streamId — binds the value to its stream, so a sealed URL
//          copied onto another stream's row fails to open instead of sending one camera's password to another host.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DeviceError } from './errors.js';

/**
 * A 32-byte AES-256 key (a Buffer from the key file fits). Not a branded type, so the app passes what it loaded; the
 * length is checked where a key enters (`credentialKey`, the CameraService constructor) and again on every use.
 */
export type CredentialKey = Uint8Array;

export const CREDENTIAL_KEY_BYTES = 32;
const VERSION_PREFIX = 'v1.';
const KEY_ID_BYTES = 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_LABEL = Buffer.from('vigil/camera-stream-url/v1\0', 'utf8');
const KEY_ID_LABEL = Buffer.from('vigil/credential-key-id/v1', 'utf8');
/** What the redacted form puts where a secret was: tells the operator credentials exist without revealing them. */
export const REDACTED = '***';

/** Checks a credential key. Throws `credential_key_invalid` unless it is exactly 32 bytes. */
export function credentialKey(bytes: Uint8Array): CredentialKey {
  checkKey(bytes);
  return bytes;
}

/** Seals a full camera URL for storage, bound to the stream it belongs to (R18). */
export function sealUrl(url: string, key: CredentialKey, streamId: string): string {
  checkKey(key);
  const keyId = keyIdOf(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(keyId, streamId));
  const ciphertext = Buffer.concat([cipher.update(url, 'utf8'), cipher.final()]);
  return VERSION_PREFIX + Buffer.concat([keyId, nonce, ciphertext, cipher.getAuthTag()]).toString('base64');
}

/**
 * Opens a URL sealed by `sealUrl` for the same stream. Throws `credential_key_mismatch` when it was sealed with a
 * different key, `credential_unreadable` when it is malformed, altered or sealed for another stream.
 */
export function openUrl(sealed: string, key: CredentialKey, streamId: string): string {
  checkKey(key);
  if (typeof sealed !== 'string' || !sealed.startsWith(VERSION_PREFIX)) {
    const version = typeof sealed === 'string' ? /^(v\d+)\./.exec(sealed)?.[1] : undefined;
    throw new DeviceError(
      'credential_unreadable',
      version
        ? `sealed URL of stream ${streamId} uses format ${version}, which this version of Vigil cannot read`
        : `sealed URL of stream ${streamId} is not in the sealed format (expected "v1.<base64>")`,
    );
  }
  const body = sealed.slice(VERSION_PREFIX.length);
  const bytes = Buffer.from(body, 'base64');
  // Buffer.from skips characters outside the alphabet; re-encoding tells a damaged value from a valid one.
  if (bytes.toString('base64') !== body || bytes.length < KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES) {
    throw new DeviceError('credential_unreadable', `sealed URL of stream ${streamId} is damaged (not valid base64 of a v1 value)`);
  }
  const keyId = bytes.subarray(0, KEY_ID_BYTES);
  if (!keyId.equals(keyIdOf(key))) {
    throw new DeviceError(
      'credential_key_mismatch',
      `sealed URL of stream ${streamId} was sealed with a different credential key (key id ${keyId.toString('hex')}, ` +
        `loaded key ${keyIdOf(key).toString('hex')}): restore the original key file, or re-enter the camera URL`,
    );
  }
  const nonce = bytes.subarray(KEY_ID_BYTES, KEY_ID_BYTES + NONCE_BYTES);
  const ciphertext = bytes.subarray(KEY_ID_BYTES + NONCE_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(keyId, streamId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot say which: both mean the value must not be used.
    throw new DeviceError(
      'credential_unreadable',
      `sealed URL of stream ${streamId} failed authentication: it was altered, or it was sealed for a different stream`,
    );
  }
}

// Query or path parameters that carry secrets on some cameras (XMEye: `/user=admin&password=…&channel=1`,
// others: `?token=…`). Their values are replaced by the marker, the names kept so the form stays recognisable.
const SECRET_PARAM = /([/?&;])((?:user(?:name)?|usr|login|pass(?:word)?|passwd|pwd|pw|token|access_token|auth|authorization|key|secret|sig|signature)=)[^&;/?#]*/gi;

/**
 * The URL without credentials, for storage in clear, display and logs (R18, D6): userinfo becomes `***@`, secret
 * parameters become `name=***`, the fragment is dropped. Never throws: an unparseable or host-less URL gives
 * `[invalid URL]`, since any part of it may be a password.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return '[invalid URL]';
  }
  // Without a host (`rtsp:admin:pw@cam`) the whole rest is opaque and may be a password.
  if (parsed.host === '') return '[invalid URL]';
  const userinfo = parsed.username !== '' || parsed.password !== '' ? `${REDACTED}@` : '';
  const rest = (parsed.pathname + parsed.search).replace(SECRET_PARAM, `$1$2${REDACTED}`);
  return `${parsed.protocol}//${userinfo}${parsed.host}${rest}`;
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== CREDENTIAL_KEY_BYTES) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new DeviceError('credential_key_invalid', `credential key must be ${CREDENTIAL_KEY_BYTES} bytes, got ${got}`);
  }
}

function keyIdOf(key: Uint8Array): Buffer {
  return createHash('sha256').update(KEY_ID_LABEL).update(key).digest().subarray(0, KEY_ID_BYTES);
}

function aad(keyId: Buffer, streamId: string): Buffer {
  return Buffer.concat([AAD_LABEL, keyId, Buffer.from(streamId, 'utf8')]);
}
