// requests/: public reports (举报) of unlawful installations (R24) — intake, tracking code, handlers' response log.
// Owns complaints and complaint_responses. (R20 retrieval, R21 data-subject viewing and R22 releases come later.)
// Other modules import only this file.
export { ComplaintService, escapeHtml, REPORT_LIMITS, type Complaint, type ComplaintResponse, type ComplaintServiceDeps, type NewReport, type PublicReportStatus } from './complaints.js';
export { REQUEST_ERROR_CODES, RequestError, type RequestErrorCode } from './errors.js';
