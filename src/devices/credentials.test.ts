import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialKey, openUrl, redactUrl, sealUrl, type CredentialKey } from './credentials.js';
import { DeviceError } from './errors.js';

const key = credentialKey(randomBytes(32));
const streamId = '01932c07-8b2a-7c4e-9f10-3a5b6c7d8e9f';
const otherStreamId = '01932c07-8b2a-7c4e-9f10-3a5b6c7d8ea0';
const url = 'rtsp://admin:S3cret-Pa55@192.168.1.64:554/Streaming/Channels/101';

function caught(fn: () => unknown): DeviceError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DeviceError);
    return error as DeviceError;
  }
  throw new Error('expected a DeviceError');
}

/** Flips one bit of the decoded payload at `index` (negative: from the end) and re-encodes. */
function flip(sealed: string, index: number): string {
  const bytes = Buffer.from(sealed.slice(3), 'base64');
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return `v1.${bytes.toString('base64')}`;
}

describe('sealUrl / openUrl (R18)', () => {
  it('round-trips, with a fresh nonce on every seal', () => {
    const a = sealUrl(url, key, streamId);
    const b = sealUrl(url, key, streamId);
    expect(a).toMatch(/^v1\.[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(openUrl(a, key, streamId)).toBe(url);
    expect(openUrl(b, key, streamId)).toBe(url);
  });

  it('round-trips non-ASCII and percent-encoded URLs byte for byte', () => {
    for (const u of ['rtsp://管理员:密码@摄像头.local/主码流', 'rtsp://a:p%40ss%2Fw0rd@h/x?y=1', 'rtsps://h']) {
      expect(openUrl(sealUrl(u, key, streamId), key, streamId)).toBe(u);
    }
  });

  it('never contains the password, user name or host in clear (D6)', () => {
    const sealed = sealUrl(url, key, streamId);
    for (const secret of ['S3cret-Pa55', 'admin', '192.168.1.64', Buffer.from('S3cret-Pa55').toString('base64')]) {
      expect(sealed).not.toContain(secret);
    }
  });

  it('refuses a tampered ciphertext, tag or nonce', () => {
    const sealed = sealUrl(url, key, streamId);
    for (const index of [4 /* nonce */, 20 /* ciphertext */, -1 /* tag */]) {
      const error = caught(() => openUrl(flip(sealed, index), key, streamId));
      expect(error.code).toBe('credential_unreadable');
      expect(error.message).toBe(
        `sealed URL of stream ${streamId} failed authentication: it was altered, or it was sealed for a different stream`,
      );
    }
  });

  it('refuses a value sealed for another stream (AAD binds the stream id)', () => {
    const error = caught(() => openUrl(sealUrl(url, key, otherStreamId), key, streamId));
    expect(error.code).toBe('credential_unreadable');
    expect(error.message).toMatch(/sealed for a different stream/);
  });

  it('says so when the key differs from the one that sealed the value', () => {
    const other = credentialKey(randomBytes(32));
    const error = caught(() => openUrl(sealUrl(url, key, streamId), other, streamId));
    expect(error.code).toBe('credential_key_mismatch');
    expect(error.message).toMatch(/sealed with a different credential key \(key id [0-9a-f]{8}, loaded key [0-9a-f]{8}\)/);
    expect(error.message).toMatch(/restore the original key file/);
  });

  it('refuses malformed values with a clear message', () => {
    const sealed = sealUrl(url, key, streamId);
    const cases: Array<[string, RegExp]> = [
      ['', /is not in the sealed format \(expected "v1.<base64>"\)/],
      [url, /is not in the sealed format/],
      [`v2.${sealed.slice(3)}`, /uses format v2, which this version of Vigil cannot read/],
      ['v1.', /is damaged/],
      [`v1.${sealed.slice(3, 20)}`, /is damaged/],
      [`${sealed.slice(0, 10)}!${sealed.slice(10)}`, /is damaged/],
    ];
    for (const [value, message] of cases) {
      const error = caught(() => openUrl(value, key, streamId));
      expect(error.code).toBe('credential_unreadable');
      expect(error.message).toMatch(message);
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(caught(() => credentialKey(randomBytes(16))).message).toBe('credential key must be 32 bytes, got 16 bytes');
    const short: CredentialKey = randomBytes(31);
    expect(caught(() => sealUrl(url, short, streamId)).code).toBe('credential_key_invalid');
    expect(caught(() => openUrl('v1.AAAA', short, streamId)).code).toBe('credential_key_invalid');
  });
});

describe('redactUrl (R18, D6)', () => {
  it.each([
    ['rtsp://admin:S3cret@192.168.1.64:554/Streaming/Channels/101', 'rtsp://***@192.168.1.64:554/Streaming/Channels/101'],
    ['rtsp://admin@cam.local/live', 'rtsp://***@cam.local/live'],
    ['rtsp://:pw@cam.local/live', 'rtsp://***@cam.local/live'],
    ['rtsp://cam.local:8554/live', 'rtsp://cam.local:8554/live'],
    ['rtsps://cam.local', 'rtsps://cam.local'],
    ['rtsp://a:p%40ss%2Fw0rd@h:554/x?channel=1&subtype=0', 'rtsp://***@h:554/x?channel=1&subtype=0'],
    ['rtsp://a:p@ss@h/x', 'rtsp://***@h/x'],
    ['rtsp://u:p@[fe80::1]:554/stream1', 'rtsp://***@[fe80::1]:554/stream1'],
    // XMEye-style cameras put the credentials in the path; others put a token in the query.
    ['rtsp://10.0.0.9:554/user=admin&password=hunter2&channel=1&stream=0.sdp?', 'rtsp://10.0.0.9:554/user=***&password=***&channel=1&stream=0.sdp'],
    ['rtsp://h/live?channel=1&token=abc123&PWD=x', 'rtsp://h/live?channel=1&token=***&PWD=***'],
    ['rtsp://u:p@h/live#frag', 'rtsp://***@h/live'],
    ['  rtsp://u:p@h/x  ', 'rtsp://***@h/x'],
    ['not a url with password', '[invalid URL]'],
    ['rtsp:admin:pw@h', '[invalid URL]'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});
