// Moving a whole image between the guest and the session: a snapshot out, and in when opening
// (the guest lists the versions to compile; the session strips and rewrites their sources, which
// only it can do, and sends the scripts back; then the rest of opening runs in bounded units).
import type { Reply, Request, RestoreNext, SessionOpName } from '../../shared/ops.ts';
import { succeeded } from '../../shared/ops.ts';
import type { CompiledItem } from '../../shared/types.ts';
import type { GuestConnection, Outcome } from '../guest/guest.ts';
import { compileForRestore } from '../compile/compiled-cache.ts';

export class SnapshotFailed extends Error {
  override name = 'SnapshotError';
  /** The image holds something that cannot be saved (an entry can fix it), not a stopped save. */
  unsaveable = false;
}

/** The guest died while taking a snapshot (out of memory, most likely). */
export class SnapshotGuestDied extends SnapshotFailed {
  readonly reason: string;
  constructor(reason: string) {
    super(`the guest died while taking the snapshot: ${reason}`);
    this.reason = reason;
  }
}

export async function takeSnapshot(
  guest: GuestConnection,
  history: string[],
  aheadMs = 0,
): Promise<string> {
  // Processes play on while the image is encoded: their ticks of the next aheadMs run first
  // (stamped on the grid), and the snapshot is the state after them. A tick that overruns is
  // stopped under supervision, as between entries; the snapshot goes on.
  if (aheadMs > 0) await guest.request({ op: 'runAhead', ms: Math.round(aheadMs) });
  const outcome = await guest.request({ op: 'snapshot', history });
  if (outcome.kind === 'died') throw new SnapshotGuestDied(outcome.reason);
  if (outcome.kind !== 'reply') throw new SnapshotFailed(`the snapshot was stopped`);
  if (!outcome.reply.ok) {
    const failed = new SnapshotFailed(outcome.reply.error.message);
    failed.unsaveable = true;
    throw failed;
  }
  return outcome.reply.payload;
}

/**
 * Rebuilds the image in a fresh guest; returns the problems worth telling the user. The image's
 * own code that runs while opening (static and transient initialisers, revive hooks) runs within
 * `bound` ms per piece: a piece that runs over is stopped, reported, and the opening goes on.
 */
export async function restoreSnapshot(
  guest: GuestConnection,
  payload: string,
  bound = 0,
): Promise<{ failures: string[]; history: string[] }> {
  const first = await expect(guest, { op: 'restoreBegin', payload });
  const failures: string[] = [];
  const scripts: CompiledItem[] = [];
  for (const item of first.compile) {
    try {
      const script = compileForRestore(item.source, `${item.name}@v${item.version}`);
      scripts.push({ name: item.name, version: item.version, script });
    } catch (error) {
      failures.push(`${item.name} v${item.version} no longer parses: ${(error as Error).message}`);
    }
  }
  let next: RestoreNext = (await expect(guest, { op: 'restoreFinish', scripts })).next;
  let stopped = false;
  while (next !== 'done') {
    const run: Request<'restoreRun'> = { op: 'restoreRun', stopped };
    const outcome = await guest.request(run, next === 'user' ? bound : 0);
    stopped = outcome.kind === 'interrupted';
    if (stopped) continue;
    const reply = replyOf(outcome);
    failures.push(...reply.failures);
    next = reply.next;
  }
  return { failures, history: first.history };
}

async function expect<N extends SessionOpName>(guest: GuestConnection, request: Request<N>) {
  return replyOf(await guest.request(request));
}

/** The successful reply, or an Error saying what went wrong. */
function replyOf<N extends SessionOpName>(outcome: Outcome<N>): Extract<Reply<N>, { ok: true }> {
  if (outcome.kind === 'died') throw new Error(`the guest died: ${outcome.reason}`);
  if (outcome.kind !== 'reply') throw new Error('the guest was stopped');
  const reply = outcome.reply;
  if (succeeded(reply)) return reply;
  throw new Error(`${reply.error?.name}: ${reply.error?.message}`);
}
