// RTSP 1.0 client (RFC 2326) for the built-in ingest: pulls the first video track of a camera over TCP interleaved
// transport and hands its RTP packets to a callback; depacketizing is someone else's job. One instance is one
// session, started once. connection.ts owns the socket and the byte stream; this file owns the session: the request
// sequence, authentication, redirects, keepalive, and turning every failure into an RtspError whose message never
// carries the credentials.

import { createRedactor, redactUrl, secretsFromUrl } from '../ingest/redact.js';
import { Authenticator, parseChallenges } from './auth.js';
import { headerOf, RtspConnection, RtspError, toRtspError, type RtspResponse } from './connection.js';
import { parseSdp } from './sdp.js';

export { RtspError, type RtspErrorCode } from './connection.js';

export interface RtspClientOptions {
  /** rtsp://[user:pass@]host[:port]/path — credentials are used for auth, never put in any message. */
  url: string;
  /** Default 10 000. */
  connectTimeoutMs?: number;
  /** Default 10 000. */
  requestTimeoutMs?: number;
  /** Default 'Vigil'. */
  userAgent?: string;
  /**
   * Called for each RTP packet on the video track's RTP channel (the interleaved frame's payload; a subarray valid
   * only during the call). Never before start() has resolved, never after close().
   */
  onRtp(packet: Buffer): void;
  /**
   * Called once when the session ends after start() resolved: null after close(), else the error (server closed the
   * connection → 'closed'; socket error; keepalive refused or unanswered…).
   */
  onEnd(err: RtspError | null): void;
}

export interface RtspPlayInfo {
  /** Encoding name as in the SDP, upper-case: 'H264', 'H265', or another ('JPEG' …) for the caller to refuse. */
  codec: string;
  payloadType: number;
  clockRate: number;
  fmtp: Record<string, string>;
  /** The DESCRIBE body as received. */
  sdp: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** RFC 2326 §12.37: a Session header without timeout means 60 s. */
const DEFAULT_SESSION_TIMEOUT_S = 60;
/** How long close() lets TEARDOWN go out and the server hang up before the socket is destroyed. */
const TEARDOWN_GRACE_MS = 500;
/** One hop covers a camera or NVR handing the stream to another address; more is a loop or a misconfiguration. */
const MAX_REDIRECTS = 1;
const REDIRECTS = new Set([301, 302, 303, 307]);

/** RFC 2326 §7.1.1 phrases for the statuses callers classify on; others keep the server's phrase. */
const PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

interface Target {
  host: string;
  port: number;
  /** The URL as given, minus userinfo and fragment: what goes on the request line. */
  url: string;
}

type State = 'idle' | 'starting' | 'playing' | 'closing' | 'ended';

export class RtspClient {
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;
  private readonly redact: (text: string) => string;
  private credentials: { user: string; password: string } | undefined;
  private readonly target: Target | RtspError;
  private readonly abort = new AbortController();
  private state: State = 'idle';
  private conn: RtspConnection | undefined;
  private auth: Authenticator | undefined;
  private session = '';
  private aggregateUrl = '';
  private keepaliveMethod: 'GET_PARAMETER' | 'OPTIONS' = 'OPTIONS';
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private keepaliveInFlight = false;
  private sessionTimeoutS = DEFAULT_SESSION_TIMEOUT_S;

  constructor(private readonly options: RtspClientOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.userAgent = (options.userAgent ?? 'Vigil').replace(/[\r\n\x00]/g, ' '); // eslint-disable-line no-control-regex
    this.redact = createRedactor(secretsFromUrl(options.url));
    const parsed = parseRtspUrl(options.url);
    if (parsed instanceof RtspError) {
      this.target = new RtspError(parsed.code, this.redact(parsed.message));
    } else {
      this.target = parsed.target;
      this.credentials = parsed.credentials;
    }
  }

  /**
   * Connect, OPTIONS, DESCRIBE (answering a 401 with Digest or Basic credentials), SETUP of the first video track
   * with `RTP/AVP/TCP;unicast;interleaved=0-1`, PLAY. Rejects with RtspError; onEnd is not called then.
   */
  async start(): Promise<RtspPlayInfo> {
    if (this.state !== 'idle') throw new RtspError('closed', 'start() can be called once, before close()');
    this.state = 'starting';
    try {
      const { info, channel } = await this.negotiate();
      this.checkStarting();
      this.state = 'playing';
      this.startKeepalive();
      // The PLAY response stopped the demultiplexer (connection.ts `hold`); RTP that came with or after it waits
      // there until the caller has seen this promise resolve, so the first packet never reaches onRtp before the
      // caller knows the codec and the sprop parameter sets. setImmediate runs after the caller's continuation.
      const conn = this.conn;
      setImmediate(() => {
        if (this.state === 'playing' && conn === this.conn) conn?.startDelivery(channel);
      });
      return info;
    } catch (e) {
      const err = e instanceof RtspError ? new RtspError(e.code, this.redact(e.message), e.status) : toRtspError(e, this.redact);
      if (this.state === 'starting') this.state = 'ended';
      this.conn?.destroy();
      throw err;
    }
  }

  /**
   * Stops reading media (TCP then pushes back on the camera) until resume(). Keepalive answers wait too: a pause
   * longer than the keepalive's timeout ends the session with 'timeout'.
   */
  pause(): void {
    if (this.state === 'playing') this.conn?.setReading(false);
  }

  resume(): void {
    if (this.state === 'playing') this.conn?.setReading(true);
  }

  /** TEARDOWN (best effort, not awaited beyond a short grace) and close the socket; onEnd(null) follows. Idempotent. */
  close(): void {
    const state = this.state;
    if (state === 'playing') {
      this.state = 'closing';
      this.stopKeepalive();
      this.conn?.closeGracefully('TEARDOWN', this.aggregateUrl, this.headers('TEARDOWN', this.aggregateUrl, [['Session', this.session]]), TEARDOWN_GRACE_MS);
    } else if (state === 'starting') {
      this.state = 'ended';
      this.abort.abort();
      this.conn?.fail(new RtspError('closed', 'closed before the stream started'));
    } else if (state === 'idle') {
      this.state = 'ended';
    }
  }

  private async negotiate(): Promise<{ info: RtspPlayInfo; channel: number }> {
    if (this.target instanceof RtspError) throw this.target;
    const { target, describe } = await this.describe(this.target);
    this.expectOk('DESCRIBE', target.url, describe);

    // RFC 2326 C.1.1: the base for relative control URLs is Content-Base, else Content-Location, else the request URL.
    const contentBase = headerOf(describe, 'content-base');
    const contentLocation = headerOf(describe, 'content-location');
    const base = stripUserinfo(contentBase ? resolveUrl(target.url, contentBase) : contentLocation ? resolveUrl(target.url, contentLocation) : target.url);
    const sdp = parseSdp(describe.body, base);
    const media = sdp.video[0];
    if (!media) throw new RtspError('unsupported', `DESCRIBE ${target.url}: no video track in the SDP`);
    this.aggregateUrl = stripUserinfo(sdp.control);
    const mediaUrl = stripUserinfo(media.control);

    const setup = await this.request('SETUP', mediaUrl, [['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1']]);
    this.expectOk('SETUP', mediaUrl, setup);
    const transport = headerOf(setup, 'transport') ?? '';
    if (transport !== '' && !/\/TCP\b/i.test(transport)) {
      throw new RtspError('unsupported', `SETUP ${mediaUrl}: server answered with another transport than TCP interleaved`);
    }
    const channel = Number(/interleaved\s*=\s*(\d+)/i.exec(transport)?.[1] ?? 0);
    const sessionHeader = headerOf(setup, 'session') ?? '';
    const [id = '', ...params] = sessionHeader.split(';');
    this.session = id.trim();
    if (this.session === '') throw new RtspError('protocol', `SETUP ${mediaUrl}: no Session in the response`);
    const timeout = Number(/^\s*timeout\s*=\s*(\d+)/i.exec(params.find((p) => /timeout/i.test(p)) ?? '')?.[1]);
    this.sessionTimeoutS = Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_SESSION_TIMEOUT_S;

    const play = await this.request('PLAY', this.aggregateUrl, [['Session', this.session], ['Range', 'npt=0.000-']], true);
    this.expectOk('PLAY', this.aggregateUrl, play);
    const info: RtspPlayInfo = {
      codec: media.encoding, payloadType: media.payloadType, clockRate: media.clockRate, fmtp: media.fmtp, sdp: describe.body,
    };
    return { info, channel };
  }

  /**
   * Connect, OPTIONS, DESCRIBE; a 3xx to either (RFC 2326 §11.3) is followed once, on a new connection. OPTIONS
   * comes first because cameras expect it (some refuse DESCRIBE on a connection that did not ask); its failure is
   * not fatal, only its Public list matters, for the keepalive method.
   */
  private async describe(first: Target): Promise<{ target: Target; describe: RtspResponse }> {
    let target = first;
    for (let hops = 0; ; hops++) {
      await this.connect(target);
      let res = await this.request('OPTIONS', target.url);
      if (!REDIRECTS.has(res.status)) {
        const methods = (headerOf(res, 'public') ?? '').toUpperCase().split(/[\s,]+/);
        this.keepaliveMethod = methods.includes('GET_PARAMETER') ? 'GET_PARAMETER' : 'OPTIONS';
        res = await this.request('DESCRIBE', target.url, [['Accept', 'application/sdp']]);
        if (!REDIRECTS.has(res.status)) return { target, describe: res };
      }
      const location = headerOf(res, 'location');
      const next = location === undefined ? undefined : parseRtspUrl(resolveUrl(target.url, location));
      if (!next || next instanceof RtspError || hops >= MAX_REDIRECTS) {
        const where = location === undefined ? 'without Location' : `to ${redactUrl(location)}`;
        const more = hops >= MAX_REDIRECTS ? ', too many redirects' : '';
        throw new RtspError('protocol', `${target.url}: ${this.statusText(res)} (redirect ${where}${more})`, res.status);
      }
      // Credentials go along to the same host only: a redirect must not send a camera's password to another machine.
      if (next.target.host.toLowerCase() !== target.host.toLowerCase()) this.credentials = undefined;
      target = next.target;
      this.conn?.destroy();
      this.auth = undefined;
    }
  }

  private async connect(target: Target): Promise<void> {
    this.checkStarting();
    const conn = await RtspConnection.open({
      host: target.host,
      port: target.port,
      timeoutMs: this.connectTimeoutMs,
      userAgent: this.userAgent,
      redact: this.redact,
      signal: this.abort.signal,
      hooks: {
        onRtp: this.options.onRtp,
        onClose: (err) => {
          if (conn === this.conn) this.onConnectionClosed(err);
        },
      },
    });
    this.conn = conn;
    this.checkStarting();
  }

  /**
   * A request with its auth header; a 401 is answered once with credentials, and again when a Digest nonce went
   * stale (RFC 2617 §3.2.1). Resolves with any status: the caller decides what is fatal.
   */
  private async request(method: string, url: string, extra: ReadonlyArray<readonly [string, string]> = [], hold = false): Promise<RtspResponse> {
    const send = async (): Promise<RtspResponse> => {
      this.checkOpen();
      const conn = this.conn;
      if (!conn) throw new RtspError('closed', 'not connected');
      return conn.send(method, url, this.headers(method, url, extra), this.requestTimeoutMs, hold);
    };
    let res = await send();
    if (res.status === 401 && this.credentials) {
      const challenges = parseChallenges(res.headers.get('www-authenticate') ?? []);
      const stale = challenges.some((c) => c.scheme === 'digest' && c.params.stale?.toLowerCase() === 'true');
      if (this.auth === undefined || stale) {
        const next = Authenticator.choose(this.credentials.user, this.credentials.password, challenges);
        if (next) {
          this.auth = next;
          res = await send();
        }
      }
    }
    return res;
  }

  private headers(method: string, url: string, extra: ReadonlyArray<readonly [string, string]>): Array<readonly [string, string]> {
    const out: Array<readonly [string, string]> = [...extra];
    if (this.auth) out.push(['Authorization', this.auth.header(method, url)]);
    return out;
  }

  private expectOk(method: string, url: string, res: RtspResponse): void {
    if (res.status >= 200 && res.status < 300) return;
    let text = `${method} ${url} failed: ${this.statusText(res)}`;
    if (res.status === 401) text += this.credentials ? ' (credentials refused)' : ' (no credentials in the URL)';
    throw new RtspError(codeForStatus(res.status), text, res.status);
  }

  private statusText(res: RtspResponse): string {
    return `${res.status} ${PHRASES[res.status] ?? (res.reason.slice(0, 80) || 'Unknown')}`;
  }

  private checkStarting(): void {
    if (this.state !== 'starting') throw new RtspError('closed', 'closed before the stream started');
  }

  private checkOpen(): void {
    if (this.state !== 'starting' && this.state !== 'playing') throw new RtspError('closed', 'closed');
  }

  private onConnectionClosed(err: RtspError | null): void {
    // While starting, the request in flight was rejected with the same error: start() reports it.
    if (this.state !== 'playing' && this.state !== 'closing') return;
    const closing = this.state === 'closing';
    this.state = 'ended';
    this.stopKeepalive();
    this.options.onEnd(closing ? null : err ?? new RtspError('closed', 'server closed the connection'));
  }

  /**
   * RFC 2326 §12.37: the server may drop a session idle for its timeout, and RTP over TCP does not count as
   * activity everywhere, so a request goes out every half timeout. GET_PARAMETER when the server lists it (§10.8's
   * "ping"), else OPTIONS, which every server answers.
   */
  private startKeepalive(): void {
    const intervalMs = Math.max(1, this.sessionTimeoutS) * 500;
    this.keepaliveTimer = setInterval(() => this.keepalive(), intervalMs);
    this.keepaliveTimer.unref();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  private keepalive(): void {
    if (this.state !== 'playing' || this.keepaliveInFlight) return;
    const method = this.keepaliveMethod;
    this.keepaliveInFlight = true;
    this.request(method, this.aggregateUrl, [['Session', this.session]]).then(
      (res) => {
        this.keepaliveInFlight = false;
        if (res.status >= 200 && res.status < 300) return;
        // Servers that list GET_PARAMETER yet refuse it as a ping: OPTIONS from then on.
        if (method === 'GET_PARAMETER' && (res.status === 405 || res.status === 451 || res.status === 501)) {
          this.keepaliveMethod = 'OPTIONS';
          return;
        }
        const text = this.redact(`keepalive ${method} ${this.aggregateUrl} refused: ${this.statusText(res)}`);
        this.conn?.fail(new RtspError(codeForStatus(res.status), text, res.status));
      },
      () => {
        // Timed out or the connection closed: the connection is already closing with that error, onEnd reports it.
        this.keepaliveInFlight = false;
      },
    );
  }
}

function codeForStatus(status: number): RtspError['code'] {
  if (status === 401 || status === 403) return 'auth_failed';
  if (status === 404) return 'not_found';
  if (status === 461) return 'unsupported';
  if (status === 454) return 'closed';
  return 'protocol';
}

/**
 * Splits an rtsp:// URL by hand rather than with WHATWG URL: camera passwords contain raw '@', '/' or ':' often
 * enough, and the userinfo is taken to run to the last '@', the same rule as redact.ts, so that what is used as
 * the password is exactly what the redactor hides.
 */
function parseRtspUrl(url: string): { target: Target; credentials?: { user: string; password: string } } | RtspError {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(url.trim());
  if (!m) return new RtspError('protocol', `not an rtsp:// URL: ${redactUrl(url)}`);
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme !== 'rtsp') return new RtspError('unsupported', `unsupported URL scheme ${scheme}:// (only rtsp://)`);
  let rest = (m[2] ?? '').replace(/#.*$/s, '');
  let credentials: { user: string; password: string } | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    credentials = {
      user: safeDecode(colon < 0 ? userinfo : userinfo.slice(0, colon)),
      password: safeDecode(colon < 0 ? '' : userinfo.slice(colon + 1)),
    };
    rest = rest.slice(at + 1);
  }
  const pathStart = rest.search(/[/?]/);
  const authority = pathStart < 0 ? rest : rest.slice(0, pathStart);
  const path = pathStart < 0 ? '/' : rest.slice(pathStart);
  const hp = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(authority);
  const port = hp?.[2] ? Number(hp[2]) : 554;
  if (!hp || !(port >= 1 && port <= 65535)) return new RtspError('protocol', `bad host or port in ${redactUrl(url)}`);
  const hostText = hp[1] ?? '';
  const host = hostText.startsWith('[') ? hostText.slice(1, -1) : hostText;
  return { target: { host, port, url: `rtsp://${authority}${path}` }, ...(credentials ? { credentials } : {}) };
}

/** An absolute or relative URL from a header made absolute against the request URL. */
function resolveUrl(base: string, ref: string): string {
  const trimmed = ref.trim();
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(trimmed)) return trimmed;
  try {
    return new URL(trimmed, base).toString();
  } catch {
    return base;
  }
}

/** Userinfo never goes on a request line, even when a server put it in Content-Base or a control URL. */
function stripUserinfo(url: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*@)?(.*)$/s.exec(url);
  return m ? `${m[1]}${m[3]}` : url;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
