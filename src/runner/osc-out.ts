// OSC out over UDP: each message in a bundle timestamped with its time (host milliseconds mapped
// to NTP), encoded with osc-min. The epoch at host time 0 is fixed, so timetags keep the exact
// spacing of the grid whatever the wall clock does.
import type { Socket } from 'node:dgram';
import { toBuffer } from 'osc-min';
import type { OscMessage } from '../shared/types.ts';

const EPOCH_AT_ZERO = performance.timeOrigin;
const NTP_EPOCH_OFFSET = 2208988800;

export class OscOut {
  #socket: Socket | undefined;
  readonly #onError: (message: string) => void;

  constructor(onError: (message: string) => void) {
    this.#onError = onError;
  }

  send(message: OscMessage): void {
    const seconds = (EPOCH_AT_ZERO + message.time) / 1000;
    const whole = Math.floor(seconds);
    const fraction = Math.min(2 ** 32 - 1, Math.round((seconds - whole) * 2 ** 32));
    const packet = toBuffer({
      timetag: [whole + NTP_EPOCH_OFFSET, fraction],
      elements: [{ address: message.address, args: message.args as never }],
    });
    if (!this.#socket) {
      // (node:dgram is taken on the first message: most runners never send one.)
      this.#socket = process.getBuiltinModule('node:dgram').createSocket('udp4');
      this.#socket.on('error', (error) => this.#onError(`OSC: ${error.message}`));
      this.#socket.unref();
    }
    const bytes = new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength);
    this.#socket.send(bytes, message.port, message.host);
  }

  close(): void {
    this.#socket?.close();
    this.#socket = undefined;
  }
}
