// Error formatting for `inspect.ts`: Node prints an error as its `stack`, adjusted so the first
// line names the actual class, frames shared with the `cause` collapsed, and everything
// indented to the current nesting level.

import { getPrefix, type Stylize } from './text.ts';
import { userStack } from './stack.ts';
import {
  safe,
  stackOf,
  ErrorPrototype,
  ObjectPrototype,
  Array,
  Error,
  Math,
  Object,
  String,
} from '../primordials.ts';
import {
  $call,
  $endsWith,
  $exec,
  $includes,
  $indexOf,
  $join,
  $map,
  $push,
  $repeat,
  $replace,
  $replaceAll,
  $slice,
  $splice,
  $split,
  $startsWith,
} from '../primordials-methods.ts';

export interface ErrorCtx {
  stylize: Stylize;
  colors: boolean;
  showHidden: boolean;
  indentationLvl: number;
}

type ErrorLike = Error & { [key: string]: unknown };

// `stack` (without Vivarium's frames) when it is a non-empty string, `Error.prototype.toString`
// otherwise. A non-string stack is appended on its own line (rendered by `formatOther`).
function getStackString(err: ErrorLike, formatOther: (value: unknown) => string): string {
  const stack: unknown = stackOf(err);
  if (stack) {
    if (typeof stack === 'string') return userStack(stack);
    return `${$call(ErrorPrototype.toString, err)}\n    ${formatOther(stack)}`;
  }
  return $call(ErrorPrototype.toString, err);
}

// Makes the first line of a conventional stack ("Name: message") name the real constructor,
// e.g. `MyErr [Error]: m` for a subclass that did not set `name`.
function improveStack(stack: string, constructor: string | null, name: string, tag: string) {
  let len = name.length;
  if (
    constructor === null ||
    ($endsWith(name, 'Error') &&
      $startsWith(stack, name) &&
      (stack.length === len || stack[len] === ':' || stack[len] === '\n'))
  ) {
    let fallback = 'Error';
    if (constructor === null) {
      const start =
        $exec(/^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/, stack) ||
        $exec(/^([a-z_A-Z0-9-]*Error)$/, stack);
      fallback = start?.[1] || '';
      len = fallback.length;
      fallback ||= 'Error';
    }
    const prefix = $slice(getPrefix(constructor, tag, fallback), 0, -1);
    if (name !== prefix) {
      if ($includes(prefix, name)) {
        stack = len === 0 ? `${prefix}: ${stack}` : `${prefix}${$slice(stack, len)}`;
      } else {
        stack = `${prefix} [${name}]${$slice(stack, len)}`;
      }
    }
  }
  return stack;
}

// Finds the first run of more than three consecutive equal lines in `a` and `b`.
function identicalSequenceRange(a: string[], b: string[]): { len: number; offset: number } {
  for (let i = 0; i < a.length - 3; i++) {
    const pos = $indexOf(b, a[i]);
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
  const frames = $split(framesText, '\n');
  let cause: unknown;
  try {
    cause = err.cause;
  } catch {
    // A throwing `cause` getter is ignored.
  }
  if (cause !== null && typeof cause === 'object' && fmt.isError(cause)) {
    const causeStack = getStackString(cause as ErrorLike, fmt.formatOther);
    const causeStart = $indexOf(causeStack, '\n    at');
    if (causeStart !== -1) {
      const causeFrames = $split($slice(causeStack, causeStart + 1), '\n');
      const { len, offset } = identicalSequenceRange(frames, causeFrames);
      if (len > 0) {
        const skipped = len - 2;
        const msg = `    ... ${skipped} lines matching cause stack trace ...`;
        $splice(frames, offset + 1, skipped, ctx.stylize(msg, 'undefined'));
      }
    }
  }
  return frames;
}

// Colour mode only: package names inside node_modules paths are underlined, as in Node.
function highlightFrame(ctx: ErrorCtx, line: string): string {
  return $replace(
    line,
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
    for (const key of safe(['name', 'message', 'stack'])) {
      const index = $indexOf(keys, key);
      const shown = err[key];
      if (index !== -1 && typeof shown !== 'symbol' && $includes(stack, String(shown))) {
        $splice(keys, index, 1);
      }
    }
  }
  if ($call(ObjectPrototype.hasOwnProperty, err, 'cause') && !$includes(keys, 'cause')) {
    $push(keys, 'cause');
  }
  if (Array.isArray(err.errors) && !$includes(keys, 'errors')) $push(keys, 'errors');
  stack = improveStack(stack, constructor, name, tag);

  // Frames are searched for after the message, which may itself contain "\n    at".
  const message = err.message as unknown;
  let pos = (message ? $indexOf(stack, message as string) : 0) || -1;
  if (pos !== -1) pos += (message as string).length;
  const stackStart = $indexOf(stack, '\n    at', pos);
  if (stackStart === -1) {
    stack = `[${stack}]`;
  } else {
    const lines = getStackFrames(ctx, err, $slice(stack, stackStart + 1), fmt);
    const shown = ctx.colors ? $map(lines, (line) => highlightFrame(ctx, line)) : lines;
    stack = `${$slice(stack, 0, stackStart)}\n${$join(shown, '\n')}`;
  }
  if (ctx.indentationLvl !== 0) {
    stack = $replaceAll(stack, '\n', `\n${$repeat(' ', ctx.indentationLvl)}`);
  }
  return stack;
}
