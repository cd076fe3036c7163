// How many brackets a text leaves open, outside strings, templates, comments and regular
// expressions. Sucrase reports some incomplete entries (an arrow whose body is still being typed)
// at a token in the middle, so the REPL's "keep reading" rule also asks this question.

const REGEX_AFTER = new Set([...'(,=:[!&|?{};+-*%<>~^']);
const REGEX_AFTER_WORDS =
  /(?:^|[^\w$])(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;

/** Open brackets left at the end (0 when balanced; -1 when a closer has no opener). */
export function openBrackets(text: string): number {
  const stack: string[] = [];
  let i = 0;
  let last = '';
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) return stack.length + 1;
      i = end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i = skipString(text, i, c);
      last = c;
      continue;
    }
    if (c === '`') {
      stack.push('`');
      i++;
      i = scanTemplate(text, i, stack);
      last = '`';
      continue;
    }
    if (
      c === '/' &&
      (last === '' ||
        REGEX_AFTER.has(last) ||
        REGEX_AFTER_WORDS.test(text.slice(Math.max(0, i - 12), i).trimEnd()))
    ) {
      i = skipRegex(text, i);
      last = '/';
      continue;
    }
    if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      if (open === undefined) return -1;
      if (open === '`') return -1;
      if (c === '}' && stack[stack.length - 1] === '`' && open === '{') {
        // the end of a `${ ... }` inside a template: go on scanning the template's text
        i = scanTemplate(text, i + 1, stack);
        last = '`';
        continue;
      }
    }
    if (!/\s/.test(c)) last = c;
    i++;
  }
  return stack.length;
}

function skipString(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

function skipRegex(text: string, start: number): number {
  let i = start + 1;
  let inClass = false;
  while (i < text.length && text[i] !== '\n') {
    const c = text[i]!;
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return i + 1;
    i++;
  }
  return i;
}

/** Scans template text after a backtick (or after a `${...}`'s closing brace). */
function scanTemplate(text: string, start: number, stack: string[]): number {
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '`') {
      stack.pop();
      return i + 1;
    }
    if (c === '$' && text[i + 1] === '{') {
      stack.push('{');
      return i + 2;
    }
    i++;
  }
  return i;
}
