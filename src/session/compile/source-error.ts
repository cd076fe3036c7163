// The one choke point for errors that point into an entry's text: every syntax or analysis
// error a person sees goes through here, so line and column always refer to what they typed.

export class EntrySyntaxError extends Error {
  override name = 'SyntaxError';
  readonly line: number;
  readonly column: number;
  /** The source line the error points at, for a caret display. */
  readonly sourceLine: string;

  constructor(message: string, source: string, pos: number) {
    const { line, column } = lineColumn(source, pos);
    super(`${message} (${line}:${column})`);
    this.line = line;
    this.column = column;
    this.sourceLine = source.split('\n')[line - 1] ?? '';
  }
}

/** 1-based line and column of a character offset, as editors count them. */
export function lineColumn(source: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(pos, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
