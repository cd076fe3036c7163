// A real UDP receiver on loopback that decodes the OSC bundles Vivarium sends.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { fromBuffer } from 'osc-min';

export interface OscEvent {
  /** The bundle's timetag in epoch milliseconds. */
  at: number;
  address: string;
  args: unknown[];
}

export async function oscReceiver() {
  const socket = createSocket('udp4');
  const events: OscEvent[] = [];
  socket.on('message', (bytes) => {
    const packet = fromBuffer(bytes);
    assert.equal(packet.oscType, 'bundle', 'every message comes in a timestamped bundle');
    if (packet.oscType !== 'bundle') return;
    const [seconds, fraction] = packet.timetag;
    const at = (seconds - 2208988800) * 1000 + (fraction / 2 ** 32) * 1000;
    for (const element of packet.elements) {
      if (element.oscType !== 'message') continue;
      events.push({ at, address: element.address, args: element.args.map((a) => a.value) });
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: (socket.address() as AddressInfo).port,
    events,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** SuperDirt's arguments are name, value pairs. */
export function dirtParams(event: OscEvent): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (let i = 0; i + 1 < event.args.length; i += 2)
    params[String(event.args[i])] = event.args[i + 1];
  return params;
}
