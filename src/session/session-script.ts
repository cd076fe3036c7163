// The bundled session (dist/session.js, one script: scripts/module-to-script.ts) compiled with
// V8's cached data made after a run. Node's compile cache, which serves the sources and the
// runner, keeps a module's code as compiled before the module runs: its top level, while most
// functions are compiled when first called, at every start again (React's, ink's, the editor's).
// Data made once a run has gone on for a while holds every function compiled by then: the REPL
// starts with ~40 ms of CPU less, most of it before it is drawn.
//
// What a run compiles depends on what it does, so each way of running (the REPL, batch mode, ...)
// keeps data of its own, made by its first run (and again when V8 rejects it: another Node, other
// flags). Only a shortcut: without the data the script compiles as any script does.
import type { runMain } from './cli.ts';
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire, getCompileCacheDir } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { codeCacheFile, readCodeCache, writeCodeCache } from '../shared/code-cache-file.ts';

/** What bin/viv.js takes from the session. */
export interface Session {
  runMain: typeof runMain;
}

/** Where the data was: in its file, or not (none yet, damaged, or rejected by V8). */
export type From = 'file' | 'compiled';

/** How long a run goes on before its compiled code is kept (or at its exit, if sooner). */
const KEEP_AFTER_MS = 3000;

/**
 * The digest of the data (~1.2 MB): zlib's crc32, ~0.3 ms where the runner's hash takes ~2.5 ms
 * (the session loads zlib anyway, for its journal's checksums).
 */
const crc32 = (bytes: Uint8Array) => zlibCrc32(bytes).toString(16);

/** Where the session's cached data goes: under Node's compile cache (bin/viv.js turns it on). */
export function sessionCacheDir(): string | undefined {
  const base = getCompileCacheDir();
  return base ? join(base, 'vivarium-session') : undefined;
}

/**
 * The session script at `path` run, from cached data for runs of `mode` when there is some.
 * Without (none yet, damaged, rejected), the data is made and kept a few seconds into the run, or
 * at its exit if sooner and the run went through (`keep` does it at once); the data of earlier
 * builds goes then (code-cache-file.ts). With no mode (a run that compiles little, as `--help`),
 * no data is made.
 */
export async function loadSession(
  path: string,
  mode: string | undefined,
  dir = sessionCacheDir(),
): Promise<{ session: Session; from: From; keep(): void }> {
  // The key is the text's own (its length and checksum, ~0.5 ms): a rebuilt bundle of the same
  // sources keeps its data, and an edit of any kind makes new data.
  const bytes = readFileSync(path);
  // (ASCII, as the bundle makes it: read as Latin-1, the same text without decoding UTF-8.)
  const text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const key = `${bytes.length}\0${crc32(bytes)}\0${process.version}`;
  const file = dir && mode ? codeCacheFile(dir, `session-${mode}`, key) : undefined;
  const cachedData = file ? readCodeCache(file, key, crc32) : undefined;
  let script: Script;
  try {
    script = new Script(text, { filename: path, ...(cachedData ? { cachedData } : {}) });
  } catch (error) {
    // Damaged, its size unchanged (an edit, blocks a crash left zeroed): bin/viv.js checks only
    // sizes. Nothing of it has run: the sources can take over.
    throw Object.assign(new Error(`${path} does not compile: ${error}`, { cause: error }), {
      code: 'VIV_SCRIPT_DAMAGED',
    });
  }
  const from: From = cachedData && !script.cachedDataRejected ? 'file' : 'compiled';
  let kept = from === 'file' || !file || !dir;
  /**
   * At exit, only a run that went through keeps its code (0; 1: an entry failed): one that
   * stopped early (2: a mistyped option on a terminal, an image that would not open; 130: its
   * opening cancelled) compiled a third of what a run of its kind does, and its data would serve
   * every later run of that kind (~30 ms of CPU more at each REPL start).
   */
  const atExit = (code: number) => {
    if (code === 0 || code === 1) keep();
  };
  /** The data made now and kept for the next run of this kind (once; not if it had it). */
  const keep = () => {
    if (kept) return;
    kept = true;
    process.off('exit', atExit);
    writeCodeCache(dir!, file!, key, script.createCachedData(), crc32);
  };
  if (!kept) {
    setTimeout(keep, KEEP_AFTER_MS).unref();
    process.on('exit', atExit);
  }
  const run = script.runInThisContext() as (
    require: NodeJS.Require,
    importMeta: ImportMeta,
  ) => Promise<Session>;
  const require = createRequire(path);
  const url = pathToFileURL(path).href;
  const importMeta = {
    url,
    filename: path,
    dirname: dirname(path),
    main: false,
    resolve: (specifier: string) => pathToFileURL(require.resolve(specifier)).href,
  } as ImportMeta;
  return { session: await run(require, importMeta), from, keep };
}
