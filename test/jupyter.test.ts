// `viv jupyter`: the kernel driven by real Jupyter clients nobody here wrote (Debian's
// python3-jupyter-client and python3-nbclient, through test/support/jupyter_driver.py), started
// from a kernelspec that the real `viv jupyter install` wrote into a temporary JUPYTER_PATH.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CLI, cliEnv, run, tempDir } from './helpers.ts';
import { session } from './support/session.ts';
import { readJupyterArgs } from './support/command-line.ts';
import { serveHere } from './support/served.ts';
import { connectTo } from '../src/session/serve/attach.ts';
import type { RemoteSession } from '../src/session/serve/client.ts';
import type { Result } from '../src/session/result.ts';
import { installKernelSpec } from '../src/session/jupyter/install.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';

const PYTHON = '/usr/bin/python3';
const DRIVER = fileURLToPath(new URL('./support/jupyter_driver.py', import.meta.url));
// One Python start for both: exit status 1 without jupyter_client, 2 with it but without nbclient.
const imports = spawnSync(PYTHON, [
  '-c',
  'import sys\ntry:\n  import jupyter_client\nexcept Exception:\n  sys.exit(1)\ntry:\n  import nbclient, nbformat\nexcept Exception:\n  sys.exit(2)',
]).status;
const hasClient = imports === 0 || imports === 2;
const hasNbclient = imports === 0;
const noClient = hasClient
  ? false
  : `${PYTHON} cannot import jupyter_client (.ci/run installs python3-jupyter-client with apt-get)`;
const noNbclient = hasNbclient
  ? false
  : `${PYTHON} cannot import nbclient (.ci/run installs python3-nbclient with apt-get)`;

interface Iopub {
  type: string;
  content: Record<string, unknown> & { data?: Record<string, string>; text?: string };
}
interface Executed {
  reply: Record<string, unknown>;
  iopub: Iopub[];
}

/**
 * A temp dir with a kernelspec `viv-test` on image img.json: written by `viv jupyter install` when
 * `viaCli` (the test of that command), else by the same function in process (one CLI start less
 * for each of the tests that only need a kernelspec).
 */
async function withKernelSpec<T>(
  body: (dir: string) => Promise<T>,
  target: (dir: string) => string[] = (dir) => ['--image', join(dir, 'img.json')],
  { viaCli = false } = {},
): Promise<T> {
  const dir = tempDir();
  try {
    if (viaCli) {
      const installed = await run(
        ['jupyter', 'install', '--prefix', dir.path, ...target(dir.path), '--name', 'viv-test'],
        '',
      );
      assert.equal(installed.status, 0, installed.stderr);
    } else {
      installKernelSpec({ prefix: dir.path, name: 'viv-test', kernelArgs: target(dir.path) });
    }
    return await body(dir.path);
  } finally {
    dir.remove();
  }
}

function jupyterEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_PATH: join(dir, 'share', 'jupyter'),
    JUPYTER_DATA_DIR: join(dir, 'data'),
    JUPYTER_RUNTIME_DIR: join(dir, 'runtime'),
    JUPYTER_CONFIG_DIR: join(dir, 'config'),
    // The kernel is started by jupyter_client with this environment: no test-runner options.
    NODE_OPTIONS: '',
    NODE_TEST_CONTEXT: '',
  };
}

/** Runs the Python driver on a script; resolves with what it printed (parsed). */
function driver<T>(dir: string, script: object): Promise<T> {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(script));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [DRIVER, file], { env: jupyterEnv(dir) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // The driver's every wait has a deadline; this one only keeps a hung driver from hanging npm test.
    const stuck = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (status) => {
      clearTimeout(stuck);
      if (status !== 0) return reject(new Error(`driver exited ${status}:\n${stderr}`));
      resolve(JSON.parse(stdout) as T);
    });
    child.on('error', reject);
  });
}

/** Runs actions against a kernel on the spec's image; the kernel's stderr comes back too. */
async function actions(dir: string, list: object[]) {
  const stderr = join(dir, 'kernel-stderr.log');
  const out = await driver<{ results: unknown[]; exited_by_itself: boolean }>(dir, {
    kernel: 'viv-test',
    stderr,
    actions: list,
  });
  return { ...out, stderr: readFileSync(stderr, 'utf8') };
}

function shown(executed: Executed): string | undefined {
  return executed.iopub.find((m) => m.type === 'execute_result')?.content.data?.['text/plain'];
}

test('viv jupyter install --prefix P --image I writes a kernelspec that runs this checkout', async () => {
  await withKernelSpec(
    async (dir) => {
      const spec = JSON.parse(
        readFileSync(join(dir, 'share', 'jupyter', 'kernels', 'viv-test', 'kernel.json'), 'utf8'),
      );
      assert.equal(spec.argv[0], process.execPath);
      assert.equal(spec.argv[1], fileURLToPath(new URL('../bin/viv.js', import.meta.url)));
      assert.deepEqual(spec.argv.slice(2), [
        'jupyter',
        '--connection-file',
        '{connection_file}',
        '--image',
        join(dir, 'img.json'),
      ]);
      assert.equal(spec.language, 'typescript');
      assert.equal(spec.interrupt_mode, 'message');
      assert.match(spec.display_name, /^Vivarium \(TypeScript/);
    },
    undefined,
    { viaCli: true },
  );
});

test('viv jupyter install (--user) writes to $JUPYTER_DATA_DIR/kernels/vivarium', async () => {
  const dir = tempDir();
  try {
    const done = spawnSync(process.execPath, [CLI, 'jupyter', 'install', '--user'], {
      env: cliEnv({ ...process.env, JUPYTER_DATA_DIR: dir.path }),
      encoding: 'utf8',
    });
    assert.equal(done.status, 0, done.stderr);
    const spec = JSON.parse(
      readFileSync(join(dir.path, 'kernels', 'vivarium', 'kernel.json'), 'utf8'),
    );
    assert.equal(spec.display_name, 'Vivarium (TypeScript)');
    assert.ok(!spec.argv.includes('--image'));
  } finally {
    dir.remove();
  }
});

test('viv jupyter refuses what it cannot do, saying why', async () => {
  // Its options read in process (what viv jupyter does before it waits for anything); the
  // connection file through the real CLI, which shows that it hands them over and exits with the
  // status.
  const attach = await readJupyterArgs(['--attach', '127.0.0.1:9999']);
  assert.equal(attach.status, 2);
  assert.match(attach.stderr, /the kernel needs --connection-file FILE/);
  const dir = tempDir();
  try {
    const file = join(dir.path, 'conn.json');
    writeFileSync(file, JSON.stringify({ ip: '127.0.0.1', key: 'k', shell_port: 'x' }));
    const bad = await run(['jupyter', '--connection-file', file], '');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /conn\.json: shell_port must be a port number, not "x"/);
  } finally {
    dir.remove();
  }
  const none = await readJupyterArgs([]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /needs --connection-file FILE/);
});

test('viv jupyter: a connection file it cannot use is refused before the image opens; a port in use ends the kernel and frees the image', async () => {
  const dir = tempDir();
  const busy = createServer();
  try {
    const image = join(dir.path, 'img.json');
    const file = join(dir.path, 'conn.json');
    const ports = { shell_port: 0, iopub_port: 0, stdin_port: 0, control_port: 0, hb_port: 0 };
    writeFileSync(
      file,
      JSON.stringify({ ip: '127.0.0.1', key: 'k', signature_scheme: 'hmac-md5', ...ports }),
    );
    // It once opened the image, said this, and never exited (its runner still held the image).
    const scheme = await run(['jupyter', '--connection-file', file, '--image', image], '');
    assert.equal(scheme.status, 2);
    assert.match(scheme.stderr, /signature_scheme "hmac-md5" is not supported \(only hmac-sha256/);
    assert.equal(existsSync(image), false, 'refused before the image was opened');
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    writeFileSync(file, JSON.stringify({ ip: '127.0.0.1', key: 'k', ...ports, shell_port: port }));
    const inUse = await run(['jupyter', '--connection-file', file, '--image', image], '');
    assert.equal(inUse.status, 2);
    assert.match(
      inUse.stderr,
      new RegExp(`cannot bind the shell socket to tcp://127.0.0.1:${port}`),
    );
    assert.deepEqual(
      (await session(['1 + 1'], { image })).status,
      0,
      'the image is not left locked',
    );
  } finally {
    busy.close();
    dir.remove();
  }
});

/**
 * The tests below each check a few requests; they share one kernel, started by one driver (a
 * kernel start and a Python start less for each; nbclient's notebook and a kernel attached to a
 * served image run in that driver too, each on a kernel of its own). Their parts run in this order
 * in one session, each test asserts on its own part's results; the :quit (and a restart after it)
 * and the restart come last, and the driver's shutdown ends the session. Started by the first test
 * that needs it; its folder is removed at the end.
 */
const PARTS = {
  execute: [
    { do: 'kernel_info' },
    { do: 'heartbeat' },
    { do: 'execute', code: '1 + 1' },
    { do: 'execute', code: "console.log('hi')\n40 + 2" },
    { do: 'execute', code: 'function g(x: number) {\n  return (x as any).foo.bar\n}\ng(1)' },
    {
      do: 'execute',
      code: "await new Promise((r) => setTimeout(() => { console.log('inside'); r(7) }, 20))",
    },
  ],
  redefinition: [
    { do: 'execute', code: 'function f() { return 1 }\nconst held = { call: f }' },
    { do: 'execute', code: 'function f() { return 2 }' },
    { do: 'execute', code: 'held.call()' },
    { do: 'execute', code: 'held.call === f' },
  ],
  complete: [
    { do: 'execute', code: 'const point = { alpha: 1, beta: 2 }\npoint.gamma = 3' },
    { do: 'complete', code: 'point.ga', cursor: 8 },
    { do: 'complete', code: 'x = 1\npoint.', cursor: 12 },
    { do: 'complete', code: ':de', cursor: 3 },
    { do: 'inspect', code: 'log(point)', cursor: 6 },
    { do: 'inspect', code: '(1 + ', cursor: 2 },
    { do: 'is_complete', code: 'function h() {' },
    { do: 'is_complete', code: 'function h() {}' },
    { do: 'is_complete', code: 'let = = 1' },
    { do: 'is_complete', code: ':defs' },
    { do: 'is_complete', code: ':check class A {' },
    // Jupyter counts the cursor in code points: 😀 is one, two UTF-16 units.
    { do: 'complete', code: "'😀'; point.ga", cursor: 13 },
  ],
  magics: [
    { do: 'execute', code: 'function twice(x: number) { return 2 * x }' },
    { do: 'execute', code: ':history twice' },
    { do: 'execute', code: '%defs' },
    { do: 'execute', code: ':nonsense' },
    { do: 'history', n: 2 },
  ],
  interrupt: [
    { do: 'execute', code: 'let before = 1' },
    { do: 'interrupt', code: 'before = 2\nfor(;;){}' },
    { do: 'execute', code: 'before + 1' },
  ],
  badKey: [
    { do: 'bad_signature', code: 'var hacked = 1', then: 'typeof hacked' },
    { do: 'execute', code: '2 + 2' },
  ],
  timer: [
    { do: 'execute', code: "setTimeout(() => console.log('from the timer'), 20); 'set'" },
    { do: 'wait_stream', text: 'from the timer' },
  ],
  garbage: [{ do: 'garbage', then: '6 * 7' }],
  ticks: [
    {
      do: 'execute',
      code: "function beat(state: { n: number }) {\n  console.log('beat', ++state.n)\n}\nspawn('drum', { every: 20, step: beat, state: { n: 0 } }); 'spawned'",
    },
    { do: 'wait_stream', text: 'beat 3' },
    { do: 'execute', code: ':stop drum' },
  ],
  stopOnError: [
    { do: 'queue_interrupt', codes: ['for(;;){}', 'const q2 = 2', 'const q3 = 3'] },
    { do: 'execute', code: 'typeof q2 + typeof q3' },
    { do: 'execute', code: 'const q4 = 4' },
  ],
  // nbclient runs a notebook (written beside the session's kernelspec) on a kernel of its own, on
  // an image of its own (kernelspec viv-nb), while the session's kernel waits.
  notebook: hasNbclient ? [{ do: 'notebook', kernel: 'viv-nb', notebook: 'counter.ipynb' }] : [],
  // A kernel of its own on an image served from this process (kernelspec viv-attach: viv jupyter
  // --attach), where a terminal client defined g() first; its stderr in attach-stderr.log.
  attach: [
    {
      do: 'session',
      kernel: 'viv-attach',
      stderr: 'attach-stderr.log',
      actions: [
        { do: 'execute', code: 'function f() { return 1 }\nconst held = { call: f }' },
        { do: 'execute', code: 'g()' },
        { do: 'execute', code: 'function f() { return 2 }' },
      ],
    },
  ],
  // :quit ends the kernel by itself (no shutdown request is sent while waiting); a new one opens
  // the image it saved.
  quit: [
    { do: 'execute', code: 'const saved = "yes"' },
    { do: 'execute', code: ':quit' },
    { do: 'wait_exit' },
    { do: 'restart' },
    { do: 'execute', code: 'saved' },
  ],
  restart: [
    { do: 'execute', code: 'const kept = [1, 2, 3]' },
    { do: 'restart' },
    { do: 'execute', code: 'kept.length' },
    { do: 'execute', code: 'kept.push(4)' },
  ],
};

interface SharedRun {
  dir: string;
  parts: Record<keyof typeof PARTS, unknown[]>;
  stderr: string;
  exited_by_itself: boolean;
}
let sharedRun: Promise<SharedRun> | undefined;
let sharedDir: { path: string; remove: () => void } | undefined;
/** The served image of the attach part, its terminal client, and what the client defined first. */
let attached:
  | {
      image: string;
      server: Awaited<ReturnType<typeof serveHere>>;
      terminal: RemoteSession;
      defined: Result;
      stopped: boolean;
    }
  | undefined;
after(async () => {
  if (attached && !attached.stopped) {
    await attached.terminal.close();
    await attached.server.stop();
  }
  sharedDir?.remove();
});

/** The results of one part of the shared kernel session (the session runs once, at first ask). */
async function part(name: keyof typeof PARTS): Promise<SharedRun & { results: unknown[] }> {
  sharedRun ??= (async () => {
    sharedDir = tempDir();
    const dir = sharedDir.path;
    installKernelSpec({
      prefix: dir,
      name: 'viv-test',
      kernelArgs: ['--image', join(dir, 'img.json')],
    });
    installKernelSpec({
      prefix: dir,
      name: 'viv-nb',
      kernelArgs: ['--image', join(dir, 'nb.json')],
    });
    writeNotebook(join(dir, 'counter.ipynb'));
    // Served from this process, by the server viv serve makes (test/serve.test.ts has the viv
    // serve process): the kernel and the terminal client reach it as they would that.
    const image = join(dir, 'served.json');
    const server = await serveHere(image);
    const terminal = await connectTo(image);
    const defined = await terminal.submit('function g() { return "from the terminal" }');
    attached = { image, server, terminal, defined, stopped: false };
    installKernelSpec({ prefix: dir, name: 'viv-attach', kernelArgs: ['--attach', image] });
    const names = Object.keys(PARTS) as (keyof typeof PARTS)[];
    const out = await actions(
      dir,
      names
        .flatMap((n) => PARTS[n])
        .map((a) => ('notebook' in a ? { ...a, notebook: join(dir, a.notebook as string) } : a))
        .map((a) => ('stderr' in a ? { ...a, stderr: join(dir, a.stderr as string) } : a)),
    );
    let at = 0;
    const parts = {} as SharedRun['parts'];
    for (const n of names) {
      parts[n] = out.results.slice(at, at + PARTS[n].length);
      at += PARTS[n].length;
    }
    return { dir, parts, stderr: out.stderr, exited_by_itself: out.exited_by_itself };
  })();
  const run = await sharedRun;
  return { ...run, results: run.parts[name] };
}

test(
  'execute: 1 + 1 shows 2, errors name the user line, kernel_info says typescript',
  { skip: noClient },
  async () => {
    const { results } = await part('execute');
    const [info, heartbeat, two, printed, failed, awaited] = results as [
      Record<string, any>,
      { beating: boolean },
      Executed,
      Executed,
      Executed,
      Executed,
    ];
    assert.equal(info.language_info.name, 'typescript');
    assert.equal(info.language_info.file_extension, '.ts');
    assert.equal(info.protocol_version, '5.3');
    assert.equal(heartbeat.beating, true);
    assert.equal(two.reply.status, 'ok');
    assert.equal(shown(two), '2');
    // The session's first execution: counted 1.
    assert.deepEqual(two.iopub[0], {
      type: 'execute_input',
      content: { code: '1 + 1', execution_count: 1 },
    });
    assert.equal(printed.reply.execution_count, 2);
    assert.deepEqual(printed.iopub.find((m) => m.type === 'stream')?.content, {
      name: 'stdout',
      text: 'hi\n',
    });
    assert.equal(shown(printed), '42');
    assert.equal(failed.reply.status, 'error');
    assert.equal(failed.reply.ename, 'TypeError');
    const error = failed.iopub.find((m) => m.type === 'error')!.content;
    assert.equal(error.ename, 'TypeError');
    const traceback = error.traceback as string[];
    assert.equal(traceback[0], '2 |   return (x as any).foo.bar');
    assert.match(traceback[2]!, /^Uncaught TypeError: Cannot read properties of undefined/);
    // What a cell's timer prints while the cell awaits belongs to that cell.
    assert.equal(awaited.iopub.find((m) => m.type === 'stream')?.content.text, 'inside\n');
    assert.equal(shown(awaited), '7');
  },
);

test(
  'execute: a redefinition is seen through a reference held before it',
  { skip: noClient },
  async () => {
    const { results } = await part('redefinition');
    const [defined, redefined, called, same] = results as Executed[];
    assert.equal(shown(defined!), 'f: function v1, held: const v1');
    assert.equal(shown(redefined!), 'f: function v2');
    assert.equal(shown(called!), '2');
    assert.equal(shown(same!), 'true');
  },
);

test(
  'complete on a live object, inspect it, and is_complete by the REPL rule',
  { skip: noClient },
  async () => {
    const { results } = await part('complete');
    const [, gamma, all, command, inspected, nothing, open, closed, invalid, magic, check, emoji] =
      results as Record<string, any>[];
    // `gamma` was added by a statement, so only the live object knows it.
    assert.deepEqual(gamma!.matches, ['gamma']);
    assert.equal(gamma!.cursor_start, 6);
    assert.equal(gamma!.cursor_end, 8);
    assert.deepEqual(
      ['alpha', 'beta', 'gamma'].filter((k) => all!.matches.includes(k)),
      ['alpha', 'beta', 'gamma'],
    );
    assert.equal(all!.cursor_start, 12);
    assert.ok(command!.matches.includes(':defs'));
    assert.equal(inspected!.found, true);
    assert.match(inspected!.data['text/plain'], /alpha: 1[\s\S]*gamma: 3/);
    assert.equal(nothing!.found, false);
    assert.equal(open!.status, 'incomplete');
    assert.equal(closed!.status, 'complete');
    assert.equal(invalid!.status, 'invalid');
    assert.equal(magic!.status, 'complete');
    assert.equal(check!.status, 'incomplete');
    assert.deepEqual(emoji!.matches, ['gamma']);
    assert.equal(emoji!.cursor_start, 11);
    assert.equal(emoji!.cursor_end, 13);
  },
);

test(
  'interrupt_request stops for(;;){} as Ctrl-C does, and the kernel answers after',
  { skip: noClient },
  async () => {
    const { results } = await part('interrupt');
    const [, stopped, after] = results as [Executed, { reply: Record<string, unknown> }, Executed];
    assert.equal(stopped.reply.status, 'error');
    assert.equal(stopped.reply.ename, 'Interrupted');
    // The interrupted entry was one transaction: nothing of it was kept.
    assert.equal(shown(after), '2');
  },
);

test(
  'a message signed with a wrong key is dropped unrun and logged; good ones still run',
  { skip: noClient },
  async () => {
    const { results, stderr } = await part('badKey');
    const [refused, good] = results as [Executed & { answered_bad: boolean }, Executed];
    assert.equal(refused.answered_bad, false);
    assert.equal(shown(refused), "'undefined'");
    assert.equal(shown(good), '4');
    assert.match(stderr, /dropped a message on shell: bad signature/);
  },
);

test(
  'a timer prints between executions: a stream message on iopub',
  { skip: noClient },
  async () => {
    const { results } = await part('timer');
    const [set, stream] = results as [
      Executed,
      { content: Record<string, string>; parent: string },
    ];
    assert.equal(shown(set), "'set'");
    assert.deepEqual(stream.content, { name: 'stdout', text: 'from the timer\n' });
  },
);

test(
  'cells starting with : or % run the command (cell magics); history_request tails the image history',
  { skip: noClient },
  async () => {
    const { results } = await part('magics');
    const [, history, defs, unknown, tail] = results as Executed[];
    assert.match(shown(history!)!, /return 2 \* x/);
    assert.match(shown(defs!)!, /twice\s+function\s+v1/);
    assert.equal(unknown!.reply.ename, 'UnknownCommand');
    // A console's up-arrow: the image's own history (a % magic as the command it ran), numbered
    // as the cells were (the session ran other parts' cells before these).
    assert.deepEqual((tail as unknown as { history: unknown[] }).history, [
      [0, defs!.reply.execution_count, ':defs'],
      [0, unknown!.reply.execution_count, ':nonsense'],
    ]);
  },
);

test(
  'shutdown saves the image; a restart reopens it with its state',
  { skip: noClient },
  async () => {
    const { results, exited_by_itself, dir } = await part('restart');
    assert.equal(shown(results[2] as Executed), '3');
    assert.equal(exited_by_itself, true);
    // The last shutdown saved too: the image opens with it (in process: the same engine and store).
    const reopened = await session(['kept.length'], { image: join(dir, 'img.json') });
    assert.equal(reopened.results[0]!.value, '4');
  },
);

test(
  'malformed messages are dropped and logged; the kernel answers after',
  { skip: noClient },
  async () => {
    const { results, stderr } = await part('garbage');
    assert.equal(shown(results[0] as Executed), '42');
    assert.match(stderr, /dropped a message on shell: no "<IDS\|MSG>" delimiter frame/);
    assert.match(
      stderr,
      /dropped a message on shell: 2 frames after the delimiter: a signature and 4 JSON parts needed/,
    );
    assert.match(stderr, /dropped a message on shell: the header is not JSON/);
  },
);

test(
  'a running process prints on every tick: stream messages on iopub',
  { skip: noClient },
  async () => {
    const { results } = await part('ticks');
    const [, stream, stopped] = results as [
      Executed,
      { content: Record<string, string> },
      Executed,
    ];
    assert.equal(stream.content.name, 'stdout');
    assert.equal(stopped.reply.status, 'ok', 'the process was stopped');
  },
);

test(
  'a failed cell aborts the cells queued behind it (stop_on_error), as ipykernel does',
  { skip: noClient },
  async () => {
    const { results } = await part('stopOnError');
    const [queued, after, later] = results as [
      { replies: Record<string, unknown>[] },
      Executed,
      Executed,
    ];
    assert.deepEqual(
      queued.replies.map((r) => r.status),
      ['error', 'aborted', 'aborted'],
    );
    assert.equal(shown(after), "'undefinedundefined'");
    // Sent after the failure was seen: it runs.
    assert.equal(shown(later), 'q4: const v1');
  },
);

/** The notebook nbclient runs (the notebook part of the shared session). */
function writeNotebook(path: string): void {
  const cell = (source: string) => ({
    cell_type: 'code',
    execution_count: null,
    metadata: {},
    outputs: [],
    source,
  });
  writeFileSync(
    path,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'viv-nb', display_name: 'Vivarium', language: 'typescript' },
      },
      cells: [
        cell('class Counter {\n  n = 0\n  inc() { return ++this.n }\n}'),
        cell('const c = new Counter()\nc.inc()\nc.inc()'),
        cell("console.log('count', c.n)"),
        cell('class Counter {\n  n = 0\n  inc() { return this.n += 10 }\n}\nc.inc()'),
        cell('c.nope()'),
      ].map((c, i) => ({ ...c, id: `cell-${i}` })),
    }),
  );
}

test(
  'nbclient runs a notebook end to end on the kernel',
  { skip: noClient || noNbclient },
  async () => {
    const { results } = await part('notebook');
    const { cells, language, error } = results[0] as {
      cells: Record<string, any>[][];
      language: string;
      error?: string;
    };
    assert.equal(error, undefined, 'nbclient ran the notebook');
    assert.equal(language, 'typescript');
    assert.equal(cells[0]![0].data['text/plain'], 'Counter: class v1');
    assert.equal(cells[1]![0].data['text/plain'], '2');
    assert.deepEqual(cells[2]![0], { output_type: 'stream', name: 'stdout', text: 'count 2\n' });
    // The live instance took the new method: 2 + 10.
    assert.equal(cells[3]![0].data['text/plain'], '12');
    assert.equal(cells[4]![0].output_type, 'error');
    assert.equal(cells[4]![0].ename, 'TypeError');
  },
);

test(':quit in a cell saves the image and ends the kernel', { skip: noClient }, async () => {
  const { results } = await part('quit');
  const [, quit, waited, , reopened] = results as [
    Executed,
    Executed,
    { exited: boolean },
    unknown,
    Executed,
  ];
  assert.equal(quit.reply.status, 'ok');
  assert.equal(waited.exited, true);
  // The kernel started after it opened the image :quit saved.
  assert.equal(shown(reopened), "'yes'");
});

test('viv jupyter on an image open in another session says so and exits', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'held.json');
    // Held by this process, as a session holds it (one CLI start less than a second viv).
    const holder = await openStore(image, { validate: validateRecord });
    const connection = join(dir.path, 'conn.json');
    writeFileSync(
      connection,
      JSON.stringify({
        ip: '127.0.0.1',
        key: 'k',
        transport: 'tcp',
        shell_port: 1,
        iopub_port: 2,
        stdin_port: 3,
        control_port: 4,
        hb_port: 5,
      }),
    );
    const refused = await run(['jupyter', '--connection-file', connection, '--image', image], '');
    await holder.close();
    assert.equal(refused.status, 2);
    assert.match(
      refused.stderr,
      new RegExp(`held\\.json is open in another Vivarium process \\(pid ${process.pid}\\)`),
    );
  } finally {
    dir.remove();
  }
});

/** Ports free now on loopback (the kernel binds them right after). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const server = createServer();
      return new Promise<Server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

test('a kernel whose starter died shuts down by itself, saving and releasing the image', async () => {
  const dir = tempDir();
  try {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const connection = join(dir.path, 'conn.json');
    writeFileSync(
      connection,
      JSON.stringify({
        ip: '127.0.0.1',
        key: 'secret',
        transport: 'tcp',
        signature_scheme: 'hmac-sha256',
        shell_port: shell,
        iopub_port: iopub,
        stdin_port: stdin,
        control_port: control,
        hb_port: hb,
      }),
    );
    const image = join(dir.path, 'orphan.json');
    // A shell starts the kernel (as Jupyter's kernel manager would), says its pid, and waits.
    const starter = spawn(
      '/bin/sh',
      [
        '-c',
        '"$0" "$@" & echo $!; wait',
        process.execPath,
        CLI,
        'jupyter',
        '--connection-file',
        connection,
        '--image',
        image,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let out = '';
    let err = '';
    starter.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    starter.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const ended = new Promise((resolve) => starter.stderr.on('close', resolve));
    while (!/serving/.test(err)) await new Promise((r) => setTimeout(r, 50));
    const kernel = Number(out.trim());
    starter.kill('SIGKILL');
    await ended; // the kernel held the pipe: it is closed when the kernel has exited
    assert.match(err, /the process that started the kernel \(pid \d+\) is gone: shutting down/);
    // Gone, or a zombie waiting for its new parent to reap it (it may be reaped while we look;
    // the pipe closes a moment before the process has finished exiting: wait for that).
    const exited = () => {
      try {
        return /\) [ZX] /.test(readFileSync(`/proc/${kernel}/stat`, 'utf8'));
      } catch {
        return !existsSync(`/proc/${kernel}`);
      }
    };
    const deadline = Date.now() + 60_000;
    while (!exited() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(exited(), `the kernel (pid ${kernel}) has exited`);
    // Released (opening takes the lock) and saved: it opens.
    const reopened = await session(['1 + 1'], { image });
    assert.equal(reopened.results[0]!.value, '2');
  } finally {
    dir.remove();
  }
});

test(
  'viv jupyter --attach: a notebook and a terminal client drive one served image',
  { skip: noClient },
  async () => {
    const { results, dir } = await part('attach');
    const { image, server, terminal, defined } = attached!;
    try {
      assert.equal(defined.ok, true);
      const [kernel] = results as [{ results: unknown[]; error?: string }];
      assert.equal(kernel.error, undefined, 'the attached kernel ran');
      const [definedF, called, redefined] = kernel.results as Executed[];
      assert.equal(shown(definedF!), 'f: function v1, held: const v1');
      assert.equal(shown(called!), "'from the terminal'");
      assert.equal(shown(redefined!), 'f: function v2');
      assert.match(
        readFileSync(join(dir, 'attach-stderr.log'), 'utf8'),
        /attached to served\.json/,
      );
      // The notebook's kernel has ended (the driver shut it down); the image runs on.
      const seen = await terminal.submit('held.call()');
      assert.deepEqual([seen.ok, seen.ok && seen.value], [true, '2']);
    } finally {
      attached!.stopped = true;
      await terminal.close();
      await server.stop();
    }
    const reopened = await session(['held.call() + 40'], { image });
    assert.deepEqual(
      reopened.results.map((r) => r.value),
      ['42'],
    );
  },
);
