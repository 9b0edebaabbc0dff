// The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters from a 31-character alphabet
// (digits and capitals without I, O, Z, S, V); the 18th is a check character over the first 17:
//   c18 = ALPHABET[(31 − Σ value(cᵢ)·wᵢ mod 31) mod 31], wᵢ = 3^(i−1) mod 31, i = 1…17.
// Pure. Used to validate the management unit's profile before it goes into a filing (R14: truthful filing, R29).

export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** 3^(i−1) mod 31 for i = 1…17, as the standard tabulates them. */
export const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character of the first 17 characters, or null if one is outside the alphabet. */
export function creditCodeCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17[i]!);
    if (value < 0) return null;
    sum += value * CREDIT_CODE_WEIGHTS[i]!;
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31]!;
}

export type CreditCodeCheck =
  | { ok: true; code: string }
  | { ok: false; problem: 'length' | 'character' | 'division' | 'check_character'; message: string };

/**
 * Validates a code: trimmed and upper-cased first (people type lower case), 18 characters of the alphabet, an
 * administrative division of six digits (characters 3–8), and the right check character.
 */
export function checkCreditCode(input: string): CreditCodeCheck {
  const code = input.trim().toUpperCase();
  if (code.length !== 18) return { ok: false, problem: 'length', message: `a unified social credit code has 18 characters, not ${code.length}` };
  const bad = [...code].findIndex((c) => !CREDIT_CODE_ALPHABET.includes(c));
  if (bad >= 0) {
    return { ok: false, problem: 'character', message: `character ${bad + 1} ("${code[bad]}") is not allowed (digits and capitals except I, O, Z, S, V)` };
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) {
    return { ok: false, problem: 'division', message: 'characters 3–8 must be the six-digit administrative division code' };
  }
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (expected !== code[17]) {
    return { ok: false, problem: 'check_character', message: `the check character is wrong: "${code[17]}" given, "${expected}" expected for these 17 characters (GB 32100-2015)` };
  }
  return { ok: true, code };
}
