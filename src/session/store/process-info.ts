// What the lock needs to know about a process named in a lock file: is it running, is it a
// zombie, when did it start (so a reused pid is told apart from the process that wrote the lock),
// and does it look like Vivarium. Linux answers from /proc; elsewhere only "is it running" is
// known (signal 0), and the answers that need /proc are null.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

export interface ProcessStat {
  /** One letter: R running, S sleeping, Z zombie, ... */
  state: string;
  /** Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. */
  start: string;
}

/** The process's state and start time from /proc/PID/stat; null when unknown (gone, no /proc). */
export function processStat(pid: number): ProcessStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Field 2, the command name, is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, start] = [fields[0], fields[19]];
  return state && start && /^\d+$/.test(start) ? { state, start } : null;
}

/** This process's start time (null where /proc is missing): recorded in the locks it takes. */
export const OWN_START = processStat(process.pid)?.start ?? null;

/** Linux's boot id: a lock written before a reboot names a process of another boot. */
export const BOOT_ID = ((): string | null => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
})();

/**
 * Whether the process could be a Vivarium (a Node process, or one whose arguments mention viv):
 * false only when its command line is known and plainly something else; null when unknown.
 */
export function looksLikeVivarium(pid: number): boolean | null {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
  if (argv.length === 0) return null;
  return /node/i.test(basename(argv[0]!)) || argv.some((arg) => /viv/i.test(basename(arg)));
}

/** The process's command name for messages ("sleep"), or null when unknown. */
export function commandName(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')) || null;
  } catch {
    return null;
  }
}
