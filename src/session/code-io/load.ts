// `:load FILE` and `viv --load FILE`: a .ts/.js file applied as ONE entry, as if typed at once (one
// transaction: every declaration in it, or nothing). Unlike `:import`, every declaration runs, an
// unchanged one too (a new version of it), as typing the file would. Errors name the file and line.
import type { Engine } from '../engine/engine.ts';
import type { Result } from '../result.ts';
import { evaluateFiles, fileFailure, readCode } from './files.ts';

export async function loadFile(engine: Engine, path: string): Promise<Result> {
  let text: string;
  try {
    text = readCode(path);
  } catch (error) {
    const why = fileFailure(error, {
      ENOENT: 'no such file',
      EISDIR: 'a folder (:import reads folders)',
    });
    return {
      ok: false,
      error: { name: 'LoadError', message: `cannot load ${path}: ${why}` },
      printed: [],
    };
  }
  if (text.trim() === '')
    return { ok: true, value: `${path} is empty: nothing to load`, printed: [] };
  return evaluateFiles(engine, [{ name: path, text }]);
}
