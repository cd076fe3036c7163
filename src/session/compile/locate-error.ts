// Points a runtime error at the user's own text: the first stack frame inside an entry
// (`REPL12:3:9` in the guest, a position in the rewritten, type-stripped script) is mapped back to
// the line and column of what was typed, and the stack loses the kernel's own frames.
import type { ErrorInfo } from '../../shared/types.ts';
import type { AnalyzedEntry } from './analyze.ts';
import type { GuestScript } from './rewrite.ts';
import { lineColumn } from './source-error.ts';
import type { ResultError } from '../result.ts';

type Lookup = (entry: number) => { analysis: AnalyzedEntry; script: GuestScript } | undefined;

const FRAME = /REPL(\d+):(\d+):(\d+)/g;

export function locateError(error: ErrorInfo, lookup: Lookup): ResultError {
  const located: ResultError = { ...error };
  if (!error.stack) return located;
  const stack = error.stack
    .split('\n')
    .filter((line) => !/^\s+at .*(file:\/\/|<isolated-vm)/.test(line))
    .join('\n');
  located.stack = mapFrames(stack, lookup, (position, source) => {
    if (located.line !== undefined) return;
    located.line = position.line;
    located.column = position.column;
    located.sourceLine = source.split('\n')[position.line - 1];
  });
  return located;
}

/**
 * `text` with every frame position of an entry (`REPL12:1:79`, in the rewritten script) replaced
 * by the line and column of what was typed: for stacks inside printed values (`_error.stack`, a
 * logged error) as for an entry's own error. Entries no longer kept are left as they are.
 */
export function mapFrames(
  text: string,
  lookup: Lookup,
  onMapped?: (position: { line: number; column: number }, source: string) => void,
): string {
  return text.replace(FRAME, (whole, n: string, l: string, c: string) => {
    const found = lookup(Number(n));
    if (!found) return whole;
    const position = mapPosition(found, Number(l), Number(c));
    onMapped?.(position, found.analysis.source);
    return `REPL${n}:${position.line}:${position.column}`;
  });
}

function mapPosition(
  found: { analysis: AnalyzedEntry; script: GuestScript },
  line: number,
  column: number,
): { line: number; column: number } {
  const segment = segmentAt(found.script.mappings[line - 1] ?? [], column - 1);
  const code = found.analysis.code;
  const strippedLine = segment ? segment.at[2]! : line - 1;
  const strippedColumn = segment ? segment.at[3]! + segment.offset : column - 1;
  let offset = 0;
  for (let i = 0; i < strippedLine; i++) {
    const next = code.indexOf('\n', offset);
    if (next === -1) break;
    offset = next + 1;
  }
  const pos = found.analysis.positions.toSource(offset + strippedColumn);
  return lineColumn(found.analysis.source, pos);
}

/**
 * The mapped segment for a generated column, and how far past it the column is. A column inside
 * text the rewrite inserted (V8 puts a ReferenceError in `return (zz.map(f))` at `return`) has
 * no segment of its own: it stands for the user's code that follows it on the line.
 */
function segmentAt(
  segments: number[][],
  column: number,
): { at: number[]; offset: number } | undefined {
  let before: number[] | undefined;
  for (const segment of segments) {
    if (segment.length < 4) continue;
    if (segment[0] === column) return { at: segment, offset: 0 };
    if (segment[0]! > column) {
      // Inside inserted text when the previous segment is not the character just before.
      if (!before || before[0] !== column - 1) return { at: segment, offset: 0 };
      break;
    }
    before = segment;
  }
  return before ? { at: before, offset: column - before[0]! } : undefined;
}
