// Where each definition's current implementation lives, for its stub to call: a property of the
// global object keyed by a symbol only the kernel holds. V8 keeps a global property's cell
// constant until it is replaced, so a stub that reads it is inlined like a direct call; replacing
// the property (delete, then define) gives a fresh constant cell after a redefinition. A variable
// closed over by the stub would be simpler, but once it changes V8 stops inlining through it:
// calls through every stub were 6x slower (measured as `npm run bench`'s first line does).
// The symbols are hidden from reflection on the global object (`Object.getOwnPropertySymbols`,
// `Reflect.ownKeys`, `Object.getOwnPropertyDescriptors`), so no user code can reach them.
import {
  Proxy,
  ReflectApply,
  Set,
  Symbol,
  defineProperty,
  globalObject,
  safe,
} from '../primordials.ts';
import { $filter } from '../primordials-methods.ts';

const slots = new Set<symbol>();

export interface Slot {
  key: symbol;
  fill(impl: Function): void;
}

export function newSlot(name: string): Slot {
  const key = Symbol(name);
  slots.add(key);
  return {
    key,
    fill(impl) {
      delete (globalObject as Record<symbol, unknown>)[key];
      defineProperty(globalObject, key, { value: impl, configurable: true });
    },
  };
}

/** At boot, before any user code: reflection on the global object leaves the slots out. */
export function hideSlots(): void {
  const g = globalObject as typeof globalThis;
  const visible = (keys: (string | symbol)[]) =>
    $filter(keys, (k) => typeof k !== 'symbol' || !slots.has(k));
  wrap(g.Object, 'getOwnPropertySymbols', (result, target) =>
    target === g ? visible(result as symbol[]) : result,
  );
  wrap(g.Reflect, 'ownKeys', (result, target) =>
    target === g ? visible(result as (string | symbol)[]) : result,
  );
  wrap(g.Object, 'getOwnPropertyDescriptors', (result, target) => {
    if (target === g)
      for (const key of safe(slots)) delete (result as Record<symbol, unknown>)[key];
    return result;
  });
}

/** Replaces `holder[name]` by a proxy of it (same name, length, `toString`) that edits results. */
function wrap(holder: object, name: string, edit: (result: unknown, target: unknown) => unknown) {
  const original = (holder as Record<string, Function>)[name]!;
  const wrapped = new Proxy(original, {
    apply: (target, self, args: unknown[]) => edit(ReflectApply(target, self, args), args[0]),
  });
  defineProperty(holder, name, { value: wrapped });
}
