// Test helpers that drive the real `viv` CLI as a subprocess (batch mode, JSON lines).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import type { TestContext } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import type { Result } from '../src/session/result.ts';
import { withNodeSnapshot } from '../src/session/packages/install.ts';

/** The `viv` command as installed (its bundle when fresh: scripts/bundle.ts, else the sources). */
export const CLI = fileURLToPath(new URL('../bin/viv.js', import.meta.url));

/**
 * The environment a CLI runs in: this one without `--no-node-snapshot` in NODE_OPTIONS. npm test
 * sets it for the isolates tests create in process; `viv` gives it to its runner itself, and a
 * session process started without Node's startup snapshot spends ~80 ms more CPU at every start.
 */
export function cliEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, NODE_OPTIONS: withNodeSnapshot(env.NODE_OPTIONS ?? '') };
}

/**
 * Every CLI a test file starts is killed when the file's tests are done: a test that timed out
 * must not leave its CLI holding the file's process (and the whole `npm test`) open.
 */
const children = new Set<ChildProcess>();
// Only under the test runner: scripts (npm run crash) use these helpers outside any test.
if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
}
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on('close', () => children.delete(child));
  return child;
}

export interface BatchRun {
  status: number | null;
  results: Result[];
  stdout: string;
  stderr: string;
}

/** Runs `viv --batch --json` on the given entries (multi-line ones are grouped with :{ :}). */
export function batch(
  entries: string[],
  args: string[] = [],
  options: RunOptions = {},
): Promise<BatchRun> {
  const input = entries.map((e) => (e.includes('\n') ? `:{\n${e}\n:}` : e)).join('\n') + '\n';
  return run(['--batch', '--json', ...args], input, options).then((r) => ({
    ...r,
    results: r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Result),
  }));
}

/** A running `viv` whose stdout lines can be awaited: for tests that kill or race it. */
export function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: cliEnv(),
  });
  track(child);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stdin.on('error', () => {});
  const lines = () => stdout.split('\n').filter((l) => l.endsWith('}'));
  return {
    child,
    lines,
    /** Resolves once `n` complete JSON lines have been printed. */
    async waitForLines(n: number): Promise<void> {
      while (lines().length < n) await new Promise((r) => setTimeout(r, 20));
    },
    closed: new Promise<number | null>((resolve) => child.on('close', resolve)),
  };
}

/** A CLI that has not ended after this long is stuck: it is killed, so no test waits for ever. */
const STUCK_MS = 60_000;

export interface RunOptions {
  /** The CLI's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Killed as stuck after this long (default 60 s; runs that call npm may take longer). */
  stuckMs?: number;
}

/** Runs the CLI with raw stdin; resolves with its exit status and output. */
export function run(
  args: string[],
  input: string,
  { env, stuckMs = STUCK_MS }: RunOptions = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: cliEnv(env),
    });
    track(child);
    let stdout = '';
    let stderr = '';
    const stuck = setTimeout(() => {
      stderr += `(test helper: the CLI was still running after ${stuckMs} ms and was killed)\n`;
      child.kill('SIGKILL');
    }, stuckMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(stuck);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** The values of a run's results, for compact assertions. */
export function values(run: BatchRun): (string | undefined)[] {
  return run.results.map((r) => (r.ok ? r.value : `!${r.error?.name}: ${r.error?.message}`));
}

/** Runs `body` with the path of an image file in a fresh directory, removed afterwards. */
export async function withImage<T>(body: (image: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  try {
    return await body(join(dir.path, 'img.json'));
  } finally {
    dir.remove();
  }
}

/**
 * Runs `body` with a tmpfs of `size` (say '64k': a disk that fills up) mounted at a fresh folder,
 * unmounted and removed afterwards. Mounting needs root: without it, or where mount fails, the
 * test is skipped, saying why.
 */
export async function withSmallDisk(
  t: TestContext,
  size: string,
  body: (mount: string) => Promise<void>,
): Promise<void> {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
  const dir = tempDir();
  const mount = join(dir.path, 'small');
  try {
    mkdirSync(mount);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount], {
      encoding: 'utf8',
    });
    if (mounted.status !== 0) {
      return t.skip(`cannot mount a tmpfs here: ${mounted.stderr || mounted.error}`);
    }
    try {
      await body(mount);
    } finally {
      spawnSync('umount', [mount]);
    }
  } finally {
    dir.remove();
  }
}

export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'viv-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** The children of a process (Linux /proc: no `ps` started, which a poll would do many times). */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter((c) => c.trim() !== '')
        .map(Number),
    );
  } catch {
    return []; // gone
  }
}

/** The pid of a process's first child (the CLI's guest runner), or undefined while it has none. */
export function childOf(pid: number): number | undefined {
  return childrenOf(pid)[0];
}

/** CPU time a process has used, in milliseconds (Linux /proc). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line; 12 and 13 after "pid (comm) ".
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Resolves once process `pid` has used `ms` milliseconds of CPU time more than when called: it is
 * running something long (an endless loop), however loaded the machine is. Rejects at the deadline.
 */
export async function untilBusy(pid: number, ms = 200, deadline = 30_000): Promise<void> {
  const start = cpuMs(pid);
  const end = Date.now() + deadline;
  while (cpuMs(pid) - start < ms) {
    if (Date.now() > end) throw new Error(`process ${pid} never became busy`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
