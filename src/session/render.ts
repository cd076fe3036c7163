// How a Result reads in a terminal (and in batch mode without --json).
import type { Result } from './result.ts';

/** `width`: the terminal's columns (none: not a terminal); a longer source line is cut around the caret. */
export function renderResult(result: Result, width = Infinity): string {
  const lines: string[] = [...result.printed];
  if (result.ok) {
    if (result.migrations || result.check) lines.push(renderCheck(result));
    else if (result.defined?.length && plain(result.value ?? 'undefined') === 'undefined') {
      lines.push(renderDefined(result));
    } else if (result.value !== undefined) lines.push(result.value);
    if (result.warning) lines.push(result.warning);
  } else {
    const error = result.error!;
    if (error.sourceLine !== undefined && error.line !== undefined && error.column !== undefined) {
      lines.push(...caret(error.line, error.sourceLine, error.column, width));
    }
    const stack = error.stack && error.name !== 'MigrationError' ? stackFrames(error.stack) : '';
    const what = error.name === 'Thrown' ? error.message : `${error.name}: ${error.message}`;
    lines.push(`Uncaught ${what}${stack}`);
    if (result.warning) lines.push(result.warning);
  }
  return lines.join('\n');
}

/**
 * The source line with a caret under `column`. A line wider than the terminal would wrap and put
 * the caret under the wrong character, so it is cut to a window around the caret, with an
 * ellipsis on each side that was cut.
 */
export function caret(line: number, source: string, column: number, width: number): string[] {
  const gutter = `${line} | `;
  const room = Math.max(20, width - gutter.length - 1);
  let start = 0;
  let text = source;
  if (source.length > room) {
    start = Math.max(0, Math.min(column - 1 - Math.floor(room / 2), source.length - room));
    text = source.slice(start, start + room);
    if (start > 0) text = '…' + text.slice(1);
    if (start + room < source.length) text = text.slice(0, -1) + '…';
  }
  return [gutter + text, ' '.repeat(gutter.length + column - 1 - start) + '^'];
}

function renderDefined(result: Result): string {
  return result
    .defined!.map((d) =>
      d.kept ? `${d.name}: ${d.kind} kept (once)` : `${d.name}: ${d.kind} v${d.version}`,
    )
    .join(', ');
}

function renderCheck(result: Result): string {
  const reports = result.migrations ?? [];
  const lines = ['check (dry run in a copy of the image; nothing was changed):'];
  for (const r of reports) {
    lines.push(
      `  ${r.name} v${r.fromVersion} -> v${r.toVersion}: ${r.instances} instance(s), ${r.migrated} would migrate, ${r.failed} would fail`,
    );
    for (const f of r.failures) lines.push(`    ${f.instance}: ${f.error}`);
  }
  if (reports.length === 0) lines.push('  no migration would run');
  const would = result.check;
  if (!would) return lines.join('\n');
  for (const line of would.printed ?? []) lines.push(`  would print: ${line}`);
  if (would.ok) {
    const defined = would.defined?.map((d) => `${d.name} v${d.version}`).join(', ');
    lines.push(
      `  the entry would succeed${defined ? ` (${defined})` : ''}: ${would.value ?? 'undefined'}`,
    );
  } else {
    lines.push(`  the entry would fail: ${would.error!.name}: ${would.error!.message}`);
  }
  return lines.join('\n');
}

/** The stack frames below the message line, only those in the user's entries. */
function stackFrames(stack: string): string {
  // Frames of files applied as one entry (`:load`, `:import`) name the file: `lib/f.ts:3:9`.
  const frames = stack
    .split('\n')
    .filter((l) => /^\s+at .*(REPL\d+:|\.[cm]?[jt]s:\d+:\d+)/.test(l));
  return frames.length ? '\n' + frames.join('\n') : '';
}

/** The text without ANSI colours (values are coloured for a terminal). */
function plain(text: string | undefined): string | undefined {
  return text?.replace(/\u001b\[[0-9;]*m/g, '');
}
