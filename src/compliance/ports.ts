// What compliance/ needs from other modules, as small interfaces wired by app/ (conventions §9). Each names who
// provides it now and who will.
import type { SystemActor, SystemEventRecorder } from '../access/index.js';
import type { CapacityWarning, ComplianceSnapshot, DeviceType, InstallationRecord, SignageRecord, SystemLifecycle, UserFacts } from '../domain/index.js';

/** R17: each camera's retention period, and whether the store can keep it (retention/ RetentionService). */
export interface RetentionFacts {
  retentionDaysByCamera(cameraIds: string[]): Promise<Map<string, number>>;
  /** The capacity planner's warnings for the segment store, from measured bitrates (floor_at_risk is critical). */
  capacityWarnings(): Promise<CapacityWarning[]>;
}

/** Installation records with the R10 / D11 / S fields (devices/ CameraService.installationRecords). */
export interface InstallationSource {
  installationRecords(): Promise<InstallationRecord[]>;
  /** Articles this source cannot vouch for (none today; a future source lacking fields names them here). */
  readonly unchecked: readonly UncheckedArticle[];
}

/** R13 signage records (devices/ CameraService.signageRecords). */
export interface SignageSource {
  signageRecords(): Promise<SignageRecord[]>;
  readonly unchecked: readonly UncheckedArticle[];
}

export interface UncheckedArticle {
  article: string;
  /** Rules of the checker left out of the report because the data behind them is not kept yet. */
  rules: readonly string[];
  reason: string;
}

/** The camera registry, as far as the checker needs it (devices/ CameraService). */
export interface CameraFactsSource {
  list(): Promise<{ id: string; enabled: boolean; name: string }[]>;
}

/** A system as the filing and the checker read it. */
export interface SystemFactsView {
  id: string;
  name: string;
  location: string;
  lifecycle: SystemLifecycle;
  inUseSinceMs: number | null;
  cameras: { cameraId: string; deviceType: DeviceType }[];
}

/** Systems and membership (devices/ SystemService; get throws system_not_found). */
export interface SystemsSource {
  list(): Promise<SystemFactsView[]>;
  get(id: string): Promise<SystemFactsView>;
}

/** Personnel facts of every account (access/ AccessService, through an adapter in this module). */
export interface PersonnelSource {
  users(nowMs: number): Promise<UserFacts[]>;
}

/**
 * The facts of the operations duties (D17, R8.2), inspections and public reports (R24) and the access register
 * (R16.3): this module's DutiesService.complianceFacts, merged into the snapshot as its optional fields.
 */
export interface OperationsFacts {
  complianceFacts(nowMs: number): Promise<Pick<ComplianceSnapshot, 'tasks' | 'rectifications' | 'complaints' | 'accessRegister'>>;
}

/** Prints HTML to PDF (media/ renderPdf, headless Chromium). */
export interface PdfRenderer {
  (html: string): Promise<Buffer>;
}

export type { SystemActor, SystemEventRecorder };
