// Every code systems and compliance throw has its status (and, where the law refuses, its article) in the one
// registry, so the same refusal always answers the same way.
import { describe, expect, it } from 'vitest';
import { ComplianceError, type ComplianceErrorCode } from '../compliance/index.js';
import { SystemError, type SystemErrorCode } from '../devices/index.js';
import { toApiError } from './errors.js';

describe('system and compliance errors in the registry', () => {
  it.each<[SystemErrorCode, number, string | undefined]>([
    ['system_not_found', 404, undefined],
    ['invalid_system', 422, undefined],
    ['system_transition_invalid', 409, 'R11'],
    ['system_document_missing', 409, 'R11'],
    ['system_document_not_found', 404, undefined],
    ['document_too_large', 413, undefined],
    ['camera_in_other_system', 409, undefined],
    ['system_retired', 409, undefined],
    ['system_not_accepted', 403, 'D12'],
  ])('%s → %i %s', (code, status, article) => {
    const { status: got, body } = toApiError(new SystemError(code, 'm', 'f'));
    expect(got).toBe(status);
    expect(body).toMatchObject({ error: code, field: 'f' });
    expect(body.article).toBe(article);
  });

  it('an article carried by the error wins over the default (D12 for acceptance)', () => {
    expect(toApiError(new SystemError('system_document_missing', 'm', 'documents', 'D12')).body.article).toBe('D12');
  });

  it.each<[ComplianceErrorCode, number, string | undefined]>([
    ['unit_profile_missing', 409, 'R14'],
    ['invalid_unit', 422, undefined],
    ['credit_code_invalid', 422, 'R14'],
    ['invalid_filing', 422, undefined],
    ['filing_submission_not_found', 404, undefined],
    ['filing_receipt_exists', 409, undefined],
    ['filing_not_applicable', 409, 'R14'],
  ])('%s → %i %s', (code, status, article) => {
    const { status: got, body } = toApiError(new ComplianceError(code, 'm'));
    expect(got).toBe(status);
    expect(body.article).toBe(article);
  });
});
