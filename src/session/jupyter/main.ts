// `viv jupyter ...`: the kernel (`--connection-file F`, started by Jupyter from the kernelspec)
// and `viv jupyter install` (writes the kernelspec).
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { openStore } from '../store/store.ts';
import type { Store } from '../engine/options.ts';
import { validateRecord } from '../engine/journal-records.ts';
import { chooseImage, makeCopy } from '../image-path.ts';
import { stdlibEntries } from '../stdlib.ts';
import { openEngineBackend } from './backend.ts';
import { readConnectionFile } from './connection.ts';
import { installKernelSpec } from './install.ts';
import { JupyterKernel } from './kernel.ts';
import { remoteBackend } from './remote-backend.ts';
import { connectTo } from '../serve/attach.ts';
import { looksLikeAddress } from '../serve/address.ts';

export const JUPYTER_USAGE = `usage: viv jupyter install [--user | --prefix DIR] [--image IMAGE] [--name NAME]
                           [--memory MB] [--timeout MS] [--autosave S]
       viv jupyter --connection-file FILE [--image IMAGE] [--memory MB] [--timeout MS]
       viv jupyter --attach [IMAGE | ADDRESS] [--token-file F] --connection-file FILE

  install            register the kernelspec "Vivarium (TypeScript)": in the user's Jupyter data
                     directory ($JUPYTER_DATA_DIR, or ~/.local/share/jupyter), or under
                     DIR/share/jupyter with --prefix. --image: the kernel opens that image
                     (default: the REPL's default image); --name: the kernelspec's name
                     (default vivarium), to install one per image
  --connection-file  run the kernel (Jupyter starts it so, from the kernelspec)
  --image IMAGE      the image the kernel opens, as \`viv IMAGE\`
  --attach TARGET    drive an image served by \`viv serve\` (as \`viv attach TARGET\`: an image
                     with its address and token beside it, or HOST:PORT / unix:PATH with
                     --token-file F); with install, written into the kernelspec
  --memory MB, --timeout MS, --autosave S
                     as for \`viv\`; with install, written into the kernelspec`;

export async function jupyterMain(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'connection-file': { type: 'string' },
        image: { type: 'string' },
        attach: { type: 'string' },
        'token-file': { type: 'string' },
        memory: { type: 'string' },
        timeout: { type: 'string' },
        autosave: { type: 'string' },
        user: { type: 'boolean', default: false },
        prefix: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(JUPYTER_USAGE + '\n');
    return 0;
  }
  if (positionals[0] === 'install') {
    if (positionals.length > 1) return usage(`unexpected arguments: ${positionals.join(' ')}`);
    if (values.user && values.prefix) return usage('give --user or --prefix, not both');
    if (values['connection-file']) return usage('install takes no --connection-file');
    if (values.attach !== undefined && values.image) {
      return usage('give --attach or --image, not both');
    }
    const kernelArgs: string[] = [];
    if (values.attach !== undefined) {
      kernelArgs.push('--attach', attachTarget(values.attach));
      if (values['token-file']) kernelArgs.push('--token-file', resolve(values['token-file']));
    }
    for (const [flag, value, min] of [
      ['--memory', values.memory, 16],
      ['--timeout', values.timeout, 1],
      ['--autosave', values.autosave, 0],
    ] as const) {
      if (value === undefined) continue;
      const checked = whole(flag, value, 0, min);
      if (typeof checked === 'string') return usage(checked);
      kernelArgs.push(flag, value);
    }
    try {
      const dir = installKernelSpec({
        prefix: values.prefix,
        image: values.image,
        name: values.name,
        kernelArgs,
      });
      process.stdout.write(`installed the kernelspec in ${dir}\n`);
      return 0;
    } catch (error) {
      process.stderr.write(`viv jupyter install: ${(error as Error).message}\n`);
      return 2;
    }
  }
  if (positionals.length > 0) return usage(`unknown subcommand: ${positionals.join(' ')}`);
  if (values.user || values.prefix || values.name) {
    return usage('--user, --prefix and --name go with `viv jupyter install`');
  }
  if (values.attach !== undefined) {
    if (values.image) return usage('give --attach or --image, not both');
    const connectionFile = values['connection-file'];
    if (!connectionFile) return usage('the kernel needs --connection-file FILE (or use install)');
    try {
      const connection = readConnectionFile(connectionFile);
      const session = await connectTo(values.attach || undefined, values['token-file']);
      process.stderr.write(`viv jupyter: attached to ${session.image} at ${session.address}\n`);
      await JupyterKernel.run(connection, remoteBackend(session), { parentPid: process.ppid });
      return 0;
    } catch (error) {
      process.stderr.write(`viv jupyter: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const connectionFile = values['connection-file'];
  if (!connectionFile) return usage('the kernel needs --connection-file FILE (or use install)');
  const memoryMB = whole('--memory', values.memory, 512, 16);
  const timeoutMs = whole('--timeout', values.timeout, 0, 1);
  const autosave = whole('--autosave', values.autosave, 60, 0);
  for (const value of [memoryMB, timeoutMs, autosave]) {
    if (typeof value === 'string') return usage(value);
  }

  // Whoever started the kernel (Jupyter's kernel manager); the kernel ends when it is gone.
  const parentPid = process.ppid;
  let store: Store | undefined;
  try {
    const connection = readConnectionFile(connectionFile);
    const choice = chooseImage(values.image, { batch: false });
    if (choice.notice) {
      makeCopy(choice);
      process.stderr.write(`viv: ${choice.notice}\n`);
    }
    store = await openStore(resolve(choice.path!), { validate: validateRecord });
    process.stderr.write(`viv jupyter: opening ${store.path}\n`);
    const backend = await openEngineBackend({
      memoryMB: memoryMB as number,
      timeoutMs: timeoutMs as number,
      store,
      prelude: stdlibEntries(),
      autosaveSeconds: autosave as number,
    });
    store = undefined; // the backend owns it now
    await JupyterKernel.run(connection, backend, { parentPid });
    return 0;
  } catch (error) {
    await store?.close().catch(() => {});
    process.stderr.write(`viv jupyter: ${(error as Error).message}\n`);
    return 2;
  }
}

function whole(flag: string, value: string | undefined, fallback: number, min: number) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    return `${flag} needs a whole number of at least ${min}, not "${value}"`;
  }
  return n;
}

function usage(message: string): number {
  process.stderr.write(`viv jupyter: ${message}\n\n${JUPYTER_USAGE}\n`);
  return 2;
}

/** An image path is made absolute for the kernelspec; an address is kept as given. */
function attachTarget(target: string): string {
  return looksLikeAddress(target) || target === '' ? target : resolve(target);
}
