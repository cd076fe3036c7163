// `viv`: the command line. Batch mode for scripts and tests; otherwise the interactive REPL.
import { parseArgs } from 'node:util';
import { Engine } from './engine.ts';
import { runBatch } from './batch.ts';
import { runRepl } from './repl.ts';
import { stdlibEntries } from './stdlib.ts';

const USAGE = `usage: viv [IMAGE] [options]

  --batch          read entries from standard input (no prompt)
  --json           with --batch: one JSON object per entry on stdout, nothing else
  --image PATH     the image to open or create (default images/default.json)
  --memory MB      memory limit of the guest isolate (default 512)
  --timeout MS     stop an entry that runs longer, awaited promises included (default: none)
  --help           this text`;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        batch: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        image: { type: 'string' },
        memory: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', default: false },
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
  if (positionals.length > 1) return usageError(`unexpected arguments: ${positionals.join(' ')}`);
  const memoryMB = numberOption('--memory', values.memory, 512, 16);
  const timeoutMs = numberOption('--timeout', values.timeout, 0, 1);
  if (typeof memoryMB === 'string') return usageError(memoryMB);
  if (typeof timeoutMs === 'string') return usageError(timeoutMs);
  if (values.json && !values.batch) return usageError('--json needs --batch');

  const batch = values.batch || !process.stdin.isTTY;
  const engine = await Engine.open({
    memoryMB,
    timeoutMs,
    prelude: stdlibEntries(),
    onPrint: (stream, text) => {
      if (batch && values.json) return;
      (stream === 'err' ? process.stderr : process.stdout).write(text + '\n');
    },
  });
  try {
    if (batch) {
      return await runBatch(engine, {
        json: values.json,
        input: process.stdin,
        output: process.stdout,
      });
    }
    return await runRepl(engine);
  } finally {
    await engine.close();
  }
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

function usageError(message: string): number {
  process.stderr.write(`viv: ${message}\n\n${USAGE}\n`);
  return 2;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
