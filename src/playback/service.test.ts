// VideoService.live: which stream a viewer gets, and that `transcode: 'h264'` goes to the transcoder (whose refusal
// reaches the caller unchanged), never around the service.
import { describe, expect, it } from 'vitest';
import { VideoService, type LiveSource, type LiveViewerSink, type VideoServiceDeps } from './index.js';

const sink: LiveViewerSink = { sendText() {}, sendBinary() {}, bufferedBytes: () => 0, close() {} };

function recordingSource(name: string, calls: string[]): LiveSource {
  return {
    subscribe(streamId) {
      calls.push(`${name}:${streamId}`);
      return () => calls.push(`${name}:left:${streamId}`);
    },
  };
}

function service(calls: string[], transcoder?: LiveSource): VideoService {
  const deps = {
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
    (await video.live('cam', undefined, sink))();
    await video.live('cam', 'main', sink);
    await video.live('cam', 'main', sink, { transcode: 'h264' });
    await video.live('cam', undefined, sink, { transcode: 'h264' });
    expect(calls).toEqual(['hub:cam-sub', 'hub:left:cam-sub', 'hub:cam-main', 'transcoder:cam-main', 'transcoder:cam-sub']);
  });

  it('lets a transcoder refusal through with its code', async () => {
    const refusing: LiveSource = {
      subscribe() {
        throw Object.assign(new Error('all 2 live transcodes are in use'), { code: 'transcode_limit' });
      },
    };
    await expect(service([], refusing).live('cam', 'main', sink, { transcode: 'h264' })).rejects.toMatchObject({ code: 'transcode_limit' });
  });
});
