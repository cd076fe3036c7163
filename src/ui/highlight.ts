// Syntax colours for the entry being typed, from acorn's tokenizer (already the analysis parser).
// Incomplete input is normal while typing: whatever cannot be tokenized stays uncoloured.
import * as acorn from 'acorn';
import { styleText } from 'node:util';

export type TokenStyle = 'keyword' | 'string' | 'number' | 'comment' | 'regexp' | 'plain';

export interface Span {
  text: string;
  style: TokenStyle;
}

/** Splits a line into styled spans (each line of an entry is coloured on its own). */
export function highlight(line: string): Span[] {
  const spans: Span[] = [];
  let at = 0;
  const push = (end: number, style: TokenStyle) => {
    if (end > at) spans.push({ text: line.slice(at, end), style });
    at = Math.max(at, end);
  };
  try {
    const tokens = acorn.tokenizer(line, {
      ecmaVersion: 'latest',
      allowHashBang: true,
      onComment: (_block, _text, start, end) => {
        push(start, 'plain');
        push(end, 'comment');
      },
    });
    for (const token of tokens) {
      push(token.start, 'plain');
      push(token.end, styleOf(token));
    }
  } catch {
    // an unfinished string or template: leave the rest plain
  }
  push(line.length, 'plain');
  return spans;
}

function styleOf(token: acorn.Token): TokenStyle {
  const type = token.type;
  if (type.keyword) return 'keyword';
  if (type === acorn.tokTypes.string || type === acorn.tokTypes.template) return 'string';
  if (type === acorn.tokTypes.backQuote) return 'string';
  if (type === acorn.tokTypes.num) return 'number';
  if (type === acorn.tokTypes.regexp) return 'regexp';
  if (
    type === acorn.tokTypes.name &&
    /^(let|const|of|async|await|type|interface|as)$/.test(
      String((token as { value?: unknown }).value),
    )
  ) {
    return 'keyword';
  }
  return 'plain';
}

export const STYLE_COLOURS: Record<TokenStyle, string | undefined> = {
  keyword: 'magenta',
  string: 'green',
  number: 'yellow',
  comment: 'gray',
  regexp: 'red',
  plain: undefined,
};

type Colour = Parameters<typeof styleText>[0];

/**
 * A line as the prompt draws it, in ANSI colours: what the transcript keeps of a submitted entry
 * (the transcript is text; without colours, run-ui.ts strips them on the way out).
 */
export function highlightAnsi(line: string): string {
  return highlight(line)
    .map(({ text, style }) => {
      const colour = STYLE_COLOURS[style];
      return colour ? styleText(colour as Colour, text, { validateStream: false }) : text;
    })
    .join('');
}

/** The prompt's own colour, as ANSI text. */
export function promptAnsi(prompt: string): string {
  return styleText('cyan', prompt, { validateStream: false });
}
