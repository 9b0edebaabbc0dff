import { describe, expect, it } from 'vitest';
import * as domain from '../index.js';

describe('src/domain/index.ts exports the places API', () => {
  it.each(['checkArea', 'screenText', 'checkActivation', 'filingStatus', 'checkCompliance', 'describeFines'])('%s', (name) => {
    expect(typeof (domain as Record<string, unknown>)[name]).toBe('function');
  });

  it('exports the data tables', () => {
    expect(Object.keys(domain.PLACE_CATEGORIES)).toHaveLength(7);
    expect(domain.PENALTIES['R27.1'].article).toBe('R27.1');
  });
});
