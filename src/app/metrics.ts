// Prometheus metrics (prom-client): per-stream state, bitrate, fps, fragments received/written/lost, reconnects,
// live viewers and transcodes, and the store's free bytes. Values are read from the recorder, hub and transcoder at
// scrape time, so the hot path only bumps its own counters.
import { Gauge, Registry } from 'prom-client';
import type { LiveHub, LiveTranscoder } from '../media/index.js';
import type { Recorder } from '../recording/index.js';
import type { RetentionService } from '../retention/index.js';
import type { LocalSegmentStore } from '../storage/index.js';

const STATES = ['idle', 'connecting', 'recording', 'reconnecting', 'failed', 'stopped'] as const;

export function createMetrics(deps: { recorder: Recorder; hub: LiveHub; transcoder: LiveTranscoder; store: LocalSegmentStore; retention?: RetentionService }): {
  render(): Promise<{ contentType: string; body: string }>;
} {
  const registry = new Registry();
  // Not prom-client's collectDefaultMetrics: its event-loop monitor (a 10 ms timer) and GC observer cost more CPU
  // than the recording path of several cameras (measured: ~1/3 of the process's CPU at 8 streams). These few
  // process gauges are read at scrape time and cost nothing in between.
  const cpu = new Gauge({ name: 'vigil_process_cpu_seconds_total', help: 'User + system CPU time of the vigil process', registers: [registry] });
  const rss = new Gauge({ name: 'vigil_process_resident_memory_bytes', help: 'Resident memory of the vigil process', registers: [registry] });
  const heap = new Gauge({ name: 'vigil_process_heap_used_bytes', help: 'V8 heap in use', registers: [registry] });
  const external = new Gauge({ name: 'vigil_process_external_memory_bytes', help: 'Memory of Buffers outside the V8 heap', registers: [registry] });
  const labels = ['camera_id', 'stream_id', 'kind'] as const;
  const gauge = (name: string, help: string, extra: string[] = []) =>
    new Gauge({ name, help, labelNames: [...labels, ...extra], registers: [registry] });

  const state = gauge('vigil_stream_state', 'Ingest state of each stream (1 for the current state)', ['state']);
  const recording = gauge('vigil_stream_store_full', 'Recording stopped because the segment store is full (critical)');
  const bitrate = gauge('vigil_stream_bitrate_bps', 'Received bitrate over the last 10 s');
  const fps = gauge('vigil_stream_fps', 'Received frames per second over the last 10 s');
  const received = gauge('vigil_stream_fragments_received', 'Fragments received from ffmpeg since start');
  const written = gauge('vigil_stream_fragments_written', 'Fragments written to segment files since start');
  // Of those written, the ones the native pipe reader appended itself (docs/storage.md, "Inline recording"): near all
  // of them normally; far fewer means something keeps handing fragments back to the JavaScript path.
  const inline = gauge('vigil_stream_fragments_written_inline', 'Fragments written by the native reader itself (of vigil_stream_fragments_written)');
  // Of those, the ones written with O_DIRECT (recording.directWrites): 0 on a file system without O_DIRECT.
  const direct = gauge('vigil_stream_fragments_written_direct', 'Fragments the native reader wrote with O_DIRECT, around the page cache (of vigil_stream_fragments_written_inline)');
  const lost = gauge('vigil_stream_fragments_lost', 'Fragments received but not written (store full, write error, backlog)');
  const segments = gauge('vigil_stream_segments_written', 'Segments committed since start');
  const reconnects = gauge('vigil_stream_reconnects', 'ffmpeg restarts after a failure since start');
  // Who speaks RTSP for the stream (ingest.rtspClient): the built-in ingest, or ffmpeg (configured, or fallen back to).
  const client = gauge('vigil_stream_rtsp_client', 'The RTSP client recording the stream (1 for it): builtin or ffmpeg', ['client']);
  const viewers = new Gauge({ name: 'vigil_live_viewers', help: 'Live viewers per stream', labelNames: ['stream_id'], registers: [registry] });
  const skipped = new Gauge({ name: 'vigil_live_fragments_skipped', help: 'Fragments skipped for slow live viewers', labelNames: ['stream_id'], registers: [registry] });
  const transcodes = new Gauge({ name: 'vigil_live_transcodes', help: 'Live streams being transcoded to H.264 now (each runs one ffmpeg)', registers: [registry] });
  const transcodesMax = new Gauge({ name: 'vigil_live_transcodes_max', help: 'Limit on concurrent live transcodes (live.maxTranscodes)', registers: [registry] });
  // Which byte path records (recording.bytePath, docs/storage.md): a `js` here, where `auto` was meant to be native,
  // is a machine without a compiler, and costs CPU per camera.
  const appendPath = new Gauge({ name: 'vigil_recording_byte_path', help: 'The recorder byte path in use (1 for it): native or js', labelNames: ['path'], registers: [registry] });
  for (const path of ['native', 'js'] as const) appendPath.set({ path }, deps.store.appendPathName === path ? 1 : 0);
  const free = new Gauge({ name: 'vigil_store_free_bytes', help: 'Free bytes on the segment store', registers: [registry] });
  const total = new Gauge({ name: 'vigil_store_total_bytes', help: 'Size of the segment store file system', registers: [registry] });
  // R17, D22(3): the retention executor and the capacity plan (read from the last run, no I/O at scrape time).
  const fullUnderFloor = new Gauge({ name: 'vigil_retention_store_full_under_floor', help: 'The store is short of space and nothing may lawfully be deleted (critical, R17)', registers: [registry] });
  const lastDeleted = new Gauge({ name: 'vigil_retention_last_run_deleted_segments', help: 'Segments the last retention run deleted', registers: [registry] });
  const lastRunAt = new Gauge({ name: 'vigil_retention_last_run_timestamp_ms', help: 'When the last retention run started (ms since the epoch)', registers: [registry] });
  const headroom = new Gauge({ name: 'vigil_retention_headroom_days', help: 'Days of recording the free space above the reserve absorbs (capacity plan); -1 = nothing records', registers: [registry] });
  const capacityDays = new Gauge({ name: 'vigil_retention_capacity_days', help: 'Days of all cameras the usable store holds; compare with 30 (R17); -1 = nothing records', registers: [registry] });
  const floorAtRisk = new Gauge({ name: 'vigil_retention_floor_at_risk', help: '1 when 30 days of every camera do not fit the store (critical, R17)', registers: [registry] });

  async function collect(): Promise<void> {
    const usage = process.cpuUsage();
    cpu.set((usage.user + usage.system) / 1e6);
    const mem = process.memoryUsage();
    rss.set(mem.rss);
    heap.set(mem.heapUsed);
    external.set(mem.external + mem.arrayBuffers);
    for (const g of [state, recording, bitrate, fps, received, written, inline, direct, lost, segments, reconnects, client, viewers, skipped]) g.reset();
    for (const s of deps.recorder.snapshot()) {
      const l = { camera_id: s.cameraId, stream_id: s.streamId, kind: s.kind };
      for (const st of STATES) state.set({ ...l, state: st }, s.state === st ? 1 : 0);
      if (s.ingest) {
        bitrate.set(l, s.ingest.bitrateBps);
        fps.set(l, s.ingest.fps);
        reconnects.set(l, s.ingest.reconnects);
        for (const c of ['builtin', 'ffmpeg'] as const) client.set({ ...l, client: c }, s.ingest.client === c ? 1 : 0);
      }
      if (s.recorder) {
        recording.set(l, s.recorder.state === 'store_full' ? 1 : 0);
        received.set(l, s.recorder.fragmentsReceived);
        written.set(l, s.recorder.fragmentsWritten);
        inline.set(l, s.recorder.fragmentsWrittenInline);
        direct.set(l, s.recorder.fragmentsWrittenDirect);
        lost.set(l, s.recorder.fragmentsLost);
        segments.set(l, s.recorder.segmentsWritten);
      }
    }
    for (const s of deps.hub.stats().streams) {
      viewers.set({ stream_id: s.streamId }, s.subscribers);
      skipped.set({ stream_id: s.streamId }, s.fragmentsSkipped);
    }
    const t = deps.transcoder.stats();
    transcodes.set(t.active);
    transcodesMax.set(t.maxTranscodes);
    free.set(await deps.store.freeBytes());
    total.set(await deps.store.totalBytes());
    if (deps.retention) {
      const r = deps.retention.status();
      fullUnderFloor.set(r.storeFullUnderFloor ? 1 : 0);
      lastDeleted.set(r.lastRun?.deleted ?? 0);
      lastRunAt.set(r.lastRun?.atMs ?? 0);
      if (r.capacity) {
        const finite = (v: number) => (Number.isFinite(v) ? v : -1);
        headroom.set(finite(r.capacity.headroomDays));
        capacityDays.set(finite(r.capacity.capacityDays));
        floorAtRisk.set(r.capacity.warnings.some((w) => w.kind === 'floor_at_risk') ? 1 : 0);
      }
    }
  }

  return {
    async render() {
      await collect();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
