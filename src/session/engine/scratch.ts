// `:check ENTRY`: the entry runs for real, but in a scratch guest rebuilt from a snapshot of the
// current image, which is then thrown away. So the check changes nothing anywhere (not a nested
// object an upgrade touches, not a global a `static {}` block sets, not a shared array), and what
// it reports is what the entry would do now: the same code on the same objects, identity and all.
// Taking the snapshot runs no user code; the live guest is not otherwise touched.
import type { Request } from '../../shared/ops.ts';
import { succeeded } from '../../shared/ops.ts';
import type { GuestConnection, GuestFactory, Outcome } from '../guest/guest.ts';
import { ChildGuest } from '../guest/child-guest.ts';
import type { Result } from '../result.ts';
import type { EntryCompiler } from './compiler.ts';
import { restoreSnapshot, takeSnapshot } from './image-io.ts';

export interface ScratchHost {
  readonly guest: GuestConnection;
  readonly history: string[];
  readonly compiler: EntryCompiler;
  readonly options: { memoryMB: number; timeoutMs: number; guest?: GuestFactory };
  /** The scratch guest while a check runs (Ctrl-C stops it). */
  scratch: GuestConnection | undefined;
  userInterrupt: boolean;
}

/** Runs `request` (an entry compiled as the real one) in a scratch guest; reports its outcome. */
export async function checkInScratch(
  host: ScratchHost,
  request: Request<'eval'>,
  callbackBound: number,
): Promise<Result> {
  let payload: string;
  try {
    payload = await takeSnapshot(host.guest, host.history);
  } catch (error) {
    return refused(
      `:check runs the entry in a copy of the image, and the image cannot be copied now (what :save refuses, :check refuses too): ${(error as Error).message}`,
    );
  }
  const start = host.options.guest ?? ChildGuest.start;
  // Its prints, timers and process events are the scratch's own: none reaches the session.
  const scratch = await start({ memoryMB: host.options.memoryMB, onNotice: () => {} });
  host.scratch = scratch;
  host.userInterrupt = false;
  try {
    scratch.configure(callbackBound);
    await restoreSnapshot(scratch, payload, callbackBound);
    await scratch.request({ op: 'clock', action: 'resume', dropTimers: true });
    const outcome = await scratch.request({ ...request, check: true }, host.options.timeoutMs);
    return report(host, outcome);
  } catch (error) {
    return refused(`the dry run could not be set up: ${(error as Error).message}`);
  } finally {
    host.scratch = undefined;
    scratch.kill();
  }
}

/** What the real entry would do, as a check's Result (ok: the check itself ran). */
function report(host: ScratchHost, outcome: Outcome<'eval'>): Result {
  if (outcome.kind === 'interrupted') {
    const message = host.userInterrupt
      ? 'the check was interrupted'
      : 'it would run past the bound and be stopped';
    const name = host.userInterrupt ? 'Interrupted' : 'TimeoutError';
    return checked({ ok: false, error: { name, message } }, []);
  }
  if (outcome.kind === 'died') {
    return checked(
      {
        ok: false,
        error: { name: 'GuestDied', message: `it would kill the guest: ${outcome.reason}` },
      },
      [],
    );
  }
  const reply = outcome.reply;
  const migrations = reply.migrations ?? [];
  if (succeeded(reply)) {
    return checked(
      { ok: true, value: reply.value, printed: reply.printed, defined: reply.defined },
      migrations,
    );
  }
  const error = host.compiler.locate(reply.error);
  return checked({ ok: false, error, printed: reply.printed ?? [] }, migrations);
}

function checked(wouldBe: NonNullable<Result['check']>, migrations: Result['migrations']): Result {
  return { ok: true, printed: [], migrations, check: wouldBe };
}

function refused(message: string): Result {
  return { ok: false, error: { name: 'CheckError', message }, printed: [] };
}
