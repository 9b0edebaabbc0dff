// DutiesService: the operations duties (D17, R8.2), police inspections (R24) and self-assessment reports over one
// repository, plus `complianceFacts(nowMs)` for the compliance checker. Composition only; the rules are in the
// parts (duty-log.ts, tasks.ts, inspections.ts, self-assessment.ts) and in domain/.
import type { Db } from '../../db/index.js';
import { DutyLog } from './duty-log.js';
import { dutyComplianceFacts, type DutyComplianceFacts } from './facts.js';
import { Inspections } from './inspections.js';
import type { AccessRegisterPort, ComplaintFactsPort, SystemEventRecorder } from './ports.js';
import { DutiesRepo } from './repo.js';
import { SelfAssessments } from './self-assessment.js';
import { DutyTasks } from './tasks.js';

export interface DutiesDeps {
  db: Db;
  now: () => number;
  /** The system log: task, inspection and report changes are recorded with who made them. */
  events: SystemEventRecorder;
  /** The access register's query and verify (audit/'s AuditRegisters). */
  register: AccessRegisterPort;
  /** Public reports (requests/'s ComplaintService). */
  complaints: ComplaintFactsPort;
}

export class DutiesService {
  readonly log: DutyLog;
  readonly tasks: DutyTasks;
  readonly inspections: Inspections;
  readonly selfAssessments: SelfAssessments;
  private readonly repo: DutiesRepo;

  constructor(private readonly deps: DutiesDeps) {
    this.repo = new DutiesRepo(deps.db);
    this.log = new DutyLog(this.repo, deps.now);
    this.tasks = new DutyTasks(this.repo, deps.now, deps.events);
    this.inspections = new Inspections(this.repo, deps.now, deps.events);
    this.selfAssessments = new SelfAssessments({ repo: this.repo, now: deps.now, events: deps.events, register: deps.register, complaints: deps.complaints });
  }

  /** The ComplianceSnapshot fields `tasks`, `rectifications`, `complaints` and `accessRegister`, as of nowMs. */
  complianceFacts(nowMs: number = this.deps.now()): Promise<DutyComplianceFacts> {
    return dutyComplianceFacts({ repo: this.repo, register: this.deps.register, complaints: this.deps.complaints }, nowMs);
  }
}
