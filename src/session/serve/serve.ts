// `viv serve [IMAGE]`: what the CLI adds to an opened image to serve it. The options are checked
// and the token made before the image opens (a bad flag costs nothing); the socket opens once
// the image is open, and closes, telling every client, before the final save.
import type { Engine } from '../engine/engine.ts';
import { existsSync } from 'node:fs';
import { AddressError, addressFile, defaultSocket, formatAddress, parseListen } from './address.ts';
import type { Address } from './address.ts';
import { Server } from './server.ts';
import { ensureToken, tokenPath } from './token.ts';

export const SERVE_USAGE = `  viv serve [IMAGE] [options]   run IMAGE headless, reachable by viv attach (logs on stderr;
                                SIGTERM or Ctrl-C saves it and stops)
    --listen HOST:PORT          listen on loopback TCP (port 0: any free one, printed) instead of
                                the Unix socket IMAGE.sock; the token is in IMAGE.token (0600)
    --listen-anywhere           allow a --listen address that is not loopback
    --hello-timeout MS          drop a connection that has not said hello by then (default 10000)
    --max-waiting N             connections waiting to say hello at once (default 16)
  viv attach [IMAGE | ADDRESS]  the REPL on a served image (viv attach --help)`;

export interface ServeFlags {
  /** `--listen` (checked by `listenFlag` before the image opens); absent: the Unix socket. */
  address?: Address;
  helloTimeoutMs?: number;
  maxWaiting?: number;
}

/** `--listen` and `--listen-anywhere`; throws with what is wrong. */
export function listenFlag(listen: string | undefined, anywhere: boolean): Address | undefined {
  if (anywhere && !listen) throw new AddressError('--listen-anywhere goes with --listen HOST:PORT');
  return listen === undefined ? undefined : parseListen(listen, anywhere);
}

/** The server for `image` (not listening yet); makes its token on the first serve. */
export function prepareServe(image: string, flags: ServeFlags): Server {
  const address = flags.address ?? ({ kind: 'unix', path: defaultSocket(image) } as const);
  const token = ensureToken(tokenPath(image));
  return new Server({
    image,
    address,
    token,
    ...(flags.helloTimeoutMs !== undefined ? { helloTimeoutMs: flags.helloTimeoutMs } : {}),
    ...(flags.maxWaiting !== undefined ? { maxWaiting: flags.maxWaiting } : {}),
    log: (text) => process.stderr.write(`viv: ${text}\n`),
  });
}

/** Serves until `stopped` (a signal) resolves; then closes the socket. Resolves to the status. */
export async function serveUntil(
  server: Server,
  engine: Engine,
  stopped: Promise<void>,
): Promise<number> {
  let address;
  try {
    address = await server.listen(engine);
  } catch (error) {
    server.options.log(`cannot listen: ${(error as Error).message}`);
    return 2;
  }
  server.options.log(
    `serving ${server.options.image} on ${formatAddress(address)} (token in ${tokenPath(server.options.image)}); viv attach ${server.options.image}`,
  );
  await stopped;
  await server.close('the image is being saved and closed');
  return 0;
}

/** When `image` is being served (its address file is there): how to reach it instead. */
export function servedHint(image: string): string | undefined {
  if (!existsSync(addressFile(image))) return undefined;
  return `it is being served: viv attach ${image} reaches it (the REPL, or --batch)`;
}
