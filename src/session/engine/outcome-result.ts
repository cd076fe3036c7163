// An outcome of the guest (a reply, a stop, a death) as the person reads it: a Result. A stop says
// whether the bound or Ctrl-C stopped it; a death rebuilds the guest and says what happened; an
// error points at what was typed.
import { succeeded } from '../../shared/ops.ts';
import type { Outcome } from '../guest/guest.ts';
import type { Result } from '../result.ts';
import type { EntryCompiler } from './compiler.ts';

/** What reading an outcome needs of the engine. */
export interface OutcomeHost {
  readonly userInterrupt: boolean;
  readonly entry: number;
  readonly options: { timeoutMs: number };
  readonly compiler: EntryCompiler;
  /** A new guest, rebuilt; says what happened. */
  revive(reason: string, entry?: number, what?: string): Promise<string>;
}

/** An outcome as the person reads it. */
export async function outcomeResult(
  host: OutcomeHost,
  outcome: Outcome<'eval' | 'rollback' | 'control'>,
  source: string,
): Promise<Result> {
  if (outcome.kind === 'interrupted') {
    const timedOut = !host.userInterrupt && host.options.timeoutMs > 0;
    const awaiting = outcome.awaiting ? ' (it was still awaiting)' : '';
    return {
      ok: false,
      error: {
        name: timedOut ? 'TimeoutError' : 'Interrupted',
        message: timedOut
          ? `the entry ran longer than ${host.options.timeoutMs} ms${awaiting} and was stopped; nothing it defined was kept`
          : 'the entry was interrupted; nothing it defined was kept',
      },
      printed: [],
    };
  }
  if (outcome.kind === 'died') {
    const message = await host.revive(outcome.reason, host.entry, source);
    return { ok: false, error: { name: 'GuestDied', message }, printed: [] };
  }
  const reply = outcome.reply;
  if (succeeded(reply)) {
    return {
      ok: true,
      value: reply.value,
      defined: reply.defined,
      printed: reply.printed,
      ...(reply.migrations ? { migrations: reply.migrations } : {}),
    };
  }
  return { ok: false, error: host.compiler.locate(reply.error), printed: reply.printed ?? [] };
}
