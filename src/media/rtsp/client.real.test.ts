// RtspClient against real servers: GStreamer's RTSP server as the simulated cameras run it (tools/sim-camera), with
// Basic auth on one instance and Digest (RFC 2069 form, as GstRtspServer implements it) on another. Small 320x240
// clips keep it cheap on 2 shared cores; independent cases run side by side.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCameras, type SimCameras, type SimStream } from '../../../tools/sim-camera/index.js';
import { RtspClient, type RtspError, type RtspPlayInfo } from './client.js';
import { decodeSpropParameterSets } from './sdp.js';
import { closedPort } from '../../../test/support/faults.js';

const AUTH = { user: 'vigil-op', password: 'p@ss:w/rd S3cr' };
/** Everything that must never be printed: the password as given and as it sits in the URL, and the user. */
const FORBIDDEN = [AUTH.password, encodeURIComponent(AUTH.password), 'S3cr', 'wrong-Pa55', AUTH.user];

const small = (name: string, extra: Partial<SimStream> = {}): SimStream => ({
  name, width: 320, height: 240, fps: 25, bitrateKbps: 300, gopFrames: 25, clipSeconds: 2, ...extra,
});

let basic: SimCameras;
let digest: SimCameras;

beforeAll(async () => {
  [basic, digest] = await Promise.all([
    startSimCameras({
      auth: AUTH,
      streams: [small('h264'), small('h265', { codec: 'h265' }), small('mjpeg', { codec: 'mjpeg', fps: 10 }), small('victim')],
    }),
    startSimCameras({ auth: AUTH, authMethod: 'digest', streams: [small('door')] }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([basic?.close(), digest?.close()]);
});

interface Pull {
  client: RtspClient;
  info: RtspPlayInfo;
  packets: { pt: number; seq: number; ts: number; marker: boolean; version: number; atMs: number }[];
  ended: Promise<RtspError | null>;
}

/** Starts a client and records a summary of each RTP packet (the packet itself is only valid during the call). */
async function pull(url: string): Promise<Pull> {
  const packets: Pull['packets'] = [];
  let onEnd!: (e: RtspError | null) => void;
  const ended = new Promise<RtspError | null>((r) => (onEnd = r));
  const client = new RtspClient({
    url,
    onRtp: (p) => {
      packets.push({
        version: (p[0] ?? 0) >> 6, marker: ((p[1] ?? 0) & 0x80) !== 0, pt: (p[1] ?? 0) & 0x7f,
        seq: p.readUInt16BE(2), ts: p.readUInt32BE(4), atMs: Date.now(),
      });
    },
    onEnd,
  });
  const info = await client.start();
  return { client, info, packets, ended };
}

async function startError(url: string): Promise<RtspError> {
  const client = new RtspClient({ url, onRtp() {}, onEnd() {} });
  return client.start().then(
    () => {
      client.close();
      throw new Error('start() resolved');
    },
    (e: unknown) => e as RtspError,
  );
}

function expectNoSecrets(text: string): void {
  for (const secret of FORBIDDEN) expect(text).not.toContain(secret);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Checks ≥ `seconds` of a 25 fps stream: payload type, continuity, and real-time rate by wall and RTP clocks. */
function expectLiveStream(p: Pull, seconds: number): void {
  const { packets } = p;
  expect(packets.length).toBeGreaterThan(seconds * 25);
  expect(packets.every((k) => k.version === 2 && k.pt === p.info.payloadType)).toBe(true);
  // Over TCP nothing is lost: sequence numbers step by one (mod 2^16).
  for (let i = 1; i < packets.length; i++) expect(((packets[i]?.seq ?? 0) - (packets[i - 1]?.seq ?? 0)) & 0xffff).toBe(1);
  // One timestamp per frame: ~25 per second, and the RTP clock advances with the wall clock (90 kHz).
  const first = packets[0];
  const last = packets[packets.length - 1];
  if (!first || !last) throw new Error('no packets');
  const wallS = (last.atMs - first.atMs) / 1000;
  const rtpS = ((last.ts - first.ts) >>> 0) / 90000;
  const frames = new Set(packets.map((k) => k.ts)).size;
  console.log(`rtsp client: ${p.info.codec} ${packets.length} packets, ${frames} frames in ${wallS.toFixed(2)} s wall, ${rtpS.toFixed(2)} s RTP`);
  expect(wallS).toBeGreaterThan(seconds);
  expect(Math.abs(rtpS - wallS)).toBeLessThan(0.5);
  expect(frames / wallS).toBeGreaterThan(20);
  expect(frames / wallS).toBeLessThan(30);
  expect(packets.filter((k) => k.marker).length).toBeGreaterThanOrEqual(frames - 1); // a marker ends each frame
}

describe('RtspClient against the simulated cameras', () => {
  it('pulls H.264 and H.265 in real time with the right payload type, and close() ends with onEnd(null)', async () => {
    const [h264, h265] = await Promise.all([pull(basic.urlOf('h264')), pull(basic.urlOf('h265'))]);
    expect(h264.info).toMatchObject({ codec: 'H264', payloadType: 96, clockRate: 90000, fmtp: { 'packetization-mode': '1' } });
    expect(h265.info).toMatchObject({ codec: 'H265', payloadType: 96, clockRate: 90000 });
    const [sps, pps] = decodeSpropParameterSets(h264.info.fmtp['sprop-parameter-sets'] ?? '');
    expect([(sps?.[0] ?? 0) & 0x1f, (pps?.[0] ?? 0) & 0x1f]).toEqual([7, 8]);
    const vps = decodeSpropParameterSets(h265.info.fmtp['sprop-vps'] ?? '')[0];
    expect(((vps?.[0] ?? 0) >> 1) & 0x3f).toBe(32);
    expect(h264.info.sdp).toContain('a=rtpmap:96 H264/90000');

    await sleep(2800);
    for (const p of [h264, h265]) {
      expectLiveStream(p, 2);
      const closedAt = Date.now();
      p.client.close();
      expect(await p.ended).toBeNull();
      expect(Date.now() - closedAt).toBeLessThan(1000);
      const count = p.packets.length;
      await sleep(100);
      expect(p.packets.length).toBe(count); // nothing after close()
    }
  }, 30_000);

  it('starts an MJPEG camera with codec JPEG (the caller refuses it)', async () => {
    const p = await pull(basic.urlOf('mjpeg'));
    expect(p.info).toMatchObject({ codec: 'JPEG', payloadType: 26, clockRate: 90000 });
    await sleep(500);
    expect(p.packets.length).toBeGreaterThan(0);
    expect(p.packets.every((k) => k.pt === 26)).toBe(true);
    p.client.close();
    expect(await p.ended).toBeNull();
  }, 20_000);

  it('maps wrong and missing credentials, a wrong path and a closed port, never printing the credentials', async () => {
    const freePort = await closedPort();
    const secretUrl = (path: string, port = basic.port): string =>
      `rtsp://${encodeURIComponent(AUTH.user)}:${encodeURIComponent(AUTH.password)}@127.0.0.1:${port}/${path}`;
    const [wrong, none, missing, refused] = await Promise.all([
      startError(basic.urlOf('h264', { user: AUTH.user, password: 'wrong-Pa55' })),
      startError(basic.urlOf('h264', null)),
      startError(secretUrl('no-such-path')),
      startError(secretUrl('h264', freePort)),
    ]);
    expect(wrong).toMatchObject({ code: 'auth_failed', status: 401 });
    expect(wrong.message).toContain('401 Unauthorized');
    expect(none).toMatchObject({ code: 'auth_failed', status: 401 });
    expect(none.message).toContain('401 Unauthorized');
    expect(missing).toMatchObject({ code: 'not_found', status: 404 });
    expect(missing.message).toContain('404 Not Found');
    expect(refused.code).toBe('unreachable');
    expect(refused.message).toContain('Connection refused');
    for (const e of [wrong, none, missing, refused]) expectNoSecrets(`${e.message} ${String(e.stack)}`);
  }, 20_000);

  it('reports a stream the server drops (cams.stop) through onEnd with an error', async () => {
    const p = await pull(basic.urlOf('victim'));
    await sleep(500);
    expect(p.packets.length).toBeGreaterThan(0);
    const stoppedAt = Date.now();
    await basic.stop('victim');
    const err = await p.ended;
    const lag = Date.now() - stoppedAt;
    console.log(`rtsp client: onEnd ${lag} ms after the mount was stopped: ${err?.code} ${err?.message}`);
    expect(err?.code).toBe('closed');
    expect(lag).toBeLessThan(5000);
    await basic.start('victim');
  }, 20_000);
});

describe('RtspClient with Digest auth (GstRtspServer, no qop)', () => {
  it('is challenged with Digest only, pulls with the right password and fails with a wrong one', async () => {
    // The server offers Digest alone, so a pull that works proves the Digest path (not a Basic fallback).
    const challenge = await new Promise<string>((resolve, reject) => {
      const s = net.connect(digest.port, '127.0.0.1', () => {
        s.write(`DESCRIBE rtsp://127.0.0.1:${digest.port}/door RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
      });
      let text = '';
      s.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\r\n\r\n')) {
          s.destroy();
          resolve(text);
        }
      });
      s.on('error', reject);
    });
    expect(challenge).toMatch(/^RTSP\/1\.0 401/);
    expect(challenge).toMatch(/WWW-Authenticate: Digest realm="[^"]*", nonce="/);
    expect(challenge).not.toMatch(/WWW-Authenticate: Basic/);

    const p = await pull(digest.urlOf('door'));
    expect(p.info.codec).toBe('H264');
    await sleep(1000);
    expect(p.packets.length).toBeGreaterThan(20);
    p.client.close();
    expect(await p.ended).toBeNull();

    const wrong = await startError(digest.urlOf('door', { user: AUTH.user, password: 'wrong-Pa55' }));
    expect(wrong).toMatchObject({ code: 'auth_failed', status: 401 });
    expect(wrong.message).toContain('401 Unauthorized');
    expectNoSecrets(wrong.message);
  }, 20_000);
});
