import { describe, expect, it } from 'vitest';
import { describeFines, PENALTIES, type FinedParty, type PenaltyArticle } from './penalties.js';

type Range = [number, number];

describe('penalties R26–R30 as the articles attach them', () => {
  it.each<[PenaltyArticle, Partial<Record<FinedParty, Range>>, string[]]>([
    ['R26', { individual: [0, 5_000], unit: [0, 20_000], responsible_persons: [0, 5_000] }, ['责令限期改正', '删除所收集的视频图像信息']],
    ['R27.1', { individual: [5_000, 10_000], unit: [10_000, 20_000], responsible_persons: [5_000, 10_000] }, ['没收相关设备设施', '删除所收集的视频图像信息']],
    ['R27.2', { individual: [5_000, 10_000], unit: [10_000, 20_000], responsible_persons: [5_000, 10_000] }, ['责令改正']],
    ['R28', { individual: [5_000, 10_000], unit: [10_000, 20_000], responsible_persons: [5_000, 10_000] }, ['没收相关设备设施', '删除所收集的视频图像信息']],
    ['R29', { unit: [0, 10_000] }, ['责令限期改正']],
    ['R30', { individual: [0, 5_000], unit: [5_000, 10_000], responsible_persons: [0, 5_000] }, ['责令改正', '给予警告']],
    ['R13', {}, ['责令改正']],
  ])('%s', (article, expectedFines, measuresZh) => {
    const penalty = PENALTIES[article];
    expect(penalty.article).toBe(article);
    const actual = Object.fromEntries(penalty.fines.map((f) => [f.party, [f.minYuan, f.maxYuan]]));
    expect(actual).toEqual(expectedFines);
    expect(penalty.measures.map((m) => m.zh)).toEqual(measuresZh);
    for (const measure of penalty.measures) expect(measure.en).not.toBe('');
    // The quote is the article's own text, so every amount must appear in it.
    for (const fine of penalty.fines) {
      const amount = (yuan: number): string => (yuan >= 10_000 ? `${yuan / 10_000} 万元` : `${yuan} 元`);
      expect(penalty.quoteZh).toContain(amount(fine.maxYuan) + '以下');
      if (fine.minYuan > 0) expect(penalty.quoteZh).toContain(amount(fine.minYuan) + '以上');
    }
  });

  it('summarises the fines in English', () => {
    expect(describeFines(PENALTIES['R27.1'])).toBe('¥5,000–¥10,000 (individual), ¥10,000–¥20,000 (unit), ¥5,000–¥10,000 (responsible persons)');
    expect(describeFines(PENALTIES.R29)).toBe('up to ¥10,000 (unit)');
    expect(describeFines(PENALTIES.R13)).toBe('order to correct');
  });
});
