// Appends each signed segment checkpoint to the export file of `integrity.exportFile` (R15): a copy kept off the
// machine, checked later by `vigil verify --against FILE` (integrity/export.ts says why). One line per checkpoint,
// synced before the next: a crash loses at most the line being written, which verify skips as malformed only if it
// was cut (a cut line is refused with its line number, never silently ignored).
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { IntegrityCheckpointRow } from '../db/index.js';
import { formatExportLine } from '../integrity/index.js';

export function checkpointAppender(file: string): (row: IntegrityCheckpointRow) => Promise<void> {
  const path = resolve(file);
  return async (row) => {
    const handle = await open(path, 'a', 0o640);
    try {
      await handle.write(formatExportLine(row));
      await handle.datasync();
    } finally {
      await handle.close();
    }
  };
}
