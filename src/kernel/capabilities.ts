// The host capabilities user code sees: `console` (printing into the entry's output) and timers
// (scheduled by the host, fired back through the kernel). Nothing else of the host is reachable.
import type { TimerInfo } from '../shared/types.ts';
import type { GuestNotice } from '../shared/notices.ts';
import { formatWithOptions, inspect } from './inspect/inspect.ts';
import { outsideEntry } from './transaction/determinism.ts';
import { cleanStack, userStack } from './inspect/stack.ts';
import {
  safe,
  String,
  stackOf,
  Error,
  Map,
  Math,
  Number,
  Object,
  Promise,
  TypeError,
  defineProperty,
  globalObject,
  now,
} from './primordials.ts';
import { $catch, $join, $map, $replace, $slice, $split, $then } from './primordials-methods.ts';

type Print = (stream: 'out' | 'err', text: string) => void;

export function installConsole(print: Print): void {
  let indent = '';
  const counts = new Map<string, number>();
  const started = new Map<string, number>();
  const out = (stream: 'out' | 'err', args: unknown[]) => {
    const text = formatWithOptions({}, ...safe(args));
    print(stream, indent ? $replace(text, /^/gm, indent) : text);
  };
  const console = {
    log: (...args: unknown[]) => out('out', args),
    info: (...args: unknown[]) => out('out', args),
    debug: (...args: unknown[]) => out('out', args),
    warn: (...args: unknown[]) => out('err', args),
    error: (...args: unknown[]) => out('err', args),
    dir: (value: unknown, options?: { depth?: number }) =>
      print('out', indent + inspect(value, { depth: options?.depth })),
    table: (...args: unknown[]) => out('out', args),
    trace: (...args: unknown[]) => {
      const stack = userStack(
        $join($slice($split(String(stackOf(new Error()) ?? ''), '\n'), 2), '\n'),
      );
      out('err', [
        'Trace:' + (args.length ? ' ' + formatWithOptions({}, ...safe(args)) : '') + '\n' + stack,
      ]);
    },
    assert: (condition: unknown, ...args: unknown[]) => {
      if (!condition) out('err', ['Assertion failed' + (args.length ? ':' : ''), ...safe(args)]);
    },
    count: (label = 'default') => {
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      out('out', [`${label}: ${n}`]);
    },
    countReset: (label = 'default') => counts.delete(label),
    time: (label = 'default') => started.set(label, now()),
    timeLog: (label = 'default', ...args: unknown[]) =>
      out('out', [`${label}: ${now() - (started.get(label) ?? now())}ms`, ...safe(args)]),
    timeEnd: (label = 'default') => {
      out('out', [`${label}: ${now() - (started.get(label) ?? now())}ms`]);
      started.delete(label);
    },
    group: (...args: unknown[]) => {
      if (args.length) out('out', args);
      indent += '  ';
    },
    groupEnd: () => {
      indent = $slice(indent, 2);
    },
  };
  defineProperty(globalObject, 'console', { value: console, writable: true, configurable: true });
}

/** Who a timer belongs to: an entry (by what it defines or its text), a process, or a timer. */
export interface Owner {
  key: string;
  label: string;
  entry?: number;
}

export interface Timers {
  fire(id: number): void;
  /** Clears a timer; false when there is no such timer. */
  clear(id: unknown): boolean;
  /** Owner of timers set from now on (the entry or tick being run). */
  owner: Owner | undefined;
  /** Clears every timer (the image was just opened: timers belong to a session). */
  clearAll(): number;
  /** Clears every timer of `key` (a process that stops takes its timers with it). */
  clearOwned(key: string): number;
  /** Entry `entry` committed: timers its owner `key` left from earlier evaluations are cleared. */
  replaceOwned(key: string, entry: number): number;
  list(): TimerInfo[];
  /** The host stopped timer `id`'s callback (it ran too long): the timer is cleared. */
  overrun(id: number, bound: number): void;
  /** A failed entry takes back the timers it set (not those other code set while it awaited). */
  onSet: ((id: number, owner: Owner) => void) | undefined;
  /** The kernel's own timer (a process's `t.sleep`): `fn` runs after `delay` ms, for `owner`. */
  after(delay: number, fn: () => void, owner: Owner): number;
}

interface Timer {
  fn: Function;
  args: unknown[];
  repeat: number | undefined;
  delay: number;
  owner: Owner;
  fired: number;
}

const DETACHED: Owner = { key: 'detached', label: 'no entry or process' };

/**
 * setTimeout/setInterval/clear*, plus queueMicrotask; the host owns the clock. Every timer knows
 * its owner, so re-evaluating the code that made it replaces it instead of leaving an orphan.
 */
export function installTimers(
  send: (n: GuestNotice) => void,
  report: (e: unknown) => void,
): Timers {
  // What a callback threw is the user's: reported (and kept) with the user's frames only.
  const uncaught = (error: unknown) => {
    cleanStack(error);
    report(error);
  };
  const timers = new Map<number, Timer>();
  /** The timer whose callback is running (still set if the host stopped it mid-way). */
  let firing: { id: number; timer: Timer } | undefined;
  let next = 1;
  const set = (
    fn: unknown,
    delay: unknown,
    args: unknown[],
    repeat: boolean,
    kernelOwner?: Owner,
  ): number => {
    if (typeof fn !== 'function') {
      throw new TypeError(
        'The "callback" argument must be of type function. Received ' + inspect(fn),
      );
    }
    const ms = Math.max(repeat ? 1 : 0, Number(delay) || 0);
    const id = next++;
    const owner = kernelOwner ?? api.owner ?? DETACHED;
    timers.set(id, { fn, args, repeat: repeat ? ms : undefined, delay: ms, owner, fired: 0 });
    send({ type: 'timer', action: 'set', id, delay: ms });
    // A kernel timer belongs to a process, never to the entry that happens to be awaiting.
    if (!kernelOwner) api.onSet?.(id, owner);
    return id;
  };
  const clear = (id: unknown): boolean => {
    if (typeof id !== 'number' || !timers.delete(id)) return false;
    send({ type: 'timer', action: 'clear', id });
    return true;
  };
  const globals: Record<string, Function> = {
    setTimeout: (fn: unknown, delay?: unknown, ...args: unknown[]) => set(fn, delay, args, false),
    setInterval: (fn: unknown, delay?: unknown, ...args: unknown[]) => set(fn, delay, args, true),
    clearTimeout: (id: unknown) => void clear(id),
    clearInterval: (id: unknown) => void clear(id),
    queueMicrotask: (fn: () => void) => {
      $catch($then(Promise.resolve(), fn), uncaught);
    },
  };
  for (const pair of safe(Object.entries(globals))) {
    const name = pair[0];
    const value = pair[1];
    defineProperty(globalObject, name, { value, writable: true, configurable: true });
  }
  const clearWhere = (test: (t: Timer) => boolean): number => {
    let n = 0;
    for (const pair of safe(timers)) {
      const id = pair[0];
      const timer = pair[1];
      if (test(timer)) {
        clear(id);
        n++;
      }
    }
    return n;
  };
  const api: Timers = {
    owner: undefined,
    onSet: undefined,
    clear,
    fire(id) {
      const timer = timers.get(id);
      if (!timer) return;
      if (timer.repeat === undefined) timers.delete(id);
      else send({ type: 'timer', action: 'set', id, delay: timer.repeat });
      timer.fired++;
      const outer = api.owner;
      api.owner = timer.owner;
      firing = { id, timer };
      try {
        outsideEntry(() => timer.fn(...safe(timer.args)), timer.owner.entry);
      } catch (error) {
        uncaught(error);
      } finally {
        api.owner = outer;
        firing = undefined;
      }
    },
    overrun(id, bound) {
      const timer = firing?.id === id ? firing.timer : timers.get(id);
      firing = undefined;
      clear(id);
      api.owner = undefined;
      const why =
        bound > 0 ? `ran longer than ${bound} ms and was stopped` : 'was stopped (Ctrl-C)';
      const error = new Error(
        `the callback of timer #${id} (set by ${timer?.owner.label ?? 'an unknown owner'}) ${why}; the timer was cleared`,
      );
      error.stack = `Error: ${error.message}`;
      uncaught(error);
    },
    after: (delay, fn, owner) => set(fn, delay, [], false, owner),
    clearAll: () => clearWhere(() => true),
    clearOwned: (key) => clearWhere((t) => t.owner.key === key),
    replaceOwned: (key, entry) =>
      clearWhere(
        (t) => t.owner.key === key && t.owner.entry !== undefined && t.owner.entry < entry,
      ),
    list: () =>
      $map([...safe(timers)], (pair) => ({
        id: pair[0],
        kind: pair[1].repeat === undefined ? 'timeout' : 'interval',
        delay: pair[1].delay,
        owner: pair[1].owner.label,
        fired: pair[1].fired,
      })),
  };
  return api;
}
