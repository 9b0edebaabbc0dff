// What the duties need of other modules (wired by app/): the system log (access/'s port, implemented by audit/),
// the access register's query and verify (audit/'s AuditRegisters satisfies it as is), and the facts of public
// reports (requests/'s ComplaintService satisfies it). Interfaces only, so compliance/ imports neither module.
import type { ComplaintFacts } from '../../domain/index.js';

export type { SystemActor, SystemEventRecorder } from '../../access/index.js';

/** The part of an access-register entry the self-assessment and the R16.3 check read. */
export interface RegisterEntryFacts {
  id: number;
  outcome: 'granted' | 'refused';
  displayName: string;
  unit: string;
  action: string;
  reasonCategory: string | null;
  reasonText: string | null;
}

export interface AccessRegisterPort {
  queryAccess(
    filter: { fromMs?: number; toMs?: number; outcome?: 'granted' | 'refused' },
    page: { limit: number; offset: number },
  ): Promise<{ items: RegisterEntryFacts[]; total: number }>;
  verify(): Promise<{ ok: boolean; logs: { access: { entries: number; problems: { kind: string; seq?: number; message: string }[] } } }>;
}

/** Counts of public reports over a period, for the self-assessment (D17, R24). */
export interface ComplaintStats {
  received: number;
  answered: number;
  closed: number;
  /** Reports of the period still without a public reply past the response period. */
  unansweredOverdue: number;
  /** First public reply after receipt, over the period's answered reports (ms); null when none. */
  meanFirstReplyMs: number | null;
  maxFirstReplyMs: number | null;
}

export interface ComplaintFactsPort {
  /** Every report not closed, and those closed, with when each had its first public reply (ComplianceSnapshot.complaints). */
  complaintFacts(): Promise<ComplaintFacts[]>;
  complaintStats(fromMs: number, toMs: number, nowMs: number): Promise<ComplaintStats>;
}
