import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Authenticator, digestResponse, parseChallenges } from './auth.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Parses a Digest Authorization value back into its fields (for checking what the client sends). */
function fields(header: string): Record<string, string> {
  expect(header.startsWith('Digest ')).toBe(true);
  return parseChallenges([header])[0]?.params ?? {};
}

describe('digestResponse', () => {
  it('matches the worked example of RFC 2617 §3.5 (qop=auth)', () => {
    expect(digestResponse({
      user: 'Mufasa', password: 'Circle Of Life', realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html',
      qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
    })).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('computes the RFC 2069 form without qop: MD5(HA1:nonce:HA2)', () => {
    const ha1 = md5('admin:GStreamer RTSP Server:pw');
    const ha2 = md5('DESCRIBE:rtsp://127.0.0.1:8554/cam');
    expect(digestResponse({
      user: 'admin', password: 'pw', realm: 'GStreamer RTSP Server', nonce: '0.123', method: 'DESCRIBE', uri: 'rtsp://127.0.0.1:8554/cam',
    })).toBe(md5(`${ha1}:0.123:${ha2}`));
  });

  it('computes MD5-sess and SHA-256 (RFC 7616) and refuses unknown algorithms', () => {
    const base = { user: 'u', password: 'p', realm: 'r', nonce: 'n', method: 'PLAY', uri: 'rtsp://h/s', qop: 'auth', nc: '00000001', cnonce: 'c' };
    const ha2 = md5('PLAY:rtsp://h/s');
    const sessHa1 = md5(`${md5('u:r:p')}:n:c`);
    expect(digestResponse({ ...base, algorithm: 'MD5-sess' })).toBe(md5(`${sessHa1}:n:00000001:c:auth:${ha2}`));
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
    expect(digestResponse({ ...base, algorithm: 'SHA-256' })).toBe(sha(`${sha('u:r:p')}:n:00000001:c:auth:${sha('PLAY:rtsp://h/s')}`));
    expect(() => digestResponse({ ...base, algorithm: 'SHA-512-256' })).toThrow(/unsupported/);
  });
});

describe('parseChallenges', () => {
  it('splits several challenges in one header and across headers, unquoting values', () => {
    expect(parseChallenges([
      'Basic realm="IP Camera(12345)", Digest realm="IP Camera(12345)", nonce="a1b2", qop="auth,auth-int", stale=FALSE',
      'Digest realm="q\\"uote", nonce=xyz',
    ])).toEqual([
      { scheme: 'basic', params: { realm: 'IP Camera(12345)' } },
      { scheme: 'digest', params: { realm: 'IP Camera(12345)', nonce: 'a1b2', qop: 'auth,auth-int', stale: 'FALSE' } },
      { scheme: 'digest', params: { realm: 'q"uote', nonce: 'xyz' } },
    ]);
  });

  it('survives junk without looping', () => {
    expect(parseChallenges(['', '=,=', 'Basic'])).toEqual([{ scheme: 'basic', params: {} }]);
  });
});

describe('Authenticator', () => {
  it('prefers Digest to Basic and answers with qop=auth, counting nonces', () => {
    const challenges = parseChallenges(['Basic realm="cam"', 'Digest realm="cam", nonce="n1", qop="auth", opaque="op"']);
    const auth = Authenticator.choose('admin', 'pw', challenges);
    const first = fields(auth?.header('DESCRIBE', 'rtsp://h/s') ?? '');
    const second = fields(auth?.header('SETUP', 'rtsp://h/s/track1') ?? '');
    expect(first).toMatchObject({ username: 'admin', realm: 'cam', nonce: 'n1', uri: 'rtsp://h/s', qop: 'auth', nc: '00000001', opaque: 'op' });
    expect(second.nc).toBe('00000002');
    const cnonce = first.cnonce ?? '';
    const expected = md5(`${md5('admin:cam:pw')}:n1:00000001:${cnonce}:auth:${md5('DESCRIBE:rtsp://h/s')}`);
    expect(first.response).toBe(expected);
  });

  it('answers a Digest challenge without qop in the RFC 2069 form', () => {
    const auth = Authenticator.choose('admin', 'pw', parseChallenges(['Digest realm="GStreamer RTSP Server", nonce="0.5"']));
    const f = fields(auth?.header('PLAY', 'rtsp://h/s/') ?? '');
    expect(f.qop).toBeUndefined();
    expect(f.nc).toBeUndefined();
    expect(f.response).toBe(md5(`${md5('admin:GStreamer RTSP Server:pw')}:0.5:${md5('PLAY:rtsp://h/s/')}`));
  });

  it('uses Basic when it is all the server offers, and nothing for unknown schemes', () => {
    const basic = Authenticator.choose('ad:min', 'p@ss', parseChallenges(['Basic realm="x"']));
    expect(basic?.header('DESCRIBE', 'rtsp://h/')).toBe(`Basic ${Buffer.from('ad:min:p@ss').toString('base64')}`);
    expect(Authenticator.choose('u', 'p', parseChallenges(['Bearer realm="x"', 'Digest realm="x", nonce="n", algorithm=SHA-512-256']))).toBeUndefined();
  });
});
