// Text-level helpers for `inspect.ts`: styling, string quoting/escaping, primitive formatting,
// display width, and the line-breaking rules (Node's `reduceToSingleString` and
// `groupArrayElements` behaviour). Pure ECMAScript: this runs inside a bare V8 isolate.
import { safe, Array, Math, Object, RegExp } from '../primordials.ts';
import {
  $charCodeAt,
  $codePointAt,
  $includes,
  $join,
  $map,
  $padEnd,
  $padStart,
  $push,
  $repeat,
  $replace,
  $slice,
  $split,
  $toUpperCase,
} from '../primordials-methods.ts';
import { $toString } from '../primordials-methods.ts';

export type Style =
  | 'special'
  | 'number'
  | 'bigint'
  | 'boolean'
  | 'undefined'
  | 'null'
  | 'string'
  | 'symbol'
  | 'date'
  | 'regexp'
  | 'module'
  | 'name';

export type Stylize = (text: string, style: Style) => string;

// Node's default `inspect.styles` mapped to SGR open/close codes. 'name' is deliberately unstyled.
const STYLE_CODES: { [S in Style]: readonly [number, number] | undefined } = {
  special: [36, 39],
  number: [33, 39],
  bigint: [33, 39],
  boolean: [33, 39],
  undefined: [90, 39],
  null: [1, 22],
  string: [32, 39],
  symbol: [32, 39],
  date: [35, 39],
  regexp: [31, 39],
  module: [4, 24],
  name: undefined,
};

export const stylizeNoColor: Stylize = (text) => text;

export const stylizeWithColor: Stylize = (text, style) => {
  const codes = STYLE_CODES[style];
  return codes === undefined ? text : `\u001b[${codes[0]}m${text}\u001b[${codes[1]}m`;
};

const COLOR_CODES = /\u001b\[\d\d?m/g;

export function removeColors(text: string): string {
  return $replace(text, COLOR_CODES, '');
}

// The layout-relevant part of the inspection context (the full context lives in inspect.ts).
export interface LayoutCtx {
  indentationLvl: number;
  currentDepth: number;
  breakLength: number;
  compact: number;
  colors: boolean;
  maxArrayLength: number;
  maxStringLength: number;
}

// Characters that need escaping inside a quoted string: C0/C1 controls, the quote, backslash,
// and unpaired surrogates. The second variant is used when the string is not single-quoted.
const LONE_SURROGATE =
  '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const ESCAPE_WITH_QUOTE = new RegExp(`[\\x00-\\x1f\\x27\\x5c\\x7f-\\x9f]|${LONE_SURROGATE}`, 'g');
const ESCAPE_NO_QUOTE = new RegExp(`[\\x00-\\x1f\\x5c\\x7f-\\x9f]|${LONE_SURROGATE}`, 'g');

const NAMED_ESCAPES: { [code: number]: string } = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x27: "\\'",
  0x5c: '\\\\',
};

function escapeChar(char: string): string {
  const code = $charCodeAt(char, 0);
  const named = NAMED_ESCAPES[code];
  if (named !== undefined) return named;
  if (code < 0xd800) return `\\x${$padStart($toUpperCase($toString(code, 16)), 2, '0')}`;
  return `\\u${$toString(code, 16)}`;
}

// Escapes like a single-quoted string body, without adding quotes (used for symbol keys).
export function escapeText(text: string): string {
  return $replace(text, ESCAPE_WITH_QUOTE, escapeChar);
}

// Quotes a string the way Node does: single quotes by default, double quotes if the text has a
// single quote but no double quote, backticks if it has both (and no backtick or `${`).
export function quoteString(text: string): string {
  let quote = "'";
  if ($includes(text, "'")) {
    if (!$includes(text, '"')) quote = '"';
    else if (!$includes(text, '`') && !$includes(text, '${')) quote = '`';
  }
  const pattern = quote === "'" ? ESCAPE_WITH_QUOTE : ESCAPE_NO_QUOTE;
  return `${quote}${$replace(text, pattern, escapeChar)}${quote}`;
}

export function formatNumber(stylize: Stylize, value: number): string {
  return stylize(Object.is(value, -0) ? '-0' : `${value}`, 'number');
}

export function formatBigInt(stylize: Stylize, value: bigint): string {
  return stylize(`${value}n`, 'bigint');
}

// Strings longer than this are never split into `'...' +` lines.
const MIN_SPLIT_LENGTH = 16;

// Formats a primitive. Long strings containing newlines are split after each `\n` into
// concatenated lines when they do not fit the remaining width, as Node does.
export function formatPrimitive(stylize: Stylize, value: unknown, ctx: LayoutCtx): string {
  if (typeof value === 'string') {
    let text = value;
    let trailer = '';
    if (text.length > ctx.maxStringLength) {
      const remaining = text.length - ctx.maxStringLength;
      text = $slice(text, 0, ctx.maxStringLength);
      trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
    }
    if (text.length > MIN_SPLIT_LENGTH && text.length > ctx.breakLength - ctx.indentationLvl - 4) {
      const separator = ` +\n${$repeat(' ', ctx.indentationLvl + 2)}`;
      const lines = $map($split(text, /(?<=\n)/), (line) => stylize(quoteString(line), 'string'));
      return $join(lines, separator) + trailer;
    }
    return stylize(quoteString(text), 'string') + trailer;
  }
  if (typeof value === 'number') return formatNumber(stylize, value);
  if (typeof value === 'bigint') return formatBigInt(stylize, value);
  if (typeof value === 'boolean') return stylize(`${value}`, 'boolean');
  if (typeof value === 'undefined') return stylize('undefined', 'undefined');
  return stylize($toString(value as symbol), 'symbol');
}

function isFullWidth(code: number): boolean {
  return (
    code >= 0x1100 &&
    (code <= 0x115f ||
      code === 0x2329 ||
      code === 0x232a ||
      (code >= 0x2e80 && code <= 0x3247 && code !== 0x303f) ||
      (code >= 0x3250 && code <= 0x4dbf) ||
      (code >= 0x4e00 && code <= 0xa4c6) ||
      (code >= 0xa960 && code <= 0xa97c) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe10 && code <= 0xfe19) ||
      (code >= 0xfe30 && code <= 0xfe6b) ||
      (code >= 0xff01 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x1b000 && code <= 0x1b001) ||
      (code >= 0x1f200 && code <= 0x1f251) ||
      (code >= 0x1f300 && code <= 0x1f64f) ||
      (code >= 0x20000 && code <= 0x3fffd))
  );
}

function isZeroWidth(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x300 && code <= 0x36f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    (code >= 0xfe20 && code <= 0xfe2f) ||
    (code >= 0xe0100 && code <= 0xe01ef)
  );
}

// Terminal column width of `text` (East Asian wide characters count 2, combining marks 0).
// An approximation of the ICU width Node uses; identical for ASCII.
export function getStringWidth(text: string, stripColors: boolean): number {
  const plain = (stripColors ? removeColors(text) : text).normalize('NFC');
  let width = 0;
  for (const char of safe(plain)) {
    const code = $codePointAt(char, 0)!;
    if (isFullWidth(code)) width += 2;
    else if (!isZeroWidth(code)) width += 1;
  }
  return width;
}

// Arranges many short array entries into aligned columns; returns `output` unchanged when the
// entries are too long or too uneven. Numbers are right-aligned, everything else left-aligned.
export function groupArrayElements(
  ctx: LayoutCtx,
  output: string[],
  value: ArrayLike<unknown> | undefined,
): string[] {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  if (ctx.maxArrayLength < output.length) outputLength--; // leave out "... more items"
  const separatorSpace = 2; // ", "
  const dataLen: number[] = new Array(outputLength);
  for (let i = 0; i < outputLength; i++) {
    const len = getStringWidth(output[i], ctx.colors);
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (
    actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
    (totalLength / actualMax > 5 || maxLength <= 6)
  ) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const maxLineLength: number[] = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) {
        if (dataLen[j] > lineLength) lineLength = dataLen[j];
      }
      $push(maxLineLength, lineLength + separatorSpace);
    }
    let padStart = true;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        const item = value[i];
        if (typeof item !== 'number' && typeof item !== 'bigint') {
          padStart = false;
          break;
        }
      }
    }
    const grouped: string[] = [];
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let line = '';
      let j = i;
      for (; j < max - 1; j++) {
        // The padding target is corrected for invisible colour codes / wide characters.
        const padding = maxLineLength[j - i] + output[j].length - dataLen[j];
        const cell = `${output[j]}, `;
        line += padStart ? $padStart(cell, padding, ' ') : $padEnd(cell, padding, ' ');
      }
      if (padStart) {
        const padding = maxLineLength[j - i] + output[j].length - dataLen[j] - separatorSpace;
        line += $padStart(output[j], padding, ' ');
      } else {
        line += output[j];
      }
      $push(grouped, line);
    }
    if (ctx.maxArrayLength < output.length) $push(grouped, output[outputLength]);
    return grouped;
  }
  return output;
}

function isBelowBreakLength(ctx: LayoutCtx, output: string[], start: number, base: string) {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (const entry of safe(output)) {
    totalLength += ctx.colors ? removeColors(entry).length : entry.length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === '' || !$includes(base, '\n');
}

// Joins formatted entries into the final text: on one line `{ a, b }` when the innermost
// `compact` levels fit within `breakLength`, otherwise one entry per line, indented by 2.
export function reduceToSingleString(
  ctx: LayoutCtx,
  output: string[],
  base: string,
  braces: [string, string],
  isArrayLike: boolean,
  recurseTimes: number,
  value: ArrayLike<unknown> | undefined,
): string {
  if (ctx.compact >= 1) {
    const entries = output.length;
    if (isArrayLike && entries > 6) output = groupArrayElements(ctx, output, value);
    if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
      // `start` approximates the width taken by everything but the entries themselves.
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joined = $join(output, ', ');
        if (!$includes(joined, '\n')) {
          return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
        }
      }
    }
  }
  const indentation = `\n${$repeat(' ', ctx.indentationLvl)}`;
  return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${$join(
    output,
    `,${indentation}  `,
  )}${indentation}${braces[1]}`;
}

// The "Name(size) [tag] " label in front of braces; null constructors mean a null prototype.
export function getPrefix(
  constructor: string | null,
  tag: string,
  fallback: string,
  size = '',
): string {
  if (constructor === null) {
    return tag !== '' && fallback !== tag
      ? `[${fallback}${size}: null prototype] [${tag}] `
      : `[${fallback}${size}: null prototype] `;
  }
  return tag !== '' && constructor !== tag
    ? `${constructor}${size} [${tag}] `
    : `${constructor}${size} `;
}
