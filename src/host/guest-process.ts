// The session's handle on the guest runner process: requests with replies, notices, interrupts,
// and a clear report when the process dies (out of memory, or anything else).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GuestNotice, Request } from '../shared/protocol.ts';
import type { ParentMessage, RunnerMessage } from './runner-messages.ts';
import { SNAPSHOT_REPLY_PREFIX } from '../shared/protocol.ts';

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));

export type Outcome =
  { kind: 'reply'; reply: unknown } | { kind: 'interrupted' } | { kind: 'died'; reason: string };

export interface GuestOptions {
  memoryMB: number;
  onNotice: (notice: GuestNotice) => void;
  /** The runner exited while no request was waiting (the engine restarts it). */
  onDeath?: (reason: string) => void;
}

export class GuestProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (outcome: Outcome) => void>();
  readonly #heap = new Map<number, (h: { used: number; limit: number }) => void>();
  #nextId = 1;
  #stderr = '';
  #alive = true;
  /** Set when the session itself ends or replaces this process: its exit is no news. */
  #retired = false;

  private constructor(child: ChildProcess, options: GuestOptions) {
    this.#child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    child.on('message', (message: RunnerMessage) => this.#onMessage(message, options));
    child.on('exit', (code, signal) => {
      this.#alive = false;
      const reason = this.#deathReason(code, signal);
      const waiting = [...this.#pending.values()];
      this.#pending.clear();
      for (const resolve of waiting) resolve({ kind: 'died', reason });
      if (waiting.length === 0 && !this.#retired) options.onDeath?.(reason);
    });
  }

  static start(options: GuestOptions): Promise<GuestProcess> {
    const child = fork(RUNNER, [], {
      execArgv: ['--no-node-snapshot', '--expose-gc', '--disable-warning=ExperimentalWarning'],
      env: { ...process.env, VIV_MEMORY_MB: String(options.memoryMB) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Structured clone: a 50 MB snapshot string crosses as one copy, not escaped JSON.
      serialization: 'advanced',
    });
    const guest = new GuestProcess(child, options);
    return new Promise((resolve, reject) => {
      const onReady = (message: RunnerMessage) => {
        if (message.type !== 'ready') return;
        child.off('message', onReady);
        child.off('exit', onExit);
        resolve(guest);
      };
      const onExit = () => reject(new Error(`the guest runner failed to start: ${guest.#stderr}`));
      child.on('message', onReady);
      child.once('exit', onExit);
    });
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
      case 'died':
        this.#settle(message.id, {
          kind: 'died',
          reason: /memory limit/i.test(message.reason)
            ? `the isolate ran out of memory (limit ${options.memoryMB} MB)`
            : message.reason,
        });
        this.kill();
        return;
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
    if (/memory/i.test(this.#stderr)) return 'the isolate ran out of memory';
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
