// Ticks while the image is saved, and across quit and reopen (issue 11): 4 processes at 100 Hz
// send OSC to a UDP receiver here. A tick's lateness is when its message arrived against when the
// tick was due (the bundle's timetag less the OscOut latency). Measured idle, while `:save`
// writes an image of 1,000,000 objects (from the save's start until 1 s after it ended), and
// across quit and reopen of that image: how many tick numbers were heard twice or never.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBuffer } from 'osc-min';
import { openSession } from '../src/session/open-session.ts';
import type { Engine } from '../src/session/engine/engine.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';
import { stdlibEntries } from '../src/session/stdlib.ts';

const PROCESSES = 4;
const LATENCY_MS = 100;
const line = (text: string) => process.stdout.write(text + '\n');
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What was heard: process, tick number, arrival and due time (epoch ms). */
interface Heard {
  p: number;
  n: number;
  arrived: number;
  due: number;
}
const heard: Heard[] = [];
const socket = createSocket('udp4');
socket.on('message', (bytes) => {
  const arrived = performance.timeOrigin + performance.now();
  const packet = fromBuffer(bytes);
  if (packet.oscType !== 'bundle') return;
  const at = (packet.timetag[0] - 2208988800) * 1000 + (packet.timetag[1] / 2 ** 32) * 1000;
  for (const m of packet.elements) {
    if (m.oscType !== 'message' || m.address !== '/tick') continue;
    const [p, n] = m.args.map((a) => a.value as number);
    heard.push({ p: p!, n: n!, arrived, due: at - LATENCY_MS });
  }
});
await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
socket.setRecvBufferSize(8 * 1024 * 1024);
const port = (socket.address() as AddressInfo).port;

function lateness(from: number, to: number): string {
  const late = heard
    .filter((h) => h.due >= from && h.due < to)
    .map((h) => h.arrived - h.due)
    .sort((a, b) => a - b);
  const fmt = (x: number) => x.toFixed(2) + ' ms';
  const over = late.filter((x) => x > LATENCY_MS).length;
  return `p50 ${fmt(percentile(late, 0.5))}, p99 ${fmt(percentile(late, 0.99))}, max ${fmt(late.at(-1) ?? 0)}; ${late.length} ticks, ${over} later than the OSC latency (${LATENCY_MS} ms)`;
}

/** The final save pauses the clock: ticks due while it ran are heard after reopening. */
function duringQuit(from: number, to: number): string {
  const count = heard.filter((h) => h.due >= from && h.due < to).length;
  return count === 0 ? 'none (the clock was paused)' : lateness(from, to);
}

const dir = mkdtempSync(join(tmpdir(), 'viv-bench-ticks-'));
const image = join(dir, 'ticks.json');
const open = async (): Promise<Engine> =>
  openSession({
    memoryMB: 3072,
    prelude: stdlibEntries(),
    store: await openStore(image, { validate: validateRecord }),
  });
async function value(engine: Engine, entry: string): Promise<string> {
  const result = await engine.submit(entry);
  if (!result.ok) throw new Error(`bench entry failed: ${entry}\n${JSON.stringify(result.error)}`);
  return result.value ?? '';
}
const now = () => performance.timeOrigin + performance.now();

try {
  let engine = await open();
  await value(
    engine,
    `const big = once(Array.from({ length: 1_000_000 }, (_, i) => ({ id: i, value: i * 0.5 })))
const out = once(new OscOut({ port: ${port}, latency: ${LATENCY_MS / 1000} }))
function tick(s, t) { out.send('/tick', [s.p, t.n]) }
for (let p = 0; p < ${PROCESSES}; p++) spawn('p' + p, { every: 10, step: tick, state: { p } }); 0`,
  );
  await delay(1000); // settle
  let from = now();
  await delay(5000);
  line(
    `tick lateness, ${PROCESSES} processes at 100 Hz for 5 s, idle (sent to UDP, timetag less latency against arrival): ${lateness(from, now())} (goal p99 under 5 ms)`,
  );

  from = now();
  const saveStart = performance.now();
  const saved = await engine.save();
  const saveMs = performance.now() - saveStart;
  await delay(1000);
  line(
    `tick lateness while :save writes 1,000,000 objects (${(saved.bytes / 1e6).toFixed(1)} MB, ${(saveMs / 1000).toFixed(2)} s) and 1 s after: ${lateness(from, now())} (goal max under 100 ms, p99 under 5 ms)`,
  );

  await delay(500);
  const quitAt = now();
  const quitStart = performance.now();
  await engine.saveOnQuit();
  await engine.close();
  const quitMs = performance.now() - quitStart;
  const beforeQuit = heard.length;
  const reopenStart = performance.now();
  engine = await open();
  const reopenMs = performance.now() - reopenStart;
  await delay(2000);
  await engine.saveOnQuit();
  await engine.close();
  await delay(200); // the last datagrams
  const seen = new Map<string, number>();
  for (const h of heard) seen.set(`${h.p}:${h.n}`, (seen.get(`${h.p}:${h.n}`) ?? 0) + 1);
  const doubled = [...seen.values()].filter((c) => c > 1).length;
  let lost = 0;
  for (let p = 0; p < PROCESSES; p++) {
    const ns = heard.filter((h) => h.p === p).map((h) => h.n);
    const max = Math.max(...ns);
    for (let n = 0; n <= max; n++) if (!seen.has(`${p}:${n}`)) lost++;
  }
  line(
    `across quit (final save ${(quitMs / 1000).toFixed(2)} s) and reopen (${(reopenMs / 1000).toFixed(2)} s) of that image: ${doubled} tick numbers heard twice, ${lost} never heard, of ${seen.size} (goal 0 and 0); ${heard.length - beforeQuit} heard after reopening; ticks due during the final save: ${duringQuit(quitAt, quitAt + quitMs)}`,
  );
} finally {
  socket.close();
  rmSync(dir, { recursive: true, force: true });
}
