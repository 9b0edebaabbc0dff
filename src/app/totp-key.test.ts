import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTotpKey, TotpKeyError } from './totp-key.js';

describe('loadTotpKey', () => {
  let dir = '';
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('creates a 0600 key file once and reads the same key back', () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-totp-'));
    const key = loadTotpKey(dir, {});
    expect(key).toHaveLength(32);
    expect(statSync(join(dir, 'keys', 'totp.key')).mode & 0o777).toBe(0o600);
    expect(loadTotpKey(dir, {}).equals(key)).toBe(true);
  });

  it('takes VIGIL_TOTP_KEY, and refuses malformed keys', () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-totp-'));
    expect(loadTotpKey(dir, { VIGIL_TOTP_KEY: 'ab'.repeat(32) }).toString('hex')).toBe('ab'.repeat(32));
    expect(() => loadTotpKey(dir, { VIGIL_TOTP_KEY: 'xyz' })).toThrow(TotpKeyError);
    loadTotpKey(dir, {});
    writeFileSync(join(dir, 'keys', 'totp.key'), 'short\n');
    expect(() => loadTotpKey(dir, {})).toThrow(/not a 32-byte hex key/);
  });
});
