// How far the processes had got when the session ended without a final snapshot (a crash, kill -9,
// power loss). Their state is durable as of the last snapshot only, so after reopening, the ticks
// that ran after it run again from the snapshot's state: what they sent is sent again, and what
// they changed was lost. That must not happen silently. While processes run, the session journals
// a small `ticks` record (each process's tick count) at most once per interval, when a count
// changed; opening compares the last one with the counts the snapshot restored and says, for each
// process that was ahead, how many ticks run again. The record is a lower bound: ticks after the
// last record (less than one interval of them) are not known. A guest that dies within a session
// is rebuilt the same way, from the snapshot, and says the same.
import type { ProcessInfo } from '../../shared/types.ts';
import type { Request, SessionOpName } from '../../shared/ops.ts';
import type { Outcome } from '../guest/guest.ts';

/** Each process's tick count at one moment since the last snapshot (not an operation). */
export interface TicksRecord {
  type: 'ticks';
  ticks: Record<string, number>;
}

/** The default interval between two `ticks` records while processes run. */
export const TICK_RECORD_MS = 2_000;

/** What is wrong with a `ticks` record, if anything. */
export function invalidTicksRecord(r: Record<string, unknown>): string | undefined {
  const ticks = r.ticks;
  if (typeof ticks !== 'object' || ticks === null || Array.isArray(ticks))
    return 'is a ticks record without its "ticks" counts';
  for (const n of Object.values(ticks)) {
    if (!Number.isSafeInteger(n) || (n as number) < 0)
      return 'has a tick count that is not a whole number';
  }
  return undefined;
}

/** The record to write now, or undefined when no process has ticked. */
export function ticksRecord(processes: readonly ProcessInfo[]): TicksRecord | undefined {
  const ticks: Record<string, number> = {};
  for (const p of processes) if (p.ticks > 0) ticks[p.name] = p.ticks;
  return Object.keys(ticks).length > 0 ? { type: 'ticks', ticks } : undefined;
}

/**
 * What opening tells the person: for each process that had run more ticks (as last recorded in
 * the journal) than the snapshot holds, how many run again and what that means.
 */
export function ticksPastSnapshot(
  journal: readonly object[],
  restored: readonly ProcessInfo[],
  intervalMs = TICK_RECORD_MS,
  when = 'when Vivarium stopped without saving',
): string[] {
  let last: TicksRecord | undefined;
  for (const r of journal as { type?: string }[]) if (r.type === 'ticks') last = r as TicksRecord;
  if (!last) return [];
  const notes: string[] = [];
  for (const [name, recorded] of Object.entries(last.ticks)) {
    const now = restored.find((p) => p.name === name)?.ticks ?? 0;
    if (recorded <= now) continue;
    const past = recorded - now;
    notes.push(
      `process ${name} had run ${past} tick${past === 1 ? '' : 's'} past the snapshot (ticks ${now} to ${recorded - 1}, as last recorded; up to ${intervalMs / 1000} s more may have run) ${when}: they run again from the snapshot's state, so what they sent is sent again and what they changed was lost`,
    );
  }
  return notes;
}

/** What the recorder needs of the engine. */
export interface TickRecorderHost {
  readonly busy: boolean;
  readonly journaling: boolean;
  readonly closing: boolean;
  exclusive<T>(body: () => Promise<T>): Promise<T>;
  request<N extends SessionOpName>(request: Request<N>, bound?: number): Promise<Outcome<N>>;
  append(record: TicksRecord): Promise<void>;
}

/**
 * Journals how many ticks each process has run (a `ticks` record), when that changed, every
 * interval while the session is idle: what opening after a crash compares with the snapshot.
 * Written like every record (fdatasynced), but never fatal: it is a report, not an operation.
 */
export class TickRecorder {
  readonly #host: TickRecorderHost;
  #timer: NodeJS.Timeout | undefined;
  /** The counts last journaled (a record is written only when they changed). */
  #last = '';

  constructor(host: TickRecorderHost) {
    this.#host = host;
  }

  /** The last record journaled in this session, if any. */
  get last(): TicksRecord | undefined {
    return this.#last ? { type: 'ticks', ticks: JSON.parse(this.#last) } : undefined;
  }

  /** Records every `ms` (0: never). */
  start(ms: number): void {
    if (ms <= 0) return;
    const host = this.#host;
    this.#timer = setInterval(() => {
      if (!host.busy && host.journaling && !host.closing) void this.record();
    }, ms);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  record(): Promise<void> {
    const host = this.#host;
    return host.exclusive(async () => {
      if (!host.journaling) return;
      const ps = await host.request({ op: 'ps' });
      if (ps.kind !== 'reply' || !ps.reply.ok) return;
      const record = ticksRecord(ps.reply.processes);
      const key = JSON.stringify(record?.ticks ?? {});
      if (!record || key === this.#last) return;
      this.#last = key;
      await host.append(record).catch(() => {});
    });
  }
}
