// OSC out: where a sketch sends its events. The bundles leave ahead of time, stamped with the time
// they should sound (the tick's place on the grid plus `latency`), as SuperCollider clients and
// TidalCycles send them, so a late tick still sounds on time.

/**
 * An OSC destination: `const out = once(new OscOut())` sends to SuperCollider's language
 * (sclang, where SuperDirt listens) on 127.0.0.1:57120 with 100 ms of latency;
 * `new OscOut({ port: 57110 })` talks to scsynth directly.
 */
class OscOut {
  host: string;
  port: number;
  /** Seconds between an event's logical time and the timetag of its bundle. */
  latency: number;

  constructor({
    host = '127.0.0.1',
    port = 57120,
    latency = 0.1,
  }: { host?: string; port?: number; latency?: number } = {}) {
    if (
      typeof host !== 'string' ||
      !/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]{2,45})$/.test(
        host,
      )
    ) {
      throw new TypeError(
        `OscOut: host must be a host name or an IP address, not ${JSON.stringify(String(host))}`,
      );
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`OscOut: port must be a whole number 1..65535, got ${port}`);
    }
    if (typeof latency !== 'number' || !(latency >= 0)) {
      throw new RangeError(`OscOut: latency must be a number of seconds >= 0, got ${latency}`);
    }
    this.host = host;
    this.port = port;
    this.latency = latency;
  }

  /**
   * Sends one message in a bundle. From a process's tick it is stamped with the tick's due time;
   * `at` (logical ms, e.g. `clock.timeAt(beat + 0.5)`) places it elsewhere on the grid. Whole
   * numbers go as int32, other numbers as float32; `{ type: 'float', value: 1 }` forces a type.
   */
  send(address: string, args: unknown[] = [], { at }: { at?: number } = {}) {
    (globalThis as any).vivarium.sendOSC(address, args, {
      host: this.host,
      port: this.port,
      latency: this.latency,
      at,
    });
  }

  /** A SuperDirt event: `out.dirt({ s: 'bd', n: 1, gain: 1.2 })` sends `/dirt/play s bd n 1 ...`. */
  dirt(params: Record<string, string | number>, at?: number) {
    const args: unknown[] = [];
    for (const [key, value] of Object.entries(params)) args.push(key, value);
    this.send('/dirt/play', args, { at });
  }
}
