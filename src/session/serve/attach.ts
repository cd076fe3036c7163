// `viv attach [IMAGE | ADDRESS]`: the terminal REPL (or, with --batch, batch mode) on a served
// image. The same App as `viv IMAGE`, on a RemoteSession instead of an in-process Engine.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { chooseImage } from '../image-path.ts';
import { printedLine, runBatch } from '../batch.ts';
import type { Printer } from '../../ui/printer.ts';
import { looksLikeAddress, resolveTarget } from './address.ts';
import { connect } from './client.ts';
import type { RemoteSession } from './client.ts';
import { readToken } from './token.ts';
import { loadUi } from '../../ui/load-ui.ts';

export const ATTACH_USAGE = `usage: viv attach [IMAGE | ADDRESS] [options]

  IMAGE              a served image (default: the default image); its address and token are
                     read from IMAGE.address and IMAGE.token beside it
  ADDRESS            HOST:PORT, or unix:PATH (a socket)
  --token-file FILE  the token (64 hex digits, a file only its owner can read)
  --batch            entries from standard input, as viv --batch
  --json             with --batch: one JSON object per entry, and one per line printed
  -h, --help         this text`;

export async function attachMain(argv: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'token-file': { type: 'string' },
        batch: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(ATTACH_USAGE + '\n');
    return 0;
  }
  if (positionals.length > 1) return usage(`unexpected arguments: ${positionals.join(' ')}`);
  if (values.json && !values.batch) return usage('--json needs --batch');
  const batch = values.batch || !process.stdin.isTTY;
  let session: RemoteSession;
  try {
    session = await connectTo(positionals[0], values['token-file']);
  } catch (error) {
    process.stderr.write(`viv: ${(error as Error).message}\n`);
    return 2;
  }
  let status: number;
  try {
    status = batch ? await attachBatch(session, values.json) : await attachTerminal(session);
  } catch (error) {
    session.destroy();
    throw error;
  }
  if (session.connected) {
    await session.close();
    return status;
  }
  // The server went away (it stopped, or dropped this client): say why, and fail.
  say(await session.closed);
  return status || 1;
}

async function attachBatch(session: RemoteSession, json: boolean): Promise<number> {
  session.on('print', (stream, text) => {
    if (json) process.stdout.write(printedLine(stream, text) + '\n');
    else (stream === 'err' ? process.stderr : process.stdout).write(text + '\n');
  });
  session.on('notice', (text) => say(text));
  return runBatch(session, {
    json,
    input: process.stdin,
    output: process.stdout,
    stopped: session.closed.then(() => {}),
  });
}

async function attachTerminal(session: RemoteSession): Promise<number> {
  const printer: Printer = { print: (text) => process.stdout.write(text + '\n') };
  session.on('print', (_stream, text) => printer.print(text));
  session.on('notice', (text, offer) => {
    printer.print(text);
    if (offer) printer.offer?.(offer);
  });
  session.on('progress', (progress) => printer.progress?.(progress));
  session.on('changed', (client, names) =>
    printer.print(`· client ${client} defined ${names.join(', ')}`),
  );
  printer.print(
    `attached to ${session.image} (${session.address}) as client ${session.client}; :quit or Ctrl-D detaches`,
  );
  const { runUi } = await loadUi();
  const colors = process.stdout.hasColors?.() === true;
  await runUi(session, printer, { colors, until: session.closed });
  return 0;
}

function say(text: string): void {
  process.stderr.write(`viv: ${text}\n`);
}

/**
 * Connects to what `viv attach TARGET` names: a served image (its address and token beside it;
 * none: the default image) or an address with `tokenFile`. For any client (a notebook too).
 */
export async function connectTo(target?: string, tokenFile?: string): Promise<RemoteSession> {
  // An image is named as for `viv IMAGE` (a shipped one's copy is what `viv serve` served).
  const isAddress = target !== undefined && looksLikeAddress(target);
  const where = isAddress ? target : resolve(chooseImage(target, { batch: false }).path!);
  const found = resolveTarget(where, tokenFile);
  return connect(found.address, readToken(found.tokenFile));
}

function usage(message: string): number {
  process.stderr.write(`viv: ${message}\n\n${ATTACH_USAGE}\n`);
  return 2;
}
