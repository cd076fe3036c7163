// A crash harness in the spirit of SQLite's crash tests: the real CLI is killed with SIGKILL at
// seeded random instants (while entries run, while `:save` writes a large heap, while autosave
// runs, while an image opens and replays its journal), then the image is reopened and checked:
// every entry whose result was shown is there, with the value it showed (random draws included),
// nothing is applied twice, and the image opens. `npm test` runs a short run, `npm run crash` a
// long one; both print the seed, so a failing schedule can be run again.
//
// An instant is counted from an event of the run (the n-th result shown), not from the start of
// the process: a loaded machine makes the CLI slower, not the schedule different. Each block of
// four runs has every scenario once, in a seeded order. The image is checked by reopening it in
// process (the same store and engine, a real isolate), which is what batch mode would do.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLI, cliEnv, tempDir } from '../helpers.ts';
import { session } from './session.ts';
import type { SessionRun } from './session.ts';
import { seeded } from './seeded.ts';

export interface CrashReport {
  seed: number;
  runs: number;
  shown: number;
  lost: number;
  doubled: number;
  unopenable: number;
  wrongValues: number;
  problems: string[];
}

type Scenario = 'entries' | 'save' | 'autosave' | 'open';
const SCENARIOS: Scenario[] = ['entries', 'save', 'autosave', 'open'];

interface Printed {
  entry: string;
  ok: boolean;
  value?: string;
}

/** When to kill: `ms` after the `afterShown`-th result was shown (0: after the process started). */
interface KillAt {
  afterShown: number;
  ms: number;
}

/** Starts the CLI on the image, feeds entries (paced), kills it at `kill`. */
async function runUntilKilled(
  image: string,
  args: string[],
  entries: string[],
  kill: KillAt,
  paceMs: number,
): Promise<Printed[]> {
  const child = spawn(process.execPath, [CLI, '--batch', '--json', '--image', image, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: cliEnv(),
  });
  let out = '';
  let killer: NodeJS.Timeout | undefined;
  const arm = () => (killer ??= setTimeout(() => child.kill('SIGKILL'), kill.ms));
  const shown = () => out.split('\n').filter((l) => l.endsWith('}')).length;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (shown() >= kill.afterShown) arm();
  });
  if (kill.afterShown === 0) arm();
  // Never waits for ever: a run that shows fewer results than expected is killed all the same.
  const fallback = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stderr.resume();
  child.stdin.on('error', () => {});
  const closed = new Promise((r) => child.on('close', r));
  let stop = false;
  void closed.then(() => (stop = true));
  for (const entry of entries) {
    if (stop) break;
    child.stdin.write(entry + '\n');
    if (paceMs) await new Promise((r) => setTimeout(r, paceMs));
  }
  await closed;
  clearTimeout(killer);
  clearTimeout(fallback);
  const lines = out.split('\n').filter((l) => l.endsWith('}'));
  return lines.map((line, i) => {
    const result = JSON.parse(line) as { ok: boolean; value?: string };
    return { entry: entries[i] ?? '', ok: result.ok, value: result.value };
  });
}

export async function runCrashHarness(options: {
  runs: number;
  seed?: number;
  log?: (line: string) => void;
}): Promise<CrashReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seeded(seed);
  const log = options.log ?? (() => {});
  const report: CrashReport = {
    seed,
    runs: 0,
    shown: 0,
    lost: 0,
    doubled: 0,
    unopenable: 0,
    wrongValues: 0,
    problems: [],
  };
  const dir = tempDir();
  const image = join(dir.path, 'crash.json');
  try {
    const setup = await session(
      ['const log = once([] as number[])', 'const draws = once({} as Record<number, number>)'],
      { image },
    );
    if (setup.status !== 0) throw new Error(`setup failed: ${setup.stderr}`);
    const confirmed = new Set<number>();
    const values = new Map<number, string>();
    let next = 1;
    let order: Scenario[] = [];
    for (let run = 0; run < options.runs; run++) {
      if (order.length === 0) order = shuffled(SCENARIOS, random);
      const scenario = order.pop()!;
      const entries: string[] = [];
      const count = 20 + Math.floor(random() * 20);
      if (scenario === 'save') {
        entries.push(
          `const heap = Array.from({ length: 100_000 }, (_, i) => ({ i, next: null as any })); heap.forEach((o, i) => (o.next = heap[(i + 1) % heap.length])); 0`,
        );
      }
      let saveAt = 0;
      for (let k = 0; k < count; k++) {
        const n = next++;
        entries.push(k % 3 === 2 ? `draws[${n}] = Math.random()` : `log.push(${n})`);
        if (scenario === 'save' && k === Math.floor(count / 3)) {
          saveAt = entries.length;
          entries.push(':save');
        }
      }
      const args = ['--autosave', scenario === 'autosave' ? '1' : '0'];
      // Opening: from the start of the process (it opens the image and replays its journal);
      // a save: once every entry before :save was shown (while it writes, or after); autosave
      // (every second): after a few entries; entries: after a few of them, while the rest run.
      const kill: KillAt =
        scenario === 'open'
          ? { afterShown: 0, ms: 50 + random() * 700 }
          : scenario === 'save'
            ? { afterShown: saveAt, ms: random() * 1500 }
            : scenario === 'autosave'
              ? { afterShown: 3, ms: 500 + random() * 1800 }
              : { afterShown: 3 + Math.floor(random() * (count / 2)), ms: random() * 50 };
      const pace = scenario === 'autosave' ? 40 : 0;
      const printed = await runUntilKilled(image, args, entries, kill, pace);
      for (const p of printed) {
        if (!p.ok) continue;
        const push = /^log\.push\((\d+)\)$/.exec(p.entry);
        const draw = /^draws\[(\d+)\] = Math\.random\(\)$/.exec(p.entry);
        if (push) confirmed.add(Number(push[1]));
        if (draw) values.set(Number(draw[1]), p.value!);
        if (push || draw) report.shown++;
      }
      let reopened: SessionRun;
      try {
        // Printed, not shown as values: a shown string is cut at 10,000 characters, as Node cuts it.
        reopened = await session(
          ['console.log(JSON.stringify(log))', 'console.log(JSON.stringify(draws))'],
          {
            image,
          },
        );
      } catch (error) {
        reopened = { status: 2, results: [], stdout: '', stderr: (error as Error).message };
      }
      report.runs++;
      if (reopened.status !== 0 || reopened.results.length < 2 || !reopened.results[0]!.ok) {
        report.unopenable++;
        report.problems.push(
          `run ${run} (${scenario}): the image did not open: ${reopened.stderr}`,
        );
        break;
      }
      const list = JSON.parse(reopened.results[0]!.printed[0]!) as number[];
      const drawn = JSON.parse(reopened.results[1]!.printed[0]!) as Record<string, number>;
      for (const n of confirmed) {
        if (!list.includes(n)) {
          report.lost++;
          report.problems.push(`run ${run} (${scenario}): log.push(${n}) was shown but is lost`);
        }
      }
      for (const [n, value] of values) {
        if (!(n in drawn)) {
          report.lost++;
          report.problems.push(`run ${run} (${scenario}): draws[${n}] was shown but is lost`);
        } else if (String(drawn[n]) !== value) {
          report.wrongValues++;
          report.problems.push(
            `run ${run} (${scenario}): draws[${n}] showed ${value}, reopened as ${drawn[n]}`,
          );
        }
      }
      if (new Set(list).size !== list.length) {
        report.doubled += list.length - new Set(list).size;
        report.problems.push(`run ${run} (${scenario}): an entry was applied twice`);
      }
      for (const n of list) confirmed.add(n);
      for (const [n, v] of Object.entries(drawn)) values.set(Number(n), String(v));
      log(
        `run ${run + 1}/${options.runs} ${scenario.padEnd(8)} killed ${Math.round(kill.ms)} ms after result ${kill.afterShown}: ${printed.length} shown`,
      );
      if (report.problems.length > 0) break;
    }
  } finally {
    dir.remove();
  }
  return report;
}

/** The items in a seeded random order. */
function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function describeReport(r: CrashReport): string {
  return (
    `crash harness, seed ${r.seed}: ${r.runs} runs, ${r.shown} shown entries, ${r.lost} lost, ` +
    `${r.doubled} doubled, ${r.wrongValues} wrong values, ${r.unopenable} unopenable images`
  );
}
