// compliance/: the management unit's profile, filing (R14) and the compliance checker's report over live data
// (owns management_unit, filing_submissions, filing_changes); the operations duties (D17 duty log, tasks, self-assessment; R8.2 regular checks of R8.1 areas),
// police inspections (R24) and `complianceFacts` for the checker. Owns duty_log, duty_tasks, duty_task_completions,
// inspections, inspection_findings and self_assessments. Other modules import only this file.
export { DutiesService, type DutiesDeps } from './duties/service.js';
export { DUTY_ERROR_CODES, DutyError, isDutyError, type DutyErrorCode } from './duties/errors.js';
export { DUTY_LOG_KINDS, type DutyLogEntry, type DutyLogKind, type NewDutyLogEntry } from './duties/duty-log.js';
export { DUE_WITHIN_MAX_DAYS, type CompletionInput, type DutyTask, type NewTaskInput, type TaskCompletion, type TaskPatch, type TaskScope } from './duties/tasks.js';
export type { FindingState, Inspection, InspectionFinding, NewInspectionInput } from './duties/inspections.js';
export { REPORT_MAX_DAYS, type IssuedSelfAssessment, type SelfAssessmentReport } from './duties/self-assessment.js';
export { renderSelfAssessmentHtml } from './duties/self-assessment-html.js';
export { REGISTER_SCAN_DAYS, type DutyComplianceFacts } from './duties/facts.js';
export { periodOf } from './duties/validate.js';
export type { AccessRegisterPort, ComplaintFactsPort, ComplaintStats, RegisterEntryFacts } from './duties/ports.js';
export { ComplianceService, type ComplianceDeps, type FilingFormat } from './service.js';
export type { FilingSubmission, SystemFilingStatus } from './filing.js';
export type { ComplianceReport } from './snapshot.js';
export type { UnitView } from './unit.js';
export { ComplianceError, isComplianceError, type ComplianceErrorCode } from './errors.js';
export { FILING_CSV_COLUMNS, filingCsv, filingHtml } from './render.js';
export { personnelFromAccess } from './personnel.js';
export type * from './ports.js';
