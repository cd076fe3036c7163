// Loads the kernel into a context of the isolate, and boots it with the three capabilities the
// runner hands in: `notify(json)`, `now()` and `rewriteEval(text, names)`. The kernel is one
// script, bundled (dist/kernel.js, compiled from V8's cached data: kernel-script.ts), whenever
// that bundle was built from the kernel's sources as they are; else its ~50 modules (src/kernel,
// TypeScript stripped by Node position for position, so stack frames point at the real lines).
import ivm from './ivm.ts';
import type IsolatedVM from 'isolated-vm';
import { createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import type * as RewriteClass from '../session/compile/rewrite-class.ts';
import { kernelSource } from './kernel-cache.ts';
import { compileKernelScript, warmKernelScript } from './kernel-script.ts';
import type { BundleInputs } from '../../scripts/bundle.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

declare global {
  interface ImportMeta {
    /** The kernel bundled into one script, when the runner runs from its bundle (scripts/bundle.ts). */
    vivKernel?: string;
  }
}

const BUNDLED = import.meta.vivKernel;
const KERNEL = resolve(dirname(fileURLToPath(import.meta.url)), '../kernel/kernel.ts');

export interface LoadedKernel {
  /** `handle(requestJson, bulk?) -> replyJson`: the kernel's one entry point. */
  handle: IsolatedVM.Reference<(request: string, bulk?: string) => string>;
  /**
   * Keeps the kernel script's cached data with what this isolate has compiled since it loaded
   * (kernel-script.ts `warmKernelScript`); nothing for a kernel loaded from its modules.
   */
  warm(): Promise<void>;
}

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

/** Sources by path: a process that starts several isolates (tests) reads and strips each once. */
const sources = new Map<string, string>();

/**
 * The kernel as one script, if there is one to run: the runner's own bundle's, or (run from the
 * sources: tests, a checkout edited since its bundle) dist/kernel.js while every source it was
 * built from is as it was then. Decided once per process.
 */
let script: string | null | undefined;
function kernelScript(): string | undefined {
  script ??= BUNDLED ?? freshKernel() ?? null;
  return script ?? undefined;
}

/** dist/kernel.js, if it was built from the kernel's sources as they are now (not VIV_SOURCES). */
function freshKernel(): string | undefined {
  if (process.env.VIV_SOURCES) return undefined;
  try {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..') + '/';
    const inputs = JSON.parse(readFileSync(join(root, 'dist', 'inputs.json'), 'utf8')) as Partial<
      Pick<BundleInputs, 'root' | 'files' | 'outputs' | 'kernel'>
    >;
    if (inputs.root !== root || !inputs.kernel || !inputs.files || !inputs.outputs) return;
    for (const file of inputs.kernel) {
      const was = inputs.files[file];
      const now = statSync(join(root, file));
      if (!was || now.size !== was.size || now.mtimeMs !== was.mtimeMs) return undefined;
    }
    const path = join(root, 'dist', 'kernel.js');
    return statSync(path).size === inputs.outputs['kernel.js'] ? path : undefined;
  } catch {
    return undefined;
  }
}

export function loadKernel(
  isolate: IsolatedVM.Isolate,
  context: IsolatedVM.Context,
  notify: (json: string) => void,
  now: () => number,
): LoadedKernel {
  const path = kernelScript();
  const namespace = path
    ? (compileKernelScript(isolate, path).script.runSync(context, { reference: true }) as Namespace)
    : loadModules(isolate, context);
  const boot = namespace.getSync('boot', { reference: true }) as IsolatedVM.Reference<
    (notify: unknown, now: unknown, rewriteEval: unknown) => void
  >;
  boot.applySync(undefined, [
    new ivm.Callback(notify),
    new ivm.Callback(now),
    new ivm.Callback(rewriteEval),
  ]);
  return {
    handle: namespace.getSync('handle', { reference: true }) as LoadedKernel['handle'],
    warm: () => (path ? warmKernelScript(isolate, path) : Promise.resolve()),
  };
}

type Namespace = IsolatedVM.Reference<Record<string, unknown>>;

/** The kernel from its sources: ~50 modules, each type-stripped (or from its cache) and linked. */
function loadModules(isolate: IsolatedVM.Isolate, context: IsolatedVM.Context): Namespace {
  const modules = new Map<string, IsolatedVM.Module>();
  const paths = new Map<IsolatedVM.Module, string>();
  const load = (path: string): IsolatedVM.Module => {
    let module = modules.get(path);
    if (!module) {
      let code = sources.get(path);
      if (code === undefined) {
        // A kernel module, stripped (or cached so).
        code = kernelSource(path);
        sources.set(path, code);
      }
      module = isolate.compileModuleSync(code, { filename: `file://${path}` });
      modules.set(path, module);
      paths.set(module, path);
    }
    return module;
  };
  const root = load(KERNEL);
  root.instantiateSync(context, (specifier, referrer) =>
    load(resolve(dirname(paths.get(referrer) ?? KERNEL), specifier)),
  );
  root.evaluateSync();
  return root.namespace as Namespace;
}
