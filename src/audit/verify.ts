// `verify`: re-derives both chains from the stored rows, checks every checkpoint's signature and head, and checks the
// camera index against camera_ids. Read-only. Each problem names its kind and seq, so an auditor can find the row.
import type { KeyObject } from 'node:crypto';
import type { AccessRegisterRow, AuditCheckpointRow, SystemLogRow } from '../db/index.js';
import { checkpointSignatureValid, GENESIS_HASH, keyIdOf, rowHash, type LogName } from './chain.js';
import type { AuditRepo, Head } from './repo.js';
import type { AuditProblem, AuditVerifyOptions, AuditVerifyReport, LogReport } from './types.js';

/** How many previous rows a link is compared with to tell an inserted row or a swap from a plain break. */
const WINDOW = 64;

interface Seen {
  seq: number;
  hash: Buffer;
  selfConsistent: boolean;
}

class ChainChecker {
  private expectedSeq = 1;
  private prev: Buffer = GENESIS_HASH;
  private readonly recent: Seen[] = [];
  readonly headsAt = new Map<number, Buffer>();
  entries = 0;

  constructor(
    private readonly log: LogName,
    private readonly wanted: Set<number>,
    private readonly problem: (p: AuditProblem) => void,
  ) {}

  check(row: AccessRegisterRow | SystemLogRow): void {
    const seq = Number(row.seq);
    this.entries++;
    const gap = seq > this.expectedSeq;
    if (gap) {
      const from = this.expectedSeq;
      this.problem({ kind: 'row_missing', seq: from, message: seq - from === 1 ? `row ${from} is missing` : `rows ${from}–${seq - 1} are missing` });
    }
    const selfConsistent = rowHash(this.log, row).equals(row.hash);
    if (!selfConsistent) this.problem({ kind: 'hash_mismatch', seq, message: `row ${seq} does not hash to its stored hash: a field was changed` });
    if (!gap && !row.prev_hash.equals(this.prev)) this.diagnoseLink(seq, row.prev_hash);
    if (this.wanted.has(seq)) this.headsAt.set(seq, row.hash);
    this.recent.push({ seq, hash: row.hash, selfConsistent });
    if (this.recent.length > WINDOW) this.recent.shift();
    this.prev = row.hash;
    this.expectedSeq = seq + 1;
  }

  /** The row does not link to its predecessor. If it links to an earlier row, say what lies between. */
  private diagnoseLink(seq: number, prevHash: Buffer): void {
    const target = this.recent.findIndex((r) => r.hash.equals(prevHash));
    if (target >= 0 && target < this.recent.length - 1) {
      const skipped = this.recent.slice(target + 1);
      const linked = this.recent[target]!.seq;
      if (skipped.every((r) => r.selfConsistent)) {
        for (const r of skipped) {
          this.problem({ kind: 'row_inserted', seq: r.seq, message: `row ${r.seq} was inserted: row ${seq} links to row ${linked}, not to it` });
        }
      } else {
        this.problem({ kind: 'reordered', seq, message: `row ${seq} links to row ${linked}, not to row ${seq - 1}: rows were moved or swapped` });
      }
      return;
    }
    this.problem({ kind: 'chain_broken', seq, message: `row ${seq}'s prev_hash is not the hash of row ${seq - 1}` });
  }
}

function checkCloseRow(row: AccessRegisterRow, problem: (p: AuditProblem) => void): void {
  const seq = Number(row.seq);
  if (row.kind === 'close' && (row.for_seq === null || Number(row.for_seq) >= seq)) {
    problem({ kind: 'close_orphan', seq, message: `close row ${seq} does not point at an earlier entry (for_seq ${row.for_seq})` });
  }
}

async function checkCameraIndex(repo: AuditRepo, rows: AccessRegisterRow[], problem: (p: AuditProblem) => void): Promise<void> {
  const first = Number(rows[0]!.seq);
  const last = Number(rows[rows.length - 1]!.seq);
  const index = new Map<number, string[]>();
  const atOf = new Map<number, number[]>();
  for (const r of await repo.cameraIndex(first, last)) {
    const seq = Number(r.seq);
    index.set(seq, [...(index.get(seq) ?? []), r.camera_id]);
    atOf.set(seq, [...(atOf.get(seq) ?? []), Number(r.at_ms)]);
  }
  for (const row of rows) {
    const seq = Number(row.seq);
    let expected: string[] = [];
    if (row.kind !== 'close') {
      try {
        expected = (JSON.parse(row.camera_ids) as string[]).map(String);
      } catch {
        expected = []; // an unparseable camera_ids is already a hash mismatch
      }
    }
    const actual = index.get(seq) ?? [];
    const same = [...new Set(expected)].sort().join('\n') === [...actual].sort().join('\n');
    const atOk = (atOf.get(seq) ?? []).every((at) => at === Number(row.at_ms));
    if (!same || !atOk) {
      problem({ kind: 'camera_index_mismatch', seq, message: `camera index of row ${seq} is [${actual.join(', ')}]${atOk ? '' : ' (wrong time)'}, camera_ids is [${expected.join(', ')}]` });
    }
    index.delete(seq);
  }
  for (const seq of index.keys()) problem({ kind: 'camera_index_mismatch', seq, message: `camera index has rows for ${seq}, which is not in the register` });
}

function checkCheckpoints(
  log: LogName,
  checkpoints: AuditCheckpointRow[],
  chain: ChainChecker,
  maxSeq: number,
  knownHead: Head | null,
  key: KeyObject,
  problem: (p: AuditProblem) => void,
): void {
  const keyId = keyIdOf(key);
  let trustedUpto = knownHead?.seq ?? 0;
  for (const c of checkpoints) {
    const upto = Number(c.upto_seq);
    const body = { log, uptoSeq: upto, headHash: c.head_hash, atMs: Number(c.at_ms) };
    if (c.key_id !== keyId) {
      problem({ kind: 'checkpoint_foreign_key', seq: upto, message: `checkpoint ${c.id} names key ${c.key_id}, not this installation's key ${keyId}` });
      continue;
    }
    if (!checkpointSignatureValid(body, c.signature, key)) {
      problem({ kind: 'checkpoint_bad_signature', seq: upto, message: `checkpoint ${c.id} (up to row ${upto}) has an invalid signature: forged or altered` });
      continue;
    }
    trustedUpto = Math.max(trustedUpto, upto);
    const stored = chain.headsAt.get(upto);
    if (stored && !stored.equals(c.head_hash)) {
      problem({ kind: 'checkpoint_mismatch', seq: upto, message: `row ${upto} no longer has the hash checkpoint ${c.id} signed` });
    }
  }
  if (knownHead && maxSeq >= knownHead.seq) {
    const stored = chain.headsAt.get(knownHead.seq);
    if (stored && !stored.equals(knownHead.hash)) {
      problem({ kind: 'checkpoint_mismatch', seq: knownHead.seq, message: `row ${knownHead.seq} no longer has the hash this process wrote` });
    }
  }
  if (trustedUpto > maxSeq) {
    problem({ kind: 'tail_deleted', seq: maxSeq + 1, message: `rows ${maxSeq + 1}–${trustedUpto} were written and signed but are gone` });
  }
}

export async function verifyLog(repo: AuditRepo, log: LogName, key: KeyObject, knownHead: Head | null, options: AuditVerifyOptions): Promise<LogReport> {
  const max = options.maxProblems ?? 1000;
  const problems: AuditProblem[] = [];
  const problem = (p: AuditProblem) => void (problems.length < max && problems.push(p));
  const checkpoints = await repo.checkpoints(log);
  const wanted = new Set(checkpoints.map((c) => Number(c.upto_seq)));
  if (knownHead) wanted.add(knownHead.seq);
  const chain = new ChainChecker(log, wanted, problem);
  let maxSeq = 0;
  if (log === 'access') {
    for await (const page of repo.scanAccess()) {
      for (const row of page) {
        chain.check(row);
        checkCloseRow(row, problem);
      }
      await checkCameraIndex(repo, page, problem);
      maxSeq = Number(page[page.length - 1]!.seq);
    }
    for (const seq of await repo.cameraIndexBeyond(maxSeq)) {
      problem({ kind: 'camera_index_mismatch', seq, message: `camera index has rows for ${seq}, which is not in the register` });
    }
  } else {
    for await (const page of repo.scanSystem()) {
      for (const row of page) chain.check(row);
      maxSeq = Number(page[page.length - 1]!.seq);
    }
  }
  checkCheckpoints(log, checkpoints, chain, maxSeq, knownHead, key, problem);
  return { entries: chain.entries, checkpoints: checkpoints.length, problems };
}

export async function verifyRegisters(
  repo: AuditRepo,
  key: KeyObject,
  knownHeads: Record<LogName, Head | null>,
  options: AuditVerifyOptions = {},
): Promise<AuditVerifyReport> {
  const access = await verifyLog(repo, 'access', key, knownHeads.access, options);
  const system = await verifyLog(repo, 'system', key, knownHeads.system, options);
  return { ok: access.problems.length === 0 && system.problems.length === 0, logs: { access, system } };
}
