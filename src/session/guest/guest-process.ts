// The session's handle on the guest runner process: requests with replies, notices, interrupts,
// and a clear report when the process dies (out of memory, or anything else).
import type { ChildProcess } from 'node:child_process';
import type { GuestNotice, Request } from '../../shared/protocol.ts';
import type { ParentMessage, RunnerMessage } from '../../shared/runner-messages.ts';
import { SNAPSHOT_REPLY_PREFIX } from '../../shared/protocol.ts';

import { spawnRunner } from './spawn.ts';
import type { Runner } from './spawn.ts';

export type Outcome =
  | { kind: 'reply'; reply: unknown }
  /** Stopped by its bound or by Ctrl-C (`awaiting`: while it awaited a promise). */
  | { kind: 'interrupted'; awaiting?: boolean }
  | { kind: 'died'; reason: string };

export interface GuestOptions {
  memoryMB: number;
  onNotice: (notice: GuestNotice) => void;
  /** The runner exited while no request was waiting (the engine restarts it). */
  onDeath?: (reason: string) => void;
  /** A runner started earlier (by `bin/viv.js`), used if its memory limit is the one wanted. */
  prestarted?: Runner;
}

export class GuestProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (outcome: Outcome) => void>();
  readonly #heap = new Map<number, (h: { used: number; limit: number }) => void>();
  #nextId = 1;
  readonly #stderr: () => string;
  #alive = true;
  /** Set when the session itself ends or replaces this process: its exit is no news. */
  #retired = false;
  /** Resolves with the reason when the runner process has exited. */
  readonly died: Promise<string>;
  #memoryDeath: string | undefined;

  private constructor(runner: Runner, options: GuestOptions) {
    const child = runner.child;
    this.#child = child;
    this.#stderr = runner.stderr;
    let announce!: (reason: string) => void;
    this.died = new Promise((resolve) => (announce = resolve));
    child.on('message', (message: RunnerMessage) => this.#onMessage(message, options));
    child.on('exit', (code, signal) => {
      this.#alive = false;
      const reason = this.#memoryDeath ?? this.#deathReason(code, signal);
      announce(reason);
      const waiting = [...this.#pending.values()];
      this.#pending.clear();
      for (const resolve of waiting) resolve({ kind: 'died', reason });
      if (waiting.length === 0 && !this.#retired) options.onDeath?.(reason);
    });
  }

  static async start(options: GuestOptions): Promise<GuestProcess> {
    let runner = options.prestarted;
    if (runner && (runner.memoryMB !== options.memoryMB || runner.child.exitCode !== null)) {
      runner.child.kill('SIGKILL');
      runner = undefined;
    }
    runner ??= spawnRunner(options.memoryMB);
    const guest = new GuestProcess(runner, options);
    await runner.ready;
    return guest;
  }

  get alive(): boolean {
    return this.#alive;
  }

  request(request: Request, timeout = 0, data?: string): Promise<Outcome> {
    if (!this.#alive) return Promise.resolve({ kind: 'died', reason: 'the guest is not running' });
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#send({ type: 'request', id, request, timeout, data });
    });
  }

  /** Bound on process ticks and timer callbacks (the runner stops one that runs longer). */
  configure(callbackMs: number): void {
    this.#send({ type: 'configure', callbackMs });
  }

  /** Stops whatever the guest is running now (Ctrl-C); the image stays. */
  interrupt(): void {
    this.#send({ type: 'interrupt' });
  }

  heap(): Promise<{ used: number; limit: number }> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#heap.set(id, resolve);
      this.#send({ type: 'heap', id });
    });
  }

  kill(): void {
    this.#retired = true;
    if (this.#alive) this.#child.kill('SIGKILL');
  }

  /** Ends the runner and waits for it to be gone. */
  close(): Promise<void> {
    this.#retired = true;
    if (!this.#alive) return Promise.resolve();
    return new Promise((resolve) => {
      this.#child.once('exit', () => resolve());
      this.#child.disconnect();
    });
  }

  #send(message: ParentMessage): void {
    if (this.#alive && this.#child.connected) this.#child.send(message);
  }

  #onMessage(message: RunnerMessage, options: GuestOptions): void {
    switch (message.type) {
      case 'notice':
        options.onNotice(message.notice);
        return;
      case 'heap':
        this.#heap.get(message.id)?.({ used: message.used, limit: message.limit });
        this.#heap.delete(message.id);
        return;
      case 'reply':
        this.#settle(message.id, { kind: 'reply', reply: parseReply(message.reply) });
        return;
      case 'interrupted':
        this.#settle(message.id, { kind: 'interrupted' });
        return;
      case 'died': {
        const reason = /memory limit/i.test(message.reason)
          ? `the isolate ran out of memory (limit ${options.memoryMB} MB)`
          : message.reason;
        this.#memoryDeath = reason;
        this.#settle(message.id, { kind: 'died', reason });
        this.kill();
        return;
      }
      case 'failed':
        this.#settle(message.id, {
          kind: 'reply',
          reply: { ok: false, error: { name: 'InternalError', message: message.message } },
        });
        return;
    }
  }

  #settle(id: number, outcome: Outcome): void {
    const resolve = this.#pending.get(id);
    this.#pending.delete(id);
    resolve?.(outcome);
  }

  #deathReason(code: number | null, signal: NodeJS.Signals | null): string {
    if (/memory/i.test(this.#stderr())) return 'the isolate ran out of memory';
    if (signal) return `the guest process was killed by ${signal}`;
    return `the guest process exited with code ${code}`;
  }
}

/** A snapshot reply carries the image JSON as is: cut it out instead of parsing 50 MB. */
function parseReply(text: string): unknown {
  if (text.startsWith(SNAPSHOT_REPLY_PREFIX)) {
    return { ok: true, payload: text.slice(SNAPSHOT_REPLY_PREFIX.length, -1) };
  }
  return JSON.parse(text);
}
