// `vigil serve`: start order config → core (db migrated, store) → reconciliation → recorder → HTTP; stop in reverse.
// A failed start throws (no half-started server), and stop() closes every run with cause `shutdown`.
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { buildHttpApp, type HealthReport } from '../http/index.js';
import { findCjkFont, LiveHub, LiveTranscoder, runSnapshot, runWatermark, type TranscodeEvent } from '../media/index.js';
import { PlaybackError, VideoService, type ExportWatermark, type SegmentBytes } from '../playback/index.js';
import type { LocalSegmentStore } from '../storage/index.js';
import { Recorder, reconcileStore } from '../recording/index.js';
import { markServing } from './master-key.js';
import { openCore, type Core } from './core.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';

export interface RunningVigil {
  url: string;
  port: number;
  /** On the first start only: the system administrator created, with its one-time password (to print once). */
  initialAdmin: { username: string; password: string } | null;
  core: Core;
  recorder: Recorder;
  close(): Promise<void>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function startVigil(config: Config, log: Logger): Promise<RunningVigil> {
  const core = await openCore(config, (err) => log.error({ err }, 'camera change listener failed'));
  let recorder: Recorder | null = null;
  let video: VideoService | null = null;
  const hub = new LiveHub();
  const transcoder = new LiveTranscoder({
    hub,
    maxTranscodes: config.live.maxTranscodes,
    idleMs: config.live.transcodeIdleMs,
    ffmpegPath: config.ingest.ffmpegPath,
    onEvent: (event) => logTranscode(log, event),
  });
  // `vigil key rotate` refuses while this process may wrap data keys with the current master key.
  const unmarkServing = markServing(config.dataDir);
  try {
    const report = await reconcileStore({ store: core.store, repo: core.recordings, now: Date.now, log });
    if (report.runsClosed) log.warn({ ...report }, 'recovered from an unclean stop');

    recorder = new Recorder({
      source: core.cameras,
      store: core.store,
      repo: core.recordings,
      hub,
      log,
      now: Date.now,
      recording: config.recording,
      ingest: { ...config.ingest, fragmentMs: config.recording.fragmentMs },
    });
    await recorder.start();
    const rec = recorder;
    // R15: signed chain-head checkpoints every integrity.checkpointEveryMs; the last one when the core closes.
    core.integrity.start((err) => log.error({ err }, 'integrity checkpoint failed'));

    const metrics = createMetrics({ recorder: rec, hub, transcoder, store: core.store });
    video = new VideoService({
      gate: core.access.gate,
      watermark: exportWatermark(config, log),
      index: core.recordings,
      bytes: segmentBytesOf(core.store),
      cameras: core.cameras,
      live: hub,
      transcoder,
      now: Date.now,
      maxRangeMs: config.playback.maxRangeMs,
    });
    const initialAdmin = await core.access.bootstrapAdmin();
    const require = createRequire(import.meta.url);
    const app = await buildHttpApp({
      log,
      access: core.access,
      reasonCategories: config.access.reasonCategories,
      cameras: core.cameras,
      statusOf: (streamId) => {
        const s = rec.status(streamId);
        return s && { streamId, state: s.state, reason: s.reason, recording: s.recorder?.state ?? 'not_recorded' };
      },
      ops: { health: () => health(core, rec, config), metrics: () => metrics.render() },
      video: { video: video },
      webDir: join(repoRoot, 'web'),
      hlsJsFile: require.resolve('hls.js/dist/hls.min.js'),
      audit: core.audit,
    });
    await app.listen({ host: config.http.host, port: config.http.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
    log.info({ listen: url, dataDir: config.dataDir, database: config.database.dialect }, 'vigil serving');

    let closing: Promise<void> | null = null;
    const openVideo = video;
    return {
      url, port, core, recorder: rec, initialAdmin,
      close: () => (closing ??= (async () => {
        await transcoder.close();
        log.debug('stop: transcodes closed');
        hub.close('server shutting down');
        await app.close();
        log.debug('stop: http closed');
        // Open playback grants get their register close entries before the registers close with the core.
        await openVideo.close();
        await rec.stop();
        log.debug('stop: recorder stopped');
        await core.close();
        unmarkServing();
        log.info('vigil stopped');
      })()),
    };
  } catch (err) {
    await video?.close().catch(() => undefined);
    await transcoder.close().catch(() => undefined);
    await recorder?.stop().catch(() => undefined);
    await core.close().catch(() => undefined);
    unmarkServing();
    throw err;
  }
}

/** Transcodes cost CPU: their start, stop and failures are worth an info line; ffmpeg's own lines are warnings. */
function logTranscode(log: Logger, event: TranscodeEvent): void {
  const { type, ...fields } = event;
  if (type === 'diagnostic') log.warn(fields, 'live transcode ffmpeg diagnostic');
  else if (type === 'failed') log.warn(fields, 'live transcode failed');
  else log.info(fields, `live transcode ${type.replace('_', ' ')}`);
}

async function health(core: Core, recorder: Recorder, config: Config): Promise<HealthReport> {
  const streams = recorder.snapshot();
  const storeFull = streams.filter((s) => s.recorder?.state === 'store_full').map((s) => s.streamId);
  const failed = streams.filter((s) => s.state === 'failed').map((s) => s.streamId);
  let database = 'ok';
  try {
    await core.recordings.openRuns();
  } catch (err) {
    database = `error: ${(err as Error).message}`;
  }
  const freeBytes = await core.store.freeBytes().catch(() => -1);
  const status = database !== 'ok' || storeFull.length ? 'critical' : failed.length ? 'degraded' : 'ok';
  return {
    status,
    checks: {
      database,
      store: { freeBytes, minFreeBytes: config.recording.minFreeBytes, full: storeFull.length > 0 },
      streams: {
        total: streams.length,
        recording: streams.filter((s) => s.state === 'recording').length,
        failed,
        storeFull,
      },
    },
  };
}

/**
 * Exports are watermarked (D18) by an ffmpeg encode with a CJK font. Without a font the server still runs (live and
 * playback need none) and says so once; exports are then refused with `watermark_unavailable`.
 */
function exportWatermark(config: Config, log: Logger): ExportWatermark | null {
  const fontFile = findCjkFont();
  if (!fontFile) {
    log.warn('no CJK font found (install fonts-noto-cjk): exports are refused until one is installed (D18 watermark)');
    return null;
  }
  return {
    burn: (lines, produce, consume) => runWatermark({ ffmpegPath: config.ingest.ffmpegPath, fontFile, lines }, produce, consume),
    still: (lines, seekSeconds, produce, consume) => runSnapshot({ ffmpegPath: config.ingest.ffmpegPath, fontFile, lines, seekSeconds }, produce, consume),
  };
}

/** Playback reads segment bytes through storage; a short read means the file no longer matches its row. */
function segmentBytesOf(store: LocalSegmentStore): SegmentBytes {
  return {
    async read(s, offset, length) {
      const buf = await store.read({ cameraId: s.camera_id, runId: s.run_id, seq: s.seq, startMs: s.start_ms }, offset, length);
      if (buf.length !== length) {
        throw new PlaybackError('segment_corrupt', `segment ${s.id} is shorter than its index says (run vigil check --storage)`, { segmentId: s.id });
      }
      return buf;
    },
  };
}
