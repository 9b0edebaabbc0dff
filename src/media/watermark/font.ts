// Finds a font with CJK glyphs for watermarks: viewers' names and units are usually Chinese, and a Latin-only font
// would draw them as empty boxes. Debian's fonts-noto-cjk (installed by tools/install-system-deps.sh) first.
import { existsSync } from 'node:fs';

export const CJK_FONT_CANDIDATES = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
];

/** The configured font if it exists, else the first installed candidate, else null. */
export function findCjkFont(configured?: string): string | null {
  if (configured) return existsSync(configured) ? configured : null;
  return CJK_FONT_CANDIDATES.find((p) => existsSync(p)) ?? null;
}
