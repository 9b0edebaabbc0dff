// The live WebSocket route on a real Fastify server and real `ws` clients, with a stand-in VideoService: it passes
// the viewer (subject, reason, address) and the transcode option through, turns a refusal into an error message and
// a 4000 + status close, and drops a viewer that stops answering pings (and unsubscribes it). The auth layer is not
// installed here (it has its own tests): a hook puts a subject on the request as it would.
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Subject } from '../../access/index.js';
import type { LiveOptions, LiveViewerSink, VideoService, Viewer } from '../../playback/index.js';
import { videoRoutes } from './video.js';

const subject: Subject = { accountId: 'u1', username: 'op', displayName: '张三', unit: '保卫处', roles: ['operator'], via: 'session' };

interface LiveCall {
  viewer: Viewer;
  cameraId: string;
  kind: string | undefined;
  options: LiveOptions;
  sink: LiveViewerSink;
  unsubscribed: boolean;
}

let app: FastifyInstance | null = null;

afterEach(async () => {
  await app?.close();
  app = null;
});

async function serve(live: (call: LiveCall) => void, pingMs: number): Promise<{ url: string; calls: LiveCall[] }> {
  const calls: LiveCall[] = [];
  const video = {
    live: async (viewer: Viewer, cameraId: string, kind: 'main' | 'sub' | undefined, sink: LiveViewerSink, options: LiveOptions = {}) => {
      const call: LiveCall = { viewer, cameraId, kind, options, sink, unsubscribed: false };
      calls.push(call);
      live(call);
      return () => void (call.unsubscribed = true);
    },
  } as unknown as VideoService;
  app = Fastify();
  app.decorateRequest('subject', null);
  app.addHook('onRequest', async (req) => {
    req.subject = subject;
  });
  await app.register(websocket);
  await app.register(videoRoutes, { video, cameraScope: async () => 'all', livePingIntervalMs: pingMs });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `ws://127.0.0.1:${port}/api/v1/cameras/cam-1/live`, calls };
}

function open(url: string, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; texts: string[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url, options);
  const texts: string[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) texts.push(String(data));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, texts, closed }));
    ws.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GET /api/v1/cameras/:id/live', () => {
  it('passes the viewer with its reason (R16.3), stream and transcode=h264 to VideoService.live', async () => {
    const { url, calls } = await serve((call) => call.sink.sendText('{"type":"waiting"}'), 15_000);
    const { ws, texts } = await open(`${url}?stream=main&transcode=h264&reason=security_patrol&reasonText=${encodeURIComponent('夜间巡查')}`);
    await sleep(100);
    expect(calls.map(({ cameraId, kind, options }) => ({ cameraId, kind, options }))).toEqual([
      { cameraId: 'cam-1', kind: 'main', options: { transcode: 'h264' } },
    ]);
    expect(calls[0]?.viewer).toEqual({ subject, reason: { category: 'security_patrol', text: '夜间巡查' }, clientAddr: '127.0.0.1' });
    expect(texts).toEqual(['{"type":"waiting"}']);
    ws.close();
    await sleep(100);
    expect(calls[0]?.unsubscribed).toBe(true);
  });

  it('sends a refusal as an error message, then closes with 4000 + its HTTP status', async () => {
    const { url } = await serve(() => {
      throw Object.assign(new Error('all 2 live transcodes are in use by other viewers'), { code: 'transcode_limit' });
    }, 15_000);
    const { texts, closed } = await open(`${url}?transcode=h264`);
    expect(await closed).toEqual({ code: 4503, reason: 'transcode_limit' });
    expect(texts.map((t) => JSON.parse(t) as unknown)).toEqual([
      { type: 'error', error: 'transcode_limit', message: 'all 2 live transcodes are in use by other viewers' },
    ]);
  });

  it('keeps a viewer that answers pings and drops one that does not, unsubscribing it', async () => {
    const { url, calls } = await serve(() => undefined, 100);
    const alive = await open(url);
    const dead = await open(url, { autoPong: false }); // a vanished machine: the socket stays open, nothing answers
    const deadClosed = await Promise.race([dead.closed, sleep(2000).then(() => null)]);
    expect(deadClosed?.code).toBe(1006); // terminated, no close handshake
    await sleep(300);
    expect(calls[1]?.unsubscribed).toBe(true);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(calls[0]?.unsubscribed).toBe(false);
    alive.ws.close();
  });
});
