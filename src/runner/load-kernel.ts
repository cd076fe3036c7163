// Loads the kernel (src/kernel, TypeScript stripped by Node position for position, so stack frames
// point at the real lines) as modules into a context of the isolate, and boots it with the two
// capabilities the runner hands in: `notify(json)`, `now()` and `rewriteEval(text, names)`.
import ivm from './ivm.ts';
import type IsolatedVM from 'isolated-vm';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type * as RewriteClass from '../session/compile/rewrite-class.ts';
import { kernelSource } from './kernel-cache.ts';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

declare global {
  interface ImportMeta {
    /** The kernel bundled into one module, when the runner runs from its bundle (scripts/bundle.ts). */
    vivKernel?: string;
  }
}

const BUNDLED = import.meta.vivKernel;
const KERNEL = BUNDLED ?? resolve(dirname(fileURLToPath(import.meta.url)), '../kernel/kernel.ts');

export interface LoadedKernel {
  /** `handle(requestJson, bulk?) -> replyJson`: the kernel's one entry point. */
  handle: IsolatedVM.Reference<(request: string, bulk?: string) => string>;
}

/** Sources by path: a process that starts several isolates (tests) reads and strips each once. */
/**
 * The third capability: a direct eval's text inside a class body with static privates, routed as
 * the compiler routes the body (see rewrite-class.ts). The compiler is loaded on first use only.
 */
function rewriteEval(text: string, names: string): string {
  try {
    rewriter ??= (require('../session/compile/rewrite-class.ts') as typeof RewriteClass)
      .rewriteEvalText;
    return rewriter(text, JSON.parse(names) as string[]);
  } catch {
    return text;
  }
}
const require = createRequire(import.meta.url);
let rewriter: typeof RewriteClass.rewriteEvalText | undefined;

const sources = new Map<string, string>();

export function loadKernel(
  isolate: IsolatedVM.Isolate,
  context: IsolatedVM.Context,
  notify: (json: string) => void,
  now: () => number,
): LoadedKernel {
  const modules = new Map<string, IsolatedVM.Module>();
  const paths = new Map<IsolatedVM.Module, string>();
  const load = (path: string): IsolatedVM.Module => {
    let module = modules.get(path);
    if (!module) {
      let code = sources.get(path);
      if (code === undefined) {
        // The bundled kernel is JavaScript already; a kernel module is stripped (or cached so).
        code = BUNDLED ? readFileSync(path, 'utf8') : kernelSource(path);
        sources.set(path, code);
      }
      module = isolate.compileModuleSync(code, { filename: `file://${path}` });
      modules.set(path, module);
      paths.set(module, path);
    }
    return module;
  };
  const root = load(KERNEL);
  // (The bundled kernel is one module: it imports nothing.)
  root.instantiateSync(context, (specifier, referrer) =>
    load(resolve(dirname(paths.get(referrer) ?? KERNEL), specifier)),
  );
  root.evaluateSync();
  const namespace = root.namespace;
  const boot = namespace.getSync('boot', { reference: true }) as IsolatedVM.Reference<
    (notify: unknown, now: unknown, rewriteEval: unknown) => void
  >;
  boot.applySync(undefined, [
    new ivm.Callback(notify),
    new ivm.Callback(now),
    new ivm.Callback(rewriteEval),
  ]);
  return { handle: namespace.getSync('handle', { reference: true }) as LoadedKernel['handle'] };
}
