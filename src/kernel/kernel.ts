// The kernel: the image's definitions and live objects, inside the isolate. Its one entry point is
// `handle(request)`, plain JSON in and out (see src/shared/protocol.ts); its one way out is the
// `notify` capability the host hands to `boot`. This module imports nothing from Node.
import type {
  DefSummary,
  EvalReply,
  EvalRequest,
  ErrorInfo,
  GuestNotice,
  HistoryReply,
  Request,
} from '../shared/protocol.ts';
import { SNAPSHOT_REPLY_PREFIX } from '../shared/protocol.ts';
import { defineProperty, globalObject, indirectEval, json, now } from './intrinsics.ts';
import { Namespace, versionInfo } from './definitions/namespace.ts';
import { Staging } from './definitions/staging.ts';
import type { EntryContext } from './definitions/staging.ts';
import { Transaction } from './transaction/transaction.ts';
import { inspect } from './inspect/inspect.ts';
import { setPathRoots } from './inspect/describe.ts';
import { installConsole, installTimers } from './capabilities.ts';
import type { Owner, Timers } from './capabilities.ts';
import { rollback } from './definitions/rollback.ts';
import { restoreBegin, restoreFinish, restoreRun, snapshot } from './image/image.ts';
import { complete, inspectRoot, inspectView } from './inspect/explore.ts';
import { installProcessApi, ProcessTable } from './processes/processes.ts';
import { sendOsc } from './processes/osc.ts';
import { setProgressReporter } from './progress.ts';
import { beginDraws, endDraws, installDeterminism, resetDraws } from './transaction/determinism.ts';
import { captureGlobals, restoreGlobals } from './transaction/globals.ts';

type Notify = (message: string) => void;

const ns = new Namespace();
const staging = new Staging(ns);
let notify: Notify = () => {};
let timers: Timers;
let processes: ProcessTable;
/** Lines printed by the entry being evaluated (undefined between entries). */
let printed: string[] | undefined;
let quiet = false;
let userOwnsUnderscore = false;

function send(notice: GuestNotice): void {
  notify(json.stringify(notice));
}

/** Called once by the host with its capabilities, before any entry. */
export function boot(notifyHost: Notify, hostNow: () => number): void {
  notify = notifyHost;
  installDeterminism(hostNow, now() - hostNow());
  defineProperty(globalObject, '__viv', { value: staging, enumerable: false, configurable: false });
  installConsole((stream, text) => {
    if (printed) printed.push(text);
    else if (!quiet) send({ type: 'print', stream, text });
  });
  timers = installTimers(send, (error) => {
    send({ type: 'print', stream: 'err', text: 'Uncaught ' + display(error) });
  });
  setProgressReporter((what, done, total) => send({ type: 'progress', what, done, total }));
  processes = new ProcessTable(staging, send, hostNow, () => timers);
  processes.note = (text) => {
    if (printed) printed.push(text);
    else send({ type: 'print', stream: 'err', text });
  };
  installProcessApi(processes, {
    sendOSC: (address: unknown, args: unknown, options: unknown) =>
      sendOsc(processes, send, address, args, options),
  });
  defineProperty(globalObject, 'once', {
    value: function once<T>(value: T): T {
      return value;
    },
    writable: true,
    configurable: true,
  });
  defineProperty(globalObject, 'transient', {
    value: function transient<T>(init: () => T): T {
      return init();
    },
    writable: true,
    configurable: true,
  });
  setPathRoots(() => ns.all().map((d) => d.name));
}

/**
 * The seam: one request in, one reply out, both JSON text, plus optional bulk text (a snapshot
 * being opened). Never throws.
 */
export function handle(requestText: string, data?: string): string {
  let reply: unknown;
  try {
    const request = json.parse(requestText) as Request;
    if (request.op === 'snapshot') {
      return SNAPSHOT_REPLY_PREFIX + snapshot(staging, processes, request.history) + '}';
    }
    if (request.op === 'restoreBegin')
      return json.stringify({ ok: true, ...restoreBegin(staging, data ?? '') });
    reply = dispatch(request);
  } catch (error) {
    reply = { ok: false, error: errorInfo(error), defined: [], printed: [] };
  }
  return json.stringify(reply);
}

function dispatch(request: Request): unknown {
  switch (request.op) {
    case 'eval':
      return evaluate(request);
    case 'defs':
      return { ok: true, defs: definitions() };
    case 'history':
      return history(request.name);
    case 'rollback':
      return withTransaction(request.entry, commandMode(request), () => {
        rollback(staging, request.name, request.version);
        // Processes that crashed because of this definition start again on the version rolled to.
        for (const name of processes.restartSuspectsOf(request.name)) {
          printed?.push(`${name} restarted`);
        }
        return undefined;
      });
    case 'control':
      return withTransaction(request.entry, commandMode(request), () => {
        const message =
          request.action === 'stop'
            ? processes.stop(request.name)
            : request.action === 'forget'
              ? processes.forget(request.name)
              : processes.restart(request.name);
        return new ControlMessage(message);
      });
    case 'run':
      processes.run();
      return { ok: true };
    case 'clock':
      if (request.action === 'pause') processes.pause();
      else processes.resume();
      return { ok: true };
    case 'ps':
      return { ok: true, processes: processes.list(), timers: timers.list() };
    case 'frame':
      return { ok: true, text: processes.frame(request.name) };
    case 'abort':
      return abort(request.entry);
    case 'commit':
      return commit(request.entry, request.display);
    case 'timer':
      timers.fire(request.id);
      return { ok: true };
    case 'overrun':
      recover();
      if (request.what === 'run') processes.overrun(request.bound);
      else timers.overrun(request.id ?? 0, request.bound);
      return { ok: true };
    case 'complete':
      return { ok: true, ...complete(staging, request.text) };
    case 'inspect': {
      const id = request.id ?? inspectRoot(indirectEval(request.code ?? 'undefined'));
      return { ok: true, id, ...inspectView(staging, id, request.path) };
    }
    case 'restoreFinish':
      return { ok: true, next: restoreFinish(staging, processes, request.scripts) };
    case 'restoreRun':
      return { ok: true, ...restoreRun(staging, request.stopped) };
    default:
      throw new Error(`unknown request ${request.op}`);
  }
}

function definitions(): DefSummary[] {
  if (typeof (globalObject as { gc?: () => void }).gc === 'function') {
    (globalObject as { gc: () => void }).gc();
  }
  return ns.all().map((d) => ({
    name: d.name,
    kind: d.kind,
    version: d.current,
    ...(d.kind === 'class' && d.cls ? { instances: staging.instancesOf(d.cls).length } : {}),
    ...(d.once ? { once: true } : {}),
  }));
}

function history(name: string): HistoryReply | { ok: false; error: ErrorInfo } {
  const def = ns.get(name);
  if (!def || def.current === 0) {
    return {
      ok: false,
      error: { name: 'ReferenceError', message: `${name} is not a definition of this image` },
    };
  }
  return {
    name,
    kind: def.kind,
    current: def.current,
    versions: def.versions.map(versionInfo),
    events: def.events,
  };
}

let colors = false;

function evaluate(request: EvalRequest): EvalReply {
  colors = !!request.colors;
  const owner = request.owner ?? { key: `entry ${request.entry}`, label: `entry ${request.entry}` };
  timers.owner = { ...owner, entry: request.entry };
  const declarations = new Map(request.declarations.map((d) => [d.name, d]));
  if (!request.check) beginDraws(request.draws);
  return withTransaction(
    request.entry,
    { check: !!request.check, quiet: !!request.quiet, hold: !!request.hold },
    () => {
      const wrapper = indirectEval(request.script) as (entry: number) => unknown;
      return wrapper.call(globalObject, request.entry);
    },
    declarations,
    request.script.startsWith('(async'),
  );
}

const commandMode = (request: { hold?: boolean }): TxMode => ({
  check: false,
  quiet: false,
  hold: !!request.hold,
});

interface TxMode {
  check: boolean;
  quiet: boolean;
  /** Keep a successful transaction open until the host commits it (two-phase commit). */
  hold: boolean;
}

/** The entry whose transaction is staged and waits for the host's `commit` or `abort`. */
let held:
  { context: EntryContext; value: unknown; lines: string[]; owner: Owner | undefined } | undefined;

/**
 * Runs `body` as one transaction: commit when it (and the promise it returns, for an entry that
 * awaits) succeeds, roll back otherwise, and always roll back a `:check`. A failed entry also
 * gives back every property of the global object it added or changed (a definition's binding
 * assigned to, `globalThis.cfg = ...`): only changes inside objects that existed before it stay,
 * and those are what replaying its journal record reproduces.
 */
function withTransaction(
  entry: number,
  mode: TxMode,
  body: () => unknown,
  declarations = new Map(),
  isAsync = false,
): EvalReply {
  const context: EntryContext = {
    tx: new Transaction(entry, mode.check),
    declarations,
    defined: [],
    migrations: [],
  };
  const globals = captureGlobals();
  context.tx.onUndo(() => restoreGlobals(globals), true);
  staging.entry = context;
  printed = [];
  quiet = mode.quiet;
  timers.onSet = (id) => context.tx.onUndo(() => timers.clear(id), true);
  let result: unknown;
  try {
    result = body();
  } catch (error) {
    return finish(context, false, error, mode.hold);
  }
  if (isAsync && result instanceof Promise) {
    result.then(
      (value) => settle(context, true, value, mode.hold),
      (error) => settle(context, false, error, mode.hold),
    );
    return { ok: true, pending: true, defined: [], printed: printed.slice() };
  }
  return finish(context, true, result, mode.hold);
}

function settle(context: EntryContext, ok: boolean, value: unknown, hold: boolean): void {
  if (context.tx.closed || held?.context === context) return;
  const reply = finish(context, ok, value, hold);
  send({ type: 'settled', entry: context.tx.entry, reply });
}

function finish(context: EntryContext, ok: boolean, value: unknown, hold = false): EvalReply {
  const { tx } = context;
  const lines = printed ?? [];
  const quietEntry = quiet;
  printed = undefined;
  quiet = false;
  const draws = tx.check ? undefined : endDraws();
  const owner = timers.owner;
  timers.owner = undefined;
  timers.onSet = undefined;
  if (ok && hold && !tx.check) {
    // Staged: ticks stay held (the transaction is open) until the host commits or aborts.
    held = { context, value, lines, owner };
    const reply: EvalReply = { ok: true, held: true, defined: context.defined, printed: lines };
    if (draws) reply.draws = draws;
    return reply;
  }
  if (staging.entry === context) staging.entry = undefined;
  if (!ok || tx.check) tx.rollback();
  else commitContext(context, lines, owner);
  processes.wake(true);
  if (!ok) {
    if (!tx.check) setLast('_error', value);
    const reply: EvalReply = { ok: false, error: errorInfo(value), defined: [], printed: lines };
    if (draws) reply.draws = draws;
    return reply;
  }
  if (!tx.check) setUnderscore(context, value);
  const reply: EvalReply = {
    ok: true,
    value: tx.check || quietEntry ? undefined : display(value),
    defined: context.defined,
    printed: lines,
  };
  if (draws) reply.draws = draws;
  if (tx.check) reply.migrations = context.migrations;
  return reply;
}

function setUnderscore(context: EntryContext, value: unknown): void {
  if (context.defined.some((d) => d.name === '_')) userOwnsUnderscore = true;
  if (!userOwnsUnderscore) setLast('_', value);
}

/** The steps of a commit that cannot fail: no user code runs here. */
function commitContext(context: EntryContext, lines: string[], owner: Owner | undefined): void {
  const { tx } = context;
  tx.commit();
  processes.committedEntry = tx.entry;
  const replaced = owner?.entry === tx.entry ? timers.replaceOwned(owner.key, tx.entry) : 0;
  if (replaced) {
    lines.push(
      `(${replaced} timer${replaced > 1 ? 's' : ''} left by an earlier evaluation of this entry ${replaced > 1 ? 'were' : 'was'} cleared)`,
    );
  }
}

/**
 * `commit`: the held entry's record is durable. The commit itself runs no user code; showing the
 * value does (getters, `inspect.custom`), and comes last, so a value that cannot be shown, or
 * whose printing is stopped, leaves the entry committed.
 */
function commit(entry: number, show: boolean): EvalReply {
  const current = held;
  if (!current || current.context.tx.entry !== entry) {
    return { ok: true, defined: [], printed: [] };
  }
  held = undefined;
  const { context, value, lines, owner } = current;
  if (staging.entry === context) staging.entry = undefined;
  commitContext(context, lines, owner);
  processes.wake(true);
  setUnderscore(context, value);
  return {
    ok: true,
    value: show ? display(value) : undefined,
    defined: context.defined,
    printed: lines,
  };
}

/**
 * After the host stopped a call mid-way: V8 skipped every `finally` block, so the kernel's
 * transient state (stamp mode, the restoring version, who owns new timers) is put back here.
 */
function recover(): void {
  staging.stamping = false;
  staging.stampTarget = staging.stampCell = staging.stampImpl = undefined;
  staging.restoring = undefined;
  timers.owner = undefined;
  resetDraws();
}

function abort(entry: number): EvalReply {
  recover();
  staging.abandoned.add(entry);
  if (held && held.context.tx.entry === entry) {
    const { context } = held;
    held = undefined;
    if (staging.entry === context) staging.entry = undefined;
    context.tx.rollback();
    processes.wake(true);
    return { ok: true, defined: [], printed: [] };
  }
  const context = staging.entry;
  if (context && context.tx.entry === entry && !context.tx.closed) {
    return finish(context, false, new Error(`entry ${entry} was abandoned`));
  }
  return { ok: true, defined: [], printed: [] };
}

function setLast(name: '_' | '_error', value: unknown): void {
  defineProperty(globalObject, name, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/** What `:stop` and `:restart` answer: shown as plain text, not as a quoted string. */
class ControlMessage {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export function display(value: unknown): string {
  if (value instanceof ControlMessage) return value.text;
  try {
    return inspect(value, { colors });
  } catch (error) {
    return `[value that cannot be shown: ${String(error)}]`;
  }
}

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const info: ErrorInfo = { name: error.name, message: error.message };
    if (typeof error.stack === 'string') info.stack = error.stack;
    const extra = error as Error & { definition?: string; version?: number; instance?: string };
    if (extra.definition) info.definition = extra.definition;
    if (extra.version) info.version = extra.version;
    if (extra.instance) info.instance = extra.instance;
    return info;
  }
  return { name: 'Uncaught', message: display(error) };
}
