// What the journal holds, and what replaying it does. Every image-changing operation (an entry,
// `:rollback`, `:stop`/`:restart`/`:forget`) is written twice: a `begin` record before the guest
// runs it (written while it runs), and an `outcome` record once it has run (written before its
// result is shown and before the guest commits it). An operation with no outcome was still
// running, or was refused, when the session ended: its effects died with it, and it is not
// replayed. One that failed is replayed too (changes it made inside objects that existed before
// it cannot be undone, and the replay reproduces them), and must fail again the same way.
import type { ControlAction, Draws } from '../../shared/types.ts';

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

export type JournalRecord = BeginRecord | OutcomeRecord | SkipRecord | LegacyRecord;

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
export function planReplay(records: readonly object[]): ReplayPlan {
  const list = records as JournalRecord[];
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

/**
 * What is wrong with a record read from a journal, or undefined when it is well formed (the
 * store reports a bad record as damage, with the file and line).
 */
export function validateRecord(record: object): string | undefined {
  const r = record as Record<string, unknown>;
  if ('journal' in r) return undefined; // the marker line
  if (!Number.isSafeInteger(r.entry) || (r.entry as number) < 1) {
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
      return typeof r.ok === 'boolean' ? undefined : 'is an outcome record without "ok"';
    case 'skip':
    case 'rejected':
      return undefined;
    default:
      return `has an unknown type ${JSON.stringify(r.type === 'begin' ? r.op : r.type)}`;
  }
}
