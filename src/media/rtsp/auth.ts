// RTSP authentication (RFC 2326 §D.2 borrows HTTP's): parsing WWW-Authenticate challenges and computing Basic
// (RFC 7617) and Digest (RFC 2617 §3.2.2; MD5, MD5-sess, and RFC 7616's SHA-256 for newer firmware) Authorization
// values. Pure apart from the random cnonce; owns no socket. Cameras differ mostly in what they offer: Hikvision and
// Dahua ask for Digest (some also offer Basic), GStreamer's server either.

import { createHash, randomBytes } from 'node:crypto';

export interface AuthChallenge {
  /** Lower-case scheme: 'basic', 'digest', or whatever else the server named. */
  scheme: string;
  /** Auth-params, names lower-cased, quotes removed. */
  params: Record<string, string>;
}

/**
 * Challenges from all WWW-Authenticate values of a response. One value may hold several challenges
 * (`Basic realm="x", Digest realm="x", nonce="y"`, RFC 7235 §4.1), so a new challenge starts at any token that is
 * not followed by '='.
 */
export function parseChallenges(values: readonly string[]): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  for (const value of values) {
    let current: AuthChallenge | undefined;
    let i = 0;
    const n = value.length;
    const skip = (chars: string): void => {
      while (i < n && chars.includes(value[i] ?? '')) i++;
    };
    while (i < n) {
      skip(' \t,');
      const start = i;
      while (i < n && !' \t,='.includes(value[i] ?? '')) i++;
      const token = value.slice(start, i);
      if (token === '') {
        i++; // a stray '=': step over it rather than loop
        continue;
      }
      skip(' \t');
      if (value[i] !== '=' || current === undefined) {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
        continue;
      }
      i++; // '='
      skip(' \t');
      let param = '';
      if (value[i] === '"') {
        i++;
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++;
          param += value[i];
          i++;
        }
        i++; // closing quote
      } else {
        const s = i;
        while (i < n && value[i] !== ',' && value[i] !== ' ' && value[i] !== '\t') i++;
        param = value.slice(s, i);
      }
      current.params[token.toLowerCase()] = param;
    }
  }
  return out;
}

export interface DigestInput {
  user: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  /** 'MD5' (default), 'MD5-sess', 'SHA-256', 'SHA-256-sess'. */
  algorithm?: string;
  /** 'auth' or 'auth-int'; absent for RFC 2069-style servers (GStreamer's, many cameras). */
  qop?: string;
  /** 8 hex digits, with qop. */
  nc?: string;
  cnonce?: string;
  /** Request body, for qop=auth-int; RTSP requests of this client have none. */
  body?: string;
}

const HASHES: Readonly<Record<string, string>> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** True when `digestResponse` can compute the algorithm (case-blind, with or without '-sess'). */
export function isSupportedDigestAlgorithm(algorithm: string | undefined): boolean {
  return HASHES[(algorithm ?? 'MD5').toUpperCase().replace(/-SESS$/, '')] !== undefined;
}

/** The `response` value of RFC 2617 §3.2.2.1 (request-digest). */
export function digestResponse(p: DigestInput): string {
  const algorithm = (p.algorithm ?? 'MD5').toUpperCase();
  const hashName = HASHES[algorithm.replace(/-SESS$/, '')];
  if (!hashName) throw new Error(`unsupported digest algorithm ${algorithm}`);
  const h = (s: string): string => createHash(hashName).update(s, 'utf8').digest('hex');
  let ha1 = h(`${p.user}:${p.realm}:${p.password}`);
  if (algorithm.endsWith('-SESS')) ha1 = h(`${ha1}:${p.nonce}:${p.cnonce ?? ''}`); // §3.2.2.2
  const ha2 = p.qop === 'auth-int' ? h(`${p.method}:${p.uri}:${h(p.body ?? '')}`) : h(`${p.method}:${p.uri}`); // §3.2.2.3
  return p.qop ? h(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
}

/** Produces Authorization header values for one challenge; Digest keeps its nonce count across requests. */
export class Authenticator {
  private nonceCount = 0;
  private readonly cnonce = randomBytes(8).toString('hex');

  private constructor(
    private readonly user: string,
    private readonly password: string,
    readonly challenge: AuthChallenge,
  ) {}

  /**
   * The strongest challenge this client can answer: Digest (any supported algorithm) before Basic, because Basic
   * sends the password in clear on every request. Undefined when none is usable.
   */
  static choose(user: string, password: string, challenges: readonly AuthChallenge[]): Authenticator | undefined {
    const digest = challenges.find(
      (c) => c.scheme === 'digest' && c.params.nonce !== undefined && isSupportedDigestAlgorithm(c.params.algorithm),
    );
    const basic = challenges.find((c) => c.scheme === 'basic');
    const chosen = digest ?? basic;
    return chosen && new Authenticator(user, password, chosen);
  }

  /** The Authorization value for a request. */
  header(method: string, uri: string): string {
    if (this.challenge.scheme === 'basic') {
      return `Basic ${Buffer.from(`${this.user}:${this.password}`, 'utf8').toString('base64')}`;
    }
    const c = this.challenge.params;
    const realm = c.realm ?? '';
    const nonce = c.nonce ?? '';
    // qop is a list ("auth,auth-int"); no body here, so 'auth' is enough and preferred when offered.
    const offered = (c.qop ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== '');
    const qop = offered.includes('auth') ? 'auth' : offered.includes('auth-int') ? 'auth-int' : undefined;
    const fields = [`username=${quote(this.user)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`];
    let nc: string | undefined;
    if (qop) nc = (++this.nonceCount).toString(16).padStart(8, '0');
    const response = digestResponse({
      user: this.user, password: this.password, realm, nonce, method, uri, qop, nc, cnonce: this.cnonce,
      ...(c.algorithm ? { algorithm: c.algorithm } : {}),
    });
    fields.push(`response=${quote(response)}`);
    if (c.algorithm) fields.push(`algorithm=${c.algorithm}`);
    if (c.opaque !== undefined) fields.push(`opaque=${quote(c.opaque)}`);
    if (qop && nc) fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(this.cnonce)}`);
    return `Digest ${fields.join(', ')}`;
  }
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}
