// What the terminal UI asks the image, beyond entries: completions, an inspector's view and the
// definitions. Plain requests through the engine.
import type { DefSummary, ErrorInfo } from '../../shared/protocol.ts';
import { stripTypes } from '../compile/strip.ts';
import { commandNames } from './commands.ts';
import type { Engine } from '../engine/engine.ts';

export interface InspectReply {
  id: number;
  title: string;
  className?: string;
  version?: number;
  fields: { key: string; preview: string; expandable: boolean }[];
}

/** Completions for the text before the cursor: commands here, names and properties in the guest. */
export async function complete(
  engine: Engine,
  text: string,
): Promise<{ from: number; candidates: string[] }> {
  const command = /^:(\w*)$/.exec(text.trimStart());
  if (command) {
    const names = commandNames().filter((n) => n.startsWith(command[1]!));
    return { from: text.length - command[1]!.length - 1, candidates: names.map((n) => ':' + n) };
  }
  const outcome = await engine.request({ op: 'complete', text });
  if (outcome.kind !== 'reply') return { from: text.length, candidates: [] };
  const reply = outcome.reply as { from?: number; candidates?: string[] };
  return { from: reply.from ?? text.length, candidates: reply.candidates ?? [] };
}

/** An inspector's view: start with an expression, then walk by path. */
export async function inspect(
  engine: Engine,
  start: { expression: string } | { id: number },
  path: string[],
): Promise<InspectReply> {
  const code = 'expression' in start ? `(${stripTypes(start.expression)})` : undefined;
  const outcome = await engine.request({
    op: 'inspect',
    code,
    id: 'id' in start ? start.id : undefined,
    path,
  });
  if (outcome.kind !== 'reply') throw new Error('the guest did not answer');
  const reply = outcome.reply as InspectReply & { ok: boolean; error?: { message: string } };
  if (!reply.ok) throw new Error(reply.error?.message ?? 'cannot inspect that');
  return reply;
}

/** The definitions, for the panel. */
export async function definitions(engine: Engine): Promise<DefSummary[]> {
  const outcome = await engine.request({ op: 'defs' });
  if (outcome.kind !== 'reply') return [];
  return (outcome.reply as { defs?: DefSummary[] }).defs ?? [];
}

/** The processes, for the status line. */
export async function processCount(engine: Engine): Promise<number> {
  const outcome = await engine.request({ op: 'ps' });
  if (outcome.kind !== 'reply') return 0;
  return ((outcome.reply as { processes?: unknown[] }).processes ?? []).length;
}

/** A process's current text frame, or why there is none (for `:frame` and the frame panel). */
export async function frame(
  engine: Engine,
  name: string,
): Promise<{ text: string } | { error: { name: string; message: string } }> {
  const outcome = await engine.request({ op: 'frame', name });
  if (outcome.kind !== 'reply') {
    return { error: { name: 'GuestDied', message: 'the guest did not answer' } };
  }
  const reply = outcome.reply as { ok: boolean; text?: string; error?: ErrorInfo };
  return reply.ok ? { text: reply.text ?? '' } : { error: reply.error! };
}
