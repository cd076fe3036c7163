// The rewrite of one top-level class into a staged class version.
//
// `class C extends B { ... }` becomes `__viv.cls("C", class extends B { ... }, META)`: an
// anonymous class, so that `C` inside its body means the stable class (the image's `C`), never
// this one version. A first static block hands the version to the kernel before the user's static
// initialisers run, so `static x = new C()` already builds with the new version.
//
// Private instance members need more. A private name belongs to one class body, so a method of
// version 2 cannot read `#x` of an instance built by version 1. Such classes are compiled
// "stampable": the kernel can run their constructor in a stamp mode that only installs this
// version's private fields (carrying values over by name from an older version) on an existing
// instance, without running any user initialiser or constructor code.
import { eachNode } from './each-node.ts';
import MagicString from 'magic-string';
import * as acorn from 'acorn';
import type { ClassMeta } from '../../shared/types.ts';

export type { ClassMeta };

interface Placement {
  /** The range `class C` (or `C = class`) that becomes the call head. */
  head: [number, number];
  superClass: acorn.Expression | null | undefined;
  /** The keyword that bound the name: a `const C = class {}` stays constant. */
  binding: string;
}

type ClassNode = acorn.ClassDeclaration | acorn.ClassExpression;
const ARGS = '$viv$args';

export function rewriteClass(
  s: MagicString,
  node: ClassNode,
  name: string,
  placement: Placement,
): ClassMeta {
  const meta = classMeta(node);
  const quoted = JSON.stringify(name);
  s.overwrite(placement.head[0], placement.head[1], `__viv.cls(${quoted}, { ${quoted}: class`);
  if (!placement.superClass && meta.stampable) {
    s.appendLeft(placement.head[1], ' extends __viv.Root');
  }

  const injected: string[] = [];
  const carried = [...meta.privateFields, ...staticPrivateFields(node)];
  if (carried.length > 0) {
    const table = carried.map((p) => `${JSON.stringify(p)}: [o => ${p} in o, o => o.${p}]`);
    injected.push(`static { __viv.privates(this, { ${table.join(', ')} }); }`);
  }
  injected.push(`static { __viv.early(${quoted}, this); }`);

  const body = node.body;
  for (const member of body.body) stableThis(s, member);
  let constructor: acorn.MethodDefinition | undefined;
  for (const member of body.body) {
    if (member.type === 'MethodDefinition' && member.kind === 'constructor') constructor = member;
    if (meta.stampable && member.type === 'PropertyDefinition' && !member.static) {
      stampField(s, member);
    }
    if (member.type === 'PropertyDefinition' && member.static && isPrivate(member.key)) {
      carryStaticPrivate(s, member);
    }
  }
  if (meta.staticPrivates.length > 0) {
    routeStaticPrivates(s, body, new Set(meta.staticPrivates));
    routeDirectEvals(s, body, meta.staticPrivates);
  }

  if (meta.stampable) {
    const derived = !!placement.superClass;
    if (constructor) wrapConstructor(s, constructor.value, derived);
    else injected.push(defaultConstructor(derived));
  }
  s.appendLeft(body.start + 1, ' ' + injected.join(' ') + ' ');
  s.appendLeft(
    node.end,
    ` }[${quoted}], ${JSON.stringify(meta)}, ${JSON.stringify(placement.binding)});`,
  );
  return meta;
}

export function classMeta(node: ClassNode): ClassMeta {
  const fields: string[] = [];
  const privateFields: string[] = [];
  const privateMethods: string[] = [];
  const staticPrivates: string[] = [];
  let length = 0;
  for (const member of node.body.body) {
    if (member.type === 'StaticBlock') continue;
    const key = member.key;
    if (member.static) {
      if (key.type === 'PrivateIdentifier') staticPrivates.push('#' + key.name);
      continue;
    }
    if (member.type === 'MethodDefinition' && member.kind === 'constructor') {
      length = parameterLength(member.value.params);
      continue;
    }
    const keyName = member.computed ? undefined : propertyName(key);
    if (member.type === 'PropertyDefinition') {
      if (key.type === 'PrivateIdentifier') privateFields.push('#' + key.name);
      else if (keyName !== undefined) fields.push(keyName);
    } else if (key.type === 'PrivateIdentifier') {
      privateMethods.push('#' + key.name);
    }
  }
  return {
    fields,
    privateFields,
    privateMethods,
    staticPrivates,
    stampable: privateFields.length + privateMethods.length > 0,
    length,
  };
}

/** In stamp mode a private field takes its carried value; a public field is left alone. */
function stampField(s: MagicString, field: acorn.PropertyDefinition): void {
  const privateName = isPrivate(field.key) ? '#' + (field.key as acorn.PrivateIdentifier).name : '';
  const stamped = privateName
    ? `__viv.stamping ? __viv.carry(this, ${JSON.stringify(privateName)}) : `
    : '__viv.stamping ? undefined : ';
  if (field.value) {
    s.prependRight(field.value.start, `${stamped}(`);
    s.appendLeft(field.value.end, ')');
  } else {
    s.appendLeft(field.key.end, ` = ${stamped}undefined`);
  }
}

/** A static private field of a redefined class starts from the older version's value. */
function carryStaticPrivate(s: MagicString, field: acorn.PropertyDefinition): void {
  const name = JSON.stringify('#' + (field.key as acorn.PrivateIdentifier).name);
  if (field.value) {
    // `static #f = () => 1` names the function "#f"; inside the call, a property key does.
    const named = isAnonymousFunction(field.value);
    s.prependRight(
      field.value.start,
      `__viv.carryStatic(this, ${name}, () => (${named ? `{ ${name}: ` : ''}`,
    );
    s.appendLeft(field.value.end, `${named ? ` }[${name}]` : ''}))`);
  } else {
    s.appendLeft(field.key.end, ` = __viv.carryStatic(this, ${name}, () => undefined)`);
  }
}

/**
 * Where the language binds `this` to the class being defined (static fields, static blocks) it is
 * this version; a user expects the class itself, as every later `C.m()` sees it: `this` that
 * escapes (`static self = this`, `() => this`) becomes `__viv.st(this)`, the stable class. A
 * direct `this.x` in an initialiser stays: its fields are defined on the version, then installed.
 * A static private method or accessor is called on the version (see `routeStaticPrivates`), so
 * every `this` in it is mapped. Must run before `routeStaticPrivates` (which wraps `sh` outside).
 */
function stableThis(s: MagicString, member: acorn.ClassBody['body'][number]): void {
  const visit = (node: unknown, escaping: boolean): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child, escaping);
      return;
    }
    const n = node as acorn.AnyNode;
    if (typeof n.type !== 'string') return;
    // Functions and classes bind their own `this`.
    if (
      n.type === 'FunctionExpression' ||
      n.type === 'FunctionDeclaration' ||
      n.type === 'ClassExpression' ||
      n.type === 'ClassDeclaration'
    ) {
      return;
    }
    if (n.type === 'ThisExpression') {
      // Parenthesised: `new this()` must stay `new (...)()`, not `new __viv.st(this)()`.
      s.prependRight(n.start, '(__viv.st(');
      s.appendLeft(n.end, '))');
      return;
    }
    if (n.type === 'ArrowFunctionExpression') return visit([n.params, n.body], true);
    // `super.x = v` sets `x` on its receiver, `this`: there the stable class too.
    if (
      escaping &&
      n.type === 'AssignmentExpression' &&
      n.operator === '=' &&
      n.left.type === 'MemberExpression' &&
      n.left.object.type === 'Super'
    ) {
      const { property, computed } = n.left;
      if (computed) {
        s.overwrite(n.left.start, property.start, '__viv.superSet(this, (');
        s.overwrite(property.end, n.right.start, '), ');
        visit(property, escaping);
      } else {
        const key = JSON.stringify((property as acorn.Identifier).name);
        s.overwrite(n.left.start, n.right.start, `__viv.superSet(this, ${key}, `);
      }
      s.appendLeft(n.end, ')');
      return visit(n.right, escaping);
    }
    if (n.type === 'MemberExpression' && n.object.type === 'ThisExpression' && !escaping) {
      return visit(n.computed ? n.property : undefined, escaping);
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'type' && key !== 'start' && key !== 'end') visit(value, escaping);
    }
  };
  if (member.type === 'StaticBlock') visit(member.body, false);
  else if (member.type === 'PropertyDefinition' && member.static) visit(member.value, false);
  else if (member.type === 'MethodDefinition' && member.static && isPrivate(member.key)) {
    visit([member.value.params, member.value.body], true);
  }
}

/**
 * Static privates live on the version's own class object, but code reaches them through the
 * stable class (`C.#count`, or `this.#count` in a static method called as `C.inc()`): route every
 * such access through `__viv.sh`, which maps the stable class to its current version.
 */
function routeStaticPrivates(s: MagicString, root: acorn.Node, names: Set<string>): void {
  eachNode(root, (n) => {
    if (
      n.type === 'MemberExpression' &&
      n.property.type === 'PrivateIdentifier' &&
      names.has('#' + n.property.name)
    ) {
      s.prependRight(n.object.start, '(__viv.sh(');
      s.appendLeft(n.object.end, '))');
    }
    if (
      n.type === 'BinaryExpression' &&
      n.operator === 'in' &&
      n.left.type === 'PrivateIdentifier' &&
      names.has('#' + n.left.name)
    ) {
      s.prependRight(n.right.start, '(__viv.sh(');
      s.appendLeft(n.right.end, '))');
    }
  });
}

/**
 * A direct `eval(text)` in a body with static privates sees them too (`eval('this.#count')` in a
 * static method), and its text must be routed like the body's own: `eval(A)` becomes
 * `eval(__viv.evalText(eval, A, NAMES))`, which (when `eval` is still the built-in and A a string)
 * asks the runner to pass the text through `rewriteEvalText` before V8 evaluates it, still as a
 * direct eval in the same scope. Runs after the other rewrites, so it wraps outermost.
 */
function routeDirectEvals(s: MagicString, body: acorn.Node, names: string[]): void {
  const list = JSON.stringify(names);
  eachNode(body, (n) => {
    if (
      n.type === 'CallExpression' &&
      !n.optional &&
      n.callee.type === 'Identifier' &&
      n.callee.name === 'eval' &&
      n.arguments.length > 0 &&
      n.arguments[0]!.type !== 'SpreadElement'
    ) {
      const text = n.arguments[0]!;
      s.prependRight(text.start, '__viv.evalText(eval, (');
      s.appendLeft(text.end, `), ${list})`);
    }
  });
}

/**
 * The text of a direct eval inside a class body with static privates `names`, routed as the body
 * is (`X.#m` becomes `(__viv.sh(X)).#m`, nested direct evals likewise). Runs in the runner, called
 * synchronously by the kernel. Text that does not parse is returned as it is: V8 reports the error.
 */
export function rewriteEvalText(text: string, names: string[]): string {
  let program: acorn.Program;
  try {
    program = acorn.parse(text, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      checkPrivateFields: false,
      allowReturnOutsideFunction: false,
    });
  } catch {
    return text;
  }
  const s = new MagicString(text);
  routeStaticPrivates(s, program, new Set(names));
  routeDirectEvals(s, program, names);
  return s.toString();
}

/**
 * `constructor(params) { body }` becomes a constructor that, in stamp mode, only lets the field
 * initialisers run; otherwise it runs the original parameters and body unchanged inside an arrow
 * function (which shares `this`, `arguments`, `new.target` and `super` with the constructor).
 */
function wrapConstructor(s: MagicString, fn: acorn.FunctionExpression, derived: boolean): void {
  const paramsStart = fn.start;
  const bodyStart = fn.body.start;
  if (derived) {
    s.prependRight(paramsStart, `(...${ARGS}) { if (__viv.stamping) { super(); return; } return (`);
    s.appendLeft(bodyStart, ' => ');
    s.appendLeft(fn.end, `)(...${ARGS}); }`);
  } else {
    s.prependRight(
      paramsStart,
      `(...${ARGS}) { super(); if (__viv.stamping) return; const $viv$r = (`,
    );
    s.appendLeft(bodyStart, ' => ');
    s.appendLeft(
      fn.end,
      `)(...${ARGS}); if ($viv$r !== null && (typeof $viv$r === "object" || typeof $viv$r === "function")) return $viv$r; }`,
    );
  }
}

function defaultConstructor(derived: boolean): string {
  return derived
    ? `constructor(...${ARGS}) { if (__viv.stamping) { super(); return; } super(...${ARGS}); }`
    : 'constructor() { super(); }';
}

function staticPrivateFields(node: ClassNode): string[] {
  return node.body.body.flatMap((m) =>
    m.type === 'PropertyDefinition' && m.static && isPrivate(m.key)
      ? ['#' + (m.key as acorn.PrivateIdentifier).name]
      : [],
  );
}

function isAnonymousFunction(node: acorn.Expression): boolean {
  return (
    node.type === 'ArrowFunctionExpression' ||
    ((node.type === 'FunctionExpression' || node.type === 'ClassExpression') && !node.id)
  );
}

function isPrivate(key: acorn.AnyNode): boolean {
  return key.type === 'PrivateIdentifier';
}

function propertyName(key: acorn.AnyNode): string | undefined {
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'Literal') return String(key.value);
  return undefined;
}

function parameterLength(params: acorn.Pattern[]): number {
  let n = 0;
  for (const p of params) {
    if (p.type === 'AssignmentPattern' || p.type === 'RestElement') break;
    n++;
  }
  return n;
}
