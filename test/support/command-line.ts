// `viv`'s command line read in this process (src/session/cli-args.ts, as src/session/cli.ts calls
// it): the exit status and what it wrote for a command line refused before anything opens, in a
// millisecond instead of a CLI start. A test of the refusals through this keeps one run of the real
// CLI, which shows that bin/viv.js and cli.ts hand the arguments over and exit with the status.
import { readCommandLine } from '../../src/session/cli-args.ts';

export interface Refusal {
  /** 2 after a usage error, 0 after --help; undefined when the command line was accepted. */
  status: number | undefined;
  stdout: string;
  stderr: string;
}

/**
 * `viv ARGS` up to where its options are read: `viv serve ...` as cli.ts's main reads it (the
 * options of serve). Only for what is decided without waiting (not --version, which reads
 * package.json): stdout and stderr are taken for the call alone, which returns before anything
 * else in this process can run (so no test runner output is caught).
 */
export async function readArgs(argv: string[]): Promise<Refusal> {
  const serving = argv[0] === 'serve';
  const out = { stdout: '', stderr: '' };
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((text: string) => ((out.stdout += text), true)) as typeof write.stdout;
  process.stderr.write = ((text: string) => ((out.stderr += text), true)) as typeof write.stderr;
  let line: ReturnType<typeof readCommandLine>;
  try {
    // An async function: what it does before its first await (all of a refusal) is done here.
    line = readCommandLine(serving ? argv.slice(1) : argv, serving);
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
  const read = await line;
  return { status: typeof read === 'number' ? read : undefined, ...out };
}

/**
 * `viv jupyter ARGS` (src/session/jupyter/main.ts, as cli.ts calls it) up to a refusal, in this
 * process as readArgs reads `viv`'s: the exit status and what it wrote. Only for command lines it
 * refuses before it waits for anything (its options, the connection file it reads first); one it
 * accepts goes on to run a kernel.
 */
export async function readJupyterArgs(argv: string[]): Promise<Refusal> {
  const { jupyterMain } = await import('../../src/session/jupyter/main.ts');
  const out = { stdout: '', stderr: '' };
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((text: string) => ((out.stdout += text), true)) as typeof write.stdout;
  process.stderr.write = ((text: string) => ((out.stderr += text), true)) as typeof write.stderr;
  let status: Promise<number>;
  try {
    // An async function: what it does before its first await (all of a refusal) is done here.
    status = jupyterMain(argv);
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
  return { status: await status, ...out };
}
