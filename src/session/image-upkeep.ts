// What `viv` does to the open image around a session: `--skip-entry N` journaled before it opens,
// the autosave while it runs, and the save on the way out.
import type { Engine, Store } from './engine/engine.ts';

/** `--skip-entry N`: journals that entry N is left out (it must be in the journal). */
export async function skipEntry(store: Store, entry: number): Promise<void> {
  const known = store.journal.some((r) => (r as { entry?: number }).entry === entry);
  if (!known) {
    throw new Error(`--skip-entry ${entry}: the journal of ${store.path} holds no entry ${entry}`);
  }
  await store.append({ type: 'skip', entry });
  (store.journal as object[]).push({ type: 'skip', entry });
}

/**
 * The save on the way out (:quit, end of input, Ctrl-D, a signal): the processes' clock stops first
 * (see Engine.saveOnQuit); the journal already holds every entry.
 */
export async function finalSave(engine: Engine): Promise<number> {
  try {
    await engine.saveOnQuit();
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    const saved = /the snapshot is saved/.test(message);
    process.stderr.write(
      `viv: ${saved ? '' : 'the image was not saved: '}${message}\n` +
        `viv: nothing is lost: every accepted entry is in ${engine.imagePath}.journal and is replayed on open\n`,
    );
    return 1;
  }
}

export function startAutosave(engine: Engine, seconds: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (engine.dirty && !engine.busy) {
      engine.save().catch((error: Error) => {
        process.stderr.write(`viv: autosave failed: ${error.message}\n`);
      });
    }
  }, seconds * 1000);
  timer.unref();
  return timer;
}
