// Child processes of a test's process, read from /proc (Linux): for proving a process was started, or was not left
// behind.
import { readdirSync, readFileSync } from 'node:fs';

/** Live processes (not zombies) whose parent is `ppid` and whose command line has `word`. */
export function childrenWith(ppid: number, word: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) === ppid && state !== 'Z' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(word)) found.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return found;
}
