// Credential redaction for camera URLs and ffmpeg stderr (architecture §3: credentials never appear in logs).
// Pure string functions; owns nothing else. Every line that leaves the ingest supervisor (diagnostics, state
// reasons, error messages) passes through here first.
//
// Two layers, because either alone can miss: (1) any `scheme://userinfo@` in the text loses its userinfo, whatever
// the userinfo looks like; (2) each known secret (user, password, and `user:password` in base64 as in a Basic
// Authorization header) is removed wherever it appears, raw or percent-encoded in any mix of upper/lower-case hex,
// since ffmpeg echoes URLs both as given and decoded. A very short secret makes diagnostics ugly (every occurrence
// of it goes); that is the price of never printing it.

export const REDACTED = '***';

/** Any URL with userinfo: the userinfo runs to the last '@' before whitespace or a quote, so a password with a raw
 * '@', '/' or ':' is still covered. */
const URL_USERINFO = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^\s'"<>]*@/g;

/** Query parameters some cameras use for credentials (`?user=admin&password=…`). */
const CREDENTIAL_QUERY = /([?&;](?:user(?:name)?|pass(?:word)?|pwd|passwd|token|auth|key|secret|sig(?:nature)?)=)[^&;#\s'"]*/gi;

/** A URL fit for logs: userinfo and credential-like query values replaced; works on strings that do not parse. */
export function redactUrl(url: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)(.*)$/s.exec(url);
  // Not URL-shaped: nothing tells where credentials would be, so show nothing of it.
  if (!scheme) return url.includes('@') ? REDACTED : url.replace(CREDENTIAL_QUERY, `$1${REDACTED}`);
  const [, prefix = '', rest = ''] = scheme;
  const at = rest.lastIndexOf('@');
  const tail = at < 0 ? rest : `${REDACTED}@${rest.slice(at + 1)}`;
  return `${prefix}${tail}`.replace(CREDENTIAL_QUERY, `$1${REDACTED}`);
}

/** The secrets a URL carries: user and password (decoded), and `user:password` base64 (Basic auth). */
export function secretsFromUrl(url: string): string[] {
  const secrets: string[] = [];
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(.*)$/s.exec(url);
  const rest = scheme?.[1] ?? url;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const password = colon < 0 ? '' : userinfo.slice(colon + 1);
    for (const part of [user, password]) secrets.push(part, safeDecode(part));
    secrets.push(Buffer.from(`${safeDecode(user)}:${safeDecode(password)}`).toString('base64'));
  }
  for (const match of url.matchAll(CREDENTIAL_QUERY)) {
    const value = url.slice((match.index ?? 0) + (match[1]?.length ?? 0), (match.index ?? 0) + match[0].length);
    secrets.push(value, safeDecode(value));
  }
  return [...new Set(secrets.filter((s) => s.length > 0))];
}

/** A redaction function for a fixed set of secrets; compile once per stream, apply to every line. */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const patterns = [...new Set(secrets.filter((s) => s.length > 0))]
    .sort((a, b) => b.length - a.length) // longest first, so a password containing the user name goes whole
    .map((s) => new RegExp(secretPattern(s), 'g'));
  return (text) => {
    let out = text.replace(URL_USERINFO, `$1${REDACTED}@`);
    for (const pattern of patterns) out = out.replace(pattern, REDACTED);
    return out.replace(CREDENTIAL_QUERY, `$1${REDACTED}`);
  };
}

/** Redact `text` (an ffmpeg stderr line, an error message) against the given secrets. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return createRedactor(secrets)(text);
}

/** Each character matches itself or its UTF-8 percent-encoding with either hex case; a space also matches '+'. */
function secretPattern(secret: string): string {
  let pattern = '';
  for (const char of secret) {
    const encoded = [...Buffer.from(char, 'utf8')]
      .map((byte) => {
        const hex = byte.toString(16).padStart(2, '0');
        return `%${[...hex].map((h) => (/[a-f]/.test(h) ? `[${h}${h.toUpperCase()}]` : h)).join('')}`;
      })
      .join('');
    const alternatives = [escapeRegExp(char), encoded];
    if (char === ' ') alternatives.push('\\+');
    pattern += `(?:${alternatives.join('|')})`;
  }
  return pattern;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // malformed escapes: the raw form is what may be echoed
  }
}
