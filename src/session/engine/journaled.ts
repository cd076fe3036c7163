// One image-changing operation, journaled in two records (DESIGN, semantics 8). Its `begin` is
// on disk before the guest runs it (a write that fails refuses the operation before anything
// ran: nothing changed); the guest then holds the staged transaction open until the `outcome`
// record is on disk, and only then commits and shows the value.
//
// When the outcome cannot be written, the operation is rolled back, but it did run: changes it
// made inside objects that existed before it stay in the session and are on disk nowhere. The
// journal can no longer rebuild what the session shows, so the engine takes no more operations
// until a snapshot is saved (`diverged`). An operation stopped by its bound or Ctrl-C is the same
// (how far it got cannot be replayed), so a snapshot is saved right after it.
import type { Reply, Request } from '../../shared/ops.ts';
import { succeeded } from '../../shared/ops.ts';
import type { Result } from '../result.ts';
import type { GuestConnection, Outcome } from '../guest/guest.ts';
import type { JournalRecord, Operation, Step } from './journal-records.ts';
import { describeOperation } from './journal-records.ts';

type Transactional = Request<'eval'> | Request<'rollback'> | Request<'control'>;

/** What the protocol needs of the engine. */
export interface JournalHost {
  readonly guest: GuestConnection;
  /** Whether operations are journaled (an image file, and not read-only). */
  readonly journaling: boolean;
  /** Whether operations are kept for a revival at all (not while a stopped replay is open). */
  readonly keeping: boolean;
  readonly timeoutMs: number;
  /** The person pressed Ctrl-C during this operation. */
  readonly userInterrupt: boolean;
  append(record: JournalRecord): Promise<void>;
  /** Keeps an operation since the last snapshot (for a revival), and the names it changed. */
  keep(step: Step, names: string[]): void;
  /** A new guest, rebuilt; says what happened. */
  revive(reason: string, entry?: number, what?: string): Promise<string>;
  /** The reply (or stop, or death) as the person reads it. */
  toResult(outcome: Outcome<'eval'>, source: string): Promise<Result>;
  /** The journal no longer rebuilds what the session shows: refuse operations until a save. */
  /** `fixable`: the image holds something unsaveable, which only an entry can change. */
  diverge(reason: string, fixable?: boolean): void;
  /** Saves a snapshot now (after an operation that cannot be replayed); why not, if it failed. */
  saveNow(): Promise<{ message: string; unsaveable: boolean } | undefined>;
}

/**
 * Runs one operation with the two-phase protocol and returns its Result; never throws for a
 * failure of the guest or of the disk.
 */
export async function runJournaled(
  host: JournalHost,
  operation: Operation,
  request: Transactional,
  names: string[],
  quiet: boolean,
): Promise<Result> {
  const { entry } = request;
  const journaling = host.journaling;
  const what = describeOperation(operation);
  const source = operation.op === 'entry' ? operation.source : what;
  if (journaling) {
    const failure = await write(host, { type: 'begin', entry, ...operation });
    if (failure)
      return refused(failure, [], 'nothing ran and nothing changed; the session goes on');
  }
  const started = performance.now();
  // Stopped (Ctrl-C, a signal) while its begin record was being written: it never runs.
  const outcome: Outcome<Transactional['op']> = host.userInterrupt
    ? { kind: 'interrupted' }
    : await host.guest.request(
        // Held to be journaled first; without a journal the kernel still holds an entry whose
        // value is a promise, shown by the commit after V8 ran the microtasks that tell its state.
        { ...request, hold: journaling },
        host.timeoutMs,
      );
  const ms = Math.round(performance.now() - started);

  if (outcome.kind === 'died') {
    if (journaling) {
      await write(host, { type: 'outcome', entry, ok: false, error: 'GuestDied', died: true, ms });
    }
    const message = await host.revive(outcome.reason, entry, what);
    return { ok: false, error: { name: 'GuestDied', message }, printed: [] };
  }
  if (outcome.kind === 'interrupted') {
    const result = await host.toResult(outcome, source);
    if (!journaling) return result;
    const error = host.userInterrupt || !host.timeoutMs ? 'Interrupted' : 'TimeoutError';
    const failure = await write(host, {
      type: 'outcome',
      entry,
      ok: false,
      error,
      interrupted: true,
      ms,
    });
    // How far it got cannot be replayed: whatever it changed inside existing objects is kept by
    // a snapshot, taken now.
    const unsaved = failure
      ? { message: failure.message, unsaveable: false }
      : await host.saveNow();
    if (unsaved) {
      const why = `entry ${entry} was stopped, and the image could not be saved after it (${unsaved.message})`;
      host.diverge(why, unsaved.unsaveable);
      result.warning = unsaved.unsaveable
        ? `the image could not be saved after this entry was stopped (${unsaved.message}). Entries still run, since only an entry can fix that, and the image is saved after each one until it works; until then a crash would lose the changes the stopped entry made inside existing objects`
        : `the image could not be saved after this entry was stopped (${unsaved.message}); until it is, entries are refused (changes the stopped entry made inside existing objects could not be rebuilt after a crash)`;
    }
    return result;
  }
  const reply = outcome.reply;
  const draws = reply.draws;
  const hasDraws = !!draws && (!!draws.seed || !!draws.clock || !!draws.perf);
  const step: Step = {
    entry,
    operation,
    recorded: { ok: reply.ok, ms, ...(hasDraws ? { draws } : {}) },
  };
  if (!succeeded(reply)) {
    // Rolled back in the guest already; changes it made inside older objects stay, and replay
    // reproduces them from this record.
    step.recorded.error = reply.error.name;
    const failure = journaling
      ? await write(host, { type: 'outcome', entry, ...step.recorded, ok: false })
      : undefined;
    if (host.keeping) host.keep(step, []);
    const result = await host.toResult(outcome, source);
    if (failure) {
      host.diverge(`the failure of entry ${entry} could not be journaled (${failure.message})`);
      result.warning = `this failure could not be journaled (${failure.message}); until a snapshot is saved, entries are refused (changes it made inside existing objects could not be rebuilt after a crash)`;
    }
    return result;
  }
  if (!journaling) {
    if (host.keeping) host.keep(step, names);
    return reply.held ? commit(host, entry, quiet, reply) : host.toResult(outcome, source);
  }
  const failure = await write(host, { type: 'outcome', entry, ...step.recorded, ok: true });
  if (failure) {
    await host.guest.request({ op: 'abort', entry });
    host.diverge(`the outcome of entry ${entry} could not be journaled (${failure.message})`);
    return refused(
      failure,
      reply.printed,
      'it ran, and was rolled back, but changes it made inside objects that existed before it remain; until a snapshot is saved (:save, once the disk has room), entries are refused',
    );
  }
  host.keep(step, names);
  return commit(host, entry, quiet, reply);
}

/** The held operation is journaled: commit it and show its value (bounded, Ctrl-C stops it). */
async function commit(
  host: JournalHost,
  entry: number,
  quiet: boolean,
  held: Extract<Reply<'eval'>, { ok: true }>,
): Promise<Result> {
  const outcome = await host.guest.request(
    { op: 'commit', entry, display: !quiet },
    host.timeoutMs,
  );
  const base = { ok: true, defined: held.defined, printed: held.printed } as const;
  if (outcome.kind === 'reply') {
    const reply = outcome.reply;
    return { ...base, value: reply.ok ? reply.value : undefined, printed: reply.printed ?? [] };
  }
  if (outcome.kind === 'interrupted') {
    // Committing comes before showing; make sure the commit is complete, then say what failed.
    await host.guest.request({ op: 'commit', entry, display: false });
    const why = host.userInterrupt
      ? 'you stopped it (Ctrl-C)'
      : `it ran longer than ${host.timeoutMs} ms and was stopped`;
    return { ...base, warning: `accepted; printing its value failed: ${why}` };
  }
  const message = await host.revive(outcome.reason);
  return { ...base, warning: `accepted; printing its value killed the guest: ${message}` };
}

function refused(failure: Error, printed: string[], what: string): Result {
  return {
    ok: false,
    error: {
      name: 'JournalError',
      message: `the entry was not applied: its journal record could not be written (${failure.message}); ${what}`,
    },
    printed,
  };
}

/** Writes a journal record; the error when it could not be written durably. */
async function write(host: JournalHost, record: JournalRecord): Promise<Error | undefined> {
  try {
    await host.append(record);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
