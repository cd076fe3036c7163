// Every live instance of every image class, found without relying on reachability from a name:
// the class's constructor registers each new instance here through a WeakRef, so the registry never
// keeps an instance alive and still finds one that only a closure or a timer holds.
import { Math, WeakRefCtor, uncurryThis } from '../primordials.ts';
import { $push } from '../primordials-methods.ts';

// The original `deref`, read before any user code runs: a user's `WeakRef.prototype.deref` must
// not hide instances from a migration.
const deref = uncurryThis(WeakRefCtor.prototype.deref) as (
  ref: WeakRef<object>,
) => object | undefined;

export class InstanceRegistry {
  #refs: WeakRef<object>[] = [];
  #sweepAt = 1024;

  add(instance: object): void {
    $push(this.#refs, new WeakRefCtor(instance));
    if (this.#refs.length >= this.#sweepAt) this.sweep();
  }

  /** Drops references to collected instances; amortised O(1) per `add`. */
  sweep(): void {
    const live: WeakRef<object>[] = [];
    const refs = this.#refs;
    for (let i = 0; i < refs.length; i++) if (deref(refs[i]!) !== undefined) $push(live, refs[i]!);
    this.#refs = live;
    this.#sweepAt = Math.max(1024, live.length * 2);
  }

  /** Appends the live instances, oldest first, to `out`. */
  collect(out: object[]): object[] {
    const refs = this.#refs;
    // An indexed store, not `$push`: a million instances may be collected for one migration.
    let n = out.length;
    for (let i = 0; i < refs.length; i++) {
      const instance = deref(refs[i]!);
      if (instance !== undefined) out[n++] = instance;
    }
    return out;
  }

  count(): number {
    this.sweep();
    return this.#refs.length;
  }
}
