// Blanking a range of an entry's text while keeping its line breaks, so that each line of the
// user's text stays on its line in the generated script (rewrite.ts, rewrite-variables.ts).
import type MagicString from 'magic-string';

/** Replaces a range with nothing but the line breaks it held. */
export function blank(s: MagicString, start: number, end: number): void {
  if (end <= start) return;
  s.overwrite(start, end, keepLines(s.original.slice(start, end)) || ' ');
}

/** The line breaks of `text`, and nothing else. */
export function keepLines(text: string): string {
  return text.replace(/[^\n]/g, '');
}
