// isolated-vm, for the runner. Its own entry (`require('isolated-vm')`) finds its native module
// through node-gyp-build, which looks through its prebuilt binaries for this platform, Node and C
// library at every start: ~7 ms of CPU in the runner (Node without its snapshot), where opening the
// file takes 1 ms. The bundle (scripts/bundle.ts) records which file node-gyp-build picked; the
// runner opens it directly, and takes isolated-vm the usual way when there is no such record (run
// from the sources), the file is gone, or it cannot be opened (another Node).
import type IsolatedVm from 'isolated-vm';
import { createRequire } from 'node:module';

declare global {
  interface ImportMeta {
    /** isolated-vm's native module, as node-gyp-build found it when the bundle was built. */
    vivIsolatedVm?: string;
  }
}

function load(): typeof IsolatedVm {
  const file = import.meta.vivIsolatedVm;
  if (file) {
    try {
      const module = { exports: {} as { ivm: typeof IsolatedVm } };
      process.dlopen(module, file);
      return module.exports.ivm;
    } catch {
      // Taken the usual way below.
    }
  }
  return createRequire(import.meta.url)('isolated-vm') as typeof IsolatedVm;
}

const ivm = load();
export default ivm;
