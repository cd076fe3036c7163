// Loads the kernel (src/kernel, TypeScript stripped by Node position for position, so stack frames
// point at the real lines) as modules into a context of the isolate, and boots it with the two
// capabilities the runner hands in: `notify(json)` and `now()`.
import ivm from 'isolated-vm';
import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const KERNEL = resolve(dirname(fileURLToPath(import.meta.url)), '../kernel/kernel.ts');

export interface LoadedKernel {
  /** `handle(requestJson, bulk?) -> replyJson`: the kernel's one entry point. */
  handle: ivm.Reference<(request: string, bulk?: string) => string>;
}

/** Stripped sources by path: a process that starts several isolates (tests) strips each once. */
const stripped = new Map<string, string>();

export function loadKernel(
  isolate: ivm.Isolate,
  context: ivm.Context,
  notify: (json: string) => void,
  now: () => number,
): LoadedKernel {
  const modules = new Map<string, ivm.Module>();
  const paths = new Map<ivm.Module, string>();
  const load = (path: string): ivm.Module => {
    let module = modules.get(path);
    if (!module) {
      let code = stripped.get(path);
      if (code === undefined) {
        code = stripTypeScriptTypes(readFileSync(path, 'utf8'));
        stripped.set(path, code);
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
  const namespace = root.namespace;
  const boot = namespace.getSync('boot', { reference: true }) as ivm.Reference<
    (notify: unknown, now: unknown) => void
  >;
  boot.applySync(undefined, [new ivm.Callback(notify), new ivm.Callback(now)]);
  return { handle: namespace.getSync('handle', { reference: true }) as LoadedKernel['handle'] };
}
