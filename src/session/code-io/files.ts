// Several files applied as ONE entry (`:load`, `:import`, `:edit`): their texts are joined, line
// for line, into one entry (an entry may hold many statements), and every position the engine
// reports in that entry (a syntax error, a runtime error's line, the frames of its stack) is
// mapped back to the file and line it came from. One entry is one transaction: either every file
// applies or nothing changes.
import { readFileSync, statSync } from 'node:fs';
import type { Engine } from '../engine/engine.ts';
import { CodeIoError } from './image-code.ts';
import type { Result, ResultError } from '../result.ts';

/**
 * Why a file operation failed, in words: `words[code]` for the error codes the caller names (a
 * missing file, a folder where a file was meant), else the error's own message.
 */
export function fileFailure(error: unknown, words: Readonly<Record<string, string>>): string {
  const e = error as NodeJS.ErrnoException;
  return e.code !== undefined && Object.hasOwn(words, e.code) ? words[e.code]! : e.message;
}

export interface SourceFile {
  /** How errors name the file (the path as the person gave it, or relative to a folder). */
  name: string;
  text: string;
}

export interface Combined {
  source: string;
  /** The file and its 1-based line for a 1-based line of the combined entry. */
  locate(line: number): { file: string; line: number } | undefined;
  /** The last file with code in it, and its last line with code. */
  last(): { file: string; line: number } | undefined;
}

/**
 * A code file's text as the image keeps source: without a byte order mark and with `\n` line
 * ends. An editor on Windows, or git with `core.autocrlf`, writes `\r\n`; read as it is, every
 * declaration would differ from its current source and an unchanged file would make new versions.
 */
export function codeText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/**
 * The most code one `:load`, `:import` or `:edit` applies: 8 MiB. Compiling an entry takes the
 * session about 150 times its size in memory (5 MB of code: 700 MB), so a 30 MB file would end
 * the session for want of memory; it is refused instead. Data belongs in a value, not in code.
 */
export const MAX_CODE_BYTES = 8 * 1024 * 1024;

function tooLarge(what: string, size: number): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${what}: ${mb(size)} of code, more than the ${mb(MAX_CODE_BYTES)} applied at once (split it, or keep data out of code)`;
}

/** A code file read as `codeText`. */
export function readCode(path: string): string {
  const stat = statSync(path);
  // /dev/zero or a pipe would be read forever (a folder is EISDIR, which callers explain).
  if (!stat.isFile() && !stat.isDirectory()) {
    throw new CodeIoError(`${path} is not a regular file (a device, pipe or socket): not code`);
  }
  if (stat.size > MAX_CODE_BYTES) throw new CodeIoError(tooLarge(path, stat.size));
  const text = readFileSync(path, 'utf8');
  if (text.includes('\u0000')) {
    throw new CodeIoError(`${path} is not a text file (it holds NUL bytes): not code`);
  }
  return codeText(text);
}

/** The files joined in order, each starting on a line of its own. */
export function combine(files: SourceFile[]): Combined {
  const starts: { file: string; first: number; lines: number }[] = [];
  let source = '';
  let line = 1;
  let last: { file: string; line: number } | undefined;
  for (const file of files) {
    const text = file.text.endsWith('\n') || file.text === '' ? file.text : file.text + '\n';
    const lines = text === '' ? 0 : text.split('\n').length - 1;
    starts.push({ file: file.name, first: line, lines });
    if (text.trim() !== '') {
      last = { file: file.name, line: text.trimEnd().split('\n').length };
    }
    source += text;
    line += lines;
  }
  return {
    source,
    locate(at) {
      const found = starts.find((s) => at >= s.first && at < s.first + s.lines);
      return found && { file: found.file, line: at - found.first + 1 };
    },
    last: () => last,
  };
}

/**
 * The refusal of files whose code is more than MAX_CODE_BYTES, or nothing: before anything is done
 * with them (parsed, packages installed), since what would be applied is never smaller. (Blanking
 * declarations keeps every UTF-16 unit, as a one-byte space or newline at least: the bytes applied
 * are at least the files' length in units.)
 */
export function tooMuchCode(files: SourceFile[]): Result | undefined {
  const combined = combine(files).source;
  return combined.length > MAX_CODE_BYTES
    ? codeTooLarge(files, Buffer.byteLength(combined))
    : undefined;
}

/** The refusal of `files`, whose code is `size` bytes. */
function codeTooLarge(files: SourceFile[], size: number): Result {
  const what = files.length === 1 ? files[0]!.name : `${files.length} files`;
  return { ok: false, error: { name: 'CodeTooLarge', message: tooLarge(what, size) }, printed: [] };
}

/**
 * Evaluates the files as one entry and points the result's error at its file: the message starts
 * with `FILE:LINE:COLUMN:`, `file` names it, `line` is the file's own, and stack frames of the
 * entry read `FILE:LINE:COLUMN`. `definedIn` names the file of a definition (for migration errors,
 * which carry the definition's name and no line).
 */
export async function evaluateFiles(
  engine: Engine,
  files: SourceFile[],
  definedIn?: (name: string) => string | undefined,
): Promise<Result> {
  const combined = combine(files);
  const size = Buffer.byteLength(combined.source);
  if (size > MAX_CODE_BYTES) return codeTooLarge(files, size);
  const result = await engine.evaluate(combined.source);
  if (result.ok || !result.error) return result;
  return { ...result, error: locateInFiles(result.error, combined, engine.entry, definedIn) };
}

export function locateInFiles(
  error: ResultError,
  combined: Combined,
  entry: number,
  definedIn?: (name: string) => string | undefined,
): ResultError {
  const located: ResultError = { ...error };
  const at = error.line === undefined ? undefined : combined.locate(error.line);
  if (at) {
    located.file = at.file;
    located.line = at.line;
    // A syntax error's message ends with its place in the whole entry: the file's place replaces it.
    const message = error.message.replace(/ \(\d+:\d+\)$/, '');
    located.message = `${at.file}:${at.line}:${error.column ?? 1}: ${message}`;
  } else if (error.name === 'SyntaxError' && /^the entry is incomplete/.test(error.message)) {
    // Unfinished at the end (an open bracket, string or comment): the end of the last file.
    const last = combined.last();
    if (last) {
      located.file = last.file;
      located.line = last.line;
      located.message = `${last.file}:${last.line}: ${error.message.replace(/^the entry is incomplete/, 'incomplete at the end of the file')}`;
    }
  } else if (error.definition && definedIn?.(error.definition)) {
    located.file = definedIn(error.definition);
    located.message = `${located.file}: ${error.message}`;
  }
  if (error.stack) {
    located.stack = error.stack.replace(
      new RegExp(`REPL${entry}:(\\d+):(\\d+)`, 'g'),
      (whole, l: string, c: string) => {
        const frame = combined.locate(Number(l));
        return frame ? `${frame.file}:${frame.line}:${c}` : whole;
      },
    );
  }
  return located;
}
