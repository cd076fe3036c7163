// The test262 slice (../shared/test262) as a peer's suite: reading a test's frontmatter, building
// the one text a test runs as (harness first), and running that text in plain V8 (a fresh
// node:vm context) and through Vivarium (one grouped entry in a fresh in-memory image), so that
// scripts/conformance.ts and test/conformance.test.ts compare the two the same way.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { EntryReader } from '../src/session/compile/entry-reader.ts';
import type { Result } from '../src/session/result.ts';
import { seeded } from '../test/support/seeded.ts';

export const ARCHIVE = fileURLToPath(
  new URL('../../shared/test262/test262-subset.tar.gz', import.meta.url),
);

/** Flags a REPL cannot honour: module code, strict-only code, raw text, blocking agents. */
const SKIPPED_FLAGS = ['module', 'onlyStrict', 'raw', 'CanBlockIsTrue'];

/** What V8 or Vivarium did with a test: passed, or why not. */
export type Outcome = { pass: true } | { pass: false; reason: string };

export interface Test262Test {
  /** Path under test/, e.g. language/statements/let/x.js. */
  name: string;
  /** Harness files and the test, as one script. */
  text: string;
  async: boolean;
  negative?: { phase: string; type: string };
}

/** Extracts the archive once into a cache directory and returns its root. */
export function extractSuite(
  cache = join(process.env.TMPDIR ?? '/tmp', 'vivarium-test262'),
): string {
  if (!existsSync(join(cache, 'harness', 'assert.js'))) {
    mkdirSync(cache, { recursive: true });
    execFileSync('tar', ['xzf', ARCHIVE, '-C', cache]);
  }
  return cache;
}

/** Every test file's path relative to test/, sorted (fixtures `_FIXTURE` excluded). */
export function listTests(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), path);
      else if (entry.name.endsWith('.js') && !entry.name.includes('_FIXTURE')) out.push(path);
    }
  };
  walk(join(root, 'test'), '');
  return out.sort();
}

interface Meta {
  flags: string[];
  includes: string[];
  negative?: { phase: string; type: string };
}

/** The few frontmatter keys that matter here, read from the test's YAML block. */
export function readMeta(source: string): Meta {
  const yaml = /\/\*---([\s\S]*?)---\*\//.exec(source)?.[1] ?? '';
  const list = (key: string): string[] => {
    const inline = new RegExp(`^${key}:\\s*\\[(.*)\\]`, 'm').exec(yaml);
    if (inline)
      return inline[1]!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const block = new RegExp(`^${key}:\\s*\\n((?:\\s+-.*\\n?)+)`, 'm').exec(yaml);
    return block
      ? block[1]!
          .split('\n')
          .map((l) => l.replace(/^\s*-\s*/, '').trim())
          .filter(Boolean)
      : [];
  };
  const negative = /^negative:\s*\n((?:\s+\w+:.*\n?)+)/m.exec(yaml)?.[1];
  const field = (key: string) => new RegExp(`${key}:\\s*(\\S+)`).exec(negative ?? '')?.[1] ?? '';
  return {
    flags: list('flags'),
    includes: list('includes'),
    ...(negative ? { negative: { phase: field('phase'), type: field('type') } } : {}),
  };
}

/** The test as it runs, or undefined when its flags put it outside a REPL's reach. */
export function loadTest(root: string, name: string): Test262Test | undefined {
  const source = readFileSync(join(root, 'test', name), 'utf8');
  const meta = readMeta(source);
  if (meta.flags.some((f) => SKIPPED_FLAGS.includes(f))) return undefined;
  const async = meta.flags.includes('async');
  const harness = [
    'assert.js',
    'sta.js',
    ...(async ? ['doneprintHandle.js'] : []),
    ...meta.includes,
  ];
  const parts = [...new Set(harness)].map((f) => readFileSync(join(root, 'harness', f), 'utf8'));
  return {
    name,
    text: [...parts, source].join('\n'),
    async,
    ...(meta.negative ? { negative: meta.negative } : {}),
  };
}

const DONE = 'Test262:AsyncTestComplete';
const FAILED = 'Test262:AsyncTestFailure:';

/** Judges what happened: an error's name (or none) and what the test printed. */
function judge(
  test: Test262Test,
  errorName: string | undefined,
  error: string,
  printed: string,
): Outcome {
  if (test.negative) {
    if (errorName === test.negative.type) return { pass: true };
    return {
      pass: false,
      reason: `expected ${test.negative.type}, got ${errorName ? error : 'no error'}`,
    };
  }
  if (errorName) return { pass: false, reason: error.replace(/\s*\n\s*/g, ' ') };
  if (!test.async) return { pass: true };
  const failure = printed.split('\n').find((l) => l.startsWith(FAILED));
  if (failure) return { pass: false, reason: failure.slice(FAILED.length) };
  return printed.includes(DONE)
    ? { pass: true }
    : { pass: false, reason: '$DONE was never called' };
}

/** Waits until `done()` holds or `ms` pass, turning the event loop (async tests settle there). */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
}

/** Plain V8: the text as one script in a fresh context whose `print` collects output. */
export async function runNative(test: Test262Test, asyncMs = 2000): Promise<Outcome> {
  let printed = '';
  const context = vm.createContext({ print: (m: unknown) => (printed += `${String(m)}\n`) });
  let errorName: string | undefined;
  let error = '';
  try {
    vm.runInContext(test.text, context, { filename: test.name, timeout: 5000 });
  } catch (e) {
    errorName = (e as Error)?.constructor?.name ?? typeof e;
    error = `${errorName}: ${(e as Error)?.message}`;
  }
  if (test.async && !errorName)
    await until(() => printed.includes(DONE) || printed.includes(FAILED), asyncMs);
  return judge(test, errorName, error, printed);
}

/** Vivarium: a fresh in-memory image, `print` defined, the text pasted as one `:{ ... :}` entry. */
export async function runVivarium(test: Test262Test, asyncMs = 2000): Promise<Outcome> {
  let printed = '';
  const engine = await openSession({
    guest: InProcessGuest.start,
    prelude: [],
    timeoutMs: 5000,
    onPrint: (_stream, text) => (printed += `${text}\n`),
  });
  try {
    const submit = async (lines: string[]): Promise<Result> => {
      const reader = new EntryReader();
      let result: Result | undefined;
      for (const line of lines) {
        const entry = reader.push(line);
        if (entry) result = await engine.submit(entry.text, entry.analysis);
      }
      return result!;
    };
    const setup = await submit(['function print(message) { console.log(String(message)) }']);
    if (!setup.ok) return { pass: false, reason: `print: ${setup.error?.message}` };
    const result = await submit([':{', ...test.text.split('\n'), ':}']);
    printed += result.printed.join('\n') + '\n';
    const errorName = result.ok ? undefined : result.error?.name;
    const error = result.ok ? '' : `${result.error?.name}: ${result.error?.message}`;
    if (test.async && result.ok) {
      await until(() => printed.includes(DONE) || printed.includes(FAILED), asyncMs);
    }
    return judge(test, errorName, error, printed);
  } finally {
    await engine.close();
  }
}

/** `n` names drawn without replacement by the seeded generator, in suite order. */
export function sample<T>(items: T[], n: number, seed: number): T[] {
  const random = seeded(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n).sort();
}

export interface Comparison {
  name: string;
  native: Outcome;
  vivarium: Outcome;
}

/** Runs each test both ways (skipped ones are left out). */
export async function compare(
  root: string,
  names: string[],
  onEach?: (c: Comparison) => void,
): Promise<Comparison[]> {
  // A test's own unhandled rejection in a node:vm context would end this process (Vivarium's are
  // the guest's business): the test's outcome says what happened.
  if (process.listenerCount('unhandledRejection') === 0) process.on('unhandledRejection', () => {});
  const out: Comparison[] = [];
  for (const name of names) {
    const test = loadTest(root, name);
    if (!test) continue;
    const native = await runNative(test);
    const vivarium = await runVivarium(test);
    const comparison = { name, native, vivarium };
    out.push(comparison);
    onEach?.(comparison);
  }
  return out;
}
