// The plain data that crosses the seam between the session and the kernel: what requests and
// replies are made of (src/shared/ops.ts names the requests and replies themselves). Every value
// here is JSON: no functions, no classes, nothing of either side's objects.
/** What analysis learned of a class version (sent with the class, kept with the version). */
export interface ClassMeta {
  /** Public instance field names, in order (the state shape). */
  fields: string[];
  /** Private instance field names (`#x`). */
  privateFields: string[];
  /** Private instance methods and accessors. */
  privateMethods: string[];
  /** Private static members (fields, methods, accessors). */
  staticPrivates: string[];
  /** Compiled with the stamp mode described above. */
  stampable: boolean;
  /** What `C.length` is: the constructor's count of parameters before a default or rest. */
  length: number;
}

/**
 * How a definition behaves: functions and classes are stable cells, the rest plain values. An
 * `enum` is a value (its object, made afresh by each declaration) listed by what it was declared as.
 * A `module` is an npm package's namespace, bundled for the isolate and rebuilt from its code on open.
 */
export type DefKind = 'function' | 'class' | 'const' | 'let' | 'var' | 'enum' | 'module';

/** An npm package installed into an image: what the image records of it (from the lockfile). */
export interface PackageInfo {
  name: string;
  version: string;
  integrity: string;
}

/** A definition made by `import { x } from 'pkg'`: the module definition and the export it binds. */
export interface ImportInfo {
  /** The module definition's name (`lodash_es`). */
  module: string;
  /** The package (`lodash-es`). */
  package: string;
  /** The export's name, `default`, or `*` (the whole namespace). */
  export: string;
}

/** A declaration of an entry as the host's analysis saw it. */
export interface DeclarationInfo {
  name: string;
  kind: DefKind;
  /** The keyword it was declared with. */
  binding: 'function' | 'class' | 'const' | 'let' | 'var';
  /** `const x = once(init)`: initialised the first time only (defonce). */
  once: boolean;
  /** The declaration's text as typed, TypeScript included: what history keeps. */
  source: string;
}

/** What an entry drew from the world: its random seed and the clock readings it made. */
export interface Draws {
  /** The seed of `Math.random` (only when the entry drew from it). */
  seed?: number[];
  /** Wall-clock readings (`Date.now()`, `new Date()`, `Date()`, Intl's now, `performance.timeOrigin`)
   * in order, run-length encoded: value, count, value, count, ... */
  clock?: number[];
  /** The same readings, one by one (journals written before `clock`). */
  epoch?: number[];
  /** `performance.now()`, in order. */
  perf?: number[];
}

/** `:stop`, `:restart`, `:forget` (stop and remove from the image). */
export type ControlAction = 'stop' | 'restart' | 'forget';

export interface DefinedInfo {
  name: string;
  kind: DefKind;
  version: number;
  /** `once` definitions that already existed keep their value. */
  kept?: boolean;
}

export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  /** Position in the entry's text, 1-based, when the error points into it. */
  line?: number;
  column?: number;
  /** For migration errors: which definition, version and instance. */
  definition?: string;
  version?: number;
  instance?: string;
}

export interface MigrationReport {
  name: string;
  fromVersion: number;
  toVersion: number;
  instances: number;
  migrated: number;
  failed: number;
  failures: { instance: string; error: string }[];
}

export interface DefSummary {
  name: string;
  kind: DefKind;
  version: number;
  instances?: number;
  once?: boolean;
  /** Modules: the package installed. */
  package?: PackageInfo;
  /** Names bound by `import`: where they come from. */
  imports?: ImportInfo;
}

export interface VersionInfo {
  version: number;
  kind: DefKind;
  source: string;
  time: number;
  entry: number;
  /** The version that was current when this one was made. */
  parent?: number;
  /** Modules: the package this version installed. */
  package?: PackageInfo;
}

export interface HistoryEvent {
  type: 'define' | 'rollback';
  version: number;
  from?: number;
  time: number;
  entry: number;
}

/** `history`: every version of a definition, and what happened to it. */
export interface HistoryInfo {
  name: string;
  kind: DefKind;
  current: number;
  versions: VersionInfo[];
  events: HistoryEvent[];
}

export interface OscMessage {
  host: string;
  port: number;
  time: number;
  address: string;
  args: OscArg[];
}

export type OscArg = { type: 'integer' | 'float' | 'string' | 'true' | 'false'; value?: unknown };

export interface Progress {
  what: string;
  done: number;
  total?: number;
}

/** The redefinition that probably made a process crash. */
export interface Suspect {
  name: string;
  version: number;
  /** The version before it, what a rollback goes back to. */
  previous: number;
  entry: number;
  /** A value (`const`, `let`, `var`) does not roll back in place: its previous source is entered again. */
  kind?: 'function' | 'class' | 'value';
  /** For a value: the source of the previous version, as typed. */
  source?: string;
}

export interface ProcessInfo {
  name: string;
  status: 'running' | 'stopped' | 'crashed';
  period: string;
  ticks: number;
  restarts: number;
  lastError?: string;
  /** Lateness of recent ticks, in milliseconds. */
  lateP99: number;
  lateMax: number;
  /** Ticks skipped because they would have sounded late (its late policy). */
  skipped: number;
  suspect?: Suspect;
}

export interface TimerInfo {
  id: number;
  kind: 'timeout' | 'interval';
  delay: number;
  owner: string;
  fired: number;
}

/** One field of a value shown by the inspector. */
export interface InspectField {
  key: string;
  preview: string;
  expandable: boolean;
}

/** What `:inspect` shows of a value: a title, its class and version, its fields. */
export interface InspectView {
  /** The inspection session (walk it by path with later `inspect` requests). */
  id: number;
  title: string;
  className?: string;
  version?: number;
  fields: InspectField[];
  /** When the value is a function or class of the image: what `:inspect` tells of it. */
  definition?: DefinitionView;
}

/** A definition seen by `:inspect`: its current version's source, and a class's members. */
export interface DefinitionView {
  name: string;
  kind: DefKind;
  version: number;
  source: string;
  /** Classes: prototype methods and accessors, static members, live instances. */
  methods?: string[];
  statics?: string[];
  instances?: number;
}

/** A version the session must compile when an image opens (see `restoreBegin`). */
export interface CompileItem {
  name: string;
  version: number;
  source: string;
}

/** Its compiled script, sent back with `restoreFinish`. */
export interface CompiledItem {
  name: string;
  version: number;
  script: string;
}
