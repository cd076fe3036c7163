// What a promise holds, for printing it as Node does (`Promise { 5 }`, `Promise { <pending> }`,
// `Promise { <rejected> Error: ... }`). JavaScript cannot read a promise's state, and the guest
// has no handle on V8's (isolated-vm hands the host none either), so the kernel watches the
// promises it will print: an entry's value gets settle handlers when the entry finishes, and the
// value is shown at the commit, a separate call into the isolate, after V8 ran the microtasks. A
// promise that was already settled is then known; one still pending prints `<pending>`, as in
// Node. A promise the kernel never watched (one nested in an object) prints `<state unknown>`.
import { Promise, WeakMap } from '../primordials.ts';
import { $then } from '../primordials-methods.ts';

export type PromiseState =
  | { state: 'pending' }
  | { state: 'fulfilled'; value: unknown }
  | { state: 'rejected'; value: unknown };

const states = new WeakMap<object, PromiseState>();

/** Starts watching `value` when it is a promise (the handlers also mark a rejection handled). */
export function watchPromise(value: unknown): void {
  if (!(value instanceof Promise) || states.has(value)) return;
  states.set(value, { state: 'pending' });
  try {
    $then(
      value,
      (result) => void states.set(value, { state: 'fulfilled', value: result }),
      (error) => void states.set(value, { state: 'rejected', value: error }),
    );
  } catch {
    states.delete(value);
  }
}

/** What the kernel saw of a promise; undefined when it never watched it. */
export function promiseState(value: object): PromiseState | undefined {
  return states.get(value);
}
