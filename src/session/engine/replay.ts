// Replaying the journal, checked. Each step runs again with what it drew the first time (its
// random seed, its clock readings) and must end as it ended then: ok, or failed with the same
// error. The first step that does not (or kills the guest, or runs past its bound, or is stopped
// with Ctrl-C) stops the replay there: the image is as it was just before that step, and nothing
// on disk is written until the person decides (skip it, try again, or quit).
import type { Request, SessionOpName } from '../../shared/ops.ts';
import type { Outcome } from '../guest/guest.ts';
import type { EntryCompiler } from './compiler.ts';
import { describeOperation } from './journal-records.ts';
import type { Recorded, Step } from './journal-records.ts';

export interface ReplayStop {
  entry: number;
  /** The operation as typed (first line). */
  text: string;
  /** How it ended when it first ran: `ok`, or the error's name. */
  recorded: string;
  /** How it ended now. */
  now: string;
  /** Its index among the steps (the steps before it were replayed). */
  index: number;
  /** The guest died: it must be rebuilt from the snapshot and the steps before this one. */
  died: boolean;
}

export interface ReplayHost {
  /** Sends a request within `bound` ms (0: none); an awaiting entry answers once settled. */
  request<N extends SessionOpName>(request: Request<N>, bound: number): Promise<Outcome<N>>;
  compiler: EntryCompiler;
  /** The person pressed Ctrl-C during this replay. */
  interruptedByUser(): boolean;
}

/** A replayed step may take this many times as long as it first did (plus a second). */
const SLOWER = 3;

export function replayBound(step: Step, bound: number): number {
  if (bound <= 0) return 0;
  return Math.max(bound, Math.ceil((step.recorded.ms ?? 0) * SLOWER) + 1000);
}

/** Replays one step; undefined when it ended as recorded, else why the replay stops there. */
export async function replayStep(
  host: ReplayHost,
  step: Step,
  index: number,
  bound: number,
): Promise<ReplayStop | undefined> {
  const limit = replayBound(step, bound);
  let outcome: Outcome<'eval' | 'rollback' | 'control'>;
  try {
    outcome = await host.request(requestFor(host, step), limit);
  } catch (error) {
    return stop(step, index, `it no longer compiles: ${(error as Error).message}`, false);
  }
  if (outcome.kind === 'died') return stop(step, index, `the guest died: ${outcome.reason}`, true);
  if (outcome.kind === 'interrupted') {
    const why = host.interruptedByUser()
      ? 'you stopped it (Ctrl-C)'
      : `it ran past ${limit} ms and was stopped`;
    return stop(step, index, why, false);
  }
  const reply = outcome.reply;
  const recorded = step.recorded;
  if (reply.ok === recorded.ok && (reply.ok || reply.error?.name === recorded.error)) {
    return undefined;
  }
  const now = reply.ok ? 'ok' : `${reply.error.name}: ${reply.error.message}`;
  return stop(step, index, now, false);
}

function stop(step: Step, index: number, now: string, died: boolean): ReplayStop {
  return {
    entry: step.entry,
    text: describeOperation(step.operation),
    recorded: recordedText(step.recorded),
    now,
    index,
    died,
  };
}

function recordedText(recorded: Recorded): string {
  return recorded.ok ? 'ok' : `failed with ${recorded.error ?? 'an error'}`;
}

function requestFor(host: ReplayHost, step: Step): Request<'eval' | 'rollback' | 'control'> {
  const { operation, entry } = step;
  if (operation.op === 'rollback') {
    return { op: 'rollback', name: operation.name, version: operation.version, entry };
  }
  if (operation.op === 'control') {
    return { op: 'control', action: operation.action, name: operation.name, entry };
  }
  const { request } = host.compiler.compile(operation.source, entry, { quiet: true });
  const draws = step.recorded.draws;
  return draws ? { ...request, draws } : request;
}

/** The report a person reads when a replay stopped, with what they can do about it. */
export function describeStop(stopped: ReplayStop, image: string): string {
  return [
    `Replay of ${image} stopped at entry ${stopped.entry}: ${stopped.text}`,
    `  when it ran: ${stopped.recorded}`,
    `  now:         ${stopped.now}`,
    `The image is open as it was just before entry ${stopped.entry}, read-only: nothing is written to disk, and entries you type now are not kept.`,
    `  :replay skip   leave entry ${stopped.entry} out for good and replay the rest`,
    `  :replay retry  replay again from the last snapshot`,
    `  :quit          leave; the files stay exactly as they are (for more memory: viv --memory MB)`,
  ].join('\n');
}
