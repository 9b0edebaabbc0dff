// Wires integrity/ (R15) to the segment index (RecordingRepo) and the segment files (LocalSegmentStore): the port
// verify and the checkpointer read through, so integrity/ itself never opens the store (house rules).
import type { KeyObject } from 'node:crypto';
import { IntegrityService, type IntegritySources, type SegmentFileInfo } from '../integrity/index.js';
import type { Db } from '../db/index.js';
import { checkpointAppender } from './checkpoint-export.js';
import type { RecordingRepo } from '../recording/index.js';
import { parseSegmentRelPath, segmentRelPath, type LocalSegmentStore } from '../storage/index.js';

/** Where verify reads the system log (the installation's AuditRegisters). */
export interface SystemLogReader {
  systemEntry(seq: number): Promise<{ event: string; target: string | null; details: Record<string, unknown> } | null>;
}

export function integritySources(recordings: RecordingRepo, store: LocalSegmentStore, systemLog: SystemLogReader): IntegritySources {
  return {
    streams: (cameraId) => recordings.segmentStreams(cameraId),
    streamSegments: (streamId) => recordings.streamSegments(streamId),
    chainHeads: () => recordings.chainHeads(),
    fileOf: (row) => segmentRelPath({ cameraId: row.camera_id, runId: row.run_id, seq: row.seq, startMs: row.start_ms }),
    hashFile: (rel) => store.hashFile(rel),
    systemEntry: (seq) => systemLog.systemEntry(seq),
    hasRowNow: async (file) => (await recordings.segmentsOfRun(file.runId)).some((s) => s.seq === file.seq && s.camera_id === file.cameraId),
    async *segmentFiles(cameraId?: string): AsyncGenerator<SegmentFileInfo> {
      for await (const entry of store.walk()) {
        const p = parseSegmentRelPath(entry.rel);
        if (!p || p.partial || (cameraId !== undefined && p.cameraId !== cameraId)) continue;
        yield { rel: entry.rel, cameraId: p.cameraId, runId: p.runId, seq: p.seq };
      }
    },
  };
}

export function createIntegrity(deps: {
  db: Db;
  recordings: RecordingRepo;
  store: LocalSegmentStore;
  systemLog: SystemLogReader;
  signingKey: KeyObject;
  checkpointEveryMs: number;
  verifyEveryMs?: number;
  exportFile?: string | undefined;
}): IntegrityService {
  return new IntegrityService(deps.db, {
    sources: integritySources(deps.recordings, deps.store, deps.systemLog),
    signingKey: deps.signingKey,
    now: Date.now,
    checkpointEveryMs: deps.checkpointEveryMs,
    ...(deps.verifyEveryMs !== undefined ? { verifyEveryMs: deps.verifyEveryMs } : {}),
    ...(deps.exportFile ? { onCheckpoint: checkpointAppender(deps.exportFile) } : {}),
  });
}
