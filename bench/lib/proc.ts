/**
 * Per-process resource readings from Linux /proc: resident memory (VmRSS, VmHWM) and CPU time (utime + stime).
 * A process that has gone away reads as null, never as an error.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream kernel config. */
const CLK_TCK = 100;

export interface ProcSample {
  at: number;
  rssBytes: number;
  peakRssBytes: number;
  cpuMs: number;
  threads: number;
}

export function readProc(pid: number): ProcSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    const threads = Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after the closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { at: Date.now(), rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), cpuMs: ((utime + stime) * 1000) / CLK_TCK, threads };
  } catch {
    return null;
  }
}

/** CPU share of one core between two samples (1.0 = one core fully busy). */
export function cpuCores(a: ProcSample | null, b: ProcSample | null): number | null {
  if (!a || !b || b.at <= a.at) return null;
  return (b.cpuMs - a.cpuMs) / (b.at - a.at);
}

export interface ProcWatch {
  /** Samples taken so far. */
  samples(): ProcSample[];
  maxRss(): number;
  stop(): ProcSample[];
}

/** Samples a process every `everyMs` until stopped (the timer is unref'd: it never keeps the bench alive). */
export function watchProc(pid: number, everyMs = 1_000): ProcWatch {
  const list: ProcSample[] = [];
  const take = () => {
    const s = readProc(pid);
    if (s) list.push(s);
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    samples: () => list,
    maxRss: () => list.reduce((m, s) => Math.max(m, s.rssBytes), 0),
    stop: () => {
      clearInterval(timer);
      take();
      return list;
    },
  };
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    // The machine is shared: the 1/5/15-minute load average at the start says how quiet the run was.
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const MiB = 2 ** 20;
