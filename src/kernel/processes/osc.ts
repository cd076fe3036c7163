// OSC out: the guest says what to send and when; the host encodes it (with osc-min) and sends it
// over UDP as a bundle timestamped ahead of time, as SuperCollider clients and TidalCycles do. A
// message sent from a tick is stamped with that tick's due time (exactly on the grid, however late
// the tick ran) plus the latency, so the synth plays it on time.
import type { OscArg, OscMessage } from '../../shared/types.ts';
import type { GuestNotice } from '../../shared/notices.ts';
import type { ProcessTable } from './processes.ts';
import { Array, JSON, Math, Number, Promise, String, TypeError } from '../primordials.ts';
import { $map, $push, $slice, $splice, $test, $then } from '../primordials-methods.ts';

const pending: OscMessage[] = [];
/** At most this many messages leave in one turn (a tick, an entry); the rest are dropped, counted. */
export const OSC_TURN_BUDGET = 4096;
let dropped = 0;

/** A host name or an IP address (v4, or v6 in its usual forms): nothing the socket would choke on. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]{2,45})$/;
/** An OSC address: "/" then printable ASCII without spaces, '#', ',' or NUL. */
const ADDRESS = /^\/[!-~]*$/;

/** Validates an OSC destination (also used by the stdlib's OscOut, at construction). */
export function checkOscHost(host: unknown, where: string): string {
  if (typeof host !== 'string' || host.length > 253 || !$test(HOST, host)) {
    throw new TypeError(
      `${where}: host must be a host name or an IP address, not ${$slice(JSON.stringify(String(host)), 0, 80)}`,
    );
  }
  return host;
}

export const OSC_DEFAULTS = { host: '127.0.0.1', port: 57120, latency: 0.1 };

export interface OscOptions {
  host?: string;
  port?: number;
  /** Seconds ahead of the logical time at which the bundle is due. */
  latency?: number;
  /** Logical time in ms (default: the running tick's due time, else now). */
  at?: number;
}

export function sendOsc(
  processes: ProcessTable,
  send: (notice: GuestNotice) => void,
  address: unknown,
  args: unknown,
  options: unknown = {},
): void {
  if (typeof address !== 'string' || !$test(ADDRESS, address) || $test(/[#,]/, address)) {
    throw new TypeError(
      `sendOSC: the address must be a string like /dirt/play (a "/" and printable characters, no spaces), not ${$slice(JSON.stringify(String(address)), 0, 80)}`,
    );
  }
  const list = args === undefined ? [] : args;
  if (!Array.isArray(list)) throw new TypeError(`sendOSC(${address}, args): args must be an array`);
  const o = (options ?? {}) as OscOptions;
  const host = o.host ?? OSC_DEFAULTS.host;
  const port = o.port ?? OSC_DEFAULTS.port;
  const latency = o.latency ?? OSC_DEFAULTS.latency;
  checkOscHost(host, 'sendOSC');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`sendOSC: port must be a whole number 1..65535, not ${String(port)}`);
  }
  if (typeof latency !== 'number' || !(latency >= 0)) {
    throw new TypeError(
      `sendOSC: latency must be a number of seconds >= 0, not ${String(latency)}`,
    );
  }
  // Opening an image replays entries quietly: they make no sound either.
  if (processes.paused) return;
  processes.sentOsc();
  const at = o.at ?? processes.tickTime ?? processes.now();
  if (typeof at !== 'number' || !Number.isFinite(at))
    throw new TypeError('sendOSC: at must be a time in ms');
  const message: OscMessage = {
    host,
    port,
    time: processes.hostTime(at) + latency * 1000,
    address,
    args: $map(list, (arg, i) => oscArg(address, arg, i)),
  };
  if (pending.length === 0 && dropped === 0) {
    // One crossing to the host for everything sent in this turn (a tick, an entry).
    $then(Promise.resolve(), () => flushOsc(send));
  }
  if (pending.length >= OSC_TURN_BUDGET) dropped++;
  else $push(pending, message);
}

/** Hands what this turn sent to the host now (and says how many were dropped). */
export function flushOsc(send: (notice: GuestNotice) => void): void {
  if (dropped) {
    const text = `OSC: ${dropped} message${dropped === 1 ? '' : 's'} dropped (at most ${OSC_TURN_BUDGET} leave in one tick or entry)`;
    send({ type: 'print', stream: 'err', text });
    dropped = 0;
  }
  if (pending.length) send({ type: 'osc', messages: $splice(pending, 0) });
}

function oscArg(address: string, arg: unknown, index: number): OscArg {
  switch (typeof arg) {
    case 'number':
      return {
        type: Number.isInteger(arg) && Math.abs(arg) < 2 ** 31 ? 'integer' : 'float',
        value: arg,
      };
    case 'string':
      return { type: 'string', value: arg };
    case 'boolean':
      return { type: arg ? 'true' : 'false' };
    case 'object':
      if (arg !== null) {
        const { type, value } = arg as { type?: unknown; value?: unknown };
        if (type === 'float' || type === 'integer') {
          if (typeof value === 'number') return { type, value };
        } else if (type === 'string' && typeof value === 'string') return { type, value };
      }
  }
  throw new TypeError(
    `sendOSC(${address}): argument ${index} must be a number, string, boolean or { type: 'float' | 'integer' | 'string', value }`,
  );
}
