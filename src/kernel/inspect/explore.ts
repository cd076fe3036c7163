// What the terminal UI asks of live objects: completions for `acct.` (computed where the objects
// are) and an inspector's view of a value: its class and version and its fields, by path.
import { cellOfPrototype } from '../definitions/classes.ts';
import { inspect } from './inspect.ts';
import type { Staging } from '../definitions/staging.ts';
import type { DefinitionView } from '../../shared/types.ts';
import {
  safe,
  Map,
  Number,
  Object,
  RegExp,
  Set,
  String,
  getOwnPropertyNames,
  getPrototypeOf,
  globalObject,
  hasOwn,
} from '../primordials.ts';
import {
  $exec,
  $filter,
  $find,
  $includes,
  $map,
  $pop,
  $push,
  $slice,
  $sort,
  $startsWith,
} from '../primordials-methods.ts';

const SEGMENT = String.raw`(?:\??\.[A-Za-z_$][\w$]*|\[\d+\]|\["[^"]*"\]|\['[^']*'\])`;
const MEMBER_CHAIN = new RegExp(String.raw`([A-Za-z_$][\w$]*${SEGMENT}*)\??\.([\w$]*)$`);
const IDENTIFIER = /(?:^|[^\w$.])([A-Za-z_$][\w$]*)$/;
/** `.` and a partial name after a receiver that is not a plain path: `"abc".`, `(5).to`. */
const AFTER_RECEIVER = /\??\.([\w$]*)$/;
const STRING_END = /(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')$/;
const TEMPLATE_END = /(^|[^\s])\s*`(?:[^`\\]|\\.)*`$/;
/** A number that can take a `.` directly: with a fraction or exponent (`1.5.`, `5..`), or a BigInt. */
const NUMBER_END =
  /(?:^|[^\w$.])(\d[\d_]*\.\d*(?:e[+-]?\d+)?|\d[\d_]*e[+-]?\d+|\d[\d_]*n|0[xob][\da-f_]+n?)$/i;
const NUMBER = /^(?:\d[\d_]*(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+|0[xob][\da-f_]+)$/i;
const BIGINT = /^(?:\d[\d_]*|0[xob][\da-f_]+)n$/i;
/** What may stand before an array literal or a parenthesised expression (not a call or index). */
const OPERAND_START =
  /(?:^|[(,=:[!&|?{};+\-*%<>~^]|\b(?:return|typeof|in|of|new|void|await|yield|case|do|else))\s*$/;

/** Completions for the text before the cursor: `from` is where the replaced word starts. */
export function complete(staging: Staging, text: string): { from: number; candidates: string[] } {
  const after = $exec(AFTER_RECEIVER, text);
  if (after) {
    const receiver = literalReceiver($slice(text, 0, text.length - after[0]!.length));
    if (receiver !== NOT_LITERAL) {
      const partial = after[1]!;
      return {
        from: text.length - partial.length,
        candidates: matching(propertyNames(receiver), partial),
      };
    }
  }
  const member = $exec(MEMBER_CHAIN, text);
  if (member) {
    const target = resolveChain(chainNames(member[1]!));
    const partial = member[2]!;
    const names = target === undefined || target === null ? [] : propertyNames(target);
    return { from: text.length - partial.length, candidates: matching(names, partial) };
  }
  const word = $exec(IDENTIFIER, text);
  if (!word) return { from: text.length, candidates: [] };
  const partial = word[1]!;
  const names = [
    ...safe($map(staging.ns.all(), (d) => d.name)),
    ...safe(getOwnPropertyNames(globalObject)),
  ];
  return { from: text.length - partial.length, candidates: matching(names, partial) };
}

/** A unique marker (a fresh object: no builtin needed). */
const NOT_LITERAL = {};

/**
 * A value of the type of the literal that ends `text` (a string, template, number, BigInt, boolean
 * or array literal, parenthesised or not), or NOT_LITERAL. Nothing is evaluated: the literal's type
 * alone gives its properties (its prototype's), so completing it runs no code of the image's.
 */
function literalReceiver(text: string): unknown {
  if ($exec(STRING_END, text)) return '';
  const template = $exec(TEMPLATE_END, text);
  // A tagged template (`tag\`x\``) can be any value.
  if (template) return template[1] === '' || $exec(OPERAND_START, template[1]!) ? '' : NOT_LITERAL;
  const number = $exec(NUMBER_END, text);
  if (number) return $exec(BIGINT, number[1]!) ? 0n : 0;
  const boolean = $exec(/(?:^|[^\w$.])(true|false)$/, text);
  if (boolean) return false;
  const last = text[text.length - 1];
  if (last !== ']' && last !== ')') return NOT_LITERAL;
  const open = openerOf(text);
  if (open < 0 || !$exec(OPERAND_START, $slice(text, 0, open))) return NOT_LITERAL;
  if (last === ']') return [];
  const inner = $exec(/^\s*([\s\S]*?)\s*$/, $slice(text, open + 1, text.length - 1))![1]!;
  if ($exec(NUMBER, inner)) return 0;
  if ($exec(BIGINT, inner)) return 0n;
  return inner === '' ? NOT_LITERAL : wholeLiteral(inner);
}

/** A parenthesised literal: the whole of `inner` must be the literal. */
function wholeLiteral(inner: string): unknown {
  const string = $exec(STRING_END, inner);
  if (string && string.index === 0) return '';
  if (inner[0] === '`' && $exec(TEMPLATE_END, inner)?.index === 0) return '';
  if (inner === 'true' || inner === 'false') return false;
  if (inner[0] === '[' && inner[inner.length - 1] === ']' && openerOf(inner) === 0) return [];
  return NOT_LITERAL;
}

/**
 * Where the bracket that closes `text` (its last character) was opened, skipping strings,
 * templates and comments; -1 when it is unbalanced.
 */
function openerOf(text: string): number {
  const stack: number[] = [];
  let pair = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      for (i += 2; i < text.length && !(text[i] === '*' && text[i + 1] === '/'); i++);
      i++;
    } else if (c === '(' || c === '[' || c === '{') $push(stack, i);
    else if (c === ')' || c === ']' || c === '}') {
      const open = $pop(stack);
      if (open === undefined) return -1;
      pair = i === text.length - 1 ? open : -1;
    }
  }
  return pair;
}

/** `a.b[2]["c"]` -> ['a', 'b', '2', 'c']. */
function chainNames(chain: string): string[] {
  const step = /[A-Za-z_$][\w$]*|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]/g;
  const names: string[] = [];
  for (let m = $exec(step, chain); m !== null; m = $exec(step, chain)) {
    $push(names, m[1] ?? m[2] ?? m[3] ?? m[0]);
  }
  return names;
}

/** Follows `a.b.c` through property reads; undefined when any step fails or throws. */
function resolveChain(names: string[]): unknown {
  let value: unknown = globalObject;
  for (const name of safe(names)) {
    if (value === undefined || value === null) return undefined;
    try {
      value = (Object(value) as Record<string, unknown>)[name];
    } catch {
      return undefined;
    }
  }
  return value;
}

/** Own and inherited property names, nearest first, without Object.prototype's. */
function propertyNames(value: unknown): string[] {
  const names: string[] = [];
  for (let o: object | null = Object(value); o && o !== Object.prototype; o = getPrototypeOf(o)) {
    for (const name of safe(getOwnPropertyNames(o))) {
      if (name !== 'constructor' && !$includes(names, name)) $push(names, name);
    }
  }
  return names;
}

function matching(names: string[], partial: string): string[] {
  return $sort($filter([...safe(new Set(safe(names)))], (n) => $startsWith(n, partial)));
}

export interface InspectView {
  title: string;
  className?: string;
  version?: number;
  fields: { key: string; preview: string; expandable: boolean }[];
  definition?: DefinitionView;
}

const roots = new Map<number, unknown>();
let nextRoot = 1;

/** Keeps a value for an inspector session; later requests walk into it by path. */
export function inspectRoot(value: unknown): number {
  const id = nextRoot++;
  roots.set(id, value);
  if (roots.size > 20) roots.delete(roots.keys().next().value!);
  return id;
}

/** The view of the value at `path` (keys as the fields list gave them) inside root `id`. */
export function inspectView(staging: Staging, id: number, path: string[]): InspectView {
  let value = roots.get(id);
  for (const key of safe(path)) value = child(staging, value, key);
  const fields = $map(entries(value), (pair) => ({
    key: pair[0],
    preview: preview(pair[1]),
    expandable: pair[1] !== null && (typeof pair[1] === 'object' || typeof pair[1] === 'function'),
  }));
  for (const pair of safe(privateEntries(staging, value))) {
    const key = pair[0];
    const v = pair[1];
    $push(fields, { key, preview: preview(v), expandable: v !== null && typeof v === 'object' });
  }
  const cell =
    value !== null && typeof value === 'object'
      ? cellOfPrototype(getPrototypeOf(value))
      : undefined;
  const definition = definitionView(staging, value);
  return {
    title: preview(value),
    ...(cell ? { className: cell.name, version: cell.version?.version } : {}),
    fields,
    ...(definition ? { definition } : {}),
  };
}

/** A function or class of the image (its stable stub): version, source, a class's members. */
function definitionView(staging: Staging, value: unknown): DefinitionView | undefined {
  if (typeof value !== 'function') return undefined;
  const def = $find(staging.ns.all(), (d) => d.fn?.stub === value || d.cls?.stub === value);
  const version = def && $find(def.versions, (v) => v.version === def.current);
  if (!def || !version) return undefined;
  const view: DefinitionView = {
    name: def.name,
    kind: def.kind,
    version: def.current,
    source: version.source,
  };
  if (def.cls) {
    const proto = (value as { prototype?: object }).prototype;
    view.methods = proto ? $filter(getOwnPropertyNames(proto), (n) => n !== 'constructor') : [];
    view.statics = $filter(
      getOwnPropertyNames(value),
      (n) => !$includes(['length', 'name', 'prototype'], n),
    );
    view.instances = staging.instancesOf(def.cls).length;
  }
  return view;
}

function entries(value: unknown): [string, unknown][] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return [];
  if (value instanceof Map)
    return $map([...safe(value)], (pair, i) => [`[${i}] ${preview(pair[0])} =>`, pair[1]]);
  if (value instanceof Set) return $map([...safe(value)], (v, i) => [`[${i}]`, v]);
  return $map(Object.keys(value), (k) => [k, (value as Record<string, unknown>)[k]]);
}

/** The private fields of the value's own class (its base classes' stay out of the view). */
function privateEntries(staging: Staging, value: unknown): [string, unknown][] {
  if (value === null || typeof value !== 'object') return [];
  const own = cellOfPrototype(getPrototypeOf(value));
  return $map(
    $filter(staging.privateFieldsOf(value), (f) => f.cell === own),
    (f) => [f.name, f.value],
  );
}

function child(staging: Staging, value: unknown, key: string): unknown {
  if (value instanceof Map || value instanceof Set) {
    const index = Number($exec(/^\[(\d+)\]/, key)?.[1]);
    const item = [...safe(value)][index];
    return value instanceof Map ? (item as [unknown, unknown] | undefined)?.[1] : item;
  }
  if ($startsWith(key, '#'))
    return $find(privateEntries(staging, value), (pair) => pair[0] === key)?.[1];
  if (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    hasOwn(value, key)
  ) {
    return (value as Record<string, unknown>)[key];
  }
  return undefined;
}

function preview(value: unknown): string {
  const text = inspect(value, { depth: 0, breakLength: Infinity });
  return text.length > 70 ? $slice(text, 0, 67) + '...' : text;
}
