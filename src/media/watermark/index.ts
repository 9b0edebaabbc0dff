// The export watermark (D18): viewer identity and register entry burned into every frame of an export.
export { buildSnapshotArgs, buildWatermarkArgs, MASK_FD, sanitizeWatermarkText, WatermarkArgsError } from './args.js';
export { CJK_FONT_CANDIDATES, findCjkFont } from './font.js';
export { runSnapshot, runWatermark, WatermarkError, type ByteWriter, type WatermarkRunOptions } from './run.js';
