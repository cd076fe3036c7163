// The order in which definitions load: what a definition runs while it loads (a class's
// `extends`, a `const`'s initializer, static blocks, and every function those call) must be
// defined before it; otherwise the order they were first made in stays. A cycle (two values
// that need each other to load could never have been made) falls back to that order too.
import * as acorn from 'acorn';
import { analyze } from '../compile/analyze.ts';

export interface Orderable {
  name: string;
  /** The declaration as typed (TypeScript included). */
  source: string;
}

/**
 * `items` (given in the order they were made) in an order that loads. Each item's source may
 * declare several names (`let a = 1, b = 2`); `names(item)` lists them.
 */
export function loadOrder<T extends Orderable>(given: T[], names: (item: T) => string[]): T[] {
  // Function declarations first: an entry makes them before anything else (they are hoisted), so
  // importing an export makes the definitions in the export's order, and exporting again after an
  // import writes the same manifest.
  const found = new Map(given.map((item) => [item, references(item.source)]));
  const hoisted = (item: T) => found.get(item)!.hoisted;
  const items = [...given.filter(hoisted), ...given.filter((item) => !hoisted(item))];
  const owner = new Map<string, number>();
  items.forEach((item, i) => names(item).forEach((n) => owner.set(n, i)));
  const refs = items.map((item) => found.get(item)!);
  // What loading item i runs: its load-time references, and everything a function among them may
  // reach (a function's body runs when a loading value calls it).
  const needs = items.map((_, i) => {
    const needed = new Set<number>();
    const visit = (names: Iterable<string>, deep: boolean) => {
      for (const name of names) {
        const j = owner.get(name);
        if (j === undefined || j === i || needed.has(j)) continue;
        needed.add(j);
        if (deep || refs[j]!.callable) visit(refs[j]!.all, true);
      }
    };
    visit(refs[i]!.loading, false);
    return needed;
  });
  const done = new Set<number>();
  const out: T[] = [];
  while (out.length < items.length) {
    // The earliest-made item whose needs are loaded; in a cycle, the earliest-made one left.
    let next = -1;
    for (let i = 0; i < items.length && next === -1; i++) {
      if (!done.has(i) && [...needs[i]!].every((j) => done.has(j))) next = i;
    }
    if (next === -1) next = [...items.keys()].find((i) => !done.has(i))!;
    done.add(next);
    out.push(items[next]!);
  }
  return out;
}

interface References {
  /** Names read while the declaration itself runs (outside function bodies). */
  loading: Set<string>;
  /** Every name it reads, function bodies included. */
  all: Set<string>;
  /** A function or class: its bodies may run when something calls it. */
  callable: boolean;
  /** A function declaration (made before everything else in its entry). */
  hoisted: boolean;
}

/** The identifiers a declaration reads (shadowing ignored: an extra edge only orders more). */
export function references(source: string): References {
  const loading = new Set<string>();
  const all = new Set<string>();
  let program: acorn.Program;
  try {
    program = analyze(source).program;
  } catch {
    return { loading, all, callable: false, hoisted: false };
  }
  const first = program.body[0];
  const callable =
    first?.type === 'FunctionDeclaration' ||
    first?.type === 'ClassDeclaration' ||
    (first?.type === 'VariableDeclaration' &&
      /^(Arrow)?Function|^Class/.test(first.declarations[0]?.init?.type ?? ''));
  const visit = (
    node: unknown,
    inBody: boolean,
    parent?: { type: string; [k: string]: unknown },
    key?: string,
  ): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child, inBody, parent, key);
      return;
    }
    const n = node as { type?: string; [k: string]: unknown };
    if (typeof n.type !== 'string') return;
    if (n.type === 'Identifier' && isRead(parent, key)) {
      all.add(n.name as string);
      if (!inBody) loading.add(n.name as string);
    }
    const body =
      inBody ||
      /^(FunctionDeclaration|FunctionExpression|ArrowFunctionExpression)$/.test(n.type) ||
      (n.type === 'MethodDefinition' && !n.computed) ||
      (n.type === 'PropertyDefinition' && !n.static);
    for (const [k, value] of Object.entries(n)) {
      if (k === 'type' || k === 'start' || k === 'end') continue;
      // A computed key is evaluated when the class is made, even inside a method definition.
      visit(value, k === 'key' && n.computed ? inBody : body, n as never, k);
    }
  };
  visit(program.body, false);
  return { loading, all, callable, hoisted: first?.type === 'FunctionDeclaration' };
}

/** An identifier that reads a variable (not a property name, a label or a declared name). */
function isRead(parent: { type: string; [k: string]: unknown } | undefined, key?: string): boolean {
  if (!parent) return true;
  switch (parent.type) {
    case 'MemberExpression':
      return key !== 'property' || !!parent.computed;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      return key !== 'key' || !!parent.computed;
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
      return false;
    case 'FunctionDeclaration':
    case 'ClassDeclaration':
    case 'VariableDeclarator':
      return key !== 'id';
    default:
      return true;
  }
}
