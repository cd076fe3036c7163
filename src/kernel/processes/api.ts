// The guest's API for processes: spawn, stop, restart, forget, processes, and the `vivarium`
// namespace, installed on the global object.
import type { ProcessTable } from './processes.ts';
import { safe, Object, defineProperty, globalObject } from '../primordials.ts';

/** The guest API: spawn, stop, restart, forget, processes, and the `vivarium` namespace. */
export function installProcessApi(table: ProcessTable, extra: Record<string, Function> = {}): void {
  const api: Record<string, Function> = {
    spawn: (name: unknown, options: unknown) => table.spawn(name, options),
    stop: (name: unknown) => table.stop(name),
    restart: (name: unknown) => table.restart(name),
    processes: () => table.list(),
    forget: (name: unknown) => table.forget(name),
  };
  const namespace = { now: () => table.now(), ...api, ...extra };
  for (const pair of safe(Object.entries(api))) {
    const name = pair[0];
    const value = pair[1];
    defineProperty(globalObject, name, { value, writable: true, configurable: true });
  }
  defineProperty(globalObject, 'vivarium', {
    value: Object.freeze(namespace),
    writable: true,
    configurable: true,
  });
}
