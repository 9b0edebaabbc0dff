// `vigil serve`: start order config → core (db migrated, store) → reconciliation → recorder → HTTP; stop in reverse.
// A failed start throws (no half-started server), and stop() closes every run with cause `shutdown`.
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Config } from '../config/index.js';
import { AcceptedIngestSource, ViewableCameras } from '../devices/index.js';
import { buildHttpApp, type HealthReport } from '../http/index.js';
import { masksBurnedAt } from '../domain/index.js';
import { isDeviceError, type CameraService } from '../devices/index.js';
import { findCjkFont, LiveHub, LiveTranscoder, maskImagePam, runSnapshot, runWatermark, type TranscodeEvent } from '../media/index.js';
import { PlaybackError, VideoService, type ExportWatermark, type SegmentBytes } from '../playback/index.js';
import { resolveBytePath, type LocalSegmentStore } from '../storage/index.js';
import { Recorder, reconcileStore } from '../recording/index.js';
import { markServing } from './master-key.js';
import { openCore, type Core } from './core.js';
import { packageRoot } from './package-root.js';
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

const repoRoot = packageRoot();

export async function startVigil(config: Config, log: Logger): Promise<RunningVigil> {
  // The recorder's byte path (recording.bytePath): resolved, and built on first use, by serve alone.
  const bytePath = await resolveBytePath(config.recording.bytePath, repoRoot);
  const core = await openCore(config, (err) => log.error({ err }, 'camera change listener failed'), log.child({ component: 'retention' }), bytePath);
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
    // Architecture §4.4: deletions an earlier process left half done are completed before anything else runs.
    const completed = await core.retention.recover();
    if (completed) log.warn({ completed }, 'completed retention deletions interrupted by an unclean stop');

    const { path: appendPath, pipeReader, fallbackReason } = core.bytePath;
    if (fallbackReason) log.warn({ bytePath: appendPath.name, reason: fallbackReason }, 'native byte path unavailable: recording through the JavaScript path (more CPU per camera)');
    else log.info({ bytePath: appendPath.name }, 'recording byte path');
    recorder = new Recorder({
      // D12: cameras of systems not yet accepted are not recorded; a transition re-plans the recorder.
      source: new AcceptedIngestSource(core.cameras, core.systems),
      store: core.store,
      repo: core.recordings,
      hub,
      log,
      now: Date.now,
      recording: config.recording,
      ingest: { ...config.ingest, fragmentMs: config.recording.fragmentMs, ...(pipeReader ? { nativeStdout: pipeReader } : {}) },
    });
    await recorder.start();
    const rec = recorder;
    // R15: signed chain-head checkpoints every integrity.checkpointEveryMs; the last one when the core closes.
    core.integrity.start((err) => log.error({ err }, 'integrity checkpoint failed'));
    // R17: the retention executor on its schedule, and at once when the store runs low (never under the floor).
    core.retention.start(
      { runEveryMs: config.retention.runEveryMs, checkEveryMs: config.retention.checkEveryMs },
      (err) => log.error({ err }, 'retention run failed'),
    );

    const metrics = createMetrics({ recorder: rec, hub, transcoder, store: core.store, retention: core.retention });
    video = new VideoService({
      gate: core.access.gate,
      watermark: exportWatermark(config, log, core.cameras),
      index: core.recordings,
      bytes: segmentBytesOf(core.store),
      // D12: nor viewed (live, playback, export, snapshot): 403 system_not_accepted.
      cameras: new ViewableCameras(core.cameras, core.systems),
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
        return s && {
          streamId, state: s.state, reason: s.reason, recording: s.recorder?.state ?? 'not_recorded',
          ...(s.ingest ? { rtspClient: s.ingest.client, rtspFallback: s.ingest.builtinFallback } : {}),
        };
      },
      ops: { health: () => health(core, rec, config), metrics: () => metrics.render() },
      video: { video: video },
      webDir: join(repoRoot, 'web'),
      hlsJsFile: require.resolve('hls.js/dist/hls.min.js'),
      audit: core.audit,
      integrity: core.integrity,
      duties: core.duties,
      complaints: { service: core.complaints },
      systems: core.systems,
      compliance: core.compliance,
      retention: core.retention,
    });
    await app.listen({ host: config.http.host, port: config.http.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
    log.info({ listen: url, dataDir: config.dataDir, database: config.database.dialect }, 'vigil serving');

    // D17, R8.2: once at start and then once a day, the duty tasks overdue or due within a week go to the log.
    const reminders = startDutyReminders(core, log);
    let closing: Promise<void> | null = null;
    const openVideo = video;
    return {
      url, port, core, recorder: rec, initialAdmin,
      close: () => (closing ??= (async () => {
        clearInterval(reminders);
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

const DAY_MS = 86_400_000;
export const REMINDER_WITHIN_DAYS = 7;

/** Logs the duty tasks overdue (warn) and due within REMINDER_WITHIN_DAYS (info), now and every 24 h. */
function startDutyReminders(core: Core, log: Logger): ReturnType<typeof setInterval> {
  const remind = () => {
    core.duties.tasks.due(REMINDER_WITHIN_DAYS).then(
      (tasks) => {
        const brief = (t: (typeof tasks)[number]) => ({ id: t.id, kind: t.kind, article: t.article, title: t.title, dueDay: t.nextDueDay });
        const overdue = tasks.filter((t) => t.status.state === 'overdue').map(brief);
        const dueSoon = tasks.filter((t) => t.status.state === 'due_soon').map(brief);
        if (overdue.length) log.warn({ overdue }, `duty reminder: ${overdue.length} task(s) overdue`);
        if (dueSoon.length) log.info({ dueSoon }, `duty reminder: ${dueSoon.length} task(s) due within ${REMINDER_WITHIN_DAYS} days`);
      },
      (err: unknown) => log.error({ err }, 'duty reminder failed'),
    );
  };
  remind();
  const timer = setInterval(remind, DAY_MS);
  timer.unref();
  return timer;
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
  const retention = core.retention.status();
  // R17, D22(3): a store short of space with nothing lawfully deletable is critical even before recording stops.
  const status = database !== 'ok' || storeFull.length || retention.storeFullUnderFloor ? 'critical' : failed.length ? 'degraded' : 'ok';
  return {
    status,
    checks: {
      database,
      store: { freeBytes, minFreeBytes: config.recording.minFreeBytes, full: storeFull.length > 0, fullUnderRetentionFloor: retention.storeFullUnderFloor },
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
function exportWatermark(config: Config, log: Logger, cameras: CameraService): ExportWatermark | null {
  const fontFile = findCjkFont();
  if (!fontFile) {
    log.warn('no CJK font found (install fonts-noto-cjk): exports are refused until one is installed (D18 watermark)');
    return null;
  }
  return {
    burn: async (lines, produce, consume, cameraId) =>
      runWatermark({ ffmpegPath: config.ingest.ffmpegPath, fontFile, lines, ...(await exportMask(cameras, cameraId)) }, produce, consume),
    still: async (lines, seekSeconds, produce, consume, cameraId) =>
      runSnapshot({ ffmpegPath: config.ingest.ffmpegPath, fontFile, lines, seekSeconds, ...(await exportMask(cameras, cameraId)) }, produce, consume),
  };
}

/** The camera's masks marked for export burn-in (R13, D11) as the encoder's mask image, or nothing. */
async function exportMask(cameras: CameraService, cameraId: string): Promise<{ maskImage?: Buffer }> {
  let all;
  try {
    all = await cameras.masks(cameraId);
  } catch (error) {
    // Recordings outlive their camera (R17): a removed camera's clips export without masks.
    if (isDeviceError(error, 'camera_not_found')) return {};
    throw error;
  }
  const masks = masksBurnedAt(all, 'export');
  return masks.length > 0 ? { maskImage: maskImagePam(masks) } : {};
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
