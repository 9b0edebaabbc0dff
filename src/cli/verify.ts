// `vigil verify [--camera ID] [--from T --to T] [--all] [--json]` (R15): re-hashes every segment file in range,
// re-computes the chains and checks every signed checkpoint. Exit 3 on any altered, missing or unexpected segment or
// any checkpoint problem, 0 otherwise. Progress goes to stderr (never into --json stdout). `--public-key` prints the
// checkpoint key's public half; `--key FILE` checks the checkpoints against such an exported key.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseInstant } from '../audit/index.js';
import {
  CheckpointExportError, formatExportLine, parseCheckpointExport,
  type ExportedCheckpoint, type IntegrityVerifyReport, type SegmentVerdict, type VerifyProgress,
} from '../integrity/index.js';
import { withCore, type Act } from './context.js';
import { exitCodes, UsageError } from './output.js';

interface VerifyOptions {
  camera?: string;
  from?: string;
  to?: string;
  all?: boolean;
  publicKey?: boolean;
  key?: string;
  exportCheckpoints?: string;
  against?: string;
}

/** `--against FILE`: checkpoints exported earlier (integrity/export.ts), refused with the line at fault. */
function exportedFrom(file: string): ExportedCheckpoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--against ${file}: ${(err as Error).message}`);
  }
  try {
    return parseCheckpointExport(text);
  } catch (err) {
    if (err instanceof CheckpointExportError) throw new UsageError(`--against ${file}: ${err.message}`);
    throw err;
  }
}

/** An exported public key (PEM), so checkpoints can be checked without the installation's private key file. */
function publicKeyFrom(file: string): KeyObject {
  try {
    const key = createPublicKey(readFileSync(file, 'utf8'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key; an Ed25519 key is required`);
    return key;
  } catch (err) {
    throw new UsageError(`--key ${file}: ${(err as Error).message}`);
  }
}

function instant(value: string | undefined, flag: string): number | undefined {
  try {
    return parseInstant(value, flag);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

function progressLine(p: VerifyProgress): string {
  const rate = p.elapsedMs > 0 ? p.bytesHashed / 1048576 / (p.elapsedMs / 1000) : 0;
  return `verify: ${p.segmentsDone} segments, ${p.filesHashed} files, ${mib(p.bytesHashed)} MiB hashed, ${rate.toFixed(0)} MiB/s\n`;
}

function describeSegment(v: SegmentVerdict): string {
  const name = v.segmentId !== null ? `segment ${v.segmentId}` : v.file ? `file ${v.file}` : 'a segment';
  const where = [v.cameraId && `camera ${v.cameraId}`, v.startMs !== null && new Date(v.startMs).toISOString(), v.file && v.segmentId !== null && v.file]
    .filter(Boolean).join(', ');
  return `  ${v.status.toUpperCase()} ${name}${where ? ` (${where})` : ''}${v.details.length ? `: ${v.details.join('; ')}` : ''}`;
}

function describe(r: IntegrityVerifyReport): string {
  const c = r.counts;
  const lines = [
    `streams: ${r.streams}; segments: ${c.ok} ok, ${c.altered} altered, ${c.missing} missing, ${c.unexpected} unexpected, ` +
      `${c['deleted-lawfully']} deleted lawfully, ${c.unchained} unchained`,
    ...r.segments.filter((s) => s.status !== 'ok').map(describeSegment),
    `checkpoints: ${r.checkpoints.checked} checked, ${r.checkpoints.problems.length} problems`,
    ...r.checkpoints.problems.map((p) => `  ${p.kind} (checkpoint ${p.checkpointId}): ${p.message}`),
    `hashed ${r.filesHashed} files, ${mib(r.bytesHashed)} MiB in ${(r.elapsedMs / 1000).toFixed(2)} s (${r.throughputMiBps.toFixed(0)} MiB/s)`,
    r.ok ? 'ok — every segment is original and complete (R15)' : 'PROBLEMS FOUND — footage was altered, lost or added (R15)',
  ];
  return lines.join('\n');
}

export function registerVerifyCommand(program: Command, act: Act): void {
  program
    .command('verify')
    .description('verify the segment integrity chain: re-hash files, re-compute chains, check checkpoints (exit 3 on problems)')
    .option('--camera <id>', 'only this camera')
    .option('--from <time>', 'segments ending after (ms or ISO-8601 with zone)')
    .option('--to <time>', 'segments starting before (ms or ISO-8601 with zone)')
    .option('--all', 'list ok segments too')
    .option('--public-key', "print the checkpoint key's public half (PEM) and exit")
    .option('--key <pem>', 'check checkpoints against this exported public key instead of the installation key')
    .option('--export-checkpoints <file>', 'write every signed checkpoint (NDJSON) to FILE ("-": stdout) to keep off the machine, and exit')
    .option('--against <file>', 'also check checkpoints exported earlier: each must still be in the index, and what it signed on the chains')
    .action(act(async (out, opts, o: VerifyOptions) => {
      const fromMs = instant(o.from, 'from');
      const toMs = instant(o.to, 'to');
      if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError('--to must be after --from');
      const key = o.key !== undefined ? publicKeyFrom(o.key) : undefined;
      const against = o.against !== undefined ? exportedFrom(o.against) : undefined;
      return withCore(opts, async (core) => {
        if (o.exportCheckpoints !== undefined) {
          const rows = await core.integrity.checkpoints();
          const text = rows.map(formatExportLine).join('');
          if (o.exportCheckpoints === '-') process.stdout.write(text);
          else writeFileSync(o.exportCheckpoints, text, { mode: 0o640 });
          if (o.exportCheckpoints !== '-') out.result({ checkpoints: rows.length, file: o.exportCheckpoints }, `exported ${rows.length} checkpoints to ${o.exportCheckpoints}`);
          return exitCodes.ok;
        }
        if (o.publicKey) {
          const pem = core.integrity.publicKeyPem();
          out.result({ keyId: core.integrity.signingKeyId, publicKey: pem }, pem);
          return exitCodes.ok;
        }
        const report = await core.integrity.verify({
          ...(o.camera !== undefined ? { cameraId: o.camera } : {}),
          ...(fromMs !== undefined ? { fromMs } : {}),
          ...(toMs !== undefined ? { toMs } : {}),
          listAll: !!o.all,
          ...(against ? { against } : {}),
          onProgress: (p) => process.stderr.write(progressLine(p)),
        }, key);
        out.result(report, describe(report));
        return report.ok ? exitCodes.ok : exitCodes.problems;
      });
    }));
}
