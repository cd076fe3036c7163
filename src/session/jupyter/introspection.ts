// The kernel's answers to the requests that ask about the image rather than change it:
// `complete_request`, `inspect_request`, `history_request` and `kernel_info_request`, each read
// from the KernelBackend (the cursor arithmetic they share is replies.ts).
import { readFile } from 'node:fs/promises';
import type { KernelBackend } from './backend.ts';
import { PROTOCOL_VERSION } from './wire.ts';
import { expressionAt, toCodePoints, toUnits } from './replies.ts';

export type Content = Record<string, unknown>;

/** `complete_request`: the names that complete the word before the cursor. */
export async function completeReply(backend: KernelBackend, content: Content): Promise<Content> {
  const code = String(content.code ?? '');
  const cursor = toUnits(code, Number(content.cursor_pos ?? code.length));
  const before = code.slice(0, cursor);
  const { from, candidates } = await backend.complete(before);
  return {
    status: 'ok',
    matches: candidates,
    cursor_start: toCodePoints(code, from),
    cursor_end: toCodePoints(code, cursor),
    metadata: {},
  };
}

/** `inspect_request`: the value of the expression at the cursor, as the REPL shows it. */
export async function inspectReply(backend: KernelBackend, content: Content): Promise<Content> {
  const code = String(content.code ?? '');
  const expression = expressionAt(code, toUnits(code, Number(content.cursor_pos ?? 0)));
  const none = { status: 'ok', found: false, data: {}, metadata: {} };
  if (expression === undefined) return none;
  const result = await backend.inspect(expression);
  if (!result.ok || result.value === undefined) return none;
  return { status: 'ok', found: true, data: { 'text/plain': result.value }, metadata: {} };
}

/**
 * `history_request`: the image's own history (what the REPL's up-arrow walks), as
 * [session, line, input] triples. Only `tail` is answered (what consoles ask for); the other
 * access types get an empty list.
 */
export function historyTail(backend: KernelBackend, content: Content): [number, number, string][] {
  if (content.hist_access_type !== 'tail') return [];
  const all = backend.history();
  const n = Number.isInteger(content.n) && (content.n as number) >= 0 ? (content.n as number) : 10;
  const start = Math.max(0, all.length - n);
  return all.slice(start).map((input, i) => [0, start + i + 1, input]);
}

/** `kernel_info_request`: who this kernel is and the language it speaks. */
export async function kernelInfo(backend: KernelBackend): Promise<Content> {
  const pkg = JSON.parse(
    await readFile(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 'vivarium',
    implementation_version: pkg.version,
    language_info: {
      name: 'typescript',
      version: '5',
      mimetype: 'text/typescript',
      file_extension: '.ts',
      pygments_lexer: 'typescript',
      codemirror_mode: 'text/typescript',
    },
    banner: `Vivarium ${pkg.version}: ${backend.description}`,
    help_links: [],
  };
}
