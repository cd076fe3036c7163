// Intl.Segmenter as ink and the packages it draws with get it in the bundle (scripts/bundle.ts puts
// `new LazySegmenter(` where they wrote `new Intl.Segmenter(`). A process's first Intl object loads
// ICU's data, ~8.5 ms here: every start of the REPL paid it before its first frame, to split
// text such as `viv> ` and the status line into graphemes, where each character is one. This
// segmenter answers such text itself and makes the real one for any other text, when first needed.

/**
 * One grapheme per UTF-16 unit: ASCII but CR (CR LF is one grapheme), Latin-1 and the Latin
 * extensions, general punctuation (not the zero-width joiners and marks of U+200B-U+200F), arrows,
 * technical, box drawing, shapes and symbols. None of them extends, joins or is a surrogate, so
 * no rule of UAX #29 puts two of them in one grapheme.
 */
const SIMPLE = /^[\u0000-\u000c\u000e-\u02ff\u2010-\u2027\u2030-\u205e\u2190-\u2bff]*$/;

export class LazySegmenter {
  readonly #locales: string | string[] | undefined;
  readonly #options: Intl.SegmenterOptions | undefined;
  #real: Intl.Segmenter | undefined;

  constructor(locales?: string | string[], options?: Intl.SegmenterOptions) {
    this.#locales = locales;
    this.#options = options;
  }

  /** The real segmenter, made at the first call that needs it. */
  get #segmenter(): Intl.Segmenter {
    return (this.#real ??= new Intl.Segmenter(this.#locales, this.#options));
  }

  segment(input: string): Intl.Segments {
    const text = String(input);
    const graphemes = (this.#options?.granularity ?? 'grapheme') === 'grapheme';
    return graphemes && SIMPLE.test(text)
      ? (new SimpleSegments(text) as unknown as Intl.Segments)
      : this.#segmenter.segment(text);
  }

  resolvedOptions(): Intl.ResolvedSegmenterOptions {
    return this.#segmenter.resolvedOptions();
  }
}

/** The graphemes of a text whose every UTF-16 unit is one, as Intl.Segments gives them. */
class SimpleSegments {
  readonly #input: string;

  constructor(input: string) {
    this.#input = input;
  }

  containing(index = 0): Intl.SegmentData | undefined {
    const at = Math.trunc(Number(index)) || 0;
    if (at < 0 || at >= this.#input.length) return undefined;
    return { segment: this.#input[at]!, index: at, input: this.#input };
  }

  *[Symbol.iterator](): IterableIterator<Intl.SegmentData> {
    const input = this.#input;
    for (let index = 0; index < input.length; index++) {
      yield { segment: input[index]!, index, input };
    }
  }
}

/** The name the bundle gives it in the packages (esbuild's `inject`: scripts/bundle.ts). */
export { LazySegmenter as __vivLazySegmenter };
