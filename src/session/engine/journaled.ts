// One image-changing operation, journaled in two records (DESIGN, semantics 8). Its `begin` is
// written while the guest runs it; the guest then holds the staged transaction open until the
// `outcome` record is on disk, and only then commits and shows the value. A write that fails
// refuses the operation (the guest rolls it back) and the session goes on.
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
  const begin = journaling ? write(host, { type: 'begin', entry, ...operation }) : undefined;
  const started = performance.now();
  const outcome: Outcome<Transactional['op']> = await host.guest.request(
    { ...request, hold: journaling },
    host.timeoutMs,
  );
  const ms = Math.round(performance.now() - started);
  const beginFailure = await begin;
  const what = describeOperation(operation);
  const source = operation.op === 'entry' ? operation.source : what;

  if (outcome.kind === 'died') {
    if (journaling && !beginFailure) {
      await write(host, { type: 'outcome', entry, ok: false, error: 'GuestDied', died: true, ms });
    }
    const message = await host.revive(outcome.reason, entry, what);
    return { ok: false, error: { name: 'GuestDied', message }, printed: [] };
  }
  if (outcome.kind === 'interrupted') {
    if (journaling && !beginFailure) {
      const error = host.userInterrupt || !host.timeoutMs ? 'Interrupted' : 'TimeoutError';
      await write(host, { type: 'outcome', entry, ok: false, error, interrupted: true, ms });
    }
    return host.toResult(outcome, source);
  }
  const reply = outcome.reply;
  const draws = reply.draws;
  const hasDraws = !!draws && (!!draws.seed || !!draws.epoch || !!draws.perf);
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
      ? (beginFailure ??
        (await write(host, { type: 'outcome', entry, ...step.recorded, ok: false })))
      : undefined;
    if (host.keeping) host.keep(step, []);
    const result = await host.toResult(outcome, source);
    if (failure) {
      result.warning = `this failure could not be journaled (${failure.message}); changes it made inside objects that existed before it are not on disk until the next :save`;
    }
    return result;
  }
  if (!journaling) {
    if (host.keeping) host.keep(step, names);
    return host.toResult(outcome, source);
  }
  const failure =
    beginFailure ?? (await write(host, { type: 'outcome', entry, ...step.recorded, ok: true }));
  if (failure) {
    await host.guest.request({ op: 'abort', entry });
    return {
      ok: false,
      error: {
        name: 'JournalError',
        message: `the entry was not applied, because its journal record could not be written: ${failure.message}. Nothing changed; the session goes on`,
      },
      printed: reply.printed,
    };
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

/** Writes a journal record; the error when it could not be written durably. */
async function write(host: JournalHost, record: JournalRecord): Promise<Error | undefined> {
  try {
    await host.append(record);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
