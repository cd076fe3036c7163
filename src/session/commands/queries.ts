// What the commands and the terminal UI ask the image, beyond entries: completions, an
// inspector's view, the definitions, the processes, a frame. Typed requests through the engine.
import type { Reply, Request, SessionOpName } from '../../shared/ops.ts';
import type { DefSummary, ErrorInfo, InspectView } from '../../shared/types.ts';
import type { SessionPort } from '../port.ts';

/** What a query needs: the in-process engine, or a remote session. */
type Asked = Pick<SessionPort, 'request'>;

/** The guest's reply, or a failure saying why there is none (stopped, or the guest died). */
export async function ask<N extends SessionOpName>(
  engine: Asked,
  request: Request<N>,
): Promise<Reply<N>> {
  const outcome = await engine.request(request);
  if (outcome.kind === 'reply') return outcome.reply;
  const message =
    outcome.kind === 'died' ? `the guest died: ${outcome.reason}` : 'the request was stopped';
  return { ok: false, error: { name: 'GuestUnavailable', message } };
}

/** Completions of names and properties for the text before the cursor (computed in the guest). */
export async function complete(
  engine: Asked,
  text: string,
): Promise<{ from: number; candidates: string[] }> {
  const reply = await ask(engine, { op: 'complete', text });
  return reply.ok ? reply : { from: text.length, candidates: [] };
}

/** An inspector's view: from the last committed entry's value, or walking one by path. */
export async function inspect(
  engine: Asked,
  start: { last: true } | { id: number },
  path: string[],
): Promise<InspectView | { error: ErrorInfo }> {
  const reply = await ask(engine, { op: 'inspect', ...start, path });
  return reply.ok ? reply : { error: reply.error };
}

/** The definitions, for the panel. */
export async function definitions(engine: Asked): Promise<DefSummary[]> {
  const reply = await ask(engine, { op: 'defs' });
  return reply.ok ? reply.defs : [];
}

/** The processes, for the status line. */
export async function processCount(engine: Asked): Promise<number> {
  const reply = await ask(engine, { op: 'ps' });
  return reply.ok ? reply.processes.length : 0;
}

/** A process's current text frame, or why there is none (for `:frame` and the frame panel). */
export async function frame(
  engine: Asked,
  name: string,
): Promise<{ text: string } | { error: ErrorInfo }> {
  const reply = await ask(engine, { op: 'frame', name });
  return reply.ok ? { text: reply.text } : { error: reply.error };
}
