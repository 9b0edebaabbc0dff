// RtspClient against scripted in-process RTSP servers: the byte-level cases a real server rarely produces on demand
// (frames split anywhere, responses and server requests between frames, Digest with qop, stale nonces, redirects,
// keepalive refusals, silence). tools/sim-camera covers the real-server side (client.real.test.ts).
import { createHash } from 'node:crypto';
import net, { type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RtspClient, RtspError, type RtspClientOptions } from './client.js';

interface Req {
  method: string;
  url: string;
  headers: Record<string, string>;
}

type Reply = (status: string, headers?: Record<string, string>, body?: string, after?: Buffer) => void;
type Handler = (req: Req, reply: Reply, sock: Socket) => void;

interface Fake {
  port: number;
  url: (path?: string) => string;
  requests: Req[];
  /** Raw replies the server received to its own requests. */
  clientReplies: string[];
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A scripted RTSP server: one handler call per client request; replies carry the request's CSeq. */
async function fakeServer(handler: Handler): Promise<Fake> {
  const requests: Req[] = [];
  const clientReplies: string[] = [];
  const sockets = new Set<Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let text = '';
    sock.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      let end: number;
      while ((end = text.indexOf('\r\n\r\n')) >= 0) {
        const head = text.slice(0, end);
        text = text.slice(end + 4);
        const [start = '', ...lines] = head.split('\r\n');
        if (start.startsWith('RTSP/')) {
          clientReplies.push(head);
          continue;
        }
        const [method = '', url = ''] = start.split(' ');
        const headers: Record<string, string> = {};
        for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
        const req = { method, url, headers };
        requests.push(req);
        const reply: Reply = (status, extra = {}, body = '', after) => {
          let out = `RTSP/1.0 ${status}\r\nCSeq: ${headers.cseq}\r\n`;
          for (const [k, v] of Object.entries(extra)) out += `${k}: ${v}\r\n`;
          if (body) out += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
          const bytes = Buffer.from(`${out}\r\n${body}`);
          sock.write(after ? Buffer.concat([bytes, after]) : bytes);
        };
        handler(req, reply, sock);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (path = '/cam') => `rtsp://127.0.0.1:${port}${path}`,
    requests,
    clientReplies,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const SDP = (port: number): string =>
  `v=0\r\ns=fake\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n` +
  `a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LADNoFB+wEQAAAAwBAAAAFGAgASTwAEk/kcYB4oVU=,aM48gA==\r\na=control:track1\r\n` +
  `m=audio 0 RTP/AVP 8\r\na=control:track2\r\n`.replace(/PORT/g, String(port));

/** A well-behaved camera; `over` replaces the answer for some methods. */
function camera(port: () => number, over: Partial<Record<string, Handler>> = {}): Handler {
  return (req, reply, sock) => {
    const custom = over[req.method];
    if (custom) return custom(req, reply, sock);
    switch (req.method) {
      case 'OPTIONS':
        return reply('200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER' });
      case 'DESCRIBE':
        return reply('200 OK', { 'Content-Type': 'application/sdp', 'Content-Base': `rtsp://127.0.0.1:${port()}/cam/` }, SDP(port()));
      case 'SETUP':
        return reply('200 OK', { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1', Session: 'S123;timeout=60' });
      case 'PLAY':
      case 'GET_PARAMETER':
      case 'TEARDOWN':
        return reply('200 OK', { Session: 'S123' });
      default:
        return reply('501 Not Implemented');
    }
  };
}

function frame(channel: number, payload: Buffer): Buffer {
  const head = Buffer.from([0x24, channel, 0, 0]);
  head.writeUInt16BE(payload.length, 2);
  return Buffer.concat([head, payload]);
}

/** An RTP-looking packet numbered `seq`, `size` bytes. */
function rtp(seq: number, size: number): Buffer {
  const b = Buffer.alloc(size, seq & 0xff);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq, 2);
  return b;
}

interface Run {
  client: RtspClient;
  packets: Buffer[];
  ended: Promise<RtspError | null>;
}

function run(url: string, extra: Partial<RtspClientOptions> = {}): Run {
  const packets: Buffer[] = [];
  let endCalls = 0;
  let resolveEnd!: (e: RtspError | null) => void;
  const ended = new Promise<RtspError | null>((r) => (resolveEnd = r));
  const client = new RtspClient({
    url,
    requestTimeoutMs: 2000,
    onRtp: (p) => packets.push(Buffer.from(p)),
    onEnd: (e) => {
      endCalls++;
      expect(endCalls).toBe(1);
      resolveEnd(e);
    },
    ...extra,
  });
  return { client, packets, ended };
}

/** The error start() rejects with (failing the test if it resolves). */
function failure(started: Promise<unknown>): Promise<RtspError> {
  return started.then(
    () => {
      throw new Error('start() resolved');
    },
    (e: unknown) => e as RtspError,
  );
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RtspClient against a scripted server', () => {
  it('demultiplexes frames split anywhere, with responses and server requests between them', async () => {
    let port = 0;
    const expected: Buffer[] = [];
    const sizes = [12, 1400, 13, 65535, 3000, 40, 1500, 12, 9000];
    const fake = await fakeServer(camera(() => port, {
      PLAY: (_req, reply, sock) => {
        // RTP right behind the PLAY response, in the same write: it must still wait for start() to resolve.
        const first = rtp(0, 100);
        expected.push(first);
        reply('200 OK', { Session: 'S123' }, '', Buffer.concat([frame(0, first), frame(1, Buffer.alloc(40, 1))]));
        void (async () => {
          const parts: Buffer[] = [];
          for (let i = 1; i <= 60; i++) {
            const p = rtp(i, sizes[i % sizes.length] ?? 100);
            expected.push(p);
            parts.push(frame(0, p), frame(1, Buffer.alloc(28, 2)), frame(7, Buffer.alloc(i % 2 ? 0 : 3, 3)));
            if (i === 20) parts.push(Buffer.from('GET_PARAMETER rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 900\r\n\r\n'));
            if (i === 30) parts.push(Buffer.from('ANNOUNCE rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 901\r\nContent-Length: 5\r\n\r\nhello'));
            if (i === 40) parts.push(Buffer.from('\r\n')); // a stray line end between frames
          }
          const all = Buffer.concat(parts);
          // Cut into pieces of 1..5000 bytes (a fixed pseudo-random sequence), each its own write and read.
          let seed = 7;
          for (let at = 0; at < all.length;) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            const n = 1 + (seed % (seed % 3 === 0 ? 8 : 5000));
            sock.write(all.subarray(at, at + n));
            at += n;
            await tick(1);
          }
        })();
      },
    }));
    port = fake.port;
    const r = run(fake.url());
    const info = await r.client.start();
    expect(r.packets).toHaveLength(0); // nothing before the caller saw start() resolve
    expect(info).toMatchObject({ codec: 'H264', payloadType: 96, clockRate: 90000, fmtp: { 'packetization-mode': '1' } });
    expect(info.sdp).toContain('m=video');
    for (let i = 0; i < 200 && r.packets.length < expected.length; i++) await tick(20);
    expect(r.packets.length).toBe(expected.length);
    expect(r.packets.every((p, i) => p.equals(expected[i] ?? Buffer.alloc(0)))).toBe(true);
    expect(fake.clientReplies.map((l) => l.split('\r\n').slice(0, 2).join(' '))).toEqual([
      'RTSP/1.0 200 OK CSeq: 900',
      'RTSP/1.0 501 Not Implemented CSeq: 901',
    ]);
    expect(fake.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      `OPTIONS rtsp://127.0.0.1:${port}/cam`,
      `DESCRIBE rtsp://127.0.0.1:${port}/cam`,
      `SETUP rtsp://127.0.0.1:${port}/cam/track1`,
      `PLAY rtsp://127.0.0.1:${port}/cam/`,
    ]);
    expect(fake.requests[2]?.headers.transport).toBe('RTP/AVP/TCP;unicast;interleaved=0-1');
    expect(fake.requests[3]?.headers.session).toBe('S123');
    expect(fake.requests[0]?.headers['user-agent']).toBe('Vigil');

    const closedAt = Date.now();
    r.client.close();
    expect(await r.ended).toBeNull();
    expect(Date.now() - closedAt).toBeLessThan(400); // the server hung up on TEARDOWN; no wait for the grace
    await tick(50);
    const teardown = fake.requests.at(-1);
    expect(teardown).toMatchObject({ method: 'TEARDOWN', url: `rtsp://127.0.0.1:${port}/cam/`, headers: { session: 'S123' } });
    r.client.close(); // idempotent: no second onEnd (run() asserts it)
  });

  it('delivers on the channel the server chose in its Transport answer', async () => {
    let port = 0;
    const fake = await fakeServer(camera(() => port, {
      SETUP: (_q, reply) => reply('200 OK', { Transport: 'RTP/AVP/TCP;unicast;interleaved=4-5', Session: 'X' }),
      PLAY: (_q, reply) => reply('200 OK', {}, '', Buffer.concat([frame(0, rtp(1, 20)), frame(4, rtp(2, 20))])),
    }));
    port = fake.port;
    const r = run(fake.url());
    await r.client.start();
    await tick(50);
    expect(r.packets.map((p) => p.readUInt16BE(2))).toEqual([2]);
    r.client.close();
    await r.ended;
  });

  it('pause() stops delivery until resume(), losing nothing (a consumer that cannot keep up pushes back)', async () => {
    let port = 0;
    let playSock: net.Socket | undefined;
    const fake = await fakeServer(camera(() => port, {
      PLAY: (_q, reply, sock) => {
        playSock = sock;
        reply('200 OK', { Session: 'S123' });
      },
    }));
    port = fake.port;
    const r = run(fake.url());
    await r.client.start();
    playSock!.write(frame(0, rtp(1, 100)));
    await tick(50);
    expect(r.packets).toHaveLength(1);
    r.client.pause();
    for (let seq = 2; seq <= 40; seq++) playSock!.write(frame(0, rtp(seq, 1000)));
    await tick(200);
    expect(r.packets).toHaveLength(1);
    r.client.resume();
    await tick(100);
    expect(r.packets.map((p) => p.readUInt16BE(2))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    r.client.close();
    await r.ended;
  });

  it('keeps the session alive with GET_PARAMETER every timeout/2 and reports a refusal through onEnd', async () => {
    let port = 0;
    let pings = 0;
    const fake = await fakeServer(camera(() => port, {
      SETUP: (_q, reply) => reply('200 OK', { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1', Session: 'K1 ; timeout=1' }),
      GET_PARAMETER: (_q, reply) => (++pings < 2 ? reply('200 OK') : reply('454 Session Not Found')),
    }));
    port = fake.port;
    const r = run(fake.url());
    const t0 = Date.now();
    await r.client.start();
    const err = await r.ended;
    expect(Date.now() - t0).toBeGreaterThan(900); // two pings, 0.5 s apart
    expect(err).toBeInstanceOf(RtspError);
    expect(err?.message).toMatch(/keepalive GET_PARAMETER .* refused: 454 Session Not Found/);
    const pingReqs = fake.requests.filter((q) => q.method === 'GET_PARAMETER');
    expect(pingReqs.map((q) => q.headers.session)).toEqual(['K1', 'K1']);
  });

  it('falls back to OPTIONS pings when the server does not list GET_PARAMETER, and ends on silence with timeout', async () => {
    let port = 0;
    let options = 0;
    const fake = await fakeServer(camera(() => port, {
      OPTIONS: (_q, reply) => (++options === 1 ? reply('200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN' }) : undefined),
      SETUP: (_q, reply) => reply('200 OK', { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1', Session: 'K2;timeout=1' }),
    }));
    port = fake.port;
    const r = run(fake.url(), { requestTimeoutMs: 300 });
    await r.client.start();
    const err = await r.ended;
    expect(err?.code).toBe('timeout');
    expect(err?.message).toMatch(/OPTIONS .* no response within 300 ms/);
    expect(fake.requests.filter((q) => q.method === 'GET_PARAMETER')).toHaveLength(0);
  });

  it('reports the server closing the connection as closed', async () => {
    let port = 0;
    const fake = await fakeServer(camera(() => port, {
      PLAY: (_q, reply, sock) => {
        reply('200 OK', { Session: 'S' }, '', frame(0, rtp(1, 50)));
        setTimeout(() => sock.end(), 100);
      },
    }));
    port = fake.port;
    const r = run(fake.url());
    await r.client.start();
    const err = await r.ended;
    expect(err?.code).toBe('closed');
    expect(err?.message).toMatch(/server closed the connection/);
    expect(r.packets).toHaveLength(1);
  });

  it('answers Digest with qop=auth on every request, and a stale nonce once more', async () => {
    let port = 0;
    const realm = 'IP Camera(C1234)';
    let nonce = 'n-1';
    let stalePlayed = false;
    const verify = (q: Req): boolean => {
      const h = q.headers.authorization ?? '';
      const p = Object.fromEntries([...h.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
      const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
      const ha1 = md5(`admin:${realm}:p@ss word`);
      const ha2 = md5(`${q.method}:${p.uri}`);
      return h.startsWith('Digest ') && p.uri === q.url && p.nonce === nonce && p.qop === 'auth' && p.opaque === 'op1' &&
        p.response === md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
    };
    const challenge = (stale = false): Record<string, string> => ({
      'WWW-Authenticate': `Digest realm="${realm}", nonce="${nonce}", qop="auth", opaque="op1"${stale ? ', stale=TRUE' : ''}`,
    });
    const inner = camera(() => port);
    const fake = await fakeServer((q, reply, sock) => {
      if (q.method === 'PLAY' && !stalePlayed) {
        stalePlayed = true;
        nonce = 'n-2';
        return reply('401 Unauthorized', challenge(true));
      }
      if (!verify(q)) return reply('401 Unauthorized', { ...challenge(), 'WWW-Authenticate-Also': 'x' });
      inner(q, reply, sock);
    });
    port = fake.port;
    const r = run(fake.url().replace('rtsp://', 'rtsp://admin:p%40ss%20word@'));
    await r.client.start();
    expect(fake.requests.map((q) => `${q.method}${q.headers.authorization ? '+auth' : ''}`)).toEqual([
      'OPTIONS', 'OPTIONS+auth', 'DESCRIBE+auth', 'SETUP+auth', 'PLAY+auth', 'PLAY+auth',
    ]);
    const ncs = fake.requests.map((q) => /nc=(\w+)/.exec(q.headers.authorization ?? '')?.[1]).filter(Boolean);
    expect(ncs).toEqual(['00000001', '00000002', '00000003', '00000004', '00000001']);
    const closedAt = Date.now();
    r.client.close(); // right after start(), before delivery began: the connection must still see the server hang up
    expect(await r.ended).toBeNull();
    expect(Date.now() - closedAt).toBeLessThan(400);
  });

  it('fails auth with wrong or missing credentials, never naming them', async () => {
    const fake = await fakeServer((_q, reply) => reply('401 Unauthorized', { 'WWW-Authenticate': 'Basic realm="cam"' }));
    const secretUrl = fake.url().replace('rtsp://', 'rtsp://operator:Tr0ub4dor%3A3@');
    const err = await failure(run(secretUrl).client.start());
    expect(err).toMatchObject({ code: 'auth_failed', status: 401 });
    expect(err.message).toContain('401 Unauthorized');
    for (const secret of ['operator', 'Tr0ub4dor', 'Tr0ub4dor%3A3', Buffer.from('operator:Tr0ub4dor:3').toString('base64')]) {
      expect(err.message).not.toContain(secret);
    }
    // Exactly one retry with credentials per request.
    expect(fake.requests.map((q) => `${q.method}${q.headers.authorization ? '+auth' : ''}`)).toEqual(['OPTIONS', 'OPTIONS+auth', 'DESCRIBE+auth']);
    const none = await failure(run(fake.url()).client.start());
    expect(none).toMatchObject({ code: 'auth_failed', message: expect.stringContaining('no credentials') });
    const forbidden = await fakeServer((_q, reply) => reply('403 Forbidden'));
    await expect(run(forbidden.url()).client.start()).rejects.toMatchObject({ code: 'auth_failed', message: expect.stringContaining('403 Forbidden') });
  });

  it('follows one redirect, keeping the credentials on the same host, and refuses a second', async () => {
    let port2 = 0;
    const target = await fakeServer((q, reply, sock) => {
      if (q.method !== 'OPTIONS' && !q.headers.authorization) return reply('401 Unauthorized', { 'WWW-Authenticate': 'Basic realm="x"' });
      camera(() => port2)(q, reply, sock);
    });
    port2 = target.port;
    const front = await fakeServer((q, reply) =>
      q.method === 'DESCRIBE' ? reply('302 Moved Temporarily', { Location: target.url('/real') }) : reply('200 OK'));
    const r = run(front.url().replace('rtsp://', 'rtsp://viewer:secret@'));
    await r.client.start();
    expect(target.requests[1]).toMatchObject({ method: 'DESCRIBE', url: target.url('/real') });
    expect(target.requests[2]?.headers.authorization).toBe(`Basic ${Buffer.from('viewer:secret').toString('base64')}`);
    r.client.close();
    await r.ended;

    const loop = await fakeServer((q, reply) => reply('301 Moved Permanently', { Location: `rtsp://viewer:secret@127.0.0.1:${front.port}/again` }));
    const err = await failure(run(loop.url().replace('rtsp://', 'rtsp://viewer:secret@')).client.start());
    expect(err.code).toBe('protocol');
    expect(err.message).toMatch(/too many redirects/);
    expect(err.message).not.toContain('secret');
  });

  it('does not send the credentials to another host a redirect names', async () => {
    const target = await fakeServer((_q, reply) => reply('401 Unauthorized', { 'WWW-Authenticate': 'Basic realm="x"' }));
    // 127.1 is 127.0.0.1 to the resolver, but another host name: the client cannot know it is the same machine.
    const front = await fakeServer((q, reply) =>
      q.method === 'DESCRIBE' ? reply('302 Moved Temporarily', { Location: `rtsp://127.1:${target.port}/real` }) : reply('200 OK'));
    const err = await failure(run(front.url().replace('rtsp://', 'rtsp://viewer:secret@')).client.start());
    expect(err).toMatchObject({ code: 'auth_failed', message: expect.stringContaining('no credentials') });
    expect(target.requests.length).toBeGreaterThan(0);
    expect(target.requests.every((q) => q.headers.authorization === undefined)).toBe(true);
  });

  it('maps 404, 461, a missing video track and a non-RTSP answer', async () => {
    const notFound = await fakeServer((q, reply) => (q.method === 'DESCRIBE' ? reply('404 Stream Not Found') : reply('200 OK')));
    await expect(run(notFound.url()).client.start()).rejects.toMatchObject({ code: 'not_found', status: 404, message: expect.stringContaining('404 Not Found') });

    let port = 0;
    const noTcp = await fakeServer(camera(() => port, { SETUP: (_q, reply) => reply('461 Unsupported transport') }));
    port = noTcp.port;
    await expect(run(noTcp.url()).client.start()).rejects.toMatchObject({ code: 'unsupported', message: expect.stringContaining('461 Unsupported Transport') });

    const audioOnly = await fakeServer((q, reply) =>
      q.method === 'DESCRIBE' ? reply('200 OK', {}, 'v=0\r\nm=audio 0 RTP/AVP 8\r\na=control:t1\r\n') : reply('200 OK'));
    await expect(run(audioOnly.url()).client.start()).rejects.toMatchObject({ code: 'unsupported', message: expect.stringContaining('no video track') });

    const http = await fakeServer((_q, _reply, sock) => sock.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    await expect(run(http.url()).client.start()).rejects.toMatchObject({ code: 'protocol', message: expect.stringContaining('malformed RTSP message') });

    const badLength = await fakeServer((_q, _reply, sock) => sock.write('RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: -4\r\n\r\n'));
    await expect(run(badLength.url()).client.start()).rejects.toMatchObject({ code: 'protocol' });
  });

  it('times out a request nobody answers, and reports refused and unresolvable addresses as unreachable', async () => {
    const silent = await fakeServer(() => {});
    const t0 = Date.now();
    await expect(run(silent.url(), { requestTimeoutMs: 200 }).client.start()).rejects.toMatchObject({
      code: 'timeout', message: expect.stringContaining('OPTIONS'),
    });
    expect(Date.now() - t0).toBeLessThan(1000);

    const closed = await fakeServer(() => {});
    const port = closed.port;
    await closed.close();
    await expect(run(`rtsp://viewer:pw1@127.0.0.1:${port}/x`).client.start()).rejects.toMatchObject({
      code: 'unreachable', message: expect.stringContaining('Connection refused'),
    });
    const dns = await failure(run('rtsp://viewer:pw1@no-such-host.invalid/x', { connectTimeoutMs: 3000 }).client.start());
    expect(dns.code).toBe('unreachable');
    expect(dns.message).not.toContain('pw1');
  });

  it('reads bare-LF responses and follows a server that omits CSeq', async () => {
    let port = 0;
    const good = camera(() => port);
    const fake = await fakeServer((q, reply, sock) => {
      if (q.method === 'OPTIONS') return void sock.write('RTSP/1.0 200 OK\nPublic: OPTIONS, DESCRIBE\n\n');
      if (q.method === 'DESCRIBE') {
        const body = SDP(port);
        return void sock.write(`RTSP/1.0 200 OK\nCSeq: ${q.headers.cseq}\nContent-Base: rtsp://127.0.0.1:${port}/lf/\nContent-Length: ${body.length}\n\n${body}`);
      }
      good(q, reply, sock);
    });
    port = fake.port;
    const r = run(fake.url('/lf'));
    await expect(r.client.start()).resolves.toMatchObject({ codec: 'H264' });
    expect(fake.requests[2]?.url).toBe(`rtsp://127.0.0.1:${port}/lf/track1`);
    r.client.close();
    await r.ended;
  });

  it('close() during start rejects start with closed and calls no onEnd', async () => {
    const silent = await fakeServer(() => {});
    const r = run(silent.url());
    const started = r.client.start();
    await tick(50);
    r.client.close();
    await expect(started).rejects.toMatchObject({ code: 'closed' });
    const never = await Promise.race([r.ended, tick(100).then(() => 'no end')]);
    expect(never).toBe('no end');
  });

  it('ends the session when onRtp throws instead of letting the exception escape', async () => {
    let port = 0;
    const fake = await fakeServer(camera(() => port, {
      PLAY: (_q, reply) => reply('200 OK', {}, '', frame(0, rtp(1, 20))),
    }));
    port = fake.port;
    const r = run(fake.url(), {
      onRtp: () => {
        throw new Error('depacketizer bug');
      },
    });
    await r.client.start();
    const err = await r.ended;
    expect(err).toMatchObject({ code: 'protocol', message: expect.stringContaining('depacketizer bug') });
  });

  it('rejects URLs it cannot use without naming their credentials', async () => {
    await expect(new RtspClient({ url: 'rtsps://u:pw9@h/x', onRtp() {}, onEnd() {} }).start()).rejects.toMatchObject({ code: 'unsupported' });
    const err = await failure(new RtspClient({ url: 'rtsp://viewer:pw9@h:99999/x', onRtp() {}, onEnd() {} }).start());
    expect(err.code).toBe('protocol');
    expect(err.message).not.toContain('pw9');
  });
});
