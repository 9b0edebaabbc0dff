// VideoService.live: which stream a viewer gets, that `transcode: 'h264'` goes to the transcoder (whose refusal
// reaches the caller unchanged), never around the service; and that every viewing passes the gate first (R16.3),
// counts the bytes it sends into its grant and closes the grant when it ends.
import { describe, expect, it } from 'vitest';
import type { GateRequest, Grant, Subject } from '../access/index.js';
import { PlaybackError, VideoService, type LiveSource, type LiveViewerSink, type VideoGate, type VideoServiceDeps, type Viewer } from './index.js';
import { CAMERA_ID, runSegments, seconds } from './test-fixtures.js';

const sink: LiveViewerSink = { sendText() {}, sendBinary() {}, bufferedBytes: () => 0, close() {} };
const subject: Subject = { accountId: 'u1', username: 'op', displayName: '张三', unit: '保卫处', roles: ['operator'], via: 'session' };
const viewer: Viewer = { subject, reason: { category: 'security_patrol', text: '巡查' } };

/** A gate that records what it was asked and hands out grants that record their bytes and closing. */
class RecordingGate implements VideoGate {
  readonly requests: GateRequest[] = [];
  readonly closed: { accessId: number; bytes: number }[] = [];
  refuse: Error | null = null;
  async open(request: GateRequest): Promise<Grant> {
    this.requests.push(request);
    if (this.refuse) throw this.refuse;
    const accessId = this.requests.length;
    let bytes = 0;
    let closed = false;
    const closedLog = this.closed;
    return {
      accessId, subject: request.subject, action: request.action, cameraIds: request.target.cameraIds,
      fromMs: request.target.fromMs ?? null, toMs: request.target.toMs ?? null, openedMs: 0,
      addBytes: (n: number) => void (bytes += n),
      close: async () => {
        if (!closed) closedLog.push({ accessId, bytes });
        closed = true;
      },
      get closed() {
        return closed;
      },
    } as unknown as Grant;
  }
}

function recordingSource(name: string, calls: string[]): LiveSource {
  return {
    subscribe(streamId) {
      calls.push(`${name}:${streamId}`);
      return () => calls.push(`${name}:left:${streamId}`);
    },
  };
}

function service(calls: string[], transcoder?: LiveSource, gate: VideoGate = new RecordingGate()): VideoService {
  const deps = {
    gate,
    watermark: null,
    cameras: {
      get: async (id: string) => ({
        id,
        streams: [
          { id: `${id}-main`, kind: 'main' as const, record: true },
          { id: `${id}-sub`, kind: 'sub' as const, record: false },
        ],
      }),
    },
    live: recordingSource('hub', calls),
    transcoder: transcoder ?? recordingSource('transcoder', calls),
    now: () => 0,
    maxRangeMs: 86_400_000,
  } as unknown as VideoServiceDeps;
  return new VideoService(deps);
}

describe('VideoService.live', () => {
  it('subscribes to the hub (sub stream by default) or, with transcode h264, to the transcoder', async () => {
    const calls: string[] = [];
    const video = service(calls);
    (await video.live(viewer, 'cam', undefined, sink))();
    await video.live(viewer, 'cam', 'main', sink);
    await video.live(viewer, 'cam', 'main', sink, { transcode: 'h264' });
    await video.live(viewer, 'cam', undefined, sink, { transcode: 'h264' });
    expect(calls).toEqual(['hub:cam-sub', 'hub:left:cam-sub', 'hub:cam-main', 'transcoder:cam-main', 'transcoder:cam-sub']);
  });

  it('lets a transcoder refusal through with its code', async () => {
    const refusing: LiveSource = {
      subscribe() {
        throw Object.assign(new Error('all 2 live transcodes are in use'), { code: 'transcode_limit' });
      },
    };
    const gate = new RecordingGate();
    await expect(service([], refusing, gate).live(viewer, 'cam', 'main', sink, { transcode: 'h264' })).rejects.toMatchObject({ code: 'transcode_limit' });
    expect(gate.closed).toEqual([{ accessId: 1, bytes: 0 }]); // the grant opened for it is closed, not leaked
  });

  it('asks the gate with the viewer, action live and the camera before subscribing; a refusal subscribes nothing', async () => {
    const calls: string[] = [];
    const gate = new RecordingGate();
    gate.refuse = Object.assign(new Error('training expired'), { code: 'training_overdue', article: 'R16.1' });
    await expect(service(calls, undefined, gate).live(viewer, 'cam', undefined, sink)).rejects.toMatchObject({ code: 'training_overdue' });
    expect(calls).toEqual([]);
    expect(gate.requests).toEqual([{ subject, action: 'live', target: { cameraIds: ['cam'] }, reason: viewer.reason }]);
  });

  it('counts the bytes sent to the viewer into the grant and closes it when the viewing ends', async () => {
    const gate = new RecordingGate();
    let viewerSink: LiveViewerSink | null = null;
    const hub: LiveSource = {
      subscribe(_streamId, s) {
        viewerSink = s;
        return () => undefined;
      },
    };
    const deps = { gate, watermark: null, cameras: { get: async (id: string) => ({ id, streams: [{ id: 's', kind: 'main', record: true }] }) }, live: hub, transcoder: hub, now: () => 0, maxRangeMs: 1 };
    const stop = await new VideoService(deps as unknown as VideoServiceDeps).live(viewer, 'cam', undefined, sink);
    viewerSink!.sendBinary(Buffer.alloc(1000));
    viewerSink!.sendText('{"type":"waiting"}');
    viewerSink!.sendBinary(Buffer.alloc(500));
    stop();
    await new Promise((r) => setTimeout(r, 10));
    expect(gate.closed).toEqual([{ accessId: 1, bytes: 1500 }]);
  });
});

describe('VideoService.segmentRead', () => {
  const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
  /** One recorded 4 s segment of `cam-1`'s main stream, listed by a playlist, then deleted by retention (R17). */
  async function listedSegment() {
    const [segment] = runSegments({ runId: 1, startMs: T0, streamId: `${CAMERA_ID}-main`, segments: [seconds(4)] });
    const row = { ...segment!, status: 'ok' };
    const deps = {
      gate: new RecordingGate(),
      watermark: null,
      cameras: { get: async (id: string) => ({ id, streams: [{ id: `${id}-main`, kind: 'main' as const, record: true }] }) },
      index: {
        segmentsInRange: async () => [row],
        runsInRange: async () => [],
        getSegment: async (id: number) => (id === row.id ? row : undefined),
      },
      bytes: { read: async () => { throw new Error('the file is gone'); } },
      now: () => T0 + 60_000,
      maxRangeMs: 86_400_000,
    } as unknown as VideoServiceDeps;
    const video = new VideoService(deps);
    const playlist = await video.playlist(viewer, CAMERA_ID, { from: T0, to: T0 + 4000 }, (id, token) => `seg/${id}?grant=${token}`);
    const token = /grant=([^\s"]+)/.exec(playlist)![1]!;
    return { video, row, token };
  }

  it('plans the read of a listed segment under its playlist grant', async () => {
    const { video, row, token } = await listedSegment();
    const { read } = await video.segmentRead(viewer, CAMERA_ID, String(row.id), token);
    expect(read.length).toBe(row.size_bytes);
  });

  it.each(['deleting', 'deleted'])('a segment %s by retention after it was listed is "not found" naming R17, not a failed read', async (status) => {
    const { video, row, token } = await listedSegment();
    row.status = status;
    const err = await video.segmentRead(viewer, CAMERA_ID, String(row.id), token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlaybackError);
    expect((err as PlaybackError).code).toBe('not_found');
    expect((err as PlaybackError).message).toMatch(/deleted under the retention policy \(R17\)/);
  });
});
