import { describe, expect, it } from 'vitest';
import { checkCreditCode, creditCodeCheckCharacter } from './index.js';

describe('unified social credit code (GB 32100-2015)', () => {
  // Codes published on business licences (National Enterprise Credit Information Publicity System).
  it.each([
    ['91330100799655058B'], // Alibaba (China) Co., Ltd.
    ['9144030071526726XG'], // Shenzhen Tencent Computer Systems Co., Ltd.
    ['914403001922038216'], // Huawei Technologies Co., Ltd.
    ['91110108551385082Q'], // Xiaomi Technology Co., Ltd. (Beijing Haidian)
  ])('accepts %s', (code) => {
    expect(checkCreditCode(code)).toEqual({ ok: true, code });
  });

  it('normalises case and spaces', () => {
    expect(checkCreditCode(' 9144030071526726xg ')).toEqual({ ok: true, code: '9144030071526726XG' });
  });

  it.each([
    ['91330100799655058A', 'check_character'], // last character changed
    ['91330100799655085B', 'check_character'], // two digits swapped
    ['9133010079965505', 'length'],
    ['91330100799655058BX', 'length'],
    ['91330100799655O58B', 'character'], // letter O
    ['913301007996550S8B', 'character'], // S is not in the alphabet
    ['91A30100799655058B', 'division'],
    ['', 'length'],
  ])('refuses %s (%s)', (code, problem) => {
    const result = checkCreditCode(code);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toBe(problem);
  });

  it('computes the check character from the weighted sum mod 31 (0 maps to "0")', () => {
    expect(creditCodeCheckCharacter('91330100799655058')).toBe('B');
    expect(creditCodeCheckCharacter('0'.repeat(17))).toBe('0');
    expect(creditCodeCheckCharacter('short')).toBeNull();
  });
});
