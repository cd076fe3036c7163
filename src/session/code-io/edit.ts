// `:edit NAME` and the terminal's Ctrl-X Ctrl-E: text opened in the person's editor ($VISUAL, else
// $EDITOR, else vi), in a temporary `.ts` file, with the terminal handed over while it runs. An
// edited definition is submitted as one entry (one transaction) once the editor exits with the
// file changed; an unchanged one says "no change".
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import type { Result } from '../result.ts';
import { ask } from '../commands/queries.ts';
import { codeText, evaluateFiles, fileFailure } from './files.ts';
import { fileNames } from './names.ts';

/**
 * How the terminal UI lends the terminal to an editor: it leaves raw mode before `run` and takes
 * the terminal back after. Batch mode has none (the editor inherits stdio as it is).
 */
type Handover = <T>(run: () => T) => Promise<T>;
let handover: Handover | undefined;

export function setTerminalHandover(next: Handover | undefined): void {
  handover = next;
}

export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi';
}

/**
 * `text` edited in the person's editor as `fileName`: the edited text, or an error saying why there
 * is none (the editor could not start, or exited with a failure: the edit is dropped).
 */
export async function editText(
  text: string,
  fileName: string,
): Promise<{ text: string } | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'viv-edit-'));
  const file = join(dir, fileName);
  try {
    writeFileSync(file, text);
    const editor = editorCommand();
    // Through the shell: EDITOR may hold arguments (`code --wait`), as git and bash allow.
    const run = () =>
      spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'viv-edit', file], { stdio: 'inherit' });
    const done = handover ? await handover(run) : run();
    if (done.error) return { error: `cannot start the editor (${editor}): ${done.error.message}` };
    if (done.status === 127) {
      return { error: `cannot start the editor (${editor}): the shell found no such command` };
    }
    if (done.status !== 0) {
      return {
        error: `the editor (${editor}) exited with ${done.status === null ? `signal ${done.signal}` : `status ${done.status}`}: the edit was dropped`,
      };
    }
    let edited: string;
    try {
      edited = codeText(readFileSync(file, 'utf8'));
    } catch (error) {
      const why = fileFailure(error, { ENOENT: 'it was deleted' });
      return {
        error: `the editor (${editor}) left no file to read (${why}): the edit was dropped`,
      };
    }
    return { text: edited };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function editDefinition(engine: Engine, name: string): Promise<Result> {
  if (!name) return fail('UsageError', 'usage: :edit NAME');
  const info = await ask(engine, { op: 'history', name });
  if (!info.ok) return fail(info.error.name, info.error.message);
  const source = info.versions[info.current - 1]?.source ?? '';
  const fileName = fileNames([name]).get(name)!;
  const edited = await editText(source + '\n', fileName);
  if ('error' in edited) return fail('EditError', edited.error);
  if (edited.text.trim() === source.trim()) {
    return { ok: true, value: `no change: ${name} stays at v${info.current}`, printed: [] };
  }
  return evaluateFiles(engine, [{ name: fileName, text: edited.text }]);
}

function fail(name: string, message: string): Result {
  return { ok: false, error: { name, message }, printed: [] };
}
