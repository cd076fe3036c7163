// The kernel's model of definitions: a definition with its versions, and the stable cells that
// functions and classes keep their identity in (types only; the code that works on them is in
// namespace.ts, functions.ts and classes.ts).
import type {
  ClassMeta,
  DefKind,
  HistoryEvent,
  ImportInfo,
  PackageInfo,
} from '../../shared/types.ts';
import type { InstanceRegistry } from './instances.ts';

export interface Version {
  version: number;
  kind: DefKind;
  /** The keyword it was bound with (`const` stays constant). */
  binding: string;
  source: string;
  time: number;
  entry: number;
  parent?: number;
  /** Functions and classes: the compiled implementation of this version. */
  impl?: Function;
  meta?: ClassMeta;
  /** Classes: the fields its `static upgrade` added to live instances (named when a rollback
   * past this version is refused). */
  upgradeAdded?: string[];
  /** Classes: which own keys of `impl` are static fields (the rest are methods/accessors). */
  staticFields?: (string | symbol)[];
  /** `transient(() => init)`: not saved; the initializer runs again when the image opens. */
  transient?: boolean;
  /** Modules: the package (name, version, integrity) whose bundle this version's source holds. */
  package?: PackageInfo;
  /** `import { x } from 'pkg'`: the module and export this version is bound to. */
  imports?: ImportInfo;
}

export interface Definition {
  name: string;
  kind: DefKind;
  once: boolean;
  /** `const x = transient(() => init)`: rebuilt on open instead of saved. */
  transient: boolean;
  versions: Version[];
  /** The version in force (0 before the first one is committed). */
  current: number;
  events: HistoryEvent[];
  fn?: FunctionCell;
  cls?: ClassCell;
  /** Modules: the namespace of the current version's bundle (rebuilt on open, never saved). */
  exports?: Record<string, unknown>;
  /** Modules: the namespace's functions by export name (how the heap saves them). */
  exportFns?: Map<Function, string>;
}

export interface FunctionCell {
  name: string;
  stub: Function;
  /** Hands the stub its implementation (a variable closed over by the stub, nothing global). */
  set: (impl: Function) => void;
  impl: Function | undefined;
}

/** What the stubs and rewritten classes read while the kernel stamps private fields. */
export interface StampState {
  stamping: boolean;
  stampTarget: object | undefined;
  /** The class and version being stamped, for `carry`. */
  stampCell: ClassCell | undefined;
  stampImpl: Function | undefined;
}

export interface ClassCell {
  name: string;
  stub: Function;
  /** Hands the stub its implementation (a variable closed over by the stub, nothing global). */
  set: (impl: Function) => void;
  impl: Function | undefined;
  /** The version whose members are installed. */
  version: Version | undefined;
  registry: InstanceRegistry;
  /** Keys the installed version put on the stable prototype and on the stub. */
  protoKeys: (string | symbol)[];
  staticMethodKeys: (string | symbol)[];
  staticFieldKeys: (string | symbol)[];
  /** Static keys present when the version was handed over, before its static initialisers ran. */
  earlyStaticKeys: (string | symbol)[];
}
