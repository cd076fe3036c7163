// string-width (ink measures every piece of text with it), with a fast path that needs none of its
// Unicode machinery. string-width builds a `\p{RGI_Emoji}` expression when it is loaded (12-23 ms
// of a fresh process, on the way to drawing the REPL; a few ms more at its first use) and measures
// through an `Intl.Segmenter`, for text that is almost always ASCII or a few Latin-1 and
// punctuation signs (`·`, `…`, box drawing). Text made only of such characters is one grapheme per
// code point (none of them joins a cluster: no mark, joiner, variation selector, control, Hangul
// jamo or regional indicator), so its width is the sum of each code point's East Asian width,
// which is what string-width answers for it (the two with an emoji presentation, `◽` and `◾`, are
// East Asian wide as well). Any other text goes to string-width itself, loaded on first need.
//
// The bundle (scripts/bundle.ts) routes ink's `string-width` here; run from the sources, ink uses
// string-width directly. test/string-width.test.ts compares the two on every fast-path code point.
import { createRequire } from 'node:module';
import { eastAsianWidth } from 'get-east-asian-width';
import stripAnsi from 'strip-ansi';
import type StringWidth from 'string-width';

type Options = Parameters<typeof StringWidth>[1];

let full: typeof StringWidth | undefined;

/** string-width itself, loaded (and its expressions built) on the first text that needs it. */
function stringWidthOf(): typeof StringWidth {
  // Bundled, `require` is esbuild's, which evaluates the bundled string-width on first use; from
  // the sources (tests), this module has no `require` and makes one.
  full ??= (
    (typeof require === 'function'
      ? require('string-width')
      : createRequire(import.meta.url)('string-width')) as { default: typeof StringWidth }
  ).default;
  return full;
}

/** Printable ASCII only: string-width answers its length. */
const ASCII = /^[\u0020-\u007E]*$/;
/**
 * Code points that are each a grapheme of their own (Grapheme_Cluster_Break Other), visible and
 * not surrogates: printable ASCII, Latin-1 and Latin Extended-A/B (less the soft hyphen), General
 * Punctuation less its format characters, arrows, box drawing, block elements, geometric shapes.
 */
const SIMPLE =
  /^[\u0020-\u007E\u00A0-\u00AC\u00AE-\u024F\u2010-\u2027\u2030-\u205E\u2190-\u21FF\u2500-\u25FF]*$/;

export default function stringWidth(input: string, options: Options = {}): number {
  if (typeof input !== 'string' || input.length === 0) return 0;
  const { ambiguousIsNarrow = true, countAnsiEscapeCodes = false } = options;
  let text = input;
  if (!countAnsiEscapeCodes && (text.includes('\u001B') || text.includes('\u009B'))) {
    text = stripAnsi(text);
  }
  if (ASCII.test(text)) return text.length;
  if (!SIMPLE.test(text)) {
    return stringWidthOf()(input, options);
  }
  const wide = { ambiguousAsWide: !ambiguousIsNarrow };
  let width = 0;
  for (let i = 0; i < text.length; i++) width += eastAsianWidth(text.charCodeAt(i), wide);
  return width;
}
