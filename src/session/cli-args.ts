// Reading `viv`'s command line: the usage text, the options and positionals checked one by one (a
// wrong one is reported with the usage), and `viv export` / `viv import` turned into the one entry
// they run. What the options then do is cli.ts's part.
import { parseArgs } from 'node:util';
import { DEFAULT_OPEN_BOUND_MS } from './engine/engine.ts';
import { listenFlag, SERVE_USAGE } from './serve/serve.ts';

const USAGE = `usage: viv [IMAGE] [options]
       viv export IMAGE DIR    write the image's code to DIR (.ts files and vivarium.json)
       viv import IMAGE PATH   apply a file or an exported folder to the image (one transaction)

  --batch          read entries from standard input (no prompt)
  --json           with --batch: one JSON object per entry on stdout, and one per line printed
                   between entries ({"printed":[...],"source":"timer"}), nothing else
  --image PATH     the image to open or create (same as IMAGE); the REPL defaults to
                   default.json in $XDG_DATA_HOME/vivarium (~/.local/share/vivarium), batch
                   mode to a fresh image that is not saved. A shipped example image (viv life,
                   or a path into images/) opens as a copy there
  --in-place       open a shipped example image itself, not a copy
  --read-only      write nothing (no journal, no save): entries live in memory only
  --autosave S     save every S seconds while the image has unsaved entries (default 60; 0: off)
  --memory MB      memory limit of the guest isolate (default 512)
  --timeout MS     stop an entry that runs longer, awaited promises included (default: none);
                   also bounds each step of opening an image (default ${DEFAULT_OPEN_BOUND_MS / 1000} s)
  --load FILE      apply a .ts/.js file (one transaction) once the image is open, then go on
  --skip-entry N   leave journaled entry N out for good when replaying (after a replay stopped
                   at it); recorded in the journal
  --run-for S      with --batch: keep the processes running S seconds after the input ends
  --auto-rollback  when a redefinition makes a process crash past its restart limit, roll the
                   redefinition back and restart the process (default: only offer it)
  -h, --help       this text (viv jupyter --help: the Jupyter kernel)
  -v, --version    the version of Vivarium

${SERVE_USAGE}`;

/**
 * The options of `viv [serve] ...` read and checked, or the exit status when there is nothing more
 * to do: 0 after --help or --version, 2 after a usage error (already written to stderr).
 */
export async function readCommandLine(argv: string[], serving: boolean) {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        batch: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        image: { type: 'string' },
        autosave: { type: 'string' },
        memory: { type: 'string' },
        timeout: { type: 'string' },
        'run-for': { type: 'string' },
        'auto-rollback': { type: 'boolean', default: false },
        'read-only': { type: 'boolean', default: false },
        'in-place': { type: 'boolean', default: false },
        'skip-entry': { type: 'string', multiple: true },
        load: { type: 'string' },
        listen: { type: 'string' },
        'listen-anywhere': { type: 'boolean', default: false },
        'hello-timeout': { type: 'string' },
        'max-waiting': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (values.version) {
    process.stdout.write(`viv ${await version()}\n`);
    return 0;
  }
  // `viv export IMAGE DIR` / `viv import IMAGE PATH`: that one command, in batch mode.
  const code = codeSubcommand(positionals, values);
  if (typeof code === 'string') return usageError(code);
  if (code) positionals.splice(0, positionals.length, code.image);
  if (positionals.length > 1) return usageError(`unexpected arguments: ${positionals.join(' ')}`);
  const memoryMB = numberOption('--memory', values.memory, 512, 16);
  const timeoutMs = numberOption('--timeout', values.timeout, 0, 1);
  const autosave = numberOption('--autosave', values.autosave, 60, 0);
  if (typeof memoryMB === 'string') return usageError(memoryMB);
  if (typeof timeoutMs === 'string') return usageError(timeoutMs);
  if (typeof autosave === 'string') return usageError(autosave);
  const skips = (values['skip-entry'] ?? []).map(Number);
  const badSkip = values['skip-entry']?.find((v) => !/^[1-9]\d*$/.test(v));
  if (badSkip !== undefined)
    return usageError(`--skip-entry needs an entry number, not "${badSkip}"`);
  const runFor = values['run-for'] === undefined ? 0 : Number(values['run-for']);
  if (!(runFor >= 0))
    return usageError(`--run-for needs a number of seconds, not "${values['run-for']}"`);
  if (values.json && !values.batch) return usageError('--json needs --batch');
  if (positionals[0] && values.image) return usageError('give the image once: IMAGE or --image');
  const helloTimeoutMs = numberOption('--hello-timeout', values['hello-timeout'], 10_000, 1);
  const maxWaiting = numberOption('--max-waiting', values['max-waiting'], 16, 1);
  if (typeof helloTimeoutMs === 'string') return usageError(helloTimeoutMs);
  if (typeof maxWaiting === 'string') return usageError(maxWaiting);
  const serveFlag = ['listen', 'listen-anywhere', 'hello-timeout', 'max-waiting'].find(
    (flag) => values[flag as keyof typeof values] && !serving,
  );
  if (serveFlag) return usageError(`--${serveFlag} is an option of viv serve`);
  if (serving && values.batch)
    return usageError('viv serve reads no entries: --batch is not for it');
  let listen;
  try {
    listen = listenFlag(values.listen, values['listen-anywhere']);
  } catch (error) {
    return usageError((error as Error).message);
  }
  return {
    values,
    positionals,
    code,
    memoryMB,
    timeoutMs,
    autosave,
    skips,
    runFor,
    helloTimeoutMs,
    maxWaiting,
    listen,
  };
}

/** `viv export IMAGE DIR` and `viv import IMAGE PATH`, or an error, or undefined (neither). */
function codeSubcommand(
  positionals: string[],
  values: { image?: string; batch?: boolean },
): { command: 'export' | 'import'; image: string; entry: string } | string | undefined {
  const command = positionals[0];
  if (command !== 'export' && command !== 'import') return undefined;
  const what = command === 'export' ? 'DIR' : 'PATH';
  if (positionals.length !== 3 || values.image) {
    return `usage: viv ${command} IMAGE ${what}`;
  }
  const [, image, target] = positionals as [string, string, string];
  if (/\n/.test(target)) return `${what} cannot hold a line break`;
  return { command, image, entry: `:${command} ${target}\n` };
}

function numberOption(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    return `${flag} needs a whole number of at least ${min}, not "${value}"`;
  return n;
}

export function usageError(message: string): number {
  process.stderr.write(`viv: ${message}\n\n${USAGE}\n`);
  return 2;
}

/** The version in package.json (read only when asked: it is not needed to start). */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = new URL('../../package.json', import.meta.url);
  return (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
}
