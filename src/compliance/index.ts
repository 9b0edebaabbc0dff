// compliance/: the management unit's profile, filing (R14) and the compliance checker's report over live data.
// The public API: other modules import only this file. Owns management_unit, filing_submissions, filing_changes.
export { ComplianceService, type ComplianceDeps, type FilingFormat } from './service.js';
export type { FilingSubmission, SystemFilingStatus } from './filing.js';
export type { ComplianceReport } from './snapshot.js';
export type { UnitView } from './unit.js';
export { ComplianceError, isComplianceError, type ComplianceErrorCode } from './errors.js';
export { FILING_CSV_COLUMNS, filingCsv, filingHtml } from './render.js';
export { floorRetention, installationsFromPlaces, noSignage, personnelFromAccess } from './provisional.js';
export type * from './ports.js';
