// Which file `viv` opens. User images live in the XDG data directory
// (`$XDG_DATA_HOME/vivarium/`, else `~/.local/share/vivarium/`), the default image too; the
// example images shipped in the package's `images/` are opened as copies there (named
// `viv life`, or by their path), so that trying one never changes the package's files, unless
// `--in-place` asks for the shipped file itself. Any other path is opened as given.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIPPED_IMAGES = fileURLToPath(new URL('../../images/', import.meta.url));

/** `$XDG_DATA_HOME/vivarium`, or `~/.local/share/vivarium` when it is unset or not absolute. */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'vivarium');
}

export interface ImageChoice {
  /** The file to open (undefined: a fresh image that is not saved, batch mode's default). */
  path: string | undefined;
  /** What to tell the person before opening (a shipped image opened as a copy). */
  notice?: string;
  /** A shipped image that must be copied before it is opened (`copy()` does it). */
  copyFrom?: string;
}

/**
 * The image for `viv [IMAGE]`: `given` as typed (a path, or the name of a shipped image), none
 * (the interactive REPL's default image, batch mode's unsaved one). Writes nothing: the copy of a
 * shipped image is made by `makeCopy`, and not at all with `--read-only`.
 */
export function chooseImage(
  given: string | undefined,
  options: { batch: boolean; inPlace?: boolean; env?: NodeJS.ProcessEnv },
): ImageChoice {
  const data = dataDirectory(options.env);
  if (given === undefined) return { path: options.batch ? undefined : join(data, 'default.json') };
  const shipped = shippedImage(given);
  if (!shipped || options.inPlace) return { path: shipped ?? given };
  const copy = join(data, basename(shipped));
  if (existsSync(copy)) {
    return {
      path: copy,
      notice: `opening your copy of the shipped image ${basename(shipped)}: ${copy} (--in-place opens the shipped file)`,
    };
  }
  return {
    path: copy,
    copyFrom: shipped,
    notice: `opening a copy of the shipped image ${basename(shipped)}: ${copy} (--in-place opens the shipped file)`,
  };
}

/** Copies a shipped image to where `chooseImage` said (its directory made first). */
export function makeCopy(choice: ImageChoice): void {
  if (!choice.copyFrom || !choice.path) return;
  mkdirSync(dirname(choice.path), { recursive: true });
  copyFileSync(choice.copyFrom, choice.path);
}

/** The shipped image `given` names: `life`, `life.json`, or a path to a file in `images/`. */
function shippedImage(given: string): string | undefined {
  const byName = /^[\w.-]+$/.test(given) && !existsSync(given);
  const file = byName
    ? join(SHIPPED_IMAGES, given.endsWith('.json') ? given : `${given}.json`)
    : resolve(given);
  if (dirname(file) !== resolve(SHIPPED_IMAGES) || basename(file) === 'default.json')
    return undefined;
  return existsSync(file) ? file : undefined;
}
