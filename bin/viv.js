#!/usr/bin/env node
// The `viv` command. Node 24 runs the TypeScript sources directly (type stripping); the guest
// isolate lives in a child process started with the flags isolated-vm needs.
// Plain JavaScript that any Node parses, with no static import: the version is checked before
// anything is loaded (an older Node would otherwise fail with a raw SyntaxError while linking).
const [major, minor] = process.versions.node.split('.').map(Number);
if (!(major >= 24 || (major === 22 && minor >= 18))) {
  process.stderr.write(
    `viv: Vivarium needs Node 24 (or 22.18+); run it with npm start, or install Node 24 ` +
      `(this is Node ${process.versions.node})\n`,
  );
  process.exit(1);
}

// Built-ins as the objects they are: an ESM import of node:fs would read each of its exports, and
// its lazy ones load ~30 more of Node's modules (fs/promises, readline, the REPL's history).
const { enableCompileCache, registerHooks } = process.getBuiltinModule('node:module');
const { existsSync, readFileSync, statSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');

// Node caches the compiled (and type-stripped) sources between runs: a faster start.
enableCompileCache?.();

const argv = process.argv.slice(2);
// The instant prompt (bin/instant-prompt.js): on a terminal, `viv [IMAGE]` takes keystrokes at once.
const early =
  process.stdin.isTTY &&
  process.stdout.isTTY &&
  argv.length <= 1 &&
  !argv[0]?.startsWith('-') &&
  argv[0] !== 'jupyter' &&
  argv[0] !== 'serve' &&
  argv[0] !== 'attach'
    ? (await import('./instant-prompt.js')).instantPrompt(process.stdin, process.stdout)
    : undefined;

// The session and the runner from their bundle (scripts/bundle.ts) while it is fresh, else from
// the sources.
let bundled = freshBundle();
if (!bundled) redirectThrottle();

// The guest runner starts now, so that its start overlaps with loading the session.
const prestarted = early ? (await firstSteps()).spawnRunner(512) : undefined;

const { runMain } = await loadSession();
try {
  process.exitCode = await runMain(argv, { early, prestarted });
} finally {
  early?.cancel();
  // Not used after all (the image could not be opened): it must not keep the session alive.
  if (prestarted?.child.connected) prestarted.child.kill('SIGKILL');
}

/**
 * The session's first steps (src/session/start.ts: starting the runner, loading the session), from
 * the bundle (if a file of it has gone: from the sources).
 */
async function firstSteps() {
  if (bundled) {
    try {
      return await import('../dist/session/start.js');
    } catch (error) {
      // A module that cannot be found, or not parsed (damaged, its size unchanged), fails before
      // any of it runs: the sources can take over.
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' && !(error instanceof SyntaxError)) throw error;
      bundled = false;
      redirectThrottle();
    }
  }
  return import('../src/session/start.ts');
}

/**
 * The session: the bundle's one script, compiled from V8's cached data made by an earlier run of
 * the same kind (src/session/session-script.ts), or the sources.
 */
async function loadSession() {
  // (From the sources, the session's modules are imported: its loader would load for nothing.)
  const steps = bundled ? await firstSteps() : undefined;
  if (bundled) {
    try {
      const script = fileURLToPath(new URL('../dist/session.js', import.meta.url));
      return (await steps.loadSession(script, runKind())).session;
    } catch (error) {
      // Gone since the check (a build swapping dist/ in), or damaged: the sources can take over.
      if (error?.code !== 'ENOENT' && error?.code !== 'VIV_SCRIPT_DAMAGED') throw error;
      redirectThrottle();
    }
  }
  return import('../src/session/cli.ts');
}

/** What kind of run this is: each kind keeps the session's compiled code of its own. */
function runKind() {
  if (argv.some((arg) => /^(-h|--help|-v|--version)$/.test(arg))) return undefined;
  // (Run once, and first: its data would serve every start of the kernel, of which it holds half.)
  if (argv[0] === 'jupyter' && argv[1] === 'install') return undefined;
  if (['jupyter', 'serve', 'attach', 'export', 'import'].includes(argv[0])) return argv[0];
  return argv.includes('--batch') || !process.stdin.isTTY ? 'batch' : 'repl';
}

/**
 * From the sources: ink 8 imports `throttle` from the barrel `es-toolkit/compat`, which loads 415
 * modules to get one function (about 150 ms of CPU at every start). Resolved from ink, that import
 * goes straight to the one file that defines it (the same code); if the file is not where
 * es-toolkit 1.x keeps it, the import resolves as usual. (The bundle holds that function alone.)
 */
function redirectThrottle() {
  registerHooks?.({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      if (specifier !== 'es-toolkit/compat' || !context.parentURL?.includes('/node_modules/ink/')) {
        return resolved;
      }
      const url = new URL('./function/throttle.mjs', resolved.url);
      return existsSync(url) ? { ...resolved, url: url.href } : resolved;
    },
  });
}

/**
 * Whether dist/ holds a bundle of exactly these sources: built in this checkout, every file it
 * was built from has its size and modification time still (the packages: npm's record of them),
 * and every file of it its size (about 160 stats: a millisecond).
 */
function freshBundle() {
  if (process.env.VIV_SOURCES) return false;
  try {
    const root = fileURLToPath(new URL('../', import.meta.url));
    const inputs = JSON.parse(readFileSync(join(root, 'dist', 'inputs.json'), 'utf8'));
    if (inputs.root !== root) return false;
    for (const [file, was] of Object.entries(inputs.files)) {
      const now = statSync(join(root, file));
      if (now.size !== was.size || now.mtimeMs !== was.mtimeMs) return false;
    }
    // Every file of the bundle whole (one cut short would stop viv with a SyntaxError).
    for (const [file, size] of Object.entries(inputs.outputs)) {
      if (statSync(join(root, 'dist', file)).size !== size) return false;
    }
    return true;
  } catch {
    return false;
  }
}
