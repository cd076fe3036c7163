// What the journal holds, and what replaying it does. Every image-changing operation (an entry,
// `:rollback`, `:stop`/`:restart`/`:forget`) is written twice: a `begin` record before the guest
// runs it (written while it runs), and an `outcome` record once it has run (written before its
// result is shown and before the guest commits it). An operation with no outcome was still
// running, or was refused, when the session ended: its effects died with it, and it is not
// replayed. One that failed is replayed too (changes it made inside objects that existed before
// it cannot be undone, and the replay reproduces them), and must fail again the same way.
import type { ControlAction, Draws } from '../../shared/types.ts';
import { invalidTicksRecord } from './tick-records.ts';
import type { TicksRecord } from './tick-records.ts';

export type Operation =
  | { op: 'entry'; source: string }
  | { op: 'rollback'; name: string; version?: number }
  | { op: 'control'; action: ControlAction; name: string };

export type BeginRecord = { type: 'begin'; entry: number } & Operation;

export interface OutcomeRecord {
  type: 'outcome';
  entry: number;
  ok: boolean;
  /** The error's name when it failed. */
  error?: string;
  /** Stopped by a timeout or Ctrl-C: how far it got cannot be reproduced, so it is not replayed. */
  interrupted?: boolean;
  /** The guest died running it: not replayed. */
  died?: boolean;
  draws?: Draws;
  /** How long it ran, in milliseconds: replay allows it a multiple of this. */
  ms?: number;
}

/** The person chose to leave this operation out of the image (after a replay stopped at it). */
export interface SkipRecord {
  type: 'skip';
  entry: number;
}

/** Journals written before outcomes were recorded: accepted unless marked rejected. */
type LegacyRecord =
  | { type: 'entry'; entry: number; source: string }
  | { type: 'rollback'; entry: number; name: string; version?: number }
  | { type: 'control'; entry: number; action: ControlAction; name: string }
  | { type: 'rejected'; entry: number };

export type JournalRecord = BeginRecord | OutcomeRecord | SkipRecord | LegacyRecord | TicksRecord;

/** What happened when an operation first ran: what its replay must do again. */
export interface Recorded {
  ok: boolean;
  error?: string;
  draws?: Draws;
  ms?: number;
}

/** One operation to replay, with its recorded outcome. */
export interface Step {
  entry: number;
  operation: Operation;
  recorded: Recorded;
}

export interface ReplayPlan {
  steps: Step[];
  /** What opening should tell the person (operations not applied, skipped). */
  notes: string[];
  /** The highest entry number the journal holds (the next entry continues after it). */
  lastEntry: number;
}

/** Reads the journal's records into the steps that rebuild the image. */
export function planReplay(records: readonly object[], savedEntry = 0): ReplayPlan {
  // `ticks` records say how far processes got (tick-records.ts); they are not operations.
  const list = (records as JournalRecord[]).filter(
    (r): r is Exclude<JournalRecord, TicksRecord> => r.type !== 'ticks',
  );
  checkOrder(list, savedEntry);
  const outcomes = new Map<number, OutcomeRecord>();
  const skipped = new Set<number>();
  const rejected = new Set<number>();
  let lastEntry = 0;
  for (const r of list) {
    lastEntry = Math.max(lastEntry, r.entry);
    if (r.type === 'outcome') outcomes.set(r.entry, r);
    else if (r.type === 'skip') skipped.add(r.entry);
    else if (r.type === 'rejected') rejected.add(r.entry);
  }
  const steps: Step[] = [];
  const notes: string[] = [];
  for (const r of list) {
    if (r.type === 'outcome' || r.type === 'skip' || r.type === 'rejected') continue;
    const operation = operationOf(r);
    const what = `entry ${r.entry} (${describeOperation(operation)})`;
    if (skipped.has(r.entry)) {
      notes.push(`${what} is left out: you chose to skip it`);
      continue;
    }
    if (r.type !== 'begin') {
      if (!rejected.has(r.entry)) steps.push({ entry: r.entry, operation, recorded: { ok: true } });
      continue;
    }
    const outcome = outcomes.get(r.entry);
    if (!outcome) {
      notes.push(
        `${what} never finished (it was still running, or could not be journaled, when Vivarium stopped): it was not applied`,
      );
      continue;
    }
    if (outcome.interrupted || outcome.died) continue;
    const recorded: Recorded = { ok: outcome.ok };
    if (outcome.error !== undefined) recorded.error = outcome.error;
    if (outcome.draws) recorded.draws = outcome.draws;
    if (outcome.ms !== undefined) recorded.ms = outcome.ms;
    steps.push({ entry: r.entry, operation, recorded });
  }
  return { steps, notes, lastEntry };
}

/**
 * Operations are journaled in order, each begun once, each outcome after its begin, all after
 * the snapshot they follow. A journal that says otherwise was edited or damaged: JournalOrderError.
 */
function checkOrder(list: Exclude<JournalRecord, TicksRecord>[], savedEntry: number): void {
  let last = savedEntry;
  const begun = new Set<number>();
  const ended = new Set<number>();
  for (const r of list) {
    if (r.type === 'outcome') {
      if (!begun.has(r.entry))
        throw new JournalOrderError(`the outcome of entry ${r.entry} comes before its begin`);
      if (ended.has(r.entry)) throw new JournalOrderError(`entry ${r.entry} has two outcomes`);
      ended.add(r.entry);
      continue;
    }
    if (r.type === 'skip' || r.type === 'rejected') continue;
    if (r.entry <= last) {
      throw new JournalOrderError(
        r.entry <= savedEntry
          ? `entry ${r.entry} is journaled after the snapshot, which already holds entries up to ${savedEntry}`
          : `entry ${r.entry} comes after entry ${last}: entries are journaled in order, once`,
      );
    }
    last = r.entry;
    begun.add(r.entry);
  }
}

function operationOf(r: BeginRecord | Exclude<LegacyRecord, { type: 'rejected' }>): Operation {
  if (r.type === 'begin') {
    if (r.op === 'entry') return { op: 'entry', source: r.source };
    if (r.op === 'rollback') return { op: 'rollback', name: r.name, version: r.version };
    return { op: 'control', action: r.action, name: r.name };
  }
  if (r.type === 'entry') return { op: 'entry', source: r.source };
  if (r.type === 'rollback') return { op: 'rollback', name: r.name, version: r.version };
  return { op: 'control', action: r.action, name: r.name };
}

/** The operation as the person typed it, on one short line. */
export function describeOperation(operation: Operation): string {
  if (operation.op === 'entry') return firstLine(operation.source);
  if (operation.op === 'rollback') {
    return `:rollback ${operation.name}${operation.version ? ' ' + operation.version : ''}`;
  }
  return `:${operation.action} ${operation.name}`;
}

export function firstLine(source: string): string {
  const line = source.trim().split('\n')[0] ?? '';
  return line.length > 60 ? line.slice(0, 57) + '...' : line;
}

const CONTROL_ACTIONS = new Set(['stop', 'restart', 'forget']);
/** Entry numbers stay far below 2^53 (one a microsecond for 30 years is 2^50). */
const MAX_ENTRY = 2 ** 50;

/** What is wrong with a record's draws, if anything. */
function invalidDraws(draws: unknown): string | undefined {
  if (typeof draws !== 'object' || draws === null) return 'has "draws" that are not an object';
  const d = draws as Record<string, unknown>;
  const numbers = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (d.seed !== undefined && !(numbers(d.seed) && (d.seed as number[]).length === 4)) {
    return 'has a "seed" that is not four numbers';
  }
  for (const key of ['clock', 'epoch', 'perf']) {
    if (d[key] !== undefined && !numbers(d[key]))
      return `has "${key}" readings that are not numbers`;
  }
  const clock = d.clock as number[] | undefined;
  if (
    clock &&
    (clock.length % 2 !== 0 || clock.some((n, i) => i % 2 === 1 && !(Number.isInteger(n) && n > 0)))
  ) {
    return 'has "clock" runs that are not value/count pairs';
  }
  return undefined;
}

/** The journal does not read as one session's operations in order (found when planning replay). */
export class JournalOrderError extends Error {
  override name = 'JournalOrderError';
}

/**
 * What is wrong with a record read from a journal, or undefined when it is well formed (the
 * store reports a bad record as damage, with the file and line).
 */
export function validateRecord(record: object): string | undefined {
  const r = record as Record<string, unknown>;
  if ('journal' in r) return undefined; // the marker line
  if (r.type === 'ticks') return invalidTicksRecord(r);
  if (
    !Number.isSafeInteger(r.entry) ||
    (r.entry as number) < 1 ||
    (r.entry as number) > MAX_ENTRY
  ) {
    return 'has no valid "entry" number';
  }
  const isString = (v: unknown) => typeof v === 'string';
  const operation = r.type === 'begin' ? r.op : r.type;
  switch (operation) {
    case 'entry':
      return isString(r.source) ? undefined : 'is an entry record without its "source" text';
    case 'rollback':
      return isString(r.name) ? undefined : 'is a rollback record without a "name"';
    case 'control':
      return isString(r.name) && CONTROL_ACTIONS.has(r.action as string)
        ? undefined
        : 'is a control record without a valid "action" and "name"';
    case 'outcome':
      if (typeof r.ok !== 'boolean') return 'is an outcome record without "ok"';
      if (r.error !== undefined && typeof r.error !== 'string')
        return 'has an "error" that is not a name';
      if (r.ms !== undefined && !(typeof r.ms === 'number' && r.ms >= 0))
        return 'has an invalid "ms"';
      return r.draws === undefined ? undefined : invalidDraws(r.draws);
    case 'skip':
    case 'rejected':
      return undefined;
    default:
      return `has an unknown type ${JSON.stringify(r.type === 'begin' ? r.op : r.type)}`;
  }
}
