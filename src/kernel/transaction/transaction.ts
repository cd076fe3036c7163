import { $push } from '../primordials-methods.ts';
// One entry is one transaction. Everything the kernel changes while staging an entry (a global
// binding, a class's prototype, a function's implementation, the fields of migrated instances) is
// recorded here as an undo step; a failed entry runs them newest first and leaves the image as it
// was. Undo steps only assign and delete: they cannot throw on state the kernel itself wrote.

export class Transaction {
  readonly entry: number;
  readonly check: boolean;
  #undo: (() => void)[] = [];
  /** Steps that finish what staging could not do reversibly (freezing a migrated instance). */
  #onCommit: (() => void)[] = [];
  /** How many undo steps take back staged definitions or state (not side effects like timers). */
  #staged = 0;
  #closed = false;
  /** Abandoned by the host (timeout or interrupt): continuations must stop. */
  aborted = false;

  constructor(entry: number, check = false) {
    this.entry = entry;
    this.check = check;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Nothing staged yet (an awaiting entry that has defined nothing lets processes tick). */
  get empty(): boolean {
    return this.#staged === 0;
  }

  /** `effect`: the step cancels a side effect (a timer), which does not make the entry non-empty. */
  onUndo(step: () => void, effect = false): void {
    $push(this.#undo, step);
    if (!effect) this.#staged++;
  }

  /** `step` runs when the entry commits (never on rollback); it must not throw. */
  onCommit(step: () => void): void {
    $push(this.#onCommit, step);
  }

  commit(): void {
    const steps = this.#onCommit;
    this.#undo = [];
    this.#onCommit = [];
    this.#closed = true;
    for (let i = 0; i < steps.length; i++) steps[i]!();
  }

  rollback(): void {
    const steps = this.#undo;
    this.#undo = [];
    this.#onCommit = [];
    this.#closed = true;
    for (let i = steps.length - 1; i >= 0; i--) {
      try {
        steps[i]!();
      } catch {
        // An undo step that throws can only come from user code rewiring a kernel-owned object
        // (a frozen prototype, say); the remaining steps must still run.
      }
    }
  }
}
