// One RTSP control connection carrying interleaved media (RFC 2326 §10.12): TCP connect, requests matched to
// responses by CSeq, and the demultiplexer that splits the byte stream into '$' frames and RTSP messages. Session
// logic (auth, SETUP/PLAY, keepalive) lives in client.ts.
//
// Cost, per camera at a few Mbit/s: frames are handed out as subarrays of the socket's own chunk, so the common
// case copies nothing and allocates one Buffer view per RTP packet. Only the tail of a chunk that ends mid-frame is
// copied into a reusable buffer, and completing it takes just the missing bytes from the next chunk, so a read
// costs at most one partial frame of copying. No timer runs per packet; one runs per request.

import net, { type Socket } from 'node:net';

/** Mirrors the public codes (client.ts re-exports this class). */
export type RtspErrorCode = 'unreachable' | 'auth_failed' | 'not_found' | 'unsupported' | 'protocol' | 'timeout' | 'closed';

export class RtspError extends Error {
  constructor(
    readonly code: RtspErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RtspError';
  }
}

export interface RtspResponse {
  status: number;
  reason: string;
  /** Lower-case names; a header may repeat (WWW-Authenticate), so every value is kept. */
  headers: Map<string, string[]>;
  body: string;
}

/** The first value of a header, or undefined. */
export function headerOf(res: RtspResponse, name: string): string | undefined {
  return res.headers.get(name)?.[0];
}

export interface ConnectionHooks {
  /** A frame's payload on the delivery channel; a view into a buffer that is reused after the call. */
  onRtp(packet: Buffer): void;
  /** Once, when the socket has closed: null after destroy()/closeGracefully(), else why it closed. */
  onClose(err: RtspError | null): void;
}

export interface ConnectOptions {
  host: string;
  port: number;
  timeoutMs: number;
  userAgent: string;
  /** Applied to every message this module builds from untrusted or secret-bearing text. */
  redact: (text: string) => string;
  /** Aborts a connect in progress (the caller's close()). */
  signal: AbortSignal;
  hooks: ConnectionHooks;
}

const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;
/** Bigger than any sane camera's headers; past it, the peer is not speaking RTSP. */
const MAX_HEADER_BYTES = 64 * 1024;
/** SDPs are a few KiB; a body this size means something is wrong. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_PENDING_BYTES = MAX_HEADER_BYTES + MAX_BODY_BYTES + 128 * 1024;
const EMPTY = Buffer.alloc(0);
/** No whitespace or control characters: they would split or end the request line or a header. */
const UNSAFE_IN_LINE = /[\s\x00-\x1f\x7f]/; // eslint-disable-line no-control-regex
const UNSAFE_IN_VALUE = /[\r\n\x00]/; // eslint-disable-line no-control-regex

/** OS error codes worded as ffmpeg (and so the ingest's stderr classification) words them. */
const CONNECT_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  ETIMEDOUT: 'Connection timed out',
  ECONNRESET: 'Connection reset by peer',
};

interface Pending {
  method: string;
  resolve(res: RtspResponse): void;
  reject(err: RtspError): void;
  timer: NodeJS.Timeout;
  hold: boolean;
}

export class RtspConnection {
  /** Frames on this channel go to hooks.onRtp; -1 until delivery starts, so pre-PLAY frames are dropped. */
  private channel = -1;
  private pend: Buffer = EMPTY;
  private pendLen = 0;
  /** Set by the response to a `hold` request: parsing stops until startDelivery(). */
  private holding = false;
  private closed = false;
  private closeError: RtspError | null = null;
  private socketError: RtspError | undefined;
  private nextCSeq = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly socket: Socket,
    private readonly options: ConnectOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.socketError ??= socketError(e, options.redact);
    });
    socket.on('close', () => {
      this.shutdown(this.socketError ?? new RtspError('closed', 'server closed the connection'));
      options.hooks.onClose(this.closeError);
    });
  }

  /** Connects; rejects with 'unreachable' (or 'closed' when aborted). */
  static open(options: ConnectOptions): Promise<RtspConnection> {
    const where = options.redact(`${options.host}:${options.port}`);
    return new Promise((resolve, reject) => {
      if (options.signal.aborted) {
        reject(new RtspError('closed', 'closed before the connection was made'));
        return;
      }
      const socket = net.connect({ host: options.host, port: options.port });
      const settle = (err: RtspError | undefined): void => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off('connect', onConnect);
        options.signal.removeEventListener('abort', onAbort);
        if (err) {
          socket.on('error', () => {}); // a late error from the abandoned attempt must not go unhandled
          socket.destroy();
          reject(err);
        } else {
          resolve(new RtspConnection(socket, options));
        }
      };
      const onError = (e: NodeJS.ErrnoException): void => {
        const text = CONNECT_ERRORS[e.code ?? ''] ?? e.message;
        settle(new RtspError('unreachable', options.redact(`connect to ${where} failed: ${text}${e.code ? ` (${e.code})` : ''}`)));
      };
      const onConnect = (): void => settle(undefined);
      const onAbort = (): void => settle(new RtspError('closed', 'closed before the connection was made'));
      const timer = setTimeout(
        () => settle(new RtspError('unreachable', `connect to ${where} failed: Connection timed out after ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      socket.on('error', onError);
      socket.on('connect', onConnect);
      options.signal.addEventListener('abort', onAbort);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends a request and resolves with its response, whatever the status. Rejects with 'timeout' (and closes the
   * connection: a late answer would desynchronise CSeq matching for nothing) or with the error that closed it.
   * `hold`: on this response, stop parsing (and reading) until startDelivery(); see client.ts for why.
   */
  send(method: string, url: string, headers: ReadonlyArray<readonly [string, string]>, timeoutMs: number, hold = false): Promise<RtspResponse> {
    if (this.closed) return Promise.reject(this.closeError ?? new RtspError('closed', 'connection closed'));
    let text: string;
    try {
      text = this.build(method, url, headers);
    } catch (e) {
      return Promise.reject(e);
    }
    const cseq = this.nextCSeq - 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new RtspError('timeout', this.options.redact(`${method} ${url}: no response within ${timeoutMs} ms`)));
      }, timeoutMs);
      this.pending.set(cseq, { method, resolve, reject, timer, hold });
      this.socket.write(text);
    });
  }

  /** Resumes after a `hold` response; from now on frames on `channel` go to hooks.onRtp. */
  startDelivery(channel: number): void {
    this.channel = channel;
    this.holding = false;
    if (this.closed) return;
    this.socket.resume();
    try {
      this.drain();
    } catch (e) {
      this.fail(toRtspError(e, this.options.redact));
    }
  }

  /**
   * Stops or restarts reading the socket (delivery only: no effect while held or closed), so that a consumer that
   * cannot keep up pushes back on the camera through TCP instead of buffering here.
   */
  setReading(on: boolean): void {
    if (this.closed || this.holding) return;
    if (on) this.socket.resume();
    else this.socket.pause();
  }

  /**
   * Sends a last request without waiting for its answer (TEARDOWN), half-closes, and destroys the socket after
   * `graceMs` if the server has not closed it by then. Nothing is delivered after this call.
   */
  closeGracefully(method: string, url: string, headers: ReadonlyArray<readonly [string, string]>, graceMs: number): void {
    if (this.closed) return;
    let text = '';
    try {
      text = this.build(method, url, headers);
    } catch {
      // Unsendable: just close.
    }
    this.shutdown(null);
    this.socket.resume(); // a held connection must still read, or the server's FIN goes unseen until the grace ends
    this.socket.end(text);
    const timer = setTimeout(() => this.socket.destroy(), graceMs);
    this.socket.once('close', () => clearTimeout(timer));
  }

  /** Closes at once; hooks.onClose(null) follows. */
  destroy(): void {
    this.shutdown(null);
    this.socket.destroy();
  }

  /** Closes with an error; hooks.onClose(err) follows. */
  fail(err: RtspError): void {
    this.shutdown(err);
    this.socket.destroy();
  }

  private build(method: string, url: string, headers: ReadonlyArray<readonly [string, string]>): string {
    if (UNSAFE_IN_LINE.test(url)) throw new RtspError('protocol', this.options.redact(`unusable request URL ${JSON.stringify(url)}`));
    let text = `${method} ${url} RTSP/1.0\r\nCSeq: ${this.nextCSeq++}\r\nUser-Agent: ${this.options.userAgent}\r\n`;
    for (const [name, value] of headers) {
      if (UNSAFE_IN_VALUE.test(value)) throw new RtspError('protocol', `unusable ${name} header value`);
      text += `${name}: ${value}\r\n`;
    }
    return `${text}\r\n`;
  }

  private shutdown(err: RtspError | null): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err;
    const reason = err ?? new RtspError('closed', 'connection closed');
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.pending.clear();
  }

  private onData(chunk: Buffer): void {
    try {
      let pos = 0;
      while (pos < chunk.length && !this.closed) {
        if (this.holding) {
          this.stash(chunk, pos, chunk.length);
          return;
        }
        if (this.pendLen === 0) {
          pos = this.consume(chunk, pos, chunk.length);
          if (pos < chunk.length && !this.closed) this.stash(chunk, pos, chunk.length);
          return;
        }
        // Complete the stashed message with as few bytes as needed, then go back to parsing the chunk in place.
        const need = this.pendingNeed();
        const take = need > 0 ? Math.min(need, chunk.length - pos) : chunk.length - pos;
        this.stash(chunk, pos, pos + take);
        pos += take;
        this.drain();
      }
    } catch (e) {
      this.fail(toRtspError(e, this.options.redact));
    }
  }

  /** Bytes still missing from the stashed '$' frame; -1 for an RTSP message (length unknown until parsed). */
  private pendingNeed(): number {
    if (this.pend[0] !== DOLLAR) return -1;
    if (this.pendLen < 4) return 4 - this.pendLen;
    return 4 + this.pend.readUInt16BE(2) - this.pendLen;
  }

  private drain(): void {
    const used = this.consume(this.pend, 0, this.pendLen);
    if (used > 0) {
      this.pend.copyWithin(0, used, this.pendLen);
      this.pendLen -= used;
    }
  }

  private stash(src: Buffer, from: number, to: number): void {
    const n = to - from;
    if (this.pendLen + n > this.pend.length) {
      if (this.pendLen + n > MAX_PENDING_BYTES) throw new RtspError('protocol', 'RTSP message too large');
      const grown = Buffer.allocUnsafe(Math.min(MAX_PENDING_BYTES, Math.max(this.pendLen + n, this.pend.length * 2, 16 * 1024)));
      this.pend.copy(grown, 0, 0, this.pendLen);
      this.pend = grown;
    }
    src.copy(this.pend, this.pendLen, from, to);
    this.pendLen += n;
  }

  /** Handles every complete unit in buf[pos, end); returns where the first incomplete one starts. */
  private consume(buf: Buffer, pos: number, end: number): number {
    while (pos < end && !this.closed && !this.holding) {
      const first = buf[pos];
      if (first === DOLLAR) {
        // RFC 2326 §10.12: '$', channel, 16-bit length, payload.
        if (end - pos < 4) break;
        const size = 4 + buf.readUInt16BE(pos + 2);
        if (end - pos < size) break;
        if (buf[pos + 1] === this.channel) this.options.hooks.onRtp(buf.subarray(pos + 4, pos + size));
        pos += size;
      } else if (first === CR || first === LF) {
        pos++; // stray line ends between messages (some servers add one after a body)
      } else {
        const used = this.parseMessage(buf, pos, end);
        if (used === 0) break;
        pos += used;
      }
    }
    return pos;
  }

  /** Parses one RTSP message at pos; returns its length, or 0 when it is not complete yet. */
  private parseMessage(buf: Buffer, pos: number, end: number): number {
    const window = buf.subarray(pos, Math.min(end, pos + MAX_HEADER_BYTES + 4));
    let headerEnd = window.indexOf('\r\n\r\n');
    let sepLen = 4;
    const lfOnly = window.indexOf('\n\n'); // servers that end lines with a bare LF
    if (lfOnly >= 0 && (headerEnd < 0 || lfOnly < headerEnd)) {
      headerEnd = lfOnly;
      sepLen = 2;
    }
    if (headerEnd < 0) {
      if (end - pos > MAX_HEADER_BYTES) throw new RtspError('protocol', 'RTSP header too long or not RTSP');
      return 0;
    }
    const lines = buf.toString('latin1', pos, pos + headerEnd).split(/\r?\n/);
    const startLine = lines[0] ?? '';
    const headers = new Map<string, string[]>();
    let last: string[] | undefined;
    for (const line of lines.slice(1)) {
      if ((line.startsWith(' ') || line.startsWith('\t')) && last && last.length > 0) {
        last[last.length - 1] += ` ${line.trim()}`; // folded continuation line
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      last = headers.get(name);
      if (!last) headers.set(name, (last = []));
      last.push(line.slice(colon + 1).trim());
    }
    const lengthText = headers.get('content-length')?.[0];
    const bodyLen = lengthText === undefined ? 0 : Number(lengthText);
    if (!Number.isSafeInteger(bodyLen) || bodyLen < 0 || bodyLen > MAX_BODY_BYTES) {
      throw new RtspError('protocol', `bad Content-Length ${JSON.stringify(this.options.redact(lengthText ?? ''))}`);
    }
    const bodyStart = pos + headerEnd + sepLen;
    if (end - bodyStart < bodyLen) return 0;
    const body = bodyLen === 0 ? '' : buf.toString('utf8', bodyStart, bodyStart + bodyLen);
    this.dispatch(startLine, headers, body);
    return headerEnd + sepLen + bodyLen;
  }

  private dispatch(startLine: string, headers: Map<string, string[]>, body: string): void {
    const response = /^RTSP\/1\.\d+\s+(\d{3})\s*(.*)$/.exec(startLine);
    if (response) {
      const cseqText = headers.get('cseq')?.[0];
      let cseq = Number(cseqText);
      // A server that forgets CSeq can still be followed while one request is outstanding.
      if (cseqText === undefined && this.pending.size === 1) cseq = this.pending.keys().next().value ?? -1;
      const p = this.pending.get(cseq);
      if (!p) return; // the answer to a request that timed out, or junk: nothing waits for it
      this.pending.delete(cseq);
      clearTimeout(p.timer);
      const status = Number(response[1]);
      // Only a success holds: a 401 to PLAY is answered by a second PLAY, whose response must still be read.
      if (p.hold && status >= 200 && status < 300) {
        this.holding = true;
        this.socket.pause();
      }
      p.resolve({ status, reason: response[2] ?? '', headers, body });
      return;
    }
    const request = /^([A-Za-z_-]+)\s+(\S+)\s+RTSP\/1\.\d+$/.exec(startLine);
    if (request) {
      // Requests from the server (RFC 2326 §10: ANNOUNCE, GET_PARAMETER, SET_PARAMETER, OPTIONS): answer the
      // harmless ones so servers that probe their clients keep the session, refuse the rest.
      const method = (request[1] ?? '').toUpperCase();
      const cseq = (headers.get('cseq')?.[0] ?? '0').replace(/[^0-9]/g, '');
      const status = method === 'OPTIONS' || method === 'GET_PARAMETER' ? '200 OK' : '501 Not Implemented';
      this.socket.write(`RTSP/1.0 ${status}\r\nCSeq: ${cseq}\r\nUser-Agent: ${this.options.userAgent}\r\n\r\n`);
      return;
    }
    const shown = JSON.stringify(this.options.redact(startLine.slice(0, 80)));
    throw new RtspError('protocol', `malformed RTSP message: ${shown}`);
  }
}

function socketError(e: NodeJS.ErrnoException, redact: (text: string) => string): RtspError {
  const text = CONNECT_ERRORS[e.code ?? ''] ?? e.message;
  const message = redact(`connection lost: ${text}${e.code ? ` (${e.code})` : ''}`);
  return new RtspError(e.code === 'ETIMEDOUT' ? 'timeout' : 'closed', message);
}

/**
 * Anything thrown while receiving as an RtspError. Parse errors already are; anything else came from a hook (the
 * caller's onRtp), and ends the session rather than escaping from a socket event as an uncaught exception.
 */
export function toRtspError(e: unknown, redact: (text: string) => string): RtspError {
  if (e instanceof RtspError) return e;
  return new RtspError('protocol', redact(`receive failed: ${e instanceof Error ? e.message : String(e)}`));
}
