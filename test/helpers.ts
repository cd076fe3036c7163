// Test helpers that drive the real `viv` CLI as a subprocess (batch mode, JSON lines).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from '../src/session/result.ts';

export const CLI = fileURLToPath(new URL('../src/session/cli.ts', import.meta.url));

export interface BatchRun {
  status: number | null;
  results: Result[];
  stdout: string;
  stderr: string;
}

/** Runs `viv --batch --json` on the given entries (multi-line ones are grouped with :{ :}). */
export function batch(entries: string[], args: string[] = []): Promise<BatchRun> {
  const input = entries.map((e) => (e.includes('\n') ? `:{\n${e}\n:}` : e)).join('\n') + '\n';
  return run(['--batch', '--json', ...args], input).then((r) => ({
    ...r,
    results: r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Result),
  }));
}

/** A running `viv` whose stdout lines can be awaited: for tests that kill or race it. */
export function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
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

/** Runs the CLI with raw stdin; resolves with its exit status and output. */
export function run(
  args: string[],
  input: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The values of a run's results, for compact assertions. */
export function values(run: BatchRun): (string | undefined)[] {
  return run.results.map((r) => (r.ok ? r.value : `!${r.error?.name}: ${r.error?.message}`));
}

export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'viv-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
