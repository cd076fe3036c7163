// Test support for driving SuperCollider's synth server (scsynth) over OSC/UDP.
//
// Recipe (Debian 12, supercollider-server 3.13 is a JACK-only build):
//   JACK_NO_AUDIO_RESERVATION=1 jackd -n NAME --no-realtime -t 2000 -d dummy -r 48000 -p 256
//   JACK_DEFAULT_SERVER=NAME JACK_NO_START_SERVER=1 scsynth -u PORT -R 0 -D 0 -i 2 -o 2
// The dummy driver needs no sound card; a unique server name keeps parallel runs apart, and
// JACK_NO_START_SERVER stops libjack from auto-starting a default (ALSA) jackd when ours is absent.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  fromBuffer,
  toBuffer,
  type OscMessageOutput,
  type OscPacketInput,
  type OscPacketOutput,
} from 'osc-min';

const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/install-scsynth.sh', import.meta.url));

/** JACK dummy-driver settings. scsynth runs one JACK period (PERIOD_FRAMES / SAMPLE_RATE s) of
 * control blocks at once, so a scheduled command can take effect up to one period early in wall
 * clock terms: tests timing against timetags should allow PERIOD_MS of slack. */
export const SAMPLE_RATE = 48000;
export const PERIOD_FRAMES = 256;
export const PERIOD_MS = (PERIOD_FRAMES / SAMPLE_RATE) * 1000;

export type FindResult = { ok: true } | { ok: false; reason: string };

export interface ScsynthServer {
  /** The UDP port scsynth listens on (127.0.0.1). */
  port: number;
  /** Everything scsynth printed so far (stdout and stderr, interleaved as received). */
  output(): string;
  /** Everything the JACK server printed so far, for diagnosing failures. */
  jackOutput(): string;
  /** Stops scsynth (/quit, then SIGTERM, then SIGKILL) and its JACK server. Idempotent. */
  stop(): Promise<void>;
}

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

const REQUIRED = ['scsynth', 'jackd', 'jack_wait'];
let found: Promise<FindResult> | undefined;

/** Checks that scsynth and jackd are installed, running scripts/install-scsynth.sh (apt) if not.
 * The result is cached for the process. */
export function findOrInstallScsynth(): Promise<FindResult> {
  found ??= Promise.resolve().then((): FindResult => {
    if (REQUIRED.every(onPath)) return { ok: true };
    if (process.platform !== 'linux') {
      return {
        ok: false,
        reason: `scsynth/jackd not on PATH and no installer for ${process.platform}`,
      };
    }
    const r = spawnSync('bash', [INSTALL_SCRIPT], {
      encoding: 'utf8',
      timeout: 240_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.error) return { ok: false, reason: `running ${INSTALL_SCRIPT}: ${r.error.message}` };
    if (r.status !== 0) {
      const last = r.stderr.trim().split('\n').pop() || r.stdout.trim().split('\n').pop();
      return {
        ok: false,
        reason: last || `${INSTALL_SCRIPT} exited with ${r.status ?? r.signal}`,
      };
    }
    const missing = REQUIRED.filter((c) => !onPath(c));
    if (missing.length > 0) {
      return { ok: false, reason: `still not on PATH after install: ${missing.join(', ')}` };
    }
    return { ok: true };
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: whatever happens to the test, don't leave servers behind.

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (await waitExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitExit(child, 5000);
}

function capture(child: ChildProcess): () => string {
  let text = '';
  const add = (d: string) => (text += d);
  child.stdout?.setEncoding('utf8').on('data', add);
  child.stderr?.setEncoding('utf8').on('data', add);
  return () => text;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// OSC over UDP.

function encode(packet: OscPacketInput): Uint8Array {
  const view = toBuffer(packet);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function messagesOf(packet: OscPacketOutput): OscMessageOutput[] {
  return packet.oscType === 'message' ? [packet] : packet.elements.flatMap(messagesOf);
}

export interface Received {
  message: OscMessageOutput;
  /** Date.now() when the datagram arrived. */
  at: number;
}

export interface OscClient {
  /** Sends a message or bundle (a bundle is `{ timetag, elements }`) to scsynth. */
  send(packet: OscPacketInput): void;
  /** Every message received so far (bundles flattened), in order. */
  received: Received[];
  /** The first message received (so far or later) with this address that satisfies `match`. */
  waitFor(
    address: string,
    match?: (m: OscMessageOutput) => boolean,
    timeoutMs?: number,
  ): Promise<Received>;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1 talking to the scsynth on `port`. Replies and, after `/notify 1`,
 * notifications come back to this socket. */
export async function connectOsc(port: number): Promise<OscClient> {
  const socket = dgram.createSocket('udp4');
  const received: Received[] = [];
  const waiters = new Set<(r: Received) => void>();
  socket.on('message', (buf) => {
    const at = Date.now();
    let packet: OscPacketOutput;
    try {
      packet = fromBuffer(buf);
    } catch {
      return; // not OSC: ignore
    }
    for (const message of messagesOf(packet)) {
      const r = { message, at };
      received.push(r);
      for (const w of [...waiters]) w(r);
    }
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let closed = false;
  return {
    received,
    send(packet) {
      socket.send(encode(packet), port, '127.0.0.1');
    },
    waitFor(address, match = () => true, timeoutMs = 5000) {
      const ok = (r: Received) => r.message.address === address && match(r.message);
      const already = received.find(ok);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = (r: Received) => {
          if (!ok(r)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(r);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const got = received.map((r) => r.message.address).join(', ') || 'nothing';
          reject(new Error(`no ${address} from scsynth within ${timeoutMs} ms (got: ${got})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((resolve) => socket.close(() => resolve()));
    },
  };
}

/** A UDP port that was free a moment ago (bind to port 0, read it, close). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Servers.

let serial = 0;

function jackRunning(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      'jack_wait',
      ['-s', name, '-c'],
      { env: { ...process.env, JACK_NO_START_SERVER: '1' }, timeout: 5000 },
      (_err, stdout) => resolve(/^running/m.test(String(stdout))),
    );
  });
}

async function startJack(): Promise<{ name: string; child: ChildProcess; output: () => string }> {
  const name = `viv${process.pid}_${++serial}_${Math.random().toString(36).slice(2, 6)}`;
  const child = spawn(
    'jackd',
    [
      '-n',
      name,
      '--no-realtime',
      // Client timeout (ms): be lenient on a loaded machine rather than evict scsynth.
      '-t',
      '2000',
      '-d',
      'dummy',
      '-r',
      String(SAMPLE_RATE),
      '-p',
      String(PERIOD_FRAMES),
    ],
    {
      // As root there is no D-Bus session to ask for the audio device: skip the reservation.
      env: { ...process.env, JACK_NO_AUDIO_RESERVATION: '1', JACK_NO_START_SERVER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  track(child);
  const output = capture(child);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`could not start jackd: ${spawnError.message}`);
    if (exited(child)) {
      throw new Error(`jackd exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    if (await jackRunning(name)) return { name, child, output };
    await sleep(50);
  }
  await terminate(child, 2000);
  throw new Error(`jackd did not come up within 10 s:\n${output()}`);
}

/** Resolves true once scsynth answers /status, false if it exits or `ms` pass first. */
async function waitReady(child: ChildProcess, port: number, ms: number): Promise<boolean> {
  const client = await connectOsc(port);
  try {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !exited(child)) {
      client.send({ address: '/status' });
      try {
        await client.waitFor('/status.reply', undefined, 100);
        return true;
      } catch {
        // not yet
      }
    }
    return false;
  } finally {
    await client.close();
  }
}

function removeShm(port: number): void {
  // scsynth keeps a shared-memory segment per port; /quit removes it, a kill leaves it behind.
  rmSync(`/dev/shm/SuperColliderServer_${port}`, { force: true });
}

/** Starts a private JACK server (dummy driver) and scsynth on a free UDP port, and waits until
 * scsynth answers /status. */
export async function startScsynth(): Promise<ScsynthServer> {
  const jack = await startJack();
  const failures: string[] = [];
  try {
    // Retry: the port picked can be taken by someone else before scsynth binds it.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freeUdpPort();
      const child = spawn(
        'scsynth',
        ['-u', String(port), '-R', '0', '-D', '0', '-i', '2', '-o', '2'],
        {
          env: { ...process.env, JACK_DEFAULT_SERVER: jack.name, JACK_NO_START_SERVER: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      track(child);
      child.on('error', () => {}); // reported via exit / readiness timeout
      const output = capture(child);
      if (await waitReady(child, port, 15_000)) {
        let stopping: Promise<void> | undefined;
        return {
          port,
          output,
          jackOutput: jack.output,
          stop() {
            stopping ??= (async () => {
              if (!exited(child)) {
                const client = await connectOsc(port);
                client.send({ address: '/quit' });
                await waitExit(child, 2000);
                await client.close();
              }
              await terminate(child, 2000);
              removeShm(port);
              await terminate(jack.child, 3000);
            })();
            return stopping;
          },
        };
      }
      await terminate(child, 2000);
      removeShm(port);
      failures.push(`attempt ${attempt} (port ${port}):\n${output()}`);
      if (exited(jack.child)) break;
    }
  } catch (e) {
    await terminate(jack.child, 3000);
    throw e;
  }
  await terminate(jack.child, 3000);
  throw new Error(
    `scsynth did not answer /status:\n${failures.join('\n')}\njackd output:\n${jack.output()}`,
  );
}
