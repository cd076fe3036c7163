// The name `inspect` gives an object (its nearest usable constructor, or `Internal <Proto>`), and
// with showHidden the prototype properties it lists beside the object's own. Split from value.ts.
import { OBJECT, formatProperty, type Ctx } from './entries.ts';
import * as types from './types.ts';
import { safe, ObjectPrototype, Object, Reflect, Set, String } from '../primordials.ts';
import { $call, $pop, $push } from '../primordials-methods.ts';

const hasOwn = (obj: object, key: PropertyKey) => $call(ObjectPrototype.hasOwnProperty, obj, key);

// The name of the nearest constructor in the prototype chain that `value` is an instance of;
// null for a null prototype; `Name <ProtoName>` when the chain has no usable constructor.
// With showHidden it also collects non-method prototype properties into `protoProps`.
export function getConstructorName(
  value: object,
  ctx: Ctx,
  recurseTimes: number,
  protoProps: string[] | undefined,
): string | null {
  let firstProto: object | null | undefined;
  let current: object | null = value;
  while (current !== null) {
    const desc = Object.getOwnPropertyDescriptor(current, 'constructor');
    const ctor: unknown = desc?.value;
    if (typeof ctor === 'function' && ctor.name !== '' && types.isInstance(value, ctor)) {
      if (protoProps !== undefined && (firstProto !== current || !types.isBuiltInName(ctor.name))) {
        addPrototypeProperties(ctx, value, firstProto ?? value, recurseTimes, protoProps);
      }
      return String(ctor.name);
    }
    current = Object.getPrototypeOf(current) as object | null;
    if (firstProto === undefined) firstProto = current;
  }
  if (firstProto === null || firstProto === undefined) return null;
  const internal = types.internalConstructorName(value);
  if (recurseTimes > ctx.depth) return `${internal} <Complex prototype>`;
  const protoName = getConstructorName(firstProto, ctx, recurseTimes + 1, protoProps);
  if (protoName === null) {
    const options = { colors: ctx.colors, customInspect: false, depth: -1 };
    return `${internal} <${ctx.inspect(firstProto, options)}>`;
  }
  return `${internal} <${protoName}>`;
}

// showHidden: data and accessor properties (not methods) of up to three user-defined
// prototype levels, rendered faint in colour mode.
function addPrototypeProperties(
  ctx: Ctx,
  main: object,
  start: object,
  recurseTimes: number,
  output: string[],
): void {
  let keys: PropertyKey[] = [];
  const seenKeys = new Set<PropertyKey>();
  let proto: object | null = start;
  for (let depth = 0; depth < 3; depth++) {
    if (depth !== 0 || main === proto) {
      proto = Object.getPrototypeOf(proto) as object | null;
      if (proto === null) return;
      const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
      if (typeof ctor === 'function' && types.isBuiltInName(ctor.name)) return;
    }
    for (const key of safe(keys)) seenKeys.add(key);
    keys = Reflect.ownKeys(proto);
    $push(ctx.seen, main);
    for (const key of safe(keys)) {
      if (key === 'constructor' || hasOwn(main, key) || seenKeys.has(key)) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, key)!;
      if (typeof desc.value === 'function') continue;
      const text = formatProperty(ctx, proto, recurseTimes, key, OBJECT, desc);
      $push(output, ctx.colors ? `\u001b[2m${text}\u001b[22m` : text);
    }
    $pop(ctx.seen);
  }
}
