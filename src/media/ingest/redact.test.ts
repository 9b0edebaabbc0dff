import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, redactSecrets, redactUrl, secretsFromUrl } from './redact.js';

describe('redactUrl', () => {
  it.each([
    ['rtsp://admin:s3cret@10.0.0.5:554/ch1', 'rtsp://***@10.0.0.5:554/ch1'],
    ['rtsp://admin@10.0.0.5/ch1', 'rtsp://***@10.0.0.5/ch1'],
    ['rtsp://10.0.0.5/ch1', 'rtsp://10.0.0.5/ch1'],
    ['rtsp://ad%40min:p%40ss%3Aw%2Frd@cam:554/x', 'rtsp://***@cam:554/x'],
    // Raw '@', '/' and spaces in the password: not a valid URL, still no password in the output.
    ['rtsp://admin:p@ss/w rd@cam/x', 'rtsp://***@cam/x'],
    ['rtsp://cam/onvif?user=admin&password=s3cret&channel=1', 'rtsp://cam/onvif?user=***&password=***&channel=1'],
    ['not a url admin:s3cret@cam', '***'],
    ['', ''],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('secretsFromUrl', () => {
  it('returns user, password (as written and decoded) and the Basic auth token', () => {
    expect(secretsFromUrl('rtsp://admin:p%40ss@cam/x').sort()).toEqual(
      ['admin', 'p%40ss', 'p@ss', Buffer.from('admin:p@ss').toString('base64')].sort(),
    );
  });

  it('returns nothing for a URL without credentials', () => {
    expect(secretsFromUrl('rtsp://cam:554/x')).toEqual([]);
  });
});

describe('redactSecrets', () => {
  const url = 'rtsp://admin:p%40ss%3Aw0rd@127.0.0.1:8554/cam';
  const secrets = secretsFromUrl(url);

  it.each([
    // ffmpeg 5.1 lines, as seen with a wrong password through the concat demuxer and directly.
    [`[concat @ 0x55] Impossible to open '${url}'`, "[concat @ 0x55] Impossible to open 'rtsp://***@127.0.0.1:8554/cam'"],
    [`${url}: Server returned 401 Unauthorized (authorization failed)`, 'rtsp://***@127.0.0.1:8554/cam: Server returned 401 Unauthorized (authorization failed)'],
    ['password is p@ss:w0rd', 'password is ***'],
    ['lower-case hex p%40ss%3aw0rd', 'lower-case hex ***'],
    [`Authorization: Basic ${Buffer.from('admin:p@ss:w0rd').toString('base64')}`, 'Authorization: Basic ***'],
    ['[tcp @ 0x1] Connection to tcp://127.0.0.1:1?timeout=0 failed: Connection refused', '[tcp @ 0x1] Connection to tcp://127.0.0.1:1?timeout=0 failed: Connection refused'],
  ])('%s', (line, expected) => {
    expect(redactSecrets(line, secrets)).toBe(expected);
  });

  // Any user and password, put in a URL the way a camera registry would (percent-encoded), then echoed by ffmpeg in
  // every form it might use: no form of either survives. Secrets containing '*' are left out: they can be rebuilt
  // from the '***' marker itself.
  const credential = fc.string({ minLength: 1, maxLength: 16, unit: 'grapheme' }).filter((s) => !s.includes('*'));
  const forms = (s: string): string[] => {
    const encoded = encodeURIComponent(s);
    return [s, encoded, encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())];
  };

  it('leaves no secret in any echo of the URL (property)', () => {
    fc.assert(
      fc.property(credential, credential, fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (user, password, before, after) => {
        const camUrl = `rtsp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@cam.local:554/Streaming/101`;
        const redact = createRedactor(secretsFromUrl(camUrl));
        const lines = [
          `${before}Impossible to open '${camUrl}'${after}`,
          `${camUrl}: Server returned 401 Unauthorized`,
          `${before}${user}:${password}${after}`,
          `rtsp://${user}:${password}@cam.local/x`,
          ...forms(password).map((f) => `${before}${f}${after}`),
          ...forms(user).map((f) => `${before} ${f} ${after}`),
          `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
        ];
        for (const line of lines) {
          const out = redact(line);
          for (const secret of [...forms(password), ...forms(user)]) expect(out).not.toContain(secret);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('redactUrl never shows the password of any URL (property)', () => {
    fc.assert(
      fc.property(credential, credential, fc.boolean(), (user, password, encode) => {
        const userinfo = encode ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : `${user}:${password}`;
        const out = redactUrl(`rtsp://${userinfo}@cam.local:554/Streaming/101`);
        expect(out).toBe('rtsp://***@cam.local:554/Streaming/101');
      }),
      { numRuns: 300 },
    );
  });
});
