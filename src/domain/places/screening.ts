// Screening of free-text names and descriptions (R8.1): a mention of a forbidden area is flagged for human review,
// never silently accepted and never refused on its own — "客房部走廊" (the housekeeping department's corridor) is a
// lawful place that merely names one. checkArea() refuses; screenText() flags.
import type { ForbiddenArticle } from './places.js';

interface ScreenTerm {
  term: string;
  article: ForbiddenArticle;
  pattern: RegExp;
}

/** Chinese terms match as substrings; a lookbehind drops known compounds that are not the area (面包间 = bakery). */
function zh(term: string, article: ForbiddenArticle, notAfter?: string): ScreenTerm {
  const lookbehind = notAfter ? `(?<![${notAfter}])` : '';
  return { term, article, pattern: new RegExp(`${lookbehind}${term}`, 'gu') };
}

/** English terms match whole words, any case, with an optional plural; `source` may hold alternatives. */
function en(term: string, article: ForbiddenArticle, source: string): ScreenTerm {
  return { term, article, pattern: new RegExp(`\\b(?:${source})\\b`, 'giu') };
}

const SPACE = '[\\s_-]*';

/** Ordered longest-first within an article so the reported term is the most specific one. */
const SCREEN_TERMS: readonly ScreenTerm[] = [
  // R8.1(1) guest rooms and private dining rooms
  zh('客房', 'R8.1(1)', '旅'),
  zh('包间', 'R8.1(1)', '面书'),
  zh('包厢', 'R8.1(1)'),
  zh('雅间', 'R8.1(1)'),
  en('guest room', 'R8.1(1)', `guest${SPACE}rooms?`),
  en('hotel room', 'R8.1(1)', `hotel${SPACE}rooms?`),
  en('private dining room', 'R8.1(1)', `private${SPACE}(?:dining${SPACE})?rooms?`),
  // R8.1(2) dormitories, staff lodging and rest rooms
  zh('宿舍', 'R8.1(2)'),
  zh('寝室', 'R8.1(2)'),
  zh('员工休息室', 'R8.1(2)'),
  zh('职工休息室', 'R8.1(2)'),
  zh('员工公寓', 'R8.1(2)'),
  en('dormitory', 'R8.1(2)', 'dorms?|dormitory|dormitories'),
  en('staff lodging', 'R8.1(2)', `staff${SPACE}(?:lodgings?|quarters|housing)`),
  en('staff rest room', 'R8.1(2)', `(?:staff|employee)${SPACE}(?:rest|break)${SPACE}rooms?|break${SPACE}rooms?`),
  en('bedroom', 'R8.1(2)', 'bedrooms?'),
  // R8.1(3) baths, toilets, changing, nursing and fitting rooms
  zh('浴室', 'R8.1(3)'),
  zh('澡堂', 'R8.1(3)'),
  zh('淋浴', 'R8.1(3)'),
  zh('洗浴', 'R8.1(3)'),
  zh('桑拿', 'R8.1(3)'),
  zh('卫生间', 'R8.1(3)'),
  zh('厕所', 'R8.1(3)'),
  zh('公厕', 'R8.1(3)'),
  zh('洗手间', 'R8.1(3)'),
  zh('盥洗室', 'R8.1(3)'),
  zh('更衣室', 'R8.1(3)'),
  zh('更衣间', 'R8.1(3)'),
  zh('换衣间', 'R8.1(3)'),
  zh('哺乳室', 'R8.1(3)'),
  zh('母婴室', 'R8.1(3)'),
  zh('试衣间', 'R8.1(3)'),
  zh('试衣室', 'R8.1(3)'),
  en('restroom', 'R8.1(3)', `rest${SPACE}rooms?`),
  en('toilet', 'R8.1(3)', 'toilets?'),
  en('WC', 'R8.1(3)', 'wcs?'),
  en('washroom', 'R8.1(3)', `wash${SPACE}rooms?|lavator(?:y|ies)|men'?s${SPACE}rooms?|ladies'?${SPACE}rooms?`),
  en('bathroom', 'R8.1(3)', `bath${SPACE}rooms?|bath${SPACE}houses?|public${SPACE}baths?|showers?|saunas?`),
  en('changing room', 'R8.1(3)', `(?:changing|locker|dressing)${SPACE}rooms?`),
  en('nursing room', 'R8.1(3)', `(?:nursing|lactation|breastfeeding|mother'?s|baby${SPACE}care)${SPACE}rooms?`),
  en('fitting room', 'R8.1(3)', `fitting${SPACE}rooms?`),
  // R8.1(4) any other spot that can film or overhear privacy
  zh('卧室', 'R8.1(4)'),
  // Not 隐私 / "privacy" alone: necessity statements routinely promise to protect privacy (R13).
  en('private area', 'R8.1(4)', `private${SPACE}areas?`),
];

export interface ScreenMatch {
  /** The canonical term that matched (e.g. "restroom" for "Rest Rooms"). */
  term: string;
  /** The text as written. */
  matched: string;
  article: ForbiddenArticle;
  index: number;
}

export type ScreenResult = { status: 'clear' } | { status: 'review'; matches: ScreenMatch[] };

/** Flags text that names a forbidden area (R8.1), zh or en; matches are ordered by position, one per span. */
export function screenText(text: string): ScreenResult {
  const found: ScreenMatch[] = [];
  for (const { term, article, pattern } of SCREEN_TERMS) {
    for (const m of text.matchAll(pattern)) {
      found.push({ term, matched: m[0], article, index: m.index });
    }
  }
  // Overlapping hits (e.g. "员工休息室" inside a longer phrase) keep the earliest, then the longest.
  found.sort((a, b) => a.index - b.index || b.matched.length - a.matched.length);
  const matches: ScreenMatch[] = [];
  let coveredUntil = -1;
  for (const hit of found) {
    if (hit.index < coveredUntil) continue;
    matches.push(hit);
    coveredUntil = hit.index + hit.matched.length;
  }
  return matches.length === 0 ? { status: 'clear' } : { status: 'review', matches };
}

/** Screens several texts (site, position, angle, necessity statement …) at once; each index is within its own text. */
export function screenTexts(texts: readonly (string | undefined)[]): ScreenResult {
  const matches = texts.flatMap((text) => {
    const result = text ? screenText(text) : { status: 'clear' as const };
    return result.status === 'review' ? result.matches : [];
  });
  return matches.length === 0 ? { status: 'clear' } : { status: 'review', matches };
}
