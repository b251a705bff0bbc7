/**
 * CPU time of local processes, for benches that share one machine between several servers: how
 * much CPU each process spent on a phase says where the cores went, which a rate alone cannot.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  ticks: number;
}

function procStat(pid: number): ProcStat | undefined {
  let line: string;
  try {
    line = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // the command name (field 2) may hold spaces: the other fields start after its closing ')'
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  // fields[0] is the state (field 3): ppid is field 4, utime 14, stime 15
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** User + system CPU seconds of `pid` and every live descendant (a launcher script and its JVM). */
export function processTreeCpuSeconds(pid: number): number {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const inTree = (p: number): boolean => {
    for (let q = p, hops = 0; q > 1 && hops < 64; hops++) {
      if (q === pid) return true;
      q = stats.get(q)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [p, stat] of stats) if (inTree(p)) ticks += stat.ticks;
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds a set of named process trees spent since the meter was made. */
export class CpuMeter {
  private readonly before = new Map<string, number>();

  constructor(private readonly pids: Record<string, number>) {
    for (const [name, pid] of Object.entries(pids))
      this.before.set(name, processTreeCpuSeconds(pid));
  }

  /** Seconds per process name since construction. */
  read(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      out[name] = Math.round((processTreeCpuSeconds(pid) - this.before.get(name)!) * 100) / 100;
    }
    return out;
  }
}
