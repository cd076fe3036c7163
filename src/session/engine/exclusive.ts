// One image-changing operation at a time: entries, commands, saves, autosaves, automatic
// rollbacks and revivals of the guest all take this lock, so a save never races an entry (an
// entry accepted while the guest takes a snapshot would otherwise land in a journal the save then
// empties). Re-entrant along one async call chain (AsyncLocalStorage): `:save` typed as a command
// already holds the lock when it calls the engine's save.
import { AsyncLocalStorage } from 'node:async_hooks';

export class Exclusive {
  readonly #owner = new AsyncLocalStorage<Exclusive>();
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** Runs `body` alone (after every earlier caller), or at once if this chain holds the lock. */
  run<T>(body: () => Promise<T>): Promise<T> {
    if (this.#owner.getStore() === this) return body();
    this.#waiting++;
    const turn = this.#tail
      .then(() => this.#owner.run(this, body))
      .finally(() => {
        this.#waiting--;
      });
    this.#tail = turn.catch(() => {});
    return turn;
  }

  /** Something holds the lock or waits for it. */
  get busy(): boolean {
    return this.#waiting > 0;
  }
}
