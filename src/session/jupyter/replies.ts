// What the kernel answers, as plain data: a Result as Jupyter's execute messages, the REPL's
// continuation rule as `is_complete`, and the cursor arithmetic of `complete` and `inspect`
// (Jupyter counts the cursor in Unicode code points, JavaScript strings in UTF-16 units).
import type { Result } from '../result.ts';
import { renderResult } from '../render.ts';
import { completeAnalysis } from '../compile/analyze.ts';

/** A cell as an entry: `%name args` (IPython's magics) is the `:name args` command. */
export function cellText(code: string): string {
  const start = code.length - code.trimStart().length;
  const magic = /^%%?(?=\w)/.exec(code.slice(start));
  return magic ? ':' + code.slice(start + magic[0].length) : code;
}

export interface ExecuteOutput {
  /** What the entry printed (a `stream` on iopub). */
  stdout?: string;
  /** The value as the REPL shows it (an `execute_result`), when there is one to show. */
  value?: string;
  error?: { ename: string; evalue: string; traceback: string[] };
}

/** A Result as the REPL would show it, split into Jupyter's outputs. */
export function executeOutput(result: Result): ExecuteOutput {
  const out: ExecuteOutput = {};
  if (result.printed.length) out.stdout = result.printed.join('\n') + '\n';
  const shown = renderResult({ ...result, printed: [] });
  if (result.ok) {
    if (shown !== '') out.value = shown;
    return out;
  }
  const error = result.error!;
  out.error = {
    ename: error.name,
    evalue: error.message,
    // The caret under the user's line, `Uncaught Name: message`, and the frames in entries.
    traceback: shown.split('\n'),
  };
  return out;
}

/** `is_complete`: the REPL's own rule for when Enter runs the text. */
export function isComplete(code: string): { status: string; indent?: string } {
  const trimmed = code.trim();
  if (trimmed === '') return { status: 'complete' };
  if (/^[:%]/.test(trimmed)) {
    // `:check ENTRY` waits for its entry to be complete; every other command is one line.
    const check = /^[:%]check\b([\s\S]*)$/.exec(trimmed);
    if (!check || check[1]!.trim() === '') return { status: 'complete' };
    return isComplete(check[1]!);
  }
  const analysis = completeAnalysis(code);
  if (analysis === 'incomplete') return { status: 'incomplete', indent: '' };
  if (analysis === 'error') return { status: 'invalid' };
  return { status: 'complete' };
}

/** UTF-16 offset of a cursor given in code points. */
export function toUnits(text: string, codePoints: number): number {
  let units = 0;
  let seen = 0;
  for (const char of text) {
    if (seen === codePoints) break;
    units += char.length;
    seen++;
  }
  return units;
}

/** Code points in the first `units` UTF-16 units of `text`. */
export function toCodePoints(text: string, units: number): number {
  return Array.from(text.slice(0, units)).length;
}

const NAME_CHAR = /[\p{ID_Continue}$\u200c\u200d]/u;

/**
 * The expression `inspect` asks about: the chain of names and property accesses (`a.b.c`) that
 * the cursor is on or just after. Nothing that would call a function, so that hovering runs no
 * user code but getters.
 */
export function expressionAt(code: string, cursor: number): string | undefined {
  let end = cursor;
  while (end < code.length && NAME_CHAR.test(code[end]!)) end++;
  let start = end;
  while (start > 0 && (NAME_CHAR.test(code[start - 1]!) || code[start - 1] === '.')) start--;
  const chain = code.slice(start, end);
  return /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*(\.[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*)*$/u.test(
    chain,
  )
    ? chain
    : undefined;
}
