// Entries, and the commands that change the image, as transactions: run the body, then commit,
// hold (two-phase commit: the session journals the outcome, then commits), or roll back. A failed
// entry gives back every property of the global object it added or changed (a definition's
// binding assigned to, `globalThis.cfg = ...`): only changes inside objects that existed before
// it stay, and replaying its journal record reproduces those.
import type { EntryDone, EvalParams, Failure, Reply } from '../shared/ops.ts';
import type { ErrorInfo } from '../shared/types.ts';
import type { GuestNotice } from '../shared/notices.ts';
import type { Staging } from './definitions/staging.ts';
import type { EntryContext } from './definitions/entry-context.ts';
import { Transaction } from './transaction/transaction.ts';
import { inspect } from './inspect/inspect.ts';
import type { Owner, Timers } from './capabilities.ts';
import type { ProcessTable } from './processes/processes.ts';
import { beginDraws, endDraws, resetDraws } from './transaction/determinism.ts';
import { captureGlobals, restoreGlobals } from './transaction/globals.ts';
import { Output } from './output.ts';
import { cleanStack } from './inspect/stack.ts';
import { watchPromise } from './inspect/promise-state.ts';
import {
  safe,
  stackOf,
  ReflectApply,
  Error,
  Map,
  Object,
  Promise,
  String,
  defineProperty,
  globalObject,
  indirectEval,
} from './primordials.ts';
import { $map, $push, $some, $then } from './primordials-methods.ts';

export interface TxMode {
  check: boolean;
  quiet: boolean;
  /** Keep a successful transaction open until the session commits it. */
  hold: boolean;
}

/** What `:stop` and `:restart` answer: shown as plain text, not as a quoted string. */
export class ControlMessage {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

type EntryReply = ({ ok: true } & EntryDone) | Failure;
type Pending = { ok: true; pending: true };

export class Entries {
  readonly #staging: Staging;
  readonly #timers: Timers;
  readonly #processes: ProcessTable;
  readonly #send: (notice: GuestNotice) => void;
  /** What the guest prints: kept with the entry being evaluated, or sent, within a budget. */
  readonly output: Output;
  #colors = false;
  #userOwnsUnderscore = false;
  /** The value of the last committed entry (what `:inspect` starts from). */
  last: unknown;
  /** The operation staged and waiting for the session's `commit` or `abort`. */
  #held:
    | { context: EntryContext; value: unknown; lines: string[]; owner: Owner | undefined }
    | undefined;

  constructor(
    staging: Staging,
    timers: Timers,
    processes: ProcessTable,
    send: (notice: GuestNotice) => void,
  ) {
    this.#staging = staging;
    this.#timers = timers;
    this.#processes = processes;
    this.#send = send;
    this.output = new Output(send);
  }

  evaluate(request: EvalParams): EntryReply | Pending {
    this.#colors = !!request.colors;
    const owner = request.owner ?? {
      key: `entry ${request.entry}`,
      label: `entry ${request.entry}`,
    };
    this.#timers.owner = { ...owner, entry: request.entry };
    const declarations = new Map(safe($map(request.declarations, (d) => [d.name, d])));
    if (!request.check) beginDraws(request.entry, request.draws);
    const mode = { check: !!request.check, quiet: !!request.quiet, hold: !!request.hold };
    const body = () => {
      const wrapper = indirectEval(request.script) as Function;
      return ReflectApply(wrapper, globalObject, [this.#staging, request.entry]);
    };
    return this.run(request.entry, mode, body, declarations, request.async);
  }

  /**
   * Runs `body` as one transaction: commit when it (and the promise it returns, for an entry that
   * awaits) succeeds, roll back otherwise, and always roll back a `:check`.
   */
  run(
    entry: number,
    mode: TxMode,
    body: () => unknown,
    declarations = new Map(),
    isAsync = false,
  ): EntryReply | Pending {
    const context: EntryContext = {
      tx: new Transaction(entry, mode.check),
      declarations,
      defined: [],
      migrations: [],
    };
    const globals = captureGlobals();
    context.tx.onUndo(() => restoreGlobals(globals), true);
    this.#staging.entry = context;
    this.output.begin(mode.quiet);
    this.#timers.onSet = (id, owner) => {
      if (owner.entry === entry) context.tx.onUndo(() => this.#timers.clear(id), true);
    };
    let result: unknown;
    try {
      result = body();
    } catch (error) {
      return this.#finish(context, false, error, mode.hold);
    }
    if (isAsync && result instanceof Promise) {
      $then(
        result,
        (value) => this.#settle(context, true, value, mode.hold),
        (error) => this.#settle(context, false, error, mode.hold),
      );
      return { ok: true, pending: true };
    }
    return this.#finish(context, true, result, mode.hold);
  }

  #settle(context: EntryContext, ok: boolean, value: unknown, hold: boolean): void {
    if (context.tx.closed || this.#held?.context === context) return;
    const reply = this.#finish(context, ok, value, hold);
    this.#send({ type: 'settled', entry: context.tx.entry, reply });
  }

  #finish(context: EntryContext, ok: boolean, value: unknown, hold = false): EntryReply {
    const { tx } = context;
    const quietEntry = this.output.quiet;
    const lines = this.output.end();
    const draws = tx.check ? undefined : endDraws();
    const owner = this.#timers.owner;
    this.#timers.owner = undefined;
    this.#timers.onSet = undefined;
    // A promise is shown at the commit, a call of its own, once V8 ran the microtasks that tell
    // its state: the kernel holds such an entry even when the session did not ask it to.
    if (ok && (hold || value instanceof Promise) && !tx.check) {
      // Staged: ticks stay held (the transaction is open) until the session commits or aborts.
      watchPromise(value);
      this.#held = { context, value, lines, owner };
      return { ok: true, held: true, defined: context.defined, printed: lines, ...some({ draws }) };
    }
    if (this.#staging.entry === context) this.#staging.entry = undefined;
    if (!ok || tx.check) tx.rollback();
    else this.#commitContext(context, lines, owner);
    this.#processes.wake(true);
    if (!ok) {
      cleanStack(value);
      if (!tx.check) setLast('_error', value);
      const migrations = tx.check ? context.migrations : undefined;
      return {
        ok: false,
        error: this.errorInfo(value),
        printed: lines,
        ...some({ draws, migrations }),
      };
    }
    if (!tx.check) this.#setUnderscore(context, value);
    return {
      ok: true,
      value: quietEntry ? undefined : this.display(value),
      defined: context.defined,
      printed: lines,
      ...some({ draws, migrations: tx.check ? context.migrations : undefined }),
    };
  }

  #setUnderscore(context: EntryContext, value: unknown): void {
    this.last = value;
    if ($some(context.defined, (d) => d.name === '_')) this.#userOwnsUnderscore = true;
    if (!this.#userOwnsUnderscore) setLast('_', value);
  }

  /** The steps of a commit that cannot fail: no user code runs here. */
  #commitContext(context: EntryContext, lines: string[], owner: Owner | undefined): void {
    const { tx } = context;
    tx.commit();
    this.#processes.committedEntry = tx.entry;
    const revived = this.#processes.reviveAfter($map(context.defined, (d) => d.name));
    for (const name of safe(revived))
      $push(lines, `(${name} had crashed; its code was redefined: restarted)`);
    const replaced = owner?.entry === tx.entry ? this.#timers.replaceOwned(owner.key, tx.entry) : 0;
    if (replaced) {
      $push(
        lines,
        `(${replaced} timer${replaced > 1 ? 's' : ''} left by an earlier evaluation of this entry ${replaced > 1 ? 'were' : 'was'} cleared)`,
      );
    }
  }

  /**
   * `commit`: the held operation's record is durable. The commit itself runs no user code;
   * showing the value does (getters, `inspect.custom`), and comes last, so a value that cannot be
   * shown, or whose printing is stopped, leaves the entry committed.
   */
  commit(entry: number, show: boolean): Reply<'commit'> {
    const current = this.#held;
    if (!current || current.context.tx.entry !== entry)
      return { ok: true, defined: [], printed: [] };
    this.#held = undefined;
    const { context, value, lines, owner } = current;
    if (this.#staging.entry === context) this.#staging.entry = undefined;
    this.#commitContext(context, lines, owner);
    this.#processes.wake(true);
    this.#setUnderscore(context, value);
    return {
      ok: true,
      value: show ? this.display(value) : undefined,
      defined: context.defined,
      printed: lines,
    };
  }

  /**
   * After the runner stopped a call mid-way: V8 skipped every `finally` block, so the kernel's
   * transient state (stamp mode, the restoring version, who owns new timers) is put back here.
   */
  recover(): void {
    const staging = this.#staging;
    staging.stamping = false;
    staging.stampTarget = staging.stampCell = staging.stampImpl = undefined;
    staging.restoring = undefined;
    this.#timers.owner = undefined;
    resetDraws();
  }

  /** Rolls back a held operation, or one still running (stopped, or awaiting). */
  abort(entry: number): Reply<'abort'> {
    this.recover();
    this.#staging.abandoned.add(entry);
    const held = this.#held;
    if (held && held.context.tx.entry === entry) {
      this.#held = undefined;
      if (this.#staging.entry === held.context) this.#staging.entry = undefined;
      held.context.tx.rollback();
      this.#processes.wake(true);
      return { ok: true };
    }
    const context = this.#staging.entry;
    if (context && context.tx.entry === entry && !context.tx.closed) {
      this.#finish(context, false, new Error(`entry ${entry} was abandoned`));
    }
    return { ok: true };
  }

  display(value: unknown): string {
    if (value instanceof ControlMessage) return value.text;
    try {
      return inspect(value, { colors: this.#colors });
    } catch (error) {
      return `[value that cannot be shown: ${String(error)}]`;
    }
  }

  errorInfo(error: unknown): ErrorInfo {
    if (error instanceof Error) {
      const info: ErrorInfo = { name: error.name, message: error.message };
      const stack = stackOf(error);
      if (typeof stack === 'string') info.stack = stack;
      const extra = error as Error & { definition?: string; version?: number; instance?: string };
      if (extra.definition) info.definition = extra.definition;
      if (extra.version) info.version = extra.version;
      if (extra.instance) info.instance = extra.instance;
      return info;
    }
    // `throw 'str'`: not an Error; shown as Node shows it (`Uncaught 'str'`).
    return { name: 'Thrown', message: this.display(error) };
  }
}

function setLast(name: '_' | '_error', value: unknown): void {
  defineProperty(globalObject, name, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/** The fields of `fields` that are not undefined. */
function some<T extends object>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of safe(Object.keys(fields)) as (keyof T)[]) {
    if (fields[key] !== undefined) out[key] = fields[key];
  }
  return out;
}
