// Names an entry may not use: `__viv` is the parameter through which a compiled entry reaches the
// kernel's staging API (rewrite.ts). It is in scope in every compiled entry, so a user `__viv`
// would either shadow it (breaking the entry's own definitions) or read it (reaching the kernel).
import type * as acorn from 'acorn';
import { EntrySyntaxError } from './source-error.ts';
import type { PositionMap } from './position-map.ts';

export const STAGING_PARAMETER = '__viv';

/** Throws an EntrySyntaxError at the first identifier named `__viv` in the program. */
export function refuseReservedNames(
  program: acorn.Program,
  source: string,
  positions: PositionMap,
): void {
  const found = findIdentifier(program as unknown as Record<string, unknown>, STAGING_PARAMETER);
  if (found !== undefined) {
    throw new EntrySyntaxError(
      `'${STAGING_PARAMETER}' is reserved by Vivarium; use another name`,
      source,
      positions.toSource(found),
    );
  }
}

function findIdentifier(node: Record<string, unknown>, name: string): number | undefined {
  if ((node.type === 'Identifier' || node.type === 'PrivateIdentifier') && node.name === name) {
    return node.start as number;
  }
  for (const key of Object.keys(node)) {
    const child = node[key];
    const children = Array.isArray(child) ? child : [child];
    for (const c of children) {
      if (c && typeof c === 'object' && typeof (c as { type?: unknown }).type === 'string') {
        const at = findIdentifier(c as Record<string, unknown>, name);
        if (at !== undefined) return at;
      }
    }
  }
  return undefined;
}
