// The REPL's commands. Each is declared with its usage and one line of help next to its handler,
// and `:help` is generated from this table, so the two cannot drift apart.
import type { ControlAction, HistoryInfo } from '../../shared/types.ts';
import type { Engine } from '../engine/engine.ts';
import { ask, frame, inspect } from './queries.ts';
import type { Result } from '../result.ts';
import { dotCommand, isDotCommand } from './dot-commands.ts';
import { codeCommands } from '../code-io/commands.ts';
import {
  formatBytes,
  renderDefinitionView,
  renderDefs,
  renderDiff,
  renderHistory,
  renderPackageDiff,
  renderProcesses,
} from './render.ts';

import type { Command } from './command.ts';
export type { Command };

const ok = (value: string, extra: Partial<Result> = {}): Result => ({
  ok: true,
  value,
  printed: [],
  ...extra,
});
const fail = (name: string, message: string): Result => ({
  ok: false,
  error: { name, message },
  printed: [],
});

export const COMMANDS: Command[] = [
  {
    name: 'help',
    usage: ':help',
    help: 'this list of commands',
    run: async () => ok(helpText()),
  },
  {
    name: 'defs',
    usage: ':defs',
    help: 'the definitions: name, kind, version, live instances of classes',
    run: async (engine) => {
      const reply = await ask(engine, { op: 'defs' });
      return reply.ok ? ok(renderDefs(reply.defs)) : fail(reply.error.name, reply.error.message);
    },
  },
  {
    name: 'history',
    usage: ':history NAME',
    help: 'every version of a definition, with its source as typed and when it was made',
    run: async (engine, args) => {
      const name = args.trim();
      if (!name) return fail('UsageError', 'usage: :history NAME');
      const reply = await history(engine, name);
      if ('error' in reply) return reply.error;
      return ok(renderHistory(reply));
    },
  },
  {
    name: 'diff',
    usage: ':diff NAME [A] [B]',
    help: 'line diff between two versions (default: the previous one and the current one)',
    run: async (engine, args) => {
      const [name, a, b] = args.trim().split(/\s+/);
      if (!name) return fail('UsageError', 'usage: :diff NAME [A] [B]');
      const reply = await history(engine, name);
      if ('error' in reply) return reply.error;
      const to = b ? Number(b) : reply.current;
      const from = a ? Number(a) : previousOf(reply, to);
      const older = from === undefined ? undefined : reply.versions[from - 1];
      const newer = reply.versions[to - 1];
      if (!newer || (a && !older)) {
        return fail(
          'UsageError',
          `${name} has versions 1..${reply.versions.length}; cannot diff v${a ?? from} and v${to}`,
        );
      }
      if (!older) {
        return fail(
          'UsageError',
          `${name} v${to} has no earlier version to compare with (:diff ${name} A B compares any two)`,
        );
      }
      if (older.package || newer.package) return ok(renderPackageDiff(name, older, newer));
      const colors = !!engine.options.colors;
      return ok(renderDiff(name, older.version, older.source, newer.version, newer.source, colors));
    },
  },
  {
    name: 'rollback',
    usage: ':rollback NAME [VERSION]',
    help: 'make an earlier version current again (classes run their downgrade migrations)',
    run: async (engine, args) => {
      const [name, version] = args.trim().split(/\s+/);
      if (!name) return fail('UsageError', 'usage: :rollback NAME [VERSION]');
      const target = version === undefined ? undefined : Number(version);
      if (target !== undefined && !Number.isInteger(target)) {
        return fail('UsageError', `VERSION must be a number, not ${version}`);
      }
      return rollback(engine, name, target);
    },
  },
  {
    name: 'check',
    usage: ':check ENTRY',
    help: 'dry run: runs ENTRY in a throwaway copy of the image and reports what it would do',
    run: async (engine, args) => {
      if (!args.trim()) return fail('UsageError', 'usage: :check ENTRY');
      return engine.evaluate(args, { check: true });
    },
  },
  {
    name: 'inspect',
    usage: ':inspect EXPR',
    help: "a value's class, version and fields (in the terminal: navigable with the keys); of a function or class of the image: its version and source, and a class's methods, statics and live instances",
    run: async (engine, args) => {
      const expression = args.trim();
      if (!expression) return fail('UsageError', 'usage: :inspect EXPR');
      // EXPR runs as an entry (one transaction, journaled): what it changes is replayed too.
      const evaluated = await engine.evaluate(expression);
      if (!evaluated.ok) return evaluated;
      const view = await inspect(engine, { last: true }, []);
      if ('error' in view) return fail(view.error.name, view.error.message);
      const text = view.definition
        ? renderDefinitionView(view.definition)
        : [
            view.className ? `${view.className} v${view.version}` : view.title,
            ...view.fields.map((f) => `  ${f.key}: ${f.preview}`),
          ].join('\n');
      return ok(text, {
        printed: evaluated.printed,
        panel: { kind: 'inspect', expression, view },
      });
    },
  },
  {
    name: 'ps',
    usage: ':ps',
    help: 'processes (state, ticks, restarts, last error, lateness) and running timers',
    run: async (engine) => {
      const reply = await ask(engine, { op: 'ps' });
      if (!reply.ok) return fail(reply.error.name, reply.error.message);
      return ok(renderProcesses(reply.processes, reply.timers));
    },
  },
  {
    name: 'stop',
    usage: ':stop NAME',
    help: 'stop a process (or a timer: :stop #ID); its state stays in the image',
    run: async (engine, args) => control(engine, 'stop', args.trim()),
  },
  {
    name: 'restart',
    usage: ':restart NAME',
    help: 'start a stopped or crashed process again',
    run: async (engine, args) => control(engine, 'restart', args.trim()),
  },
  {
    name: 'forget',
    usage: ':forget NAME',
    help: 'stop a process and remove it from the image, state and all',
    run: async (engine, args) => control(engine, 'forget', args.trim()),
  },
  {
    name: 'frame',
    usage: ':frame NAME',
    help: "a process's current text frame (in the terminal: a live panel; :frame again hides it)",
    run: async (engine, args) => {
      const name = args.trim();
      if (!name) return fail('UsageError', 'usage: :frame NAME');
      const shown = await frame(engine, name);
      if ('error' in shown) return fail(shown.error.name, shown.error.message);
      return ok(shown.text, { panel: { kind: 'frame', name } });
    },
  },
  {
    name: 'save',
    usage: ':save [PATH]',
    help: 'write a snapshot of the image (to PATH: save as) and empty its journal',
    run: async (engine, args) => {
      const path = args.trim() || undefined;
      try {
        const saved = await engine.save(path);
        return ok(`saved ${saved.path} (${formatBytes(saved.bytes)})`);
      } catch (error) {
        const e = error as Error;
        return fail(e.name === 'Error' ? 'SaveError' : e.name, e.message);
      }
    },
  },
  {
    name: 'replay',
    usage: ':replay skip|retry',
    help: 'after a replay stopped at an entry: leave that entry out for good, or try again',
    run: async (engine, args) => {
      const choice = args.trim();
      if (choice !== 'skip' && choice !== 'retry') {
        return fail('UsageError', 'usage: :replay skip|retry');
      }
      try {
        return ok(await (choice === 'skip' ? engine.skipStopped() : engine.retryReplay()));
      } catch (error) {
        return fail('ReplayError', (error as Error).message);
      }
    },
  },
  {
    name: 'quit',
    usage: ':quit',
    help: 'leave the REPL',
    run: async (engine) => {
      engine.requestQuit();
      return ok('bye');
    },
  },
  {
    name: 'quit!',
    usage: ':quit!',
    help: 'leave without the final save (entries already accepted stay in the journal and replay on open)',
    run: async (engine) => {
      engine.requestQuit(false);
      if (!engine.imagePath || engine.readOnlyFile) return ok('bye (nothing was to be saved)');
      const unsaved = engine.journal.length;
      return ok(
        unsaved === 0
          ? 'bye; no snapshot written (nothing was unsaved)'
          : `bye; no snapshot written. The ${unsaved} operation${unsaved === 1 ? '' : 's'} since the last save ${unsaved === 1 ? 'is' : 'are'} in the journal already and ${unsaved === 1 ? 'is' : 'are'} replayed when ${engine.imagePath} is opened again; processes resume from the last snapshot (their ticks since then run again). To try things without keeping them, open the image with --read-only`,
      );
    },
  },
  {
    name: 'install',
    usage: ':install NAME[@VERSION]',
    help: 'installs an npm package into the image (bundled for the isolate) as a module definition',
    run: async (engine, args) => engine.install(args.trim()),
  },
  // Code in and out of the image (code-io/): last, so the table above reads as before.
  ...codeCommands,
];

export function commandNames(): string[] {
  return COMMANDS.map((c) => c.name);
}

/** Completions of a `:command` being typed, or undefined when the text is not one. */
export function completeCommand(text: string): { from: number; candidates: string[] } | undefined {
  const command = /^:(\w*)$/.exec(text.trimStart());
  if (!command) return undefined;
  const names = commandNames().filter((n) => n.startsWith(command[1]!));
  return { from: text.length - command[1]!.length - 1, candidates: names.map((n) => ':' + n) };
}

export async function runCommand(engine: Engine, text: string): Promise<Result> {
  if (isDotCommand(text)) {
    const dot = dotCommand(text);
    if ('message' in dot) return fail('UnknownCommand', dot.message);
    text = dot.command;
  }
  const match = /^:(\S*)\s*([\s\S]*)$/.exec(text)!;
  const command = COMMANDS.find((c) => c.name === match[1]);
  if (!command) {
    return fail(
      'UnknownCommand',
      `unknown command :${match[1]}. Commands: ${COMMANDS.map((c) => ':' + c.name).join(' ')}`,
    );
  }
  return command.run(engine, match[2] ?? '', text);
}

const KEYS: [string, string][] = [
  ['Enter', 'run the entry (an incomplete one continues on the next line)'],
  ['Alt-Enter', 'a new line inside the entry'],
  ['Esc', 'cancel a multi-line entry'],
  ['Up / Down', 'move between lines; at the edges, earlier entries (history)'],
  ['Ctrl-P / Ctrl-N', 'the same as Up / Down'],
  ['Ctrl-R', 'search earlier entries (again: next match; Enter runs it, Esc edits it)'],
  ['Tab', 'complete names, commands and properties (acct.)'],
  ['Ctrl-A / Ctrl-E', 'start / end of the line (also Home / End)'],
  ['Ctrl-B / Ctrl-F', 'a character back / forward (also Left / Right)'],
  ['Delete', 'delete the character under the cursor'],
  ['Ctrl-K / Ctrl-U / Ctrl-W', 'cut to the end / to the start / the word before'],
  ['Alt-B / Alt-F / Alt-D', 'a word back / forward; cut the word after'],
  ['Ctrl-Y / Ctrl-_', 'paste back what was cut / undo'],
  ['Ctrl-L', 'clear the screen'],
  ['Ctrl-X Ctrl-E', 'edit the entry in $VISUAL / $EDITOR; it runs when the editor exits'],
  ['Ctrl-T', 'show or hide the definitions panel'],
  ['Ctrl-C', 'stop a running entry, or clear the line; twice on an empty line quits'],
  ['Ctrl-D', 'quit (the image is saved first)'],
];

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`);
  return [
    'Commands:',
    ...lines,
    '',
    'Anything else is an entry: TypeScript or JavaScript, evaluated as one transaction.',
    'An incomplete entry continues on the next line; `:{` ... `:}` groups lines into one entry.',
    'const x = once(init) keeps x (and skips init) when the entry is evaluated again.',
    '',
    'Keys (terminal):',
    ...KEYS.map(([k, what]) => `  ${k.padEnd(22)}  ${what}`),
  ].join('\n');
}

/**
 * What `:diff NAME` compares a version with: for the current version, the one current before the
 * latest change (a rollback included); otherwise the version it was made from.
 */
function previousOf(info: HistoryInfo, version: number): number | undefined {
  const last = info.events[info.events.length - 1];
  if (version === info.current && last?.version === version && last.from) return last.from;
  return info.versions[version - 1]?.parent;
}

async function history(engine: Engine, name: string): Promise<HistoryInfo | { error: Result }> {
  const reply = await ask(engine, { op: 'history', name });
  return reply.ok ? reply : { error: fail(reply.error.name, reply.error.message) };
}

async function rollback(
  engine: Engine,
  name: string,
  version: number | undefined,
): Promise<Result> {
  const info = await history(engine, name);
  if ('error' in info) return info.error;
  if (info.kind !== 'function' && info.kind !== 'class') {
    // A value rolls back by evaluating its older declaration again, as a new version.
    const target = version ?? info.events[info.events.length - 1]?.from;
    const older = target ? info.versions[target - 1] : undefined;
    if (!older)
      return fail('RollbackError', `${name} has no version ${target ?? 'before this one'}`);
    return engine.evaluate(older.source);
  }
  const result = await engine.runOperation({ op: 'rollback', name, version });
  if (!result.ok) return result;
  const now = result.defined?.find((d) => d.name === name);
  return ok(`${name} is now at v${now?.version}`, {
    defined: result.defined,
    printed: result.printed,
    ...(result.warning ? { warning: result.warning } : {}),
  });
}

async function control(engine: Engine, action: ControlAction, name: string): Promise<Result> {
  if (!name) return fail('UsageError', `usage: :${action} NAME`);
  if (name.startsWith('#')) return engine.clearTimer(name, action);
  return engine.runOperation({ op: 'control', action, name });
}
