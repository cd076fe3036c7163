// Moving a whole image between the guest and the host: a snapshot out, and in when opening (two
// steps: the guest lists the versions to compile; the host strips and rewrites their sources,
// which only it can do, and sends the scripts back).
import type { GuestProcess } from '../guest/guest-process.ts';
import { analyze } from '../compile/analyze.ts';
import { rewrite } from '../compile/rewrite.ts';

export class SnapshotFailed extends Error {
  override name = 'SnapshotError';
}

/** The guest died while taking a snapshot (out of memory, most likely). */
export class SnapshotGuestDied extends SnapshotFailed {
  readonly reason: string;
  constructor(reason: string) {
    super(`the guest died while taking the snapshot: ${reason}`);
    this.reason = reason;
  }
}

export async function takeSnapshot(guest: GuestProcess, history: string[]): Promise<string> {
  const outcome = await guest.request({ op: 'snapshot', history });
  if (outcome.kind === 'died') throw new SnapshotGuestDied(outcome.reason);
  if (outcome.kind !== 'reply')
    throw new SnapshotFailed(`the guest did not answer (${outcome.kind})`);
  const reply = outcome.reply as { ok: boolean; payload?: string; error?: { message: string } };
  if (!reply.ok || reply.payload === undefined) {
    throw new SnapshotFailed(reply.error?.message ?? 'the snapshot failed');
  }
  return reply.payload;
}

/**
 * Rebuilds the image in a fresh guest; returns the problems worth telling the user. The image's
 * own code that runs while opening (static and transient initialisers, revive hooks) runs within
 * `bound` ms per piece: a piece that runs over is stopped, reported, and the opening goes on.
 */
export async function restoreSnapshot(
  guest: GuestProcess,
  payload: string,
  bound = 0,
): Promise<{ failures: string[]; history: string[] }> {
  const begin = await guest.request({ op: 'restoreBegin' }, 0, payload);
  const first = expectReply(begin) as {
    compile: { name: string; version: number; source: string }[];
    history: string[];
  };
  const failures: string[] = [];
  const scripts: { name: string; version: number; script: string }[] = [];
  for (const item of first.compile) {
    try {
      const script = rewrite(analyze(item.source), { sourceName: `${item.name}@v${item.version}` });
      scripts.push({ name: item.name, version: item.version, script: script.code });
    } catch (error) {
      failures.push(`${item.name} v${item.version} no longer parses: ${(error as Error).message}`);
    }
  }
  const laid = expectReply(await guest.request({ op: 'restoreFinish', scripts })) as { next: Next };
  let next = laid.next;
  let stopped = false;
  while (next !== 'done') {
    const outcome = await guest.request({ op: 'restoreRun', stopped }, next === 'user' ? bound : 0);
    stopped = outcome.kind === 'interrupted';
    if (stopped) continue;
    const reply = expectReply(outcome) as { next: Next; failures: string[] };
    failures.push(...reply.failures);
    next = reply.next;
  }
  return { failures, history: first.history };
}

type Next = 'user' | 'kernel' | 'done';

function expectReply(outcome: Awaited<ReturnType<GuestProcess['request']>>): unknown {
  if (outcome.kind === 'died') throw new Error(`the guest died: ${outcome.reason}`);
  if (outcome.kind !== 'reply') throw new Error(`the guest did not answer (${outcome.kind})`);
  const reply = outcome.reply as { ok: boolean; error?: { name: string; message: string } };
  if (!reply.ok) {
    throw new Error(`${reply.error?.name}: ${reply.error?.message}`);
  }
  return reply;
}
