// The part of an RTSP DESCRIBE answer (SDP, RFC 4566) the built-in ingest needs: each video media's RTP payload
// type, encoding, clock rate, format parameters and control URL. Pure: text in, values out. Audio, application
// (ONVIF metadata) and other media are skipped because the ingest records one video track only.

export interface SdpVideoMedia {
  /** The first format of the `m=video` line: a server lists its preferred payload first (RFC 4566 §5.14). */
  payloadType: number;
  /** Upper-case encoding name from `a=rtpmap` ('H264', 'H265', 'JPEG', …), or from the static table (RFC 3551 §6). */
  encoding: string;
  clockRate: number;
  /** `a=fmtp` parameters of that payload type, keys lower-cased (RFC 6184 §8.1 / RFC 7798 §7.1 name them case-blind). */
  fmtp: Record<string, string>;
  /** Absolute URL to SETUP this media with. */
  control: string;
}

export interface SdpDescription {
  /** Aggregate control URL of the session (RFC 2326 C.1.1): what PLAY, TEARDOWN and keepalives address. */
  control: string;
  /** `m=video` sections in SDP order. */
  video: SdpVideoMedia[];
}

/**
 * Static video payload types that servers may send without `a=rtpmap` (RFC 3551 §6, table 5). 26 is what MJPEG
 * cameras use; the others are there so a description never comes back with an empty encoding.
 */
const STATIC_VIDEO: Readonly<Record<number, { encoding: string; clockRate: number }>> = {
  25: { encoding: 'CELB', clockRate: 90000 },
  26: { encoding: 'JPEG', clockRate: 90000 },
  28: { encoding: 'NV', clockRate: 90000 },
  31: { encoding: 'H261', clockRate: 90000 },
  32: { encoding: 'MPV', clockRate: 90000 },
  33: { encoding: 'MP2T', clockRate: 90000 },
  34: { encoding: 'H263', clockRate: 90000 },
};

interface MediaDraft {
  kind: string;
  formats: number[];
  rtpmap: Map<number, { encoding: string; clockRate: number }>;
  fmtp: Map<number, Record<string, string>>;
  control?: string;
}

/**
 * Parses a DESCRIBE body. `baseUrl` is the base the caller established for the response (RFC 2326 C.1.1: the
 * Content-Base header, else Content-Location, else the request URL), without credentials.
 */
export function parseSdp(text: string, baseUrl: string): SdpDescription {
  let sessionControl: string | undefined;
  const media: MediaDraft[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const type = line[0];
    const value = line.slice(2);
    const current = media[media.length - 1];
    if (type === 'm') {
      // m=<media> <port>[/<n>] <proto> <fmt> ...
      const [kind = '', , , ...formats] = value.split(/\s+/);
      media.push({
        kind: kind.toLowerCase(),
        formats: formats.map((f) => Number(f)).filter((n) => Number.isInteger(n) && n >= 0 && n <= 127),
        rtpmap: new Map(),
        fmtp: new Map(),
      });
    } else if (type === 'a') {
      const colon = value.indexOf(':');
      const name = (colon < 0 ? value : value.slice(0, colon)).toLowerCase();
      const arg = colon < 0 ? '' : value.slice(colon + 1).trim();
      if (name === 'control') {
        if (current) current.control = arg;
        else sessionControl = arg;
      } else if (current && name === 'rtpmap') {
        // a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]
        const m = /^(\d+)\s+([^/\s]+)\/(\d+)/.exec(arg);
        if (m) current.rtpmap.set(Number(m[1]), { encoding: (m[2] ?? '').toUpperCase(), clockRate: Number(m[3]) });
      } else if (current && name === 'fmtp') {
        const m = /^(\d+)\s+(.*)$/.exec(arg);
        if (m) current.fmtp.set(Number(m[1]), parseFmtp(m[2] ?? ''));
      }
    }
  }

  const aggregate = sessionControl === undefined ? baseUrl : resolveControl(baseUrl, sessionControl);
  const video: SdpVideoMedia[] = [];
  for (const m of media) {
    const payloadType = m.formats[0];
    if (m.kind !== 'video' || payloadType === undefined) continue;
    const map = m.rtpmap.get(payloadType) ?? STATIC_VIDEO[payloadType];
    video.push({
      payloadType,
      encoding: map?.encoding ?? '',
      clockRate: map?.clockRate ?? 90000,
      fmtp: m.fmtp.get(payloadType) ?? {},
      // A media without its own control is addressed by the session's URL (RFC 2326 C.1.1).
      control: m.control === undefined ? aggregate : resolveControl(aggregate, m.control),
    });
  }
  return { control: aggregate, video };
}

/**
 * A control attribute made absolute (RFC 2326 C.1.1): an absolute URL as is, '*' the base, anything else appended to
 * the base with one '/' between.
 *
 * Why appending rather than RFC 3986 reference resolution: it is what cameras are built for, because it is what
 * live555 and ffmpeg do. Dahua answers `Content-Base: rtsp://h/cam/realmonitor?channel=1&subtype=0/` with
 * `a=control:trackID=0` and expects `…subtype=0/trackID=0`; RFC 3986 would give `rtsp://h/cam/trackID=0`. Likewise
 * a server without Content-Base expects `rtsp://h/live/ch1/trackID=1` for the request URL `rtsp://h/live/ch1`.
 */
export function resolveControl(base: string, control: string): string {
  if (control === '' || control === '*') return base;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(control)) return control;
  const slash = base.endsWith('/') || control.startsWith('/') ? '' : '/';
  return `${base}${slash}${control}`;
}

/** `a=fmtp` parameters: `key=value` pairs separated by ';' (base64 values keep their '=' padding). */
function parseFmtp(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    if (key !== '') out[key] = eq < 0 ? '' : item.slice(eq + 1).trim();
  }
  return out;
}

/**
 * The NAL units of an `sprop-parameter-sets` (RFC 6184 §8.1) or `sprop-vps/sps/pps` (RFC 7798 §7.1) value:
 * comma-separated base64, each without start code. Empty entries are dropped.
 */
export function decodeSpropParameterSets(value: string): Buffer[] {
  const out: Buffer[] = [];
  for (const part of value.split(',')) {
    const b64 = part.trim();
    if (b64 === '') continue;
    const nal = Buffer.from(b64, 'base64');
    if (nal.length > 0) out.push(nal);
  }
  return out;
}
