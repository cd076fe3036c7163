// An entry that does not parse, as a Result: the user's line and column, or "incomplete".
import { EntrySyntaxError } from '../compile/source-error.ts';
import { IncompleteEntry } from '../compile/strip.ts';
import type { Result } from '../result.ts';

export function syntaxFailure(error: unknown): Result {
  if (error instanceof EntrySyntaxError) {
    return {
      ok: false,
      error: {
        name: 'SyntaxError',
        message: error.message,
        line: error.line,
        column: error.column,
        sourceLine: error.sourceLine,
      },
      printed: [],
    };
  }
  if (error instanceof IncompleteEntry) {
    return {
      ok: false,
      error: { name: 'SyntaxError', message: `the entry is incomplete: ${error.message}` },
      printed: [],
    };
  }
  throw error;
}
