// Short descriptions of live objects for error messages: what it is, and where it sits in the image.
import { inspect } from './inspect.ts';
import {
  safe,
  ObjectPrototype,
  Array,
  JSON,
  Map,
  Object,
  Set,
  String,
  globalObject,
  ownKeys,
} from '../primordials.ts';
import { $call, $push, $slice, $test } from '../primordials-methods.ts';

/** One line, at most ~80 characters: `Account { id: 7, balance: 12 }`. */
export function describe(value: unknown): string {
  let text: string;
  try {
    text = inspect(value, { depth: 0, breakLength: Infinity });
  } catch {
    text = $call(ObjectPrototype.toString, value);
  }
  return text.length > 80 ? $slice(text, 0, 77) + '...' : text;
}

let roots: () => readonly string[] = () => [];

/** The kernel tells where the search starts: the image's definition names. */
export function setPathRoots(names: () => readonly string[]): void {
  roots = names;
}

/**
 * A path from a definition to `target` (`ledger.accounts[3]`), found breadth first over own
 * properties, array items and Map/Set entries; undefined when it is not reachable from a name
 * within the search budget (the instance may be held only by a closure or a timer).
 */
export function findPath(target: object, budget = 2_000_000): string | undefined {
  const seen = new Set<unknown>();
  const queue: [unknown, string][] = [];
  for (const name of safe(roots())) {
    let value: unknown;
    try {
      value = (globalObject as Record<string, unknown>)[name];
    } catch {
      continue;
    }
    if (value === target) return name;
    $push(queue, [value, name]);
  }
  for (let head = 0; head < queue.length && seen.size < budget; head++) {
    const value = queue[head]![0];
    const path = queue[head]![1];
    if (!value || (typeof value !== 'object' && typeof value !== 'function')) continue;
    if (seen.has(value)) continue;
    seen.add(value);
    const visit = (child: unknown, childPath: string): string | undefined => {
      if (child === target) return childPath;
      if (child && (typeof child === 'object' || typeof child === 'function')) {
        $push(queue, [child, childPath]);
      }
      return undefined;
    };
    if (value instanceof Map) {
      for (const pair of safe(value)) {
        const k = pair[0];
        const v = pair[1];
        const found = visit(v, `${path}.get(${keyText(k)})`);
        if (found) return found;
      }
    } else if (value instanceof Set) {
      let n = 0;
      for (const v of safe(value)) {
        const found = visit(v, `[...${path}][${n++}]`);
        if (found) return found;
      }
    }
    for (const key of safe(ownKeys(value as object))) {
      if (typeof key === 'symbol') continue;
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (!descriptor || !('value' in descriptor)) continue;
      const childPath =
        Array.isArray(value) && $test(/^\d+$/, key)
          ? `${path}[${key}]`
          : `${path}${propertyText(key)}`;
      const found = visit(descriptor.value, childPath);
      if (found) return found;
    }
  }
  return undefined;
}

function propertyText(key: string): string {
  return $test(/^[A-Za-z_$][\w$]*$/, key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function keyText(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}
