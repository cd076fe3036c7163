// Moving a whole image between the guest and the host: a snapshot out, and in when opening (two
// steps: the guest lists the versions to compile; the host strips and rewrites their sources,
// which only it can do, and sends the scripts back).
import type { GuestProcess } from './guest-process.ts';
import { analyze } from './entry/analyze.ts';
import { rewrite } from './entry/rewrite.ts';

export class SnapshotFailed extends Error {
  override name = 'SnapshotError';
}

export async function takeSnapshot(guest: GuestProcess, history: string[]): Promise<string> {
  const outcome = await guest.request({ op: 'snapshot', history });
  if (outcome.kind !== 'reply')
    throw new SnapshotFailed(`the guest did not answer (${outcome.kind})`);
  const reply = outcome.reply as { ok: boolean; payload?: string; error?: { message: string } };
  if (!reply.ok || reply.payload === undefined) {
    throw new SnapshotFailed(reply.error?.message ?? 'the snapshot failed');
  }
  return reply.payload;
}

/** Rebuilds the image in a fresh guest; returns the problems worth telling the user. */
export async function restoreSnapshot(
  guest: GuestProcess,
  payload: string,
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
  const finish = expectReply(await guest.request({ op: 'restoreFinish', scripts })) as {
    failures: string[];
  };
  return { failures: [...failures, ...finish.failures], history: first.history };
}

function expectReply(outcome: Awaited<ReturnType<GuestProcess['request']>>): unknown {
  if (outcome.kind !== 'reply') throw new Error(`the guest did not answer (${outcome.kind})`);
  const reply = outcome.reply as { ok: boolean; error?: { name: string; message: string } };
  if (!reply.ok) {
    throw new Error(`the image could not be opened: ${reply.error?.name}: ${reply.error?.message}`);
  }
  return reply;
}
