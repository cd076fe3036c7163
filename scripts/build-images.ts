// `npm run images`: builds the shipped example images from examples/ (ledger, life, music), each
// by running the example's entries through the engine into images/NAME.json and saving it.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openSession } from '../src/session/open-session.ts';
import { EntryReader } from '../src/session/compile/entry-reader.ts';
import { stdlibEntries } from '../src/session/stdlib.ts';
import { openStore } from '../src/session/store/store.ts';

export const SHIPPED = ['ledger', 'life', 'music'];
const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

for (const name of SHIPPED) {
  const image = root(`images/${name}.json`);
  for (const suffix of ['', '.journal']) rmSync(image + suffix, { force: true });
  const engine = await openSession({ store: await openStore(image), prelude: stdlibEntries() });
  const reader = new EntryReader();
  const lines = readFileSync(root(`examples/${name}.ts`), 'utf8').split('\n');
  let failures = 0;
  for (const line of [...lines, '']) {
    const entry = reader.push(line);
    if (entry === undefined) continue;
    const result = await engine.submit(entry.text, entry.analysis);
    if (!result.ok && name !== 'transactions') failures++;
  }
  const saved = await engine.save();
  await engine.close();
  process.stdout.write(
    `${saved.path}: ${saved.bytes} bytes${failures ? `, ${failures} failed entries` : ''}\n`,
  );
}
