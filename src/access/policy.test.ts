import { describe, expect, it } from 'vitest';
import { AccessError } from './errors.js';
import { checkRoles, checkUsername, passwordProblem } from './policy.js';
import { generatePassword } from './secrets.js';

describe('password policy', () => {
  it.each([
    ['short', 'Ab1!', /at least 12 characters/],
    ['11 chars', 'Abcdefgh1!x', /at least 12 characters/],
    ['lower only', 'abcdefghijklmnop', /at least 3 of/],
    ['lower + upper', 'abcdefGHIJKLmnop', /at least 3 of/],
    ['lower + digit', 'abcdefgh12345678', /at least 3 of/],
    ['contains user name', 'xxAlice-2026yy', /must not contain the user name/],
    ['contains user name, other case', 'ALICE-2026-spring', /must not contain the user name/],
    ['lower + upper + digit', 'Abcdefgh1234', null],
    ['lower + digit + symbol', 'abcdefgh12-!', null],
    ['upper + digit + symbol', 'ABCDEFGH12-!', null],
    ['lower + upper + symbol', 'abcdefGH-!?#', null],
    ['non-Latin letters count as letters', '监控系统Password2026', null],
  ])('%s', (_name, password, expected) => {
    const problem = passwordProblem('alice', password);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it('generated passwords meet the policy (many draws)', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword('admin');
      expect(passwordProblem('admin', password)).toBeNull();
      expect(password).toHaveLength(20);
    }
  });
});

describe('三员分立 (R16.2)', () => {
  it.each([
    [['system_admin', 'security_admin']],
    [['system_admin', 'auditor']],
    [['security_admin', 'auditor']],
    [['system_admin', 'security_admin', 'auditor']],
    [['auditor', 'operator', 'system_admin']],
  ])('refuses %j', (roles) => {
    const error = (() => { try { checkRoles(roles); } catch (e) { return e; } })() as AccessError;
    expect(error).toBeInstanceOf(AccessError);
    expect(error.code).toBe('separation_of_duties');
    expect(error.article).toBe('R16.2');
  });

  it.each([[[]], [['system_admin']], [['security_admin', 'investigator']], [['auditor', 'inspector']], [['operator', 'contractor']]])(
    'allows %j',
    (roles) => {
      expect(checkRoles(roles)).toEqual(roles);
    },
  );

  it('refuses unknown roles and removes duplicates', () => {
    expect(() => checkRoles(['root'])).toThrow(/unknown role 'root'/);
    expect(checkRoles(['operator', 'operator'])).toEqual(['operator']);
  });
});

describe('user names', () => {
  it.each(['alice', 'zhang.wei', 'op_01', 'a-b'])('accepts %s', (name) => expect(() => checkUsername(name)).not.toThrow());
  it.each(['', 'a', '1abc', 'Alice', 'a b', 'x'.repeat(33), 'ali\u0000ce'])('refuses %j', (name) => expect(() => checkUsername(name)).toThrow(AccessError));
});
