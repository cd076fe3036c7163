// The runner's core: one isolate with the kernel in it, what a request's call into it comes to
// (a reply, a stop, a death), and the guest's own work between requests. It runs in the runner
// process (runner/main.ts wraps it in IPC), or inside the session's own process for tests
// (session/guest/in-process.ts). The one queue of calls and how a call is stopped are
// kernel-calls.ts; the guest's timers guest-timers.ts; the rate of its output print-limit.ts.
//
// An entry that awaits answers once it settles (the kernel's `settled` notice), within its bound:
// past it, or on Ctrl-C, it is abandoned and rolled back (awaiting-entries.ts).
import ivm from './ivm.ts';
import type IsolatedVM from 'isolated-vm';
import type { Failure, Reply, Request, RunnerOps, SessionOpName } from '../shared/ops.ts';
import type { GuestNotice, SessionNotice } from '../shared/notices.ts';
import { loadKernel } from './load-kernel.ts';
import type { LoadedKernel } from './load-kernel.ts';
import { OscOut } from './osc-out.ts';
import type { Watchdog } from './watchdog.ts';
import { Interrupted, KernelCalls, Stuck } from './kernel-calls.ts';
import { GuestTimers } from './guest-timers.ts';
import { PrintLimit } from './print-limit.ts';
import { AwaitingEntries } from './awaiting-entries.ts';
import { userStack } from '../kernel/inspect/stack.ts';

export type Outcome<N extends SessionOpName = SessionOpName> =
  | { kind: 'reply'; reply: Reply<N> }
  /** Stopped by its bound or by Ctrl-C (`awaiting`: while it awaited a promise). */
  | { kind: 'interrupted'; awaiting?: boolean }
  | { kind: 'died'; reason: string };

export interface RunnerOptions {
  memoryMB: number;
  onNotice: (notice: SessionNotice) => void;
  /** The isolate is gone (out of memory): every later request answers `died`. `tick`: the
   * process whose tick was running then. */
  onDeath?: (reason: string, tick?: string) => void;
  /** Told when a stop is asked of the isolate and when the call comes back (see watchdog.ts). */
  watchdog?: Watchdog;
}

/** The kernel's reply to `snapshot` starts with exactly this text (its payload is not escaped). */
export const SNAPSHOT_REPLY_PREFIX = '{"ok":true,"payload":';

export { STUCK_MS } from './kernel-calls.ts';

export class GuestRunner {
  readonly #isolate: IsolatedVM.Isolate;
  readonly #context: IsolatedVM.Context;
  readonly #inspector: IsolatedVM.InspectorSession;
  readonly #kernel: LoadedKernel;
  readonly #options: RunnerOptions;
  readonly #calls: KernelCalls;
  readonly #timers: GuestTimers;
  readonly #prints: PrintLimit;
  readonly #osc: OscOut;
  /** Bound on a tick run or a timer callback (the session configures it). */
  #callbackBound = 2000;
  /** Entries that await: their settled replies (awaiting-entries.ts). */
  readonly #awaiting: AwaitingEntries;
  #dead: string | undefined;
  /** How many interrupts came (a request compares before and after its call). */
  #interrupts = 0;
  /** Resolves once the isolate is disposed (see `dispose`). */
  #released: Promise<void> | undefined;
  /** The process whose tick is running (told by the kernel), while a `run` is in flight. */
  #ticking: string | undefined;
  /** The isolate was given up on while still running: it must never be waited for. */
  #wedged = false;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#isolate = new ivm.Isolate({ memoryLimit: options.memoryMB, inspector: true });
    this.#context = this.#isolate.createContextSync();
    this.#inspector = this.#isolate.createInspectorSession();
    this.#inspector.onResponse = () => {};
    this.#inspector.onNotification = () => {};
    this.#osc = new OscOut((text) => options.onNotice({ type: 'print', stream: 'err', text }));
    this.#kernel = loadKernel(
      this.#isolate,
      this.#context,
      (json) => this.#onNotice(JSON.parse(json) as GuestNotice),
      () => performance.now(),
    );
    this.#calls = new KernelCalls({
      isolate: this.#isolate,
      context: this.#context,
      inspector: this.#inspector,
      kernel: this.#kernel,
      watchdog: options.watchdog,
      dead: () => this.#dead,
      ticking: () => this.#ticking,
    });
    this.#timers = new GuestTimers((request) => void this.#callback(request));
    this.#prints = new PrintLimit((notice) => options.onNotice(notice));
    const abort = (entry: number) => this.#calls.call({ op: 'abort', entry }, 2000);
    this.#awaiting = new AwaitingEntries(abort, () => this.#dead);
  }

  get memoryLimit(): number {
    return this.#options.memoryMB * 1024 * 1024;
  }

  /** The reason the isolate died, or undefined while it lives. */
  get dead(): string | undefined {
    return this.#dead;
  }

  configure(callbackMs: number): void {
    this.#callbackBound = callbackMs;
  }

  /**
   * One request, within `bound` ms (0: none), an awaiting entry until it settles. Never rejects:
   * the outcome says whether it answered, was stopped, or the isolate died.
   */
  async request<N extends SessionOpName>(request: Request<N>, bound = 0): Promise<Outcome<N>> {
    if (this.#dead) return { kind: 'died', reason: this.#dead };
    const interrupts = this.#interrupts;
    // Ticks run ahead are ticks: each within the callback bound, an overrun one crashes its process.
    if (request.op === 'runAhead') bound = this.#callbackBound;
    const started = performance.now();
    let text: string | undefined;
    let thrown: unknown;
    try {
      text = await this.#calls.call(request, bound);
    } catch (error) {
      thrown = error;
    }
    // The kernel's `handle` never throws: what came out of the call is a promise rejection.
    for (let tries = 0; text === undefined && tries < 3; tries++) {
      if (thrown instanceof Interrupted) {
        await this.#abandon(request);
        return { kind: 'interrupted' };
      }
      if (thrown instanceof Stuck || this.#isolate.isDisposed) {
        return { kind: 'died', reason: this.#die(thrown) };
      }
      this.#reportRejection(thrown);
      try {
        const recovered = JSON.parse(
          await this.#calls.call({ op: 'lastReply' }, 2000),
        ) as Reply<'lastReply'>;
        text = recovered.ok ? recovered.text : undefined;
        if (text === undefined) break;
      } catch (error) {
        thrown = error;
      }
    }
    if (text === undefined) {
      const failure: Failure = {
        ok: false,
        error: { name: 'InternalError', message: 'the reply of the guest was lost' },
      };
      return { kind: 'reply', reply: failure };
    }
    if (request.op === 'snapshot' && text.startsWith(SNAPSHOT_REPLY_PREFIX)) {
      // A session's work done (opened, entries run, saved): the kernel's cached data can hold it
      // (kernel-script.ts; ~1 ms, at the first save of a process only). Awaited, so that a runner
      // closed just after its save keeps it too, but briefly: it waits for the isolate, which a
      // tick may hold, and the save is answered all the same.
      await this.#briefly(this.#kernel.warm(), 200);
      const payload = text.slice(SNAPSHOT_REPLY_PREFIX.length, -1);
      return { kind: 'reply', reply: { ok: true, payload } as Reply<N> };
    }
    const reply = JSON.parse(text) as Reply<N> | { ok: true; pending: true };
    if (!('pending' in reply)) return { kind: 'reply', reply };
    const remaining = bound > 0 ? Math.max(1, bound - (performance.now() - started)) : 0;
    // Ctrl-C that came while the call ran, before the entry started to await: stop it now.
    const stopped = this.#interrupts !== interrupts;
    const entry = (request as Request<'eval'>).entry;
    return this.#awaiting.settle(entry, remaining, stopped) as Promise<Outcome<N>>;
  }

  /** Waits for `work` to settle, however it does, at most `ms`; it goes on after that, unwaited. */
  async #briefly(work: Promise<unknown>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      work.catch(() => {}),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  /** Ctrl-C: stops whatever the guest runs now, and an entry that awaits. */
  interrupt(): void {
    this.#interrupts++;
    this.#calls.terminate(true);
    this.#awaiting.cancel();
  }

  async heap(): Promise<{ used: number; limit: number }> {
    // (Disposed without #dead yet: the isolate reached its memory limit and disposed itself, and
    // the call that will say so has not come back. Asking it then threw, and the runner died.)
    if (this.#dead || this.#isolate.isDisposed) return { used: 0, limit: this.memoryLimit };
    try {
      // Never the Sync variant: it waits for the isolate, which may be running an endless loop.
      const heap = await this.#isolate.getHeapStatistics();
      return { used: heap.used_heap_size, limit: this.memoryLimit };
    } catch {
      return { used: 0, limit: this.memoryLimit };
    }
  }

  /** Ends the isolate; resolves once it is disposed. */
  dispose(): Promise<void> {
    this.#dead ??= 'the guest was closed';
    this.#timers.clear();
    this.#osc.close();
    // A session on an isolate already disposed (out of memory) must not be touched: it hangs; nor
    // may a stuck isolate be disposed (that waits for its thread). Its process is about to end.
    if (!this.#released && !this.#isolate.isDisposed && !this.#wedged) {
      this.#calls.close();
      this.#released = this.#release();
    }
    return this.#released ?? Promise.resolve();
  }

  /**
   * isolated-vm deletes a disposed inspector session in an interrupt on the isolate's thread;
   * disposing the isolate before that interrupt ran deletes the session inside the half-destroyed
   * isolate (SIGSEGV in ~V8InspectorSessionImpl, seen when the runner core runs in process). One
   * call into the isolate lets the interrupt run first. It is bounded (the isolate may be stuck in
   * a loop) generously: on a loaded machine (CI runs three test files at once) a call can wait
   * long for its turn, and disposing early is the crash this avoids. A stuck isolate that is known
   * to be stuck (wedged) is never disposed at all.
   */
  async #release(): Promise<void> {
    await this.#briefly(this.#context.eval('0'), 5000);
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  #die(error: unknown): string {
    if (this.#dead) return this.#dead;
    this.#wedged = error instanceof Stuck;
    const message = String((error as Error)?.message ?? error);
    // An isolate we did not dispose (this.#dead would be set) disposed itself: isolated-vm does
    // that when it reaches its memory limit. The error saying so can come without its text (seen
    // on a loaded machine when a tick was being stopped by its bound at the same moment: the
    // death was then reported with an empty reason).
    const outOfMemory =
      /memory limit/i.test(message) || (this.#isolate.isDisposed && !(error instanceof Stuck));
    this.#dead = outOfMemory
      ? `the isolate ran out of memory (limit ${this.#options.memoryMB} MB)`
      : message || 'the isolate stopped without saying why';
    void this.dispose();
    this.#awaiting.died(this.#dead);
    this.#options.onDeath?.(this.#dead, this.#ticking);
    return this.#dead;
  }

  /** A stopped call left the kernel mid-way: an entry (or command) is rolled back. */
  async #abandon(request: Request): Promise<void> {
    if (request.op === 'runAhead') {
      const bound = this.#calls.byPerson ? 0 : this.#callbackBound;
      await this.#calls.call({ op: 'overrun', what: 'run', bound }, 2000).catch(() => {});
      return;
    }
    if (!('entry' in request) || request.op === 'commit') return;
    await this.#calls.call({ op: 'abort', entry: request.entry }, 2000).catch(() => {});
  }

  #onNotice(notice: GuestNotice): void {
    switch (notice.type) {
      case 'wake':
        return this.#timers.wakeAt(notice.at, this.#dead !== undefined);
      case 'tick':
        this.#ticking = notice.name;
        return;
      case 'osc':
        return notice.messages.forEach((m) => this.#osc.send(m));
      case 'settled':
        return this.#awaiting.settled(notice.entry, notice.reply);
      case 'timer':
        return this.#timers.timer(notice);
      case 'print':
        return this.#prints.print(notice);
      default:
        this.#options.onNotice(notice);
    }
  }

  /**
   * Process ticks and timer callbacks: the guest's own work between requests, under the watchdog.
   * One that runs past its bound (or is stopped with Ctrl-C) is stopped, and the kernel is told:
   * the process crashes under its supervision, the timer is cleared.
   */
  async #callback(request: Request<'run' | 'timer'>): Promise<void> {
    try {
      await this.#calls.call(request, this.#callbackBound);
    } catch (error) {
      if (error instanceof Stuck || this.#isolate.isDisposed) {
        this.#die(error);
        return;
      }
      if (!(error instanceof Interrupted)) {
        if (!(error instanceof Stuck)) this.#reportRejection(error);
        return;
      }
      const overrun: Request<'overrun'> = {
        op: 'overrun',
        what: request.op,
        id: request.op === 'timer' ? request.id : undefined,
        bound: this.#calls.byPerson ? 0 : this.#callbackBound,
      };
      await this.#calls.call(overrun, 2000).catch(() => {});
    } finally {
      if (!this.#dead) this.#ticking = undefined;
    }
  }

  /**
   * A promise rejection nobody handled, which isolated-vm threw out of the call that ran the
   * microtasks: reported as Node reports one (`Uncaught TypeError: x`), after that call's reply.
   */
  #reportRejection(error: unknown): void {
    const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    const text = `Uncaught ${userStack(stack)}`;
    setImmediate(() => this.#options.onNotice({ type: 'print', stream: 'err', text }));
  }
}

export type { RunnerOps };
