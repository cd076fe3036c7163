// OSC out: the guest says what to send and when; the host encodes it (with osc-min) and sends it
// over UDP as a bundle timestamped ahead of time, as SuperCollider clients and TidalCycles do. A
// message sent from a tick is stamped with that tick's due time (exactly on the grid, however late
// the tick ran) plus the latency, so the synth plays it on time.
import type { OscArg, OscMessage } from '../../shared/types.ts';
import type { GuestNotice } from '../../shared/notices.ts';
import type { ProcessTable } from './processes.ts';

const pending: OscMessage[] = [];

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
  if (typeof address !== 'string' || !address.startsWith('/')) {
    throw new TypeError(
      `sendOSC: the address must be a string starting with /, not ${String(address)}`,
    );
  }
  const list = args === undefined ? [] : args;
  if (!Array.isArray(list)) throw new TypeError(`sendOSC(${address}, args): args must be an array`);
  const o = (options ?? {}) as OscOptions;
  const host = o.host ?? OSC_DEFAULTS.host;
  const port = o.port ?? OSC_DEFAULTS.port;
  const latency = o.latency ?? OSC_DEFAULTS.latency;
  if (typeof host !== 'string' || host === '')
    throw new TypeError('sendOSC: host must be a string');
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
  const at = o.at ?? processes.tickTime ?? processes.now();
  if (typeof at !== 'number' || !Number.isFinite(at))
    throw new TypeError('sendOSC: at must be a time in ms');
  const message: OscMessage = {
    host,
    port,
    time: processes.hostTime(at) + latency * 1000,
    address,
    args: list.map((arg, i) => oscArg(address, arg, i)),
  };
  if (pending.length === 0) {
    // One crossing to the host for everything sent in this turn (a tick, an entry).
    Promise.resolve().then(() => send({ type: 'osc', messages: pending.splice(0) }));
  }
  pending.push(message);
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
