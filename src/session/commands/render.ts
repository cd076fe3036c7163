// How the answers of `:ps`, `:defs`, `:history` and `:diff` read: plain text tables and diffs.
import { createRequire } from 'node:module';
import type {
  DefSummary,
  DefinitionView,
  HistoryInfo,
  ProcessInfo,
  TimerInfo,
  VersionInfo,
} from '../../shared/types.ts';

const require = createRequire(import.meta.url);

export function renderProcesses(procs: ProcessInfo[], timers: TimerInfo[]): string {
  const lines: string[] = [];
  if (procs.length === 0) lines.push('no processes');
  else {
    const rows = procs.map((p) => [
      p.name,
      p.status,
      p.period,
      String(p.ticks),
      String(p.restarts),
      `${p.lateP99.toFixed(1)} ms`,
      `${p.lateMax.toFixed(1)} ms`,
      String(p.skipped),
      p.lastError ?? '',
    ]);
    lines.push(
      ...table(
        [
          'name',
          'status',
          'every',
          'ticks',
          'restarts',
          'late p99',
          'late max',
          'skipped',
          'last error',
        ],
        rows,
      ),
    );
  }
  if (timers.length) {
    lines.push('', 'timers:');
    const rows = timers.map((t) => [`#${t.id}`, t.kind, `${t.delay} ms`, String(t.fired), t.owner]);
    lines.push(...table(['id', 'kind', 'every', 'fired', 'started by'], rows));
  }
  return lines.join('\n');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A definition's kind as `:defs` and the panel show it: `module lodash-es@4.17.21`, `const (once)`. */
export function kindLabel(d: DefSummary): string {
  if (d.package) return `module ${d.package.name}@${d.package.version}`;
  if (d.imports) return `import from ${d.imports.package}`;
  return d.kind + (d.once ? ' (once)' : '');
}

export function renderDefs(defs: DefSummary[]): string {
  if (defs.length === 0) return 'no definitions yet';
  const rows = defs.map((d) => [
    d.name,
    kindLabel(d),
    `v${d.version}`,
    d.instances === undefined ? '' : `${d.instances} live`,
  ]);
  return table(['name', 'kind', 'version', 'instances'], rows).join('\n');
}

/** `:inspect` of a function or class of the image. */
export function renderDefinitionView(d: DefinitionView): string {
  const lines = [`${d.name}: ${d.kind} v${d.version}`];
  if (d.kind === 'class') {
    lines.push(`  methods: ${d.methods?.length ? d.methods.join(', ') : '(none)'}`);
    lines.push(`  statics: ${d.statics?.length ? d.statics.join(', ') : '(none)'}`);
    lines.push(`  live instances: ${d.instances ?? 0}`);
  }
  for (const line of d.source.split('\n')) lines.push('    ' + line);
  return lines.join('\n');
}

export function renderHistory(reply: HistoryInfo): string {
  const lines = [
    `${reply.name}: ${reply.kind}, ${reply.versions.length} version(s), current v${reply.current}`,
  ];
  for (const v of reply.versions) {
    const mark = v.version === reply.current ? '  (current)' : '';
    const parent = v.parent ? `, from v${v.parent}` : '';
    lines.push(`v${v.version}  ${timestamp(v.time)}  entry ${v.entry}${parent}${mark}`);
    if (v.package) {
      // A module's source is its bundle: history names the package instead of printing it.
      const { name, version, integrity } = v.package;
      lines.push(
        `    ${name}@${version}  ${integrity || '(no integrity)'}  bundle ${formatBytes(v.source.length)}`,
      );
      continue;
    }
    for (const sourceLine of v.source.split('\n')) lines.push('    ' + sourceLine);
  }
  const rollbacks = reply.events.filter((e) => e.type === 'rollback');
  for (const e of rollbacks) {
    lines.push(
      `rolled back from v${e.from} to v${e.version} at ${timestamp(e.time)} (entry ${e.entry})`,
    );
  }
  return lines.join('\n');
}

/** `:diff` of a module: which package versions, not a line diff of two bundles. */
export function renderPackageDiff(name: string, older: VersionInfo, newer: VersionInfo): string {
  const label = (v: VersionInfo) =>
    v.package ? `${v.package.name}@${v.package.version}` : `a ${v.kind}, not a package`;
  const same = older.source === newer.source ? ' (the same bundle)' : '';
  return `${name} v${older.version} → v${newer.version}: ${label(older)} → ${label(newer)}${same}; :history ${name} shows their integrity and size`;
}

export function renderDiff(
  name: string,
  a: number,
  older: string,
  b: number,
  newer: string,
  colors = false,
): string {
  // `diff` (19 modules) loads when a diff is shown, not at every start.
  const { structuredPatch } = require('diff') as typeof import('diff');
  const patch = structuredPatch(
    `${name} v${a}`,
    `${name} v${b}`,
    older + '\n',
    newer + '\n',
    '',
    '',
    {
      context: 3,
    },
  );
  const lines = [`--- ${name} v${a}`, `+++ ${name} v${b}`];
  if (patch.hunks.length === 0) lines.push('(no difference)');
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    lines.push(...hunk.lines);
  }
  return (colors ? lines.map(gitColour) : lines).join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

const ANSI = { bold: '\x1b[1m', cyan: '\x1b[36m', red: '\x1b[31m', green: '\x1b[32m' };

/** A line of a diff coloured as `git diff` colours it (headers bold, hunks cyan, -red, +green). */
function gitColour(line: string): string {
  const colour = /^(---|\+\+\+) /.test(line)
    ? ANSI.bold
    : line.startsWith('@@')
      ? ANSI.cyan
      : line.startsWith('-')
        ? ANSI.red
        : line.startsWith('+')
          ? ANSI.green
          : undefined;
  return colour ? `${colour}${line}\x1b[0m` : line;
}
