// An entry on its way to the guest, for the engine (engine.ts keeps the lock and the public
// face): compiled once, then run as a check in a scratch guest, or refused while the journal
// cannot rebuild the session, or preceded by the packages it imports and the image lacks; then
// run as one journaled transaction (journaled.ts). `:install`, `:rollback` and process controls
// take the same steps.
import type { Request } from '../../shared/ops.ts';
import type { AnalyzedEntry } from '../compile/analyze.ts';
import type { Result } from '../result.ts';
import { installImports, installPackage, withInstalls } from '../packages/entry-packages.ts';
import type { SessionPort } from '../port.ts';
import type { ImagePackages } from '../packages/packages.ts';
import type { EntryCompiler } from './compiler.ts';
import type { Operation } from './journal-records.ts';
import { runJournaled } from './journaled.ts';
import type { JournalHost } from './journaled.ts';
import { DEFAULT_CALLBACK_BOUND_MS } from './options.ts';
import type { Saver } from './saving.ts';
import { checkInScratch } from './scratch.ts';
import type { ScratchHost } from './scratch.ts';
import { syntaxFailure } from './syntax-failure.ts';

/** What an entry's way to the guest needs of the engine. */
export interface PipelineHost extends JournalHost, ScratchHost, Pick<SessionPort, 'request'> {
  /** The number of the last operation. */
  entry: number;
  userInterrupt: boolean;
  readonly quitRequested: boolean;
  readonly compiler: EntryCompiler;
  readonly packages: ImagePackages;
  readonly options: ScratchHost['options'] & { colors?: boolean };
}

export interface EntryOptions {
  check?: boolean;
  quiet?: boolean;
  analysis?: AnalyzedEntry;
  /** Kept compiled however short (EntryCompiler): the standard library's entries. */
  keep?: boolean;
}

/** Stacks inside what an entry printed or returned point at what was typed. */
export function framesLocated(compiler: EntryCompiler, result: Result): Result {
  const map = (text: string) => compiler.mapFrames(text);
  return {
    ...result,
    printed: result.printed.map(map),
    ...(result.value !== undefined ? { value: map(result.value) } : {}),
  };
}

/** One entry, under the engine's lock (the caller holds it). */
export async function evaluateEntry(
  engine: PipelineHost,
  saver: Saver,
  source: string,
  options: EntryOptions = {},
): Promise<Result> {
  const entry = engine.entry + 1;
  let compiled;
  try {
    // A check compiles the entry as the real one: it runs for real, in a scratch guest.
    const compile = { ...options, check: false, colors: engine.options.colors };
    compiled = engine.compiler.compile(source, entry, compile);
  } catch (error) {
    return syntaxFailure(error);
  }
  if (options.check) {
    return checkInScratch(
      engine,
      compiled.request,
      engine.options.timeoutMs || DEFAULT_CALLBACK_BOUND_MS,
    );
  }
  const refusal = saver.refusal();
  if (refusal) return refusal;
  if (compiled.analysis.imports.length && !options.quiet) {
    // Packages the image lacks are installed first, each as its own entry (see :install).
    const enter = (text: string) => evaluateEntry(engine, saver, text);
    const installed = await installImports(engine, compiled.analysis.imports, enter);
    if (installed && !installed.ok) return installed;
    if (installed) {
      const again = { ...options, analysis: compiled.analysis };
      return withInstalls(installed, await evaluateEntry(engine, saver, source, again));
    }
  }
  engine.entry = entry;
  const names = compiled.analysis.declarations.map((d) => d.name);
  const operation: Operation = { op: 'entry', source };
  return journaled(engine, saver, operation, compiled.request, names, !!options.quiet);
}

/** One image-changing operation, journaled; then the save retried if the image was unsaveable. */
export async function journaled(
  engine: PipelineHost,
  saver: Saver,
  operation: Operation,
  request: Request<'eval' | 'rollback' | 'control'>,
  names: string[],
  quiet: boolean,
): Promise<Result> {
  // A quit asked for by a signal or Ctrl-D stops the entry it meets, even one not yet sent.
  if (!engine.quitRequested) engine.userInterrupt = false;
  const unsaveable = saver.unsaveable;
  const result = await runJournaled(engine, operation, request, names, quiet);
  return unsaveable ? saver.retrySave(result) : result;
}

/** `:install NAME[@VERSION]`: the package installed, bundled and entered as its module. */
export async function installSpec(
  engine: PipelineHost,
  saver: Saver,
  spec: string,
): Promise<Result> {
  const refusal = saver.refusal();
  if (refusal) return refusal;
  return installPackage(engine, spec, (text) => evaluateEntry(engine, saver, text));
}

/** `:rollback` and `:stop`/`:restart`/`:forget` of a process: journaled like entries. */
export async function runOperation(
  engine: PipelineHost,
  saver: Saver,
  operation: Exclude<Operation, { op: 'entry' }>,
): Promise<Result> {
  const refusal = saver.refusal();
  if (refusal) return refusal;
  const entry = ++engine.entry;
  const request =
    operation.op === 'rollback'
      ? ({ op: 'rollback', name: operation.name, version: operation.version, entry } as const)
      : ({ op: 'control', action: operation.action, name: operation.name, entry } as const);
  return journaled(engine, saver, operation, request, [operation.name], false);
}
