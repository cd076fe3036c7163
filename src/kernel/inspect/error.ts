// Error formatting for `inspect.ts`: Node prints an error as its `stack`, adjusted so the first
// line names the actual class, frames shared with the `cause` collapsed, and everything
// indented to the current nesting level.

import { getPrefix, type Stylize } from './text.ts';
import { Array, Error, Math, Object, String } from '../primordials.ts';

export interface ErrorCtx {
  stylize: Stylize;
  colors: boolean;
  showHidden: boolean;
  indentationLvl: number;
}

type ErrorLike = Error & { [key: string]: unknown };

// `stack` when it is a non-empty string, `Error.prototype.toString` otherwise. A non-string
// stack is appended on its own line (rendered by `formatOther`).
function getStackString(err: ErrorLike, formatOther: (value: unknown) => string): string {
  const stack: unknown = err.stack;
  if (stack) {
    if (typeof stack === 'string') return stack;
    return `${Error.prototype.toString.call(err)}\n    ${formatOther(stack)}`;
  }
  return Error.prototype.toString.call(err);
}

// Makes the first line of a conventional stack ("Name: message") name the real constructor,
// e.g. `MyErr [Error]: m` for a subclass that did not set `name`.
function improveStack(stack: string, constructor: string | null, name: string, tag: string) {
  let len = name.length;
  if (
    constructor === null ||
    (name.endsWith('Error') &&
      stack.startsWith(name) &&
      (stack.length === len || stack[len] === ':' || stack[len] === '\n'))
  ) {
    let fallback = 'Error';
    if (constructor === null) {
      const start =
        /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/.exec(stack) ||
        /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
      fallback = start?.[1] || '';
      len = fallback.length;
      fallback ||= 'Error';
    }
    const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
    if (name !== prefix) {
      if (prefix.includes(name)) {
        stack = len === 0 ? `${prefix}: ${stack}` : `${prefix}${stack.slice(len)}`;
      } else {
        stack = `${prefix} [${name}]${stack.slice(len)}`;
      }
    }
  }
  return stack;
}

// Finds the first run of more than three consecutive equal lines in `a` and `b`.
function identicalSequenceRange(a: string[], b: string[]): { len: number; offset: number } {
  for (let i = 0; i < a.length - 3; i++) {
    const pos = b.indexOf(a[i]);
    if (pos !== -1) {
      const rest = b.length - pos;
      if (rest > 3) {
        let len = 1;
        const maxLen = Math.min(a.length - i, rest);
        while (maxLen > len && a[i + len] === b[pos + len]) len++;
        if (len > 3) return { len, offset: i };
      }
    }
  }
  return { len: 0, offset: 0 };
}

// The frame lines of `framesText`, with the frames it shares with the cause's stack replaced
// by a "... n lines matching cause stack trace ..." line.
function getStackFrames(ctx: ErrorCtx, err: ErrorLike, framesText: string, fmt: Formatter) {
  const frames = framesText.split('\n');
  let cause: unknown;
  try {
    cause = err.cause;
  } catch {
    // A throwing `cause` getter is ignored.
  }
  if (cause !== null && typeof cause === 'object' && fmt.isError(cause)) {
    const causeStack = getStackString(cause as ErrorLike, fmt.formatOther);
    const causeStart = causeStack.indexOf('\n    at');
    if (causeStart !== -1) {
      const causeFrames = causeStack.slice(causeStart + 1).split('\n');
      const { len, offset } = identicalSequenceRange(frames, causeFrames);
      if (len > 0) {
        const skipped = len - 2;
        const msg = `    ... ${skipped} lines matching cause stack trace ...`;
        frames.splice(offset + 1, skipped, ctx.stylize(msg, 'undefined'));
      }
    }
  }
  return frames;
}

// Colour mode only: package names inside node_modules paths are underlined, as in Node.
function highlightFrame(ctx: ErrorCtx, line: string): string {
  return line.replace(
    /([/\\]node_modules[/\\])(.+?)(?=[/\\])/g,
    (_, dir: string, name: string) => `${dir}${ctx.stylize(name, 'module')}`,
  );
}

interface Formatter {
  formatOther: (value: unknown) => string;
  isError: (value: object) => boolean;
}

// Returns the text that stands for `err` before its braces. `keys` (own property keys to be
// printed) is edited in place: keys already visible in the stack are dropped, and own `cause`
// and AggregateError `errors` are added.
export function formatError(
  ctx: ErrorCtx,
  err: ErrorLike,
  constructor: string | null,
  tag: string,
  keys: PropertyKey[],
  fmt: Formatter,
): string {
  const name = err.name != null ? String(err.name) : 'Error';
  let stack = getStackString(err, fmt.formatOther);
  if (!ctx.showHidden && keys.length !== 0) {
    for (const key of ['name', 'message', 'stack']) {
      const index = keys.indexOf(key);
      const shown = err[key];
      if (index !== -1 && typeof shown !== 'symbol' && stack.includes(String(shown))) {
        keys.splice(index, 1);
      }
    }
  }
  if (Object.prototype.hasOwnProperty.call(err, 'cause') && !keys.includes('cause')) {
    keys.push('cause');
  }
  if (Array.isArray(err.errors) && !keys.includes('errors')) keys.push('errors');
  stack = improveStack(stack, constructor, name, tag);

  // Frames are searched for after the message, which may itself contain "\n    at".
  const message = err.message as unknown;
  let pos = (message ? stack.indexOf(message as string) : 0) || -1;
  if (pos !== -1) pos += (message as string).length;
  const stackStart = stack.indexOf('\n    at', pos);
  if (stackStart === -1) {
    stack = `[${stack}]`;
  } else {
    const lines = getStackFrames(ctx, err, stack.slice(stackStart + 1), fmt);
    const shown = ctx.colors ? lines.map((line) => highlightFrame(ctx, line)) : lines;
    stack = `${stack.slice(0, stackStart)}\n${shown.join('\n')}`;
  }
  if (ctx.indentationLvl !== 0) {
    stack = stack.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
  }
  return stack;
}
