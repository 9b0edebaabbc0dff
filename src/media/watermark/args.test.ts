import { describe, expect, it } from 'vitest';
import { buildWatermarkArgs, sanitizeWatermarkText, WatermarkArgsError } from './args.js';

const FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';

describe('sanitizeWatermarkText (D18: user data inside a filter value)', () => {
  it.each([
    ["O'Brien", 'O’Brien'],
    ['a:b,c;d[e]f', 'a：b，c；d【e】f'],
    ['100%', '100％'],
    ['x\\y=z', 'x＼y＝z'],
    ['line\nbreak\ttab', 'line break tab'],
    ['张三 公安局', '张三 公安局'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeWatermarkText(input)).toBe(expected);
  });

  it('no input can close the quoted value or start another filter', () => {
    const hostile = "x'[out];movie=/etc/passwd[a];[a]drawtext=text='%{pts}";
    const safe = sanitizeWatermarkText(hostile);
    expect(safe).not.toMatch(/['\\:;,[\]%=]/);
  });

  it('caps a line at 120 characters', () => {
    expect(sanitizeWatermarkText('a'.repeat(500))).toHaveLength(120);
  });
});

describe('buildWatermarkArgs', () => {
  it('draws each line with expansion off and re-encodes to fragmented H.264', () => {
    const args = buildWatermarkArgs({ fontFile: FONT, lines: ['导出 #12 张三', '2026-12-02'] });
    const vf = args[args.indexOf('-vf') + 1]!;
    expect(vf.match(/drawtext=/g)).toHaveLength(2);
    expect(vf).toContain("text='导出 #12 张三'");
    expect(vf).toContain('expansion=none');
    expect(args).toContain('libx264');
    expect(args[args.indexOf('-movflags') + 1]).toContain('frag_keyframe');
    expect(args.at(-1)).toBe('pipe:1');
  });

  it('refuses zero or too many lines and a font path that would break the quoting', () => {
    expect(() => buildWatermarkArgs({ fontFile: FONT, lines: [] })).toThrow(WatermarkArgsError);
    expect(() => buildWatermarkArgs({ fontFile: FONT, lines: ['a', 'b', 'c', 'd'] })).toThrow(WatermarkArgsError);
    expect(() => buildWatermarkArgs({ fontFile: "/tmp/x':y.ttf", lines: ['a'] })).toThrow(/absolute and plain/);
    expect(() => buildWatermarkArgs({ fontFile: 'relative.ttf', lines: ['a'] })).toThrow(/absolute/);
  });
});
