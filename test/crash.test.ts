// Killing the process at any instant loses no accepted entry and never corrupts the image:
// the real CLI is SIGKILLed at random instants (some of them while a large heap is being saved),
// then the image is reopened and every entry whose result was printed must be there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { batch, CLI, tempDir } from './helpers.ts';

const RUNS = 24;

/** Starts the CLI, feeds entries one by one, kills it with SIGKILL after `killAfterMs`. */
async function runUntilKilled(
  image: string,
  entries: string[],
  killAfterMs: number,
): Promise<string[]> {
  const child = spawn(
    process.execPath,
    [CLI, '--batch', '--json', '--autosave', '0', '--image', image],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stdin.on('error', () => {});
  for (const entry of entries) child.stdin.write(entry + '\n');
  await new Promise((r) => setTimeout(r, killAfterMs));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  return out.split('\n').filter((l) => l.endsWith('}'));
}

test(`SIGKILL at ${RUNS} random instants loses no printed entry and never corrupts the image`, async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'crash.json');
    await batch(['const log = once([] as number[])'], ['--image', image]);
    const confirmed = new Set<number>();
    let next = 1;
    for (let run = 0; run < RUNS; run++) {
      const entries: string[] = [];
      const numbers: number[] = [];
      const big = run % 4 === 3;
      if (big) {
        // A large heap, then a snapshot of it: the kill lands before, during or after the write.
        entries.push(
          `const heap${run} = Array.from({ length: 150_000 }, (_, i) => ({ i, next: null as any })); heap${run}.forEach((o, i) => (o.next = heap${run}[(i + 1) % heap${run}.length])); 0`,
        );
      }
      for (let k = 0; k < 30; k++) {
        numbers.push(next);
        entries.push(`log.push(${next++})`);
        if (big && k === 10) entries.push(':save');
      }
      const lines = await runUntilKilled(image, entries, 250 + Math.random() * (big ? 1500 : 600));
      // The result of `log.push(n)` is the new length; map printed results back to numbers.
      let i = 0;
      for (const line of lines) {
        const result = JSON.parse(line) as { ok: boolean; value?: string };
        const entry = entries[i++];
        if (!result.ok) continue;
        const match = entry && /^log\.push\((\d+)\)$/.exec(entry);
        if (match) confirmed.add(Number(match[1]));
      }
      const reopened = await batch(['JSON.stringify(log)'], ['--image', image, '--autosave', '0']);
      assert.equal(reopened.status, 0, `run ${run}: the image did not open: ${reopened.stderr}`);
      const log = JSON.parse(eval(reopened.results[0]!.value!)) as number[];
      for (const n of confirmed)
        assert.ok(log.includes(n), `run ${run}: entry log.push(${n}) was printed but is lost`);
      assert.equal(new Set(log).size, log.length, `run ${run}: an entry was applied twice`);
      for (const n of log) confirmed.add(n);
    }
    assert.ok(confirmed.size > RUNS, 'the runs confirmed entries');
  } finally {
    dir.remove();
  }
});
