// Quitting while processes play, then reopening: every tick is heard exactly once, and its state
// changes are kept (the final save pauses the processes' clock before it takes the snapshot). A
// real UDP receiver counts what was sent; the image is large enough that writing its snapshot takes
// many periods of the process, so a tick that ran during it would be heard twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from './helpers.ts';
import { session, shown, until } from './support/session.ts';
import { oscReceiver } from './support/osc-receiver.ts';

test('quit while a process plays, then reopen: each tick number is heard once, state kept', async () => {
  const dir = tempDir();
  const rx = await oscReceiver();
  const image = join(dir.path, 'quit.json');
  try {
    await session(
      [
        'const big = once(Array.from({ length: 200_000 }, (_, i) => ({ i, s: "x" + i })))',
        `const out = once(new OscOut({ port: ${rx.port}, latency: 0.05 }))`,
        "function beat(s, t) { s.count++; out.send('/tick', [t.n, s.count]) }",
        "const st = spawn('p', { every: 2, step: beat, state: { count: 0 } })",
        until('st.count >= 20'),
      ],
      { image },
    );
    const atQuit = rx.events.length;
    const second = await session(
      [until(`st.count >= ${atQuit + 20}`), 'JSON.stringify([st.count, processes()[0].ticks])'],
      { image },
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last datagrams, on loopback
    const heard = rx.events.filter((e) => e.address === '/tick').map((e) => e.args as number[]);
    const numbers = heard.map(([n]) => n!);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i),
      'tick numbers 0, 1, 2, ... each heard once, none doubled or lost across quit and reopen',
    );
    // Each tick saw the state every tick before it left: the count it sent is its number + 1.
    assert.deepEqual(
      heard.map(([, count]) => count),
      numbers.map((n) => n + 1),
    );
    const [count, ticks] = JSON.parse(shown(second)[1]!.slice(1, -1)) as number[];
    assert.ok(count! >= atQuit + 20);
    assert.equal(ticks, count, 'the tick counter and the state agree');
  } finally {
    await rx.close();
    dir.remove();
  }
});
