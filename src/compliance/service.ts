// ComplianceService: the public face of compliance/ — the unit profile, filing (records, exports, submissions,
// receipts, status) and the checker's report. Binds the dependencies; the rules are in domain/ and the files beside.
import type { Db } from '../db/index.js';
import type { FilingRecord, UnitProfile } from '../domain/index.js';
import { FilingService, type FilingSubmission, type SystemFilingStatus } from './filing.js';
import type {
  CameraFactsSource, InstallationSource, OperationsFacts, PdfRenderer, PersonnelSource, RetentionFacts, SignageSource, SystemActor, SystemEventRecorder,
  SystemsSource,
} from './ports.js';
import { filingCsv, filingHtml } from './render.js';
import { complianceReport, type ComplianceReport } from './snapshot.js';
import { getUnit, setUnit, type UnitView } from './unit.js';

export interface ComplianceDeps {
  db: Db;
  clock: () => number;
  events: SystemEventRecorder;
  cameras: CameraFactsSource;
  systems: SystemsSource;
  retention: RetentionFacts;
  installations: InstallationSource;
  signage: SignageSource;
  personnel: PersonnelSource;
  /** Duties, inspections, public reports and the access register (D17, R8.2, R24, R16.3). */
  operations: OperationsFacts;
  /** Null where no PDF is produced (then `pdf` format is refused). */
  pdf: PdfRenderer | null;
}

export type FilingFormat = 'json' | 'csv' | 'html' | 'pdf';

export class ComplianceService {
  readonly filing: FilingService;

  constructor(private readonly deps: ComplianceDeps) {
    this.filing = new FilingService({ db: deps.db, systems: deps.systems, retention: deps.retention, events: deps.events, clock: deps.clock });
  }

  unit(): Promise<UnitView | null> {
    return getUnit(this.deps.db);
  }

  async setUnit(actor: SystemActor | null, input: Partial<UnitProfile>, via?: string): Promise<UnitView> {
    const unit = await setUnit({ db: this.deps.db, events: this.deps.events, nowMs: Math.floor(this.deps.clock()) }, actor, input, via);
    await this.filing.refresh();
    return unit;
  }

  records(systemId?: string): Promise<FilingRecord[]> {
    return this.filing.records(systemId);
  }

  /** The current filing record in a format: the bytes, their media type and a file name. */
  async exportFiling(format: FilingFormat, systemId?: string): Promise<{ body: Buffer; contentType: string; fileName: string }> {
    const records = await this.filing.records(systemId);
    const name = `filing-${systemId ?? 'all'}`;
    switch (format) {
      case 'json':
        return { body: Buffer.from(JSON.stringify({ records }, null, 2) + '\n'), contentType: 'application/json; charset=utf-8', fileName: `${name}.json` };
      case 'csv':
        return { body: Buffer.from(filingCsv(records)), contentType: 'text/csv; charset=utf-8', fileName: `${name}.csv` };
      case 'html':
        return { body: Buffer.from(filingHtml(records)), contentType: 'text/html; charset=utf-8', fileName: `${name}.html` };
      case 'pdf': {
        if (!this.deps.pdf) throw new Error('PDF rendering is not available in this process');
        return { body: await this.deps.pdf(filingHtml(records)), contentType: 'application/pdf', fileName: `${name}.pdf` };
      }
    }
  }

  submit(actor: SystemActor | null, systemId: string, via?: string): Promise<FilingSubmission> {
    return this.filing.submit(actor, systemId, via);
  }

  receipt(actor: SystemActor | null, submissionId: string, input: { number: string; organ: string; date: string }, via?: string): Promise<FilingSubmission> {
    return this.filing.receipt(actor, submissionId, input, via);
  }

  submissions(systemId?: string): Promise<FilingSubmission[]> {
    return this.filing.submissions(systemId);
  }

  filingStatus(systemId: string): Promise<SystemFilingStatus> {
    return this.filing.status(systemId);
  }

  /** Re-reads the filed facts against live data (after a camera, system or unit change). */
  refreshFilings(): Promise<void> {
    return this.filing.refresh();
  }

  findings(): Promise<ComplianceReport> {
    return complianceReport({ ...this.deps, filing: this.filing });
  }
}
