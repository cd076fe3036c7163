// The kernel: the image's definitions and live objects, inside the isolate. Its one entry point is
// `handle(request)`, JSON in and out, one handler per op of the table in src/shared/ops.ts; its
// one way out is the `notify` capability the runner hands to `boot`. It imports nothing from Node.
import type { OpName, Reply, Request } from '../shared/ops.ts';
import type { GuestNotice } from '../shared/notices.ts';
import type { DefSummary } from '../shared/types.ts';
import { Namespace, versionInfo } from './definitions/namespace.ts';
import { Staging } from './definitions/staging.ts';
import { packageFields } from './definitions/packages.ts';
import { setPathRoots } from './inspect/describe.ts';
import { installStackFilter } from './inspect/stack.ts';
import { installConsole, installTimers } from './capabilities.ts';
import type { Timers } from './capabilities.ts';
import { rollback } from './definitions/rollback.ts';
import { snapshot } from './image/save.ts';
import { restoreBegin, restoreFinish, restoreRun } from './image/restore.ts';
import { complete, inspectRoot, inspectView } from './inspect/explore.ts';
import { ProcessTable } from './processes/processes.ts';
import { installProcessApi } from './processes/api.ts';
import { flushOsc, sendOsc } from './processes/osc.ts';
import { setProgressReporter } from './progress.ts';
import { installDeterminism } from './transaction/determinism.ts';
import { installSourceText } from './definitions/source-text.ts';
import { hideSlots } from './definitions/slots.ts';
import { ControlMessage, Entries } from './entries.ts';
import type { TxMode } from './entries.ts';
import {
  safe,
  installProxyWatch,
  Error,
  defineProperty,
  globalObject,
  json,
  now,
} from './primordials.ts';
import { $map } from './primordials-methods.ts';

type Notify = (message: string) => void;

const ns = new Namespace();
const staging = new Staging(ns);
let notify: Notify = () => {};
let timers: Timers;
let processes: ProcessTable;
let entries: Entries;

function send(notice: GuestNotice): void {
  notify(json.stringify(notice));
}

/** Called once by the runner with its capabilities, before any request. */
export function boot(
  notifyHost: Notify,
  hostNow: () => number,
  rewriteEval?: (text: string, names: string) => string,
): void {
  notify = notifyHost;
  staging.rewriteEval = rewriteEval;
  installDeterminism(hostNow, now() - hostNow());
  hideSlots();
  installProxyWatch();
  installStackFilter();
  installSourceText();
  installConsole((stream, text) => {
    entries.output.print(stream, text);
  });
  timers = installTimers(send, (error) => {
    send({ type: 'print', stream: 'err', text: 'Uncaught ' + entries.display(error) });
  });
  setProgressReporter((what, done, total) => send({ type: 'progress', what, done, total }));
  processes = new ProcessTable(staging, send, hostNow, () => timers);
  entries = new Entries(staging, timers, processes, send);
  processes.note = (text) => {
    entries.output.print('err', text);
  };
  installProcessApi(processes, {
    sendOSC: (address: unknown, args: unknown, options: unknown) =>
      sendOsc(processes, send, address, args, options),
  });
  const builtins: Record<string, Function> = {
    once: (value: unknown) => value,
    transient: (init: () => unknown) => init(),
  };
  for (const name of safe(['once', 'transient'])) {
    defineProperty(globalObject, name, {
      value: builtins[name],
      writable: true,
      configurable: true,
    });
  }
  setPathRoots(() => $map(ns.all(), (d) => d.name));
}

/** The kernel's reply to `snapshot` starts with exactly this text (its payload is not escaped). */
const SNAPSHOT_REPLY_PREFIX = '{"ok":true,"payload":';

/**
 * The seam: one request in, one reply out, both JSON text; `restoreBegin`'s snapshot comes as
 * bulk text beside the request. Never throws.
 */
export function handle(requestText: string, bulk?: string): string {
  let reply: unknown;
  let keep = true;
  try {
    // A step resumed after `t.sleep` stamps its sends only within the call it resumed in.
    processes.tickTime = undefined;
    const request = json.parse(requestText) as Request;
    if (request.op === 'snapshot') {
      lastReply = undefined;
      return SNAPSHOT_REPLY_PREFIX + snapshot(staging, processes, request.history) + '}';
    }
    if (request.op === 'restoreBegin') request.payload = bulk ?? '';
    keep = request.op !== 'lastReply';
    reply = (HANDLERS[request.op] as (r: Request) => unknown)(request);
  } catch (error) {
    reply = { ok: false, error: entries.errorInfo(error), printed: [] };
  }
  const text = json.stringify(reply);
  if (keep) lastReply = text;
  return text;
}

/**
 * isolated-vm throws a promise rejection nobody handled out of the call that was running when
 * its microtasks ran, and that call's reply is lost; the runner then asks for it (`lastReply`).
 */
let lastReply: string | undefined;

const commandMode = (request: { hold?: boolean }): TxMode => ({
  check: false,
  quiet: false,
  hold: !!request.hold,
});

/** One handler per op. An entry that awaits answers `pending` here; the runner waits for it. */
const HANDLERS: {
  [N in OpName]: (request: Request<N>) => Reply<N> | { ok: true; pending: true };
} = {
  eval: (r) => entries.evaluate(r),
  commit: (r) => entries.commit(r.entry, r.display),
  abort: (r) => entries.abort(r.entry),
  rollback: (r) =>
    entries.run(r.entry, commandMode(r), () => {
      rollback(staging, r.name, r.version);
      // Processes that crashed because of this definition start again on the version rolled to.
      for (const name of safe(processes.restartSuspectsOf(r.name)))
        entries.output.print('out', `${name} restarted`);
      return undefined;
    }),
  control: (r) =>
    entries.run(r.entry, commandMode(r), () => {
      const act = { stop: 'stop', forget: 'forget', restart: 'restart' } as const;
      return new ControlMessage(processes[act[r.action]](r.name));
    }),
  defs: () => ({ ok: true, defs: definitions() }),
  history: (r) => {
    const def = ns.get(r.name);
    if (!def || def.current === 0) {
      return {
        ok: false,
        error: { name: 'ReferenceError', message: `${r.name} is not a definition of this image` },
      };
    }
    const { kind, current, events } = def;
    return {
      ok: true,
      name: r.name,
      kind,
      current,
      events,
      versions: $map(def.versions, versionInfo),
    };
  },
  ps: () => ({ ok: true, processes: processes.list(), timers: timers.list() }),
  frame: (r) => ({ ok: true, text: processes.frame(r.name) }),
  complete: (r) => ({ ok: true, ...complete(staging, r.text) }),
  inspect: (r) => {
    const id = 'id' in r ? r.id : inspectRoot(entries.last);
    return { ok: true, ...inspectView(staging, id, r.path), id };
  },
  snapshot: () => {
    throw new Error('snapshot is answered by handle');
  },
  restoreBegin: (r) => ({ ok: true, ...restoreBegin(staging, r.payload) }),
  restoreFinish: (r) => ({ ok: true, next: restoreFinish(staging, processes, r.scripts) }),
  restoreRun: (r) => ({ ok: true, ...restoreRun(staging, r.stopped) }),
  clock: (r) => {
    if (r.dropTimers) timers.clearAll();
    if (r.action === 'pause') processes.pause();
    else processes.resume();
    return { ok: true };
  },
  run: () => {
    processes.run();
    return { ok: true };
  },
  timer: (r) => {
    timers.fire(r.id);
    return { ok: true };
  },
  runAhead: (r) => ({ ok: true, ticks: processes.runAhead(r.ms, () => flushOsc(send)) }),
  lastReply: () => {
    const text = lastReply;
    lastReply = undefined;
    return { ok: true, text };
  },
  overrun: (r) => {
    entries.recover();
    if (r.what === 'run') processes.overrun(r.bound);
    else timers.overrun(r.id ?? 0, r.bound);
    return { ok: true };
  },
};

/** Live instance counts come from each class's registry (no garbage collection is forced). */
function definitions(): DefSummary[] {
  return $map(ns.all(), (d) => ({
    name: d.name,
    kind: d.kind,
    version: d.current,
    ...(d.kind === 'class' && d.cls ? { instances: staging.instancesOf(d.cls).length } : {}),
    ...(d.once ? { once: true } : {}),
    ...packageFields(d.versions[d.current - 1]),
  }));
}
