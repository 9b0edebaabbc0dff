import { describe, expect, it } from 'vitest';
import { ACCESS_ERROR_CODES, AccessError } from '../access/index.js';
import { errorRegistry, toApiError } from './errors.js';

describe('access error codes in the registry', () => {
  it('every code access/ throws has a status', () => {
    expect(ACCESS_ERROR_CODES.filter((code) => errorRegistry[code] === undefined)).toEqual([]);
  });

  it.each([
    ['invalid_credentials', 401, undefined],
    ['account_locked', 423, 'R15'],
    ['reason_required', 400, 'R16.3'],
    ['training_overdue', 403, 'R16.1'],
    ['agreement_expired', 403, 'R19'],
    ['separation_of_duties', 422, 'R16.2'],
  ] as const)('%s → %i (%s)', (code, status, article) => {
    const mapped = toApiError(new AccessError(code, 'm'));
    expect(mapped.status).toBe(status);
    expect(mapped.body.article).toBe(article);
  });

  it('the article carried by the error is returned', () => {
    expect(toApiError(new AccessError('forbidden', 'm', 'R16.2')).body).toEqual({ error: 'forbidden', message: 'm', article: 'R16.2' });
  });
});
