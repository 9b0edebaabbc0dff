// Reading CPU time and memory of processes from /proc (Linux only). The recording benchmark measures the recorder's
// own process tree this way, so the simulator and the benchmark driver are never counted.
//
// CPU of a tree: for each live member, utime + stime (its own CPU) + cutime + cstime (CPU of its children that
// exited and were reaped). A child that is restarted and reaped inside the window is therefore still counted, through
// its parent's cutime/cstime. Tree CPU over a window = cumulative(end) - cumulative(start).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let clkTck: number | undefined;

/** Clock ticks per second of the /proc times (USER_HZ, almost always 100). */
export function clockTicksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Own CPU, seconds (utime + stime). */
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
  /** CPU of reaped children, seconds (cutime + cstime). */
  childCpuSeconds: number;
  threads: number;
}

/** Parses /proc/<pid>/stat; undefined when the process is gone. */
export function readStat(pid: number, path = `/proc/${pid}/stat`): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may contain spaces or ')': the fields after it start at the LAST ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const comm = text.slice(open + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3].
  const tck = clockTicksPerSecond();
  const num = (n: number): number => Number(f[n - 3] ?? 0);
  return {
    pid,
    comm,
    state: f[0] ?? '?',
    ppid: num(4),
    cpuSeconds: (num(14) + num(15)) / tck,
    userSeconds: num(14) / tck,
    systemSeconds: num(15) / tck,
    childCpuSeconds: (num(16) + num(17)) / tck,
    threads: num(20),
  };
}

/** VmRSS of a process in bytes (0 when gone or a zombie). */
export function readRssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * PSS of a process in bytes (shared pages divided among the processes sharing them), 0 when unavailable. Unlike
 * VmRSS, PSS sums correctly over many ffmpeg processes that share the same libraries.
 */
export function readPssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live process's stat, by pid. */
export function allStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.set(s.pid, s);
  }
  return out;
}

/** The root and all its live descendants. */
export function processTree(rootPid: number, stats = allStats()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats.values()) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const root = stats.get(rootPid);
  if (!root) return [];
  const out: ProcStat[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const s = queue.shift()!;
    out.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

export interface GroupSample {
  atMs: number;
  /** Cumulative CPU seconds of the group (own + reaped children), see the file comment. */
  cpuSeconds: number;
  rssBytes: number;
  /** Sum of PSS (see readPssBytes): the group's real share of memory. */
  pssBytes: number;
  processes: number;
  /** RSS by command name (e.g. node, ffmpeg). */
  rssByComm: Record<string, number>;
  /** Cumulative CPU seconds by command name (own CPU only; reaped children are counted under `reaped`). */
  cpuByComm: Record<string, number>;
}

/**
 * Samples a group of processes: either the tree under `rootPid`, or an explicit list of pids (processes this driver
 * spawned itself, whose reaped CPU would otherwise land in the driver's own cutime).
 */
export function sampleGroup(target: { rootPid: number } | { pids: readonly number[] }): GroupSample {
  const members = 'rootPid' in target ? processTree(target.rootPid) : target.pids.map((p) => readStat(p)).filter((s): s is ProcStat => !!s);
  let cpu = 0;
  let rss = 0;
  let pss = 0;
  const rssByComm: Record<string, number> = {};
  const cpuByComm: Record<string, number> = {};
  for (const s of members) {
    // A zombie still carries its CPU until it is reaped (then its parent's cutime does): count it either way.
    cpu += s.cpuSeconds + s.childCpuSeconds;
    cpuByComm[s.comm] = (cpuByComm[s.comm] ?? 0) + s.cpuSeconds;
    if (s.childCpuSeconds > 0) cpuByComm.reaped = (cpuByComm.reaped ?? 0) + s.childCpuSeconds;
    const r = readRssBytes(s.pid);
    rss += r;
    pss += readPssBytes(s.pid);
    rssByComm[s.comm] = (rssByComm[s.comm] ?? 0) + r;
  }
  return { atMs: Date.now(), cpuSeconds: cpu, rssBytes: rss, pssBytes: pss, processes: members.length, rssByComm, cpuByComm };
}

export interface ThreadCpu {
  comm: string;
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
}

/** Per-thread CPU of one process (to see whether a single-threaded part is saturated, and where time goes). */
export function threadCpuSeconds(pid: number): Map<number, ThreadCpu> {
  const out = new Map<number, ThreadCpu>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const s = readStat(Number(tid), `/proc/${pid}/task/${tid}/stat`);
    if (s) out.set(Number(tid), { comm: s.comm, cpuSeconds: s.cpuSeconds, userSeconds: s.userSeconds, systemSeconds: s.systemSeconds });
  }
  return out;
}

export interface MachineCpuSample {
  /** Jiffies, all CPUs: busy (everything but idle and iowait) and total. */
  busy: number;
  total: number;
  iowait: number;
}

/** The machine-wide counters of /proc/stat's `cpu` line. */
export function machineCpu(): MachineCpuSample {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait, iowait };
}

/** Busy share of the whole machine between two samples, 0..1 (1 = every core busy). */
export function machineBusy(a: MachineCpuSample, b: MachineCpuSample): { busy: number; iowait: number } {
  const total = b.total - a.total;
  return total > 0 ? { busy: (b.busy - a.busy) / total, iowait: (b.iowait - a.iowait) / total } : { busy: 0, iowait: 0 };
}

export function loadAverage(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  return [a, b, c];
}

/** CPU used between two thread snapshots of process `pid`: its main thread ('main') apart, the others summed by
 *  thread name (Node 20 leaves its libuv pool and V8 helper threads named 'node'), user and system apart. */
export function threadCpuDelta(pid: number, before: Map<number, ThreadCpu>, after: Map<number, ThreadCpu>): Record<string, { user: number; system: number; threads: number }> {
  const out: Record<string, { user: number; system: number; threads: number }> = {};
  for (const [tid, t] of after) {
    const b = before.get(tid);
    const e = (out[tid === pid ? 'main' : `${t.comm} (other threads)`] ??= { user: 0, system: 0, threads: 0 });
    e.user += t.userSeconds - (b?.userSeconds ?? 0);
    e.system += t.systemSeconds - (b?.systemSeconds ?? 0);
    e.threads++;
  }
  for (const e of Object.values(out)) {
    e.user = Math.round(e.user * 100) / 100;
    e.system = Math.round(e.system * 100) / 100;
  }
  return out;
}
