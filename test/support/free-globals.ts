// Free references to global builtins in a module (for test/untouchable.test.ts): the module's
// TypeScript is stripped (positions kept), parsed with acorn, and every identifier in a reference
// position whose name is a builtin global and is bound nowhere in the file is reported. A name
// declared anywhere in the file counts as bound (a coarse scope model, enough for the kernel's
// modules, which import builtins at the top).
import { stripTypeScriptTypes } from 'node:module';
import vm from 'node:vm';
import * as acorn from 'acorn';

/** Globals a script cannot shadow (non-configurable, non-writable): no need to import them. */
const UNSHADOWABLE = new Set(['undefined', 'NaN', 'Infinity']);

/** The builtin globals of a plain V8 context (what `class X {}` at the top level can shadow). */
export const BUILTIN_GLOBALS: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(vm.runInNewContext('globalThis')).filter(
    (name) => !UNSHADOWABLE.has(name),
  ),
);

export interface FreeReference {
  name: string;
  line: number;
  column: number;
}

type Node = acorn.Node & Record<string, unknown>;

export function freeGlobalReferences(typescript: string): FreeReference[] {
  const code = stripTypeScriptTypes(typescript);
  const program = acorn.parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    locations: true,
  });
  const bound = new Set<string>();
  const references: FreeReference[] = [];
  visit(program as unknown as Node, undefined, '', (node, parent, key) => {
    if (node.type === 'ObjectPattern') {
      for (const p of node.properties as Node[]) {
        const value = p.value as Node | undefined;
        if (value?.type === 'Identifier') bound.add(value.name as string);
        if (value?.type === 'AssignmentPattern' && (value.left as Node).type === 'Identifier') {
          bound.add((value.left as Node).name as string);
        }
      }
    }
    if (node.type !== 'Identifier') return;
    const name = node.name as string;
    if (isBinding(parent, key)) bound.add(name);
    else if (isReference(parent, key) && BUILTIN_GLOBALS.has(name)) {
      references.push({ name, line: node.loc!.start.line, column: node.loc!.start.column });
    }
  });
  return references.filter((r) => !bound.has(r.name));
}

function visit(
  node: Node,
  parent: Node | undefined,
  key: string,
  f: (node: Node, parent: Node | undefined, key: string) => void,
): void {
  f(node, parent, key);
  for (const k of Object.keys(node)) {
    const child = node[k];
    if (Array.isArray(child)) {
      for (const c of child) if (c && typeof c.type === 'string') visit(c, node, k, f);
    } else if (child && typeof (child as Node).type === 'string') visit(child as Node, node, k, f);
  }
}

/** A declared name: imports, variables, functions, classes, parameters, catch clauses. */
function isBinding(parent: Node | undefined, key: string): boolean {
  if (!parent) return false;
  switch (parent.type) {
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
      return key === 'local';
    case 'VariableDeclarator':
      return key === 'id';
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ClassDeclaration':
    case 'ClassExpression':
      return key === 'id' || key === 'params';
    case 'ArrowFunctionExpression':
      return key === 'params';
    case 'CatchClause':
      return key === 'param';
    case 'ArrayPattern':
    case 'RestElement':
    case 'AssignmentPattern':
      return key === 'elements' || key === 'argument' || key === 'left';
  }
  return false;
}

/** An identifier that reads a variable (not a property name, label or member key). */
function isReference(parent: Node | undefined, key: string): boolean {
  if (!parent) return true;
  switch (parent.type) {
    case 'MemberExpression':
      return key === 'object' || parent.computed === true;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      return key === 'value' || parent.computed === true;
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
      return false;
    case 'ExportSpecifier':
      return key === 'local';
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
      return false;
  }
  return true;
}
