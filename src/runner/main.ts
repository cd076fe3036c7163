// The guest runner: a child process that owns the isolate. isolated-vm warns that some
// out-of-memory cases abort the whole Node process (its issue #527), so the isolate lives here and
// the session (engine, store, terminal) lives in the parent, which survives this process dying.
//
// It loads the kernel (src/kernel, TypeScript stripped by Node) as modules into the isolate, relays
// requests to the kernel's `handle` one at a time, keeps each request within its time bound, and
// owns the guest's timers.
import ivm from 'isolated-vm';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { toBuffer } from 'osc-min';
import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GuestNotice, OscMessage, Request } from '../shared/protocol.ts';
import type { RunnerMessage, ParentMessage } from '../shared/runner-messages.ts';

const GUEST_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../kernel/kernel.ts');

const memoryMB = Number(process.env.VIV_MEMORY_MB) || 512;
const isolate = new ivm.Isolate({ memoryLimit: memoryMB, inspector: true });
const context = isolate.createContextSync();
const inspector = isolate.createInspectorSession();
inspector.onResponse = () => {};
inspector.onNotification = () => {};

function send(message: RunnerMessage): void {
  if (process.connected) process.send!(message);
}

/** Loads the kernel and its imports as modules, type-stripped, position for position. */
function loadKernel(): { handle: ivm.Reference<(r: string, data?: string) => string> } {
  const modules = new Map<string, ivm.Module>();
  const load = (path: string): ivm.Module => {
    let module = modules.get(path);
    if (!module) {
      const code = stripTypeScriptTypes(readFileSync(path, 'utf8'));
      module = isolate.compileModuleSync(code, { filename: `file://${path}` });
      modules.set(path, module);
    }
    return module;
  };
  const resolveFrom = (referrer: string) => (specifier: string) =>
    resolve(dirname(referrer), specifier);
  const root = load(GUEST_ENTRY);
  const paths = new Map<ivm.Module, string>([[root, GUEST_ENTRY]]);
  root.instantiateSync(context, (specifier, referrer) => {
    const path = resolveFrom(paths.get(referrer) ?? GUEST_ENTRY)(specifier);
    const module = load(path);
    paths.set(module, path);
    return module;
  });
  root.evaluateSync();
  const namespace = root.namespace;
  const boot = namespace.getSync('boot', { reference: true }) as ivm.Reference<
    (notify: unknown, now: unknown) => void
  >;
  const notify = new ivm.Callback((text: string) => onNotice(text));
  const now = new ivm.Callback(() => performance.now());
  boot.applySync(undefined, [notify, now]);
  return {
    handle: namespace.getSync('handle', { reference: true }) as ivm.Reference<
      (r: string) => string
    >,
  };
}

const timers = new Map<number, NodeJS.Timeout>();

/** The one timer that wakes the kernel when the earliest process tick is due. */
let wakeTimer: NodeJS.Timeout | undefined;

function wakeAt(at: number): void {
  clearTimeout(wakeTimer);
  wakeTimer = undefined;
  if (at < 0) return;
  wakeTimer = setTimeout(
    () => {
      wakeTimer = undefined;
      void callback({ op: 'run' });
    },
    Math.max(0, at - performance.now()),
  );
}

let socket: Socket | undefined;
/** Epoch milliseconds at host time 0: fixed, so timetags keep the exact spacing of the grid. */
const EPOCH_AT_ZERO = performance.timeOrigin;
const NTP_EPOCH_OFFSET = 2208988800;

function sendOsc(notice: OscMessage): void {
  const seconds = (EPOCH_AT_ZERO + notice.time) / 1000;
  const whole = Math.floor(seconds);
  const fraction = Math.min(2 ** 32 - 1, Math.round((seconds - whole) * 2 ** 32));
  const packet = toBuffer({
    timetag: [whole + NTP_EPOCH_OFFSET, fraction],
    elements: [{ address: notice.address, args: notice.args as never }],
  });
  if (!socket) {
    socket = createSocket('udp4');
    socket.on('error', (error) => {
      send({
        type: 'notice',
        notice: { type: 'print', stream: 'err', text: `OSC: ${error.message}` },
      });
    });
    socket.unref();
  }
  const bytes = new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength);
  socket.send(bytes, notice.port, notice.host);
}

function onNotice(text: string): void {
  const notice = JSON.parse(text) as GuestNotice;
  if (notice.type === 'wake') return wakeAt(notice.at);
  if (notice.type === 'osc') return notice.messages.forEach(sendOsc);
  if (notice.type === 'timer') {
    clearTimeout(timers.get(notice.id));
    timers.delete(notice.id);
    if (notice.action === 'set') {
      timers.set(
        notice.id,
        setTimeout(() => {
          timers.delete(notice.id);
          void callback({ op: 'timer', id: notice.id });
        }, notice.delay),
      );
    }
    return;
  }
  send({ type: 'notice', notice });
}

const kernel = loadKernel();
let busy = false;
const queue: (() => void)[] = [];
let terminated = false;

/**
 * One call into the kernel at a time. A call still running after `timeout` ms (or when the parent
 * asks for an interrupt) is stopped with the inspector's Runtime.terminateExecution, which
 * isolated-vm surfaces as a rejected call and leaves the isolate usable.
 */
async function call(request: Request, timeout: number, data?: string): Promise<string> {
  if (busy) await new Promise<void>((wake) => queue.push(wake));
  busy = true;
  terminated = false;
  const timer = timeout > 0 ? setTimeout(() => terminate(), timeout) : undefined;
  try {
    const args: [string] | [string, string] =
      data === undefined ? [JSON.stringify(request)] : [JSON.stringify(request), data];
    return (await kernel.handle.apply(undefined, args, { result: { copy: true } })) as string;
  } catch (error) {
    if (isolate.isDisposed) throw error;
    if (terminated) throw new Interrupted();
    throw error;
  } finally {
    clearTimeout(timer);
    if (terminated) await absorbTermination();
    busy = false;
    queue.shift()?.();
  }
}

class Interrupted extends Error {}

/** Bound on a tick run or a timer callback (the session configures it). */
let callbackBound = 5000;
/** The call being stopped was stopped by the person (Ctrl-C), not by its bound. */
let stoppedByPerson = false;

/**
 * Process ticks and timer callbacks: the guest's own work between entries, under the watchdog. One
 * that runs past its bound (or is stopped with Ctrl-C) is stopped, and the kernel is told so: the
 * process crashes under its supervision, the timer is cleared.
 */
async function callback(request: Extract<Request, { op: 'run' } | { op: 'timer' }>) {
  try {
    await call(request, callbackBound);
  } catch (error) {
    if (!(error instanceof Interrupted)) return;
    const bound = stoppedByPerson ? 0 : callbackBound;
    const id = request.op === 'timer' ? request.id : undefined;
    await call({ op: 'overrun', what: request.op, id, bound }, 2000).catch(() => {});
  }
}

function terminate(byPerson = false): void {
  if (!busy || terminated) return;
  terminated = true;
  stoppedByPerson = byPerson;
  inspector.dispatchProtocolMessage(
    JSON.stringify({ id: 1, method: 'Runtime.terminateExecution' }),
  );
}

/** A termination that arrived after the call had finished would hit the next one: spend it. */
async function absorbTermination(): Promise<void> {
  try {
    await context.eval('0');
  } catch {
    // the pending termination landed here, as intended
  }
}

process.on('message', async (message: ParentMessage) => {
  if (message.type === 'interrupt') {
    terminate(true);
    return;
  }
  if (message.type === 'configure') {
    callbackBound = message.callbackMs;
    return;
  }
  if (message.type === 'heap') {
    // Never the Sync variant: it waits for the isolate, which may be running an endless loop,
    // and a blocked runner could not take the interrupt that stops it.
    const heap = await isolate.getHeapStatistics();
    send({
      type: 'heap',
      id: message.id,
      used: heap.used_heap_size,
      limit: memoryMB * 1024 * 1024,
    });
    return;
  }
  const { id, request, timeout, data } = message;
  try {
    const reply = await call(request, timeout ?? 0, data);
    send({ type: 'reply', id, reply });
  } catch (error) {
    if (error instanceof Interrupted) {
      // The kernel's transaction for this entry is still open: close it (rolled back).
      // (A stopped `commit` was only showing the value: the entry is committed, nothing to undo.)
      const entry = 'entry' in request && request.op !== 'commit' ? request.entry : undefined;
      if (entry !== undefined) await call({ op: 'abort', entry }, 2000).catch(() => {});
      send({ type: 'interrupted', id });
      return;
    }
    if (isolate.isDisposed) {
      send({ type: 'died', id, reason: String((error as Error).message ?? error) });
      process.exit(3);
    }
    send({ type: 'failed', id, message: String((error as Error).stack ?? error) });
  }
});

/**
 * Leaves at once. A normal exit runs isolated-vm's destructors, which wait for the isolate's
 * thread; if that thread is in a synchronous callback into this one (the clock, a notice), the
 * two wait for each other forever. The session process owns all state: nothing here needs
 * flushing, so the runner ends itself with SIGKILL.
 */
function exitNow(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

process.on('uncaughtException', (error) => {
  process.stderr.write(`viv runner: ${error.stack ?? error}\n`);
  exitNow();
});

// The session has gone (or closed us): nothing is left to do, even mid-tick.
process.on('disconnect', exitNow);
send({ type: 'ready' });
