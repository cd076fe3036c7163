// Writes PROTOCOL.md from the op table (src/shared/ops.ts): each op's doc line from its
// descriptor, and its request and reply types as declared. `npm run protocol` writes the file;
// test/protocol.test.ts checks that it is up to date, so the document cannot drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION, RUNNER_OPS, SESSION_OPS } from '../src/shared/ops.ts';
import {
  HELLO_TIMEOUT_MS,
  MAX_BACKLOG_BYTES,
  MAX_FRAME_BYTES,
  MAX_HELLO_BYTES,
  MAX_PRINT_BACKLOG_BYTES,
  MAX_WAITING,
  REMOTE_OPS,
  WIRE,
  WIRE_VERSION,
} from '../src/session/serve/protocol.ts';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** The text of each member of `interface NAME { ... }` in ops.ts, by member name. */
function members(source: string, name: string): Map<string, string> {
  const start = source.indexOf(`export interface ${name} {`);
  const body = source.slice(source.indexOf('{', start) + 1);
  const out = new Map<string, string>();
  let depth = 0;
  let current = '';
  for (const line of body.split('\n')) {
    const trimmed = line.trim();
    if (depth === 0 && trimmed === '}') break;
    if (depth === 0 && /^\/\*\*|^\*|^\/\//.test(trimmed)) continue;
    current += (current ? ' ' : '') + trimmed;
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth === 0 && current) {
      current = current.replace(/\/\*\*.*?\*\/\s*/g, '');
      const match = /^(\w+):\s*(.*);$/.exec(current);
      if (match) out.set(match[1]!, match[2]!);
      current = '';
    }
  }
  return out;
}

/** `{ request: X; reply: Y }` into its two parts. */
function split(text: string): { request: string; reply: string } {
  const inner = text.replace(/^\{\s*/, '').replace(/\s*\}$/, '');
  const at = inner.indexOf('reply:');
  return {
    request: inner.slice('request:'.length, at).trim().replace(/;$/, ''),
    reply: inner
      .slice(at + 'reply:'.length)
      .trim()
      .replace(/;$/, ''),
  };
}

export function protocolDocument(): string {
  const source = readFileSync(root('src/shared/ops.ts'), 'utf8');
  const session = members(source, 'SessionOps');
  const runner = members(source, 'RunnerOps');
  const row = (name: string, doc: string, text: string | undefined) => {
    const { request, reply } = split(text ?? '{ request: ?; reply: ? }');
    const cell = (type: string) => `\`${type.replace(/\|/g, '\\|')}\``;
    return `| \`${name}\` | ${doc} | ${cell(request)} | ${cell(reply)} |`;
  };
  return [
    '# The op table',
    '',
    '<!-- Written by `npm run protocol` from src/shared/ops.ts: edit that file, not this one. -->',
    '',
    `Protocol version ${PROTOCOL_VERSION}. Every request is \`{ "op": NAME, ...request }\`; every`,
    'reply is `{ "ok": true, ...reply }` or `{ "ok": false, "error": { "name", "message", ... } }`',
    '(a failed entry also carries `printed` and `draws`). The types named below are in',
    'src/shared/types.ts and src/shared/ops.ts.',
    '',
    '## Session ops',
    '',
    'What an engine (the terminal, batch mode, a remote client) may send.',
    '',
    '| op | what it does | request | reply |',
    '| --- | --- | --- | --- |',
    ...Object.entries(SESSION_OPS).map(([name, d]) => row(name, d.doc, session.get(name))),
    '',
    '## Runner ops',
    '',
    "The runner's own, for its timers and its watchdog; never sent by a session.",
    '',
    '| op | what it does | request | reply |',
    '| --- | --- | --- | --- |',
    ...Object.entries(RUNNER_OPS).map(([name, d]) => row(name, d.doc, runner.get(name))),
    '',
    ...servingSection(),
  ].join('\n');
}

/** The wire protocol of `viv serve` (src/session/serve/protocol.ts). */
function servingSection(): string[] {
  const code = (text: string) => '`' + text.replace(/\|/g, '\\|') + '`';
  return [
    '## Serving: the wire protocol of `viv serve`',
    '',
    `Wire version ${WIRE_VERSION}. A served image listens on a Unix socket (IMAGE.sock, mode 0600) or`,
    'loopback TCP (`--listen`); where is written to IMAGE.address (the address, then a line with the server pid and start time). Newline-delimited JSON: one',
    "object per line, UTF-8, each way. The client's first line is its hello with the token from",
    `IMAGE.token (0600; compared in constant time). Before the hello a line may be at most ${MAX_HELLO_BYTES}`,
    `bytes and must come within ${HELLO_TIMEOUT_MS / 1000} s (\`--hello-timeout\`); at most ${MAX_WAITING} connections wait`,
    `for their hello at once (\`--max-waiting\`; one more drops the oldest of them). After it, a line may be ${MAX_FRAME_BYTES / 1024 / 1024} MiB.`,
    `What processes print is skipped for a client with more than ${MAX_PRINT_BACKLOG_BYTES / 1024 / 1024} MiB queued (it gets a \`notice\` of how`,
    `much once it catches up); past ${MAX_BACKLOG_BYTES / 1024 / 1024} MiB of answers queued it is dropped. \`:edit\` is refused on the`,
    'wire (`viv attach` runs it on the client), as are `:save PATH` and a relative path given to',
    '`:export`, `:dump`, `:load` or `:import` (the server would take it from its own directory). Entries',
    'from every client are applied one at a time in the order they arrived; an entry whose',
    'client goes away still runs (or fails) as one transaction. The query ops a client may',
    `ask are ${REMOTE_OPS.map((op) => '`' + op + '`').join(', ')} (above); the others are the engine's own.`,
    '',
    '| from | message | meaning |',
    '| --- | --- | --- |',
    ...WIRE.map((m) => `| ${m.from} | ${code(m.shape)} | ${m.doc} |`),
    '',
  ];
}

if (import.meta.main) {
  writeFileSync(root('PROTOCOL.md'), protocolDocument());
  process.stdout.write('wrote PROTOCOL.md\n');
}
