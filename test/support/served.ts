// A served image for tests: `viv serve` in a child process (the real CLI), or served from the
// test's own process (serveHere), raw sockets for peers that misbehave, and waits that poll a
// condition (never a time).
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { startCli } from '../helpers.ts';
import { connect } from '../../src/session/serve/client.ts';
import type { RemoteSession } from '../../src/session/serve/client.ts';
import { prepareServe } from '../../src/session/serve/serve.ts';
import type { ServeFlags } from '../../src/session/serve/serve.ts';
import type { Server } from '../../src/session/serve/server.ts';
import { formatAddress } from '../../src/session/serve/address.ts';
import { openSession } from '../../src/session/open-session.ts';
import { InProcessGuest } from '../../src/session/guest/in-process.ts';
import { openStore } from '../../src/session/store/store.ts';
import { validateRecord } from '../../src/session/engine/journal-records.ts';
import { stdlibEntries } from '../../src/session/stdlib.ts';

export interface Served {
  child: ReturnType<typeof startCli>['child'];
  address: string;
  token: string;
  stderr: () => string;
  closed: Promise<number | null>;
}

/** `viv serve IMAGE ...args`, once it says where it listens. */
export async function serve(image: string, args: string[] = []): Promise<Served> {
  const cli = startCli(['serve', image, ...args]);
  let stderr = '';
  cli.child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const address = await until(
    () => {
      if (cli.child.exitCode !== null) throw new Error(`viv serve exited: ${stderr}`);
      return / on (\S+) \(token in /.exec(stderr)?.[1];
    },
    () => stderr,
  );
  return {
    child: cli.child,
    address,
    token: readFileSync(`${image}.token`, 'utf8').trim(),
    stderr: () => stderr,
    closed: cli.closed,
  };
}

/**
 * Polls `probe` until it gives a value. The deadline only keeps a broken test from hanging: it is
 * far past what any wait takes, however loaded the machine (the test runner's own is 120 s).
 */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  context = () => '',
): Promise<T> {
  const deadline = Date.now() + 110_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`never happened; ${context()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function stop(served: Served): Promise<number | null> {
  served.child.kill('SIGTERM');
  return served.closed;
}

/** An entry's value (or its error) through a client. */
export async function value(session: RemoteSession, text: string): Promise<string | undefined> {
  const result = await session.submit(text);
  return result.ok ? result.value : `!${result.error?.name}: ${result.error?.message}`;
}

/** A raw socket to the server: lines it received, parsed. */
export function raw(address: string) {
  const socket: Socket = address.startsWith('unix:')
    ? netConnect(address.slice('unix:'.length))
    : netConnect({ host: address.split(':')[0], port: Number(address.split(':')[1]) });
  const received: Record<string, unknown>[] = [];
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      received.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
      buffer = buffer.slice(nl + 1);
    }
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return {
    socket,
    received,
    closed,
    connected: new Promise<void>((resolve) => socket.once('connect', () => resolve())),
    /** The n-th message received (0-based), once it has come. */
    message: (n: number) => until(() => received[n]),
  };
}

/** A good client still gets answers and the image still holds `probe`'s value. */
export async function stillServes(
  served: { address: string; token: string },
  probe: string,
  expected: string,
): Promise<void> {
  const session = await connect(served.address, served.token);
  try {
    assert.equal(await value(session, probe), expected);
  } finally {
    await session.close();
  }
}

/** A named step (for a readable failure). */
export async function t(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    (error as Error).message = `${name}: ${(error as Error).message}`;
    throw error;
  }
}

/**
 * IMAGE served from this process: the engine (its isolate in process) on the image, and the
 * server `viv serve` makes for it (prepareServe: its socket, token and address file), for a test
 * whose subject is what a client or `viv attach` finds, not the `viv serve` process. `stop` closes
 * the server and saves the image, as `viv serve` does when it is stopped. `flags`: what viv serve's
 * options make of --hello-timeout and --max-waiting (none by default).
 */
export async function serveHere(image: string, flags: ServeFlags = {}) {
  const store = await openStore(image, { validate: validateRecord });
  const log: string[] = [];
  let server: Server | undefined;
  const engine = await openSession({
    guest: InProcessGuest.start,
    prelude: stdlibEntries(),
    store,
    onPrint: (stream, text) => server?.print(stream, text),
    onProcess: ({ message, offer }) => server?.notice(message, offer),
    onRevive: (message) => server?.notice(message),
  });
  try {
    server = prepareServe(store.path, flags);
    // Its log in the test's hands (viv serve writes it on stderr).
    (server.options as { log: (text: string) => void }).log = (text) => log.push(text);
    const address = formatAddress(await server.listen(engine));
    return {
      address,
      // The token the server takes (read from IMAGE.token, or made there).
      token: server.options.token,
      log,
      stop: async () => {
        await server!.close('the image is being saved and closed');
        await engine.saveOnQuit();
        await engine.close();
      },
    };
  } catch (error) {
    await engine.close();
    throw error;
  }
}
