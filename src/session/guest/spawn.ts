// Starting the guest runner process. Kept apart from guest-process.ts so that `bin/viv.js` can
// start the runner first thing, and the runner's own start (Node, isolated-vm, the kernel)
// overlaps with the session loading its modules.
import { fork } from 'node:child_process';
import { getCompileCacheDir } from 'node:module';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

declare global {
  interface ImportMeta {
    /** The bundled runner, when the session runs from its bundle (defined by scripts/bundle.ts). */
    vivRunner?: string;
  }
}

const RUNNER =
  import.meta.vivRunner ?? fileURLToPath(new URL('../../runner/main.ts', import.meta.url));

export interface Runner {
  child: ChildProcess;
  memoryMB: number;
  /** Resolves when the runner has loaded the kernel; rejects with its stderr if it exits first. */
  ready: Promise<void>;
  stderr(): string;
}

export function spawnRunner(memoryMB: number): Runner {
  const child = fork(RUNNER, [], {
    // No wasm code GC: Node's type stripper (amaro) is wasm, and V8's wasm code GC can post a task
    // to an isolate isolated-vm is disposing, deadlocking the process (seen in tests that create
    // and dispose many isolates in one process; the runner has one, but the flag costs nothing).
    execArgv: ['--no-node-snapshot', '--no-wasm-code-gc', '--disable-warning=ExperimentalWarning'],
    env: {
      ...process.env,
      VIV_MEMORY_MB: String(memoryMB),
      // The session's compile cache (bin/viv.js turns it on) serves the runner's modules too.
      ...(getCompileCacheDir() ? { NODE_COMPILE_CACHE: getCompileCacheDir() } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // Structured clone: a 50 MB snapshot string crosses as one copy, not escaped JSON.
    serialization: 'advanced',
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  // Listening from the start: the ready message must not pass while the session is busy.
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== 'ready') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = () => reject(new Error(`the guest runner failed to start: ${stderr}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  ready.catch(() => {});
  return { child, memoryMB, ready, stderr: () => stderr };
}
