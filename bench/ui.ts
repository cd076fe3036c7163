// The terminal environment: time from starting `viv` to an interactive prompt (in a real
// pseudo-terminal, through `script`), against `node -e 0` in the same run; and the time from a
// keystroke to the repaint that shows it, with 1,000 lines of output on the screen.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createElement as h } from 'react';
import { render } from 'ink-testing-library';
import { openSession } from '../src/session/open-session.ts';
import { App } from '../src/ui/app.ts';

const CLI = fileURLToPath(new URL('../src/session/cli.ts', import.meta.url));
const VIV = fileURLToPath(new URL('../bin/viv.js', import.meta.url));
const line = (text: string) => process.stdout.write(text + '\n');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;
const dir = mkdtempSync(join(tmpdir(), 'viv-bench-ui-'));
const image = join(dir, 'start.json');

/**
 * Milliseconds until the prompt appears in a pseudo-terminal (the instant prompt, which already
 * takes keystrokes), until the whole REPL is drawn (its status line: it takes keys and edits while
 * the image opens), and until the image is open (the status line counts its definitions); then it
 * is stopped.
 */
function timeToPrompt(): Promise<{ prompt: number; repl: number; open: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('script', ['-qfc', `${process.execPath} ${VIV} ${image}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    let prompt = 0;
    let repl = 0;
    let open = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!prompt && out.includes('viv>')) prompt = performance.now() - started;
      if (!repl && out.includes(':help')) repl = performance.now() - started;
      if (!open && /\d+ definitions?/.test(out)) {
        open = performance.now() - started;
        child.stdin.write(':quit\r');
        child.on('close', () => resolve({ prompt, repl, open }));
      }
    });
    child.on('error', reject);
  });
}

if (spawnSync('script', ['--version']).status === 0) {
  spawnSync(process.execPath, [CLI, '--batch', '--image', image], { input: '1\n' });
  const nodeTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    nodeTimes.push(performance.now() - t);
  }
  const starts: number[] = [];
  const repls: number[] = [];
  const opens: number[] = [];
  for (let i = 0; i < 7; i++) {
    const { prompt, repl, open } = await timeToPrompt();
    starts.push(prompt);
    repls.push(repl);
    opens.push(open);
  }
  const node = median(nodeTimes);
  line(
    `start to interactive prompt (default-sized image, real pty): median ${median(starts).toFixed(0)} ms vs node -e 0 ${node.toFixed(0)} ms: ${(median(starts) / node).toFixed(1)}x (goal at most 4x)`,
  );
  line(
    `  to the whole REPL drawn (status line; it edits and takes entries while the image opens): median ${median(repls).toFixed(0)} ms, ${(median(repls) / node).toFixed(1)}x (goal at most 4x)`,
  );
  line(
    `  to the image open (the status line counts its definitions; entries run): median ${median(opens).toFixed(0)} ms, ${(median(opens) / node).toFixed(1)}x`,
  );
} else {
  line('start to interactive prompt: skipped (the `script` command is not available)');
}

// Keystroke to repaint, with 1,000 lines of output above the prompt.
const engine = await openSession({ colors: true });
const printer = { print: (_text: string) => {} };
const ui = render(h(App, { engine, imageName: 'bench.json', printer }));
await new Promise((r) => setTimeout(r, 300));
for (let i = 0; i < 1000; i++) printer.print(`output line ${i} ${'·'.repeat(40)}`);
await new Promise((r) => setTimeout(r, 500));
const latencies: number[] = [];
for (let i = 0; i < 300; i++) {
  const before = ui.frames.length;
  const t = performance.now();
  ui.stdin.write(i % 2 ? 'x' : '\u007f');
  while (ui.frames.length === before) await new Promise((r) => setImmediate(r));
  latencies.push(performance.now() - t);
}
line(
  `keystroke to repaint with 1,000 lines of output: median ${median(latencies).toFixed(2)} ms, p99 ${p99(latencies).toFixed(2)} ms`,
);
ui.unmount();
await engine.close();
rmSync(dir, { recursive: true, force: true });
