// Loading the terminal UI (ink, React, yoga) without waking Node's fetch. yoga-layout, ink's layout
// engine, asks `typeof fetch` while it instantiates its WebAssembly; in Node that first touch of the
// global `fetch` loads undici (about 40 ms of CPU at every start of the REPL) for a fetch yoga then
// does not make: its WebAssembly is inline, and without a fetch it decodes it in place.

/** The UI's module, imported while `globalThis.fetch` is hidden (and then put back as it was). */
export async function loadUi(): Promise<typeof import('./run-ui.ts')> {
  const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!fetch?.configurable) return import('./run-ui.ts');
  Object.defineProperty(globalThis, 'fetch', {
    value: undefined,
    configurable: true,
    writable: true,
  });
  try {
    return await import('./run-ui.ts');
  } finally {
    Object.defineProperty(globalThis, 'fetch', fetch);
  }
}
