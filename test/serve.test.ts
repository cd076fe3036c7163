// `viv serve` and its clients, end to end: the real CLI serves a real image in a child process
// (where the subject is what a client finds: a long path's socket, the serve after a killed one,
// viv attach in a terminal, the server viv serve makes runs in this process); clients are the
// real client module (what `viv attach` runs) or raw sockets (node:net) for the peers that
// misbehave. Every wait is for a condition, never for a time.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chmodSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childOf, cliEnv, run, startCli, tempDir, untilBusy, withImage } from './helpers.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';
import { connect } from '../src/session/serve/client.ts';
import { connectTo } from '../src/session/serve/attach.ts';
import { readArgs } from './support/command-line.ts';
import { session, shown } from './support/session.ts';
import { raw, serve, serveHere, stillServes, stop, t, until, value } from './support/served.ts';
import type { Served } from './support/served.ts';
import { MAX_BACKLOG_BYTES, MAX_FRAME_BYTES } from '../src/session/serve/protocol.ts';

/**
 * One served image for the tests that need only a running server and clients (each defines names
 * of its own): starting a server per test cost more than the tests themselves.
 */
let sharedServer:
  { served: Served; image: string; dir: { path: string; remove: () => void } } | undefined;
async function shared(): Promise<Served & { image: string }> {
  if (!sharedServer) {
    const dir = tempDir();
    const image = join(dir.path, 'img.json');
    sharedServer = { served: await serve(image), image, dir };
  }
  return { ...sharedServer.served, image: sharedServer.image };
}
after(async () => {
  if (!sharedServer) return;
  await stop(sharedServer.served);
  sharedServer.dir.remove();
});

test('viv serve: two clients redefine a function while a spawned process ticks, and each sees the other', async () => {
  await withImage(async (image) => {
    const served = await serve(image);
    const a = await connect(served.address, served.token);
    const b = await connect(served.address, served.token);
    try {
      const printed: string[] = [];
      b.on('print', (_stream, text) => printed.push(text));
      const changedForB: string[][] = [];
      b.on('changed', (_client, names) => changedForB.push(names));
      assert.equal(await value(a, 'function version() { return 1 }'), 'undefined');
      await value(
        a,
        "function step(s) { if (s.seen.at(-1) !== version()) { s.seen.push(version()); console.log('tick sees v' + version()) } }",
      );
      await value(a, "const ticker = spawn('ticker', { every: 10, state: { seen: [] }, step })");
      // The process has run with A's version (its first tick is 10 ms after the spawn: an entry
      // from B may well arrive before it).
      await until(async () => (await value(a, 'ticker.seen.includes(1)')) === 'true');
      // B redefines what A defined; the running process picks it up between ticks.
      assert.equal(await value(b, 'function version() { return 2 }'), 'undefined');
      await until(async () => (await value(a, 'ticker.seen.includes(2)')) === 'true');
      // A redefines again; B is told, and sees A's version and A's new definition.
      await value(a, 'function version() { return 3 }\nconst fromA = "made by A"');
      await until(() => changedForB.some((names) => names.includes('fromA')));
      assert.equal(await value(b, 'fromA + " " + version()'), "'made by A 3'");
      await until(async () => (await value(b, 'ticker.seen.join()')) === "'1,2,3'");
      // What the process printed between entries reached B (it was pushed, not asked for).
      await until(() => printed.includes('tick sees v3'));
      // B's definitions panel (the defs query) lists what A defined.
      const defs = await b.request({ op: 'defs' });
      assert.equal(defs.kind, 'reply');
      const names =
        defs.kind === 'reply' && defs.reply.ok ? defs.reply.defs.map((d) => d.name) : [];
      assert.ok(names.includes('fromA') && names.includes('version') && names.includes('ticker'));
      assert.ok(a.changedSinceSave.has('fromA'), 'the status line knows what is unsaved');
    } finally {
      await a.close();
      await b.close();
      assert.equal(await stop(served), 143);
    }
    // The served image saved on SIGTERM, and the process's state went with it.
    const reopened = await session(['version()', 'ticker.seen.join()', 'fromA'], { image });
    assert.deepEqual(shown(reopened), ['3', "'1,2,3'", "'made by A'"]);
  });
});

test('viv serve: entries from several clients run one at a time, in the order they arrived', async () => {
  const served = await shared();
  const a = await connect(served.address, served.token);
  const b = await connect(served.address, served.token);
  try {
    await value(a, 'let log = []');
    // Sent without waiting: each is one transaction, and none interleaves with another.
    const sent = [];
    for (let i = 0; i < 10; i++) {
      const client = i % 2 ? b : a;
      sent.push(
        client.submit(
          `log.push(${i}); for (let t = Date.now(); Date.now() - t < 5;) {} log.push(${i})`,
        ),
      );
    }
    await Promise.all(sent);
    // Each entry's two pushes are adjacent (no entry ran inside another), and each client's
    // entries ran in the order it sent them.
    const log = JSON.parse((await value(b, 'JSON.stringify(log)'))!.slice(1, -1)) as number[];
    assert.equal(log.length, 20);
    for (let i = 0; i < 20; i += 2) assert.equal(log[i], log[i + 1]);
    const order = log.filter((_, i) => i % 2 === 0);
    assert.deepEqual(
      order.filter((n) => n % 2 === 0),
      [0, 2, 4, 6, 8],
    );
    assert.deepEqual(
      order.filter((n) => n % 2 === 1),
      [1, 3, 5, 7, 9],
    );
  } finally {
    await a.close();
    await b.close();
  }
});

test('viv serve: :quit detaches a client and the image goes on running', async () => {
  const served = await shared();
  try {
    const a = await connect(served.address, served.token);
    await value(a, 'const kept = 42');
    const bye = await a.submit(':quit');
    assert.match(bye.value ?? '', /detached/);
    assert.equal(a.quitRequested, true);
    await a.close();
    assert.equal(served.child.exitCode, null);
    await stillServes(served, 'kept', '42');
  } finally {
  }
});

test('viv serve: the interrupt of a client (Ctrl-C) stops its endless entry; the entry queued behind it runs', async () => {
  const served = await shared();
  const a = await connect(served.address, served.token);
  const b = await connect(served.address, served.token);
  try {
    await value(a, 'let before = 1');
    const endless = a.submit('before = 2; while (true) {}');
    const runner = await until(() => childOf(served.child.pid!));
    await untilBusy(runner);
    const queued = value(b, 'before + 40');
    a.interrupt();
    const stopped = await endless;
    assert.equal(stopped.error?.name, 'Interrupted');
    // Nothing of the interrupted entry was kept; B's entry ran after it, on the image as it was.
    assert.equal(await queued, '41');
  } finally {
    await a.close();
    await b.close();
  }
});

test('viv serve: a client killed mid-entry leaves the image running, its entry one transaction', async () => {
  const served = await shared();
  try {
    // A child process says hello, sends a long entry, and is killed (SIGKILL) while it runs.
    const script = `
        const net = require('node:net');
        const [path, token] = process.argv.slice(1);
        const s = net.connect(path);
        s.write(JSON.stringify({ vivarium: 1, token }) + '\\n');
        s.once('data', (d) => {
          // Its number, from the welcome (the server's log names it so).
          process.stdout.write(JSON.parse(String(d).split('\\n')[0]).client + '\\n');
          const entry = 'const slow = (() => { let n = 0; for (let t = Date.now(); Date.now() - t < 300;) n++; return "done" })()';
          s.write(JSON.stringify({ type: 'submit', id: 1, text: entry }) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
        });`;
    const path = served.address.slice('unix:'.length);
    const killed = spawn(process.execPath, ['-e', script, path, served.token], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: cliEnv(),
    });
    let said = '';
    killed.stdout!.setEncoding('utf8').on('data', (d: string) => (said += d));
    const signal = await new Promise((resolve) =>
      killed.on('exit', (_code, signal) => resolve(signal)),
    );
    assert.equal(signal, 'SIGKILL');
    // Entries run in arrival order: this one runs after the killed client's entry, whole.
    await stillServes(served, 'slow', "'done'");
    const killedClient = Number(said.trim());
    assert.ok(killedClient > 0, `the killed client said its number: ${said}`);
    await until(() => new RegExp(`client ${killedClient} detached`).test(served.stderr()));
    assert.equal(served.child.exitCode, null);
  } finally {
  }
});

test('viv serve: SIGKILL of the server loses no entry a client was answered for', async () => {
  await withImage(async (image) => {
    const served = await serve(image, ['--autosave', '0']);
    const a = await connect(served.address, served.token);
    for (let i = 1; i <= 5; i++) await value(a, `var n${i} = ${i * 10}`);
    await value(a, 'class Point { constructor(x) { this.x = x } }\nvar p = new Point(7)');
    served.child.kill('SIGKILL');
    await served.closed;
    await a.closed;
    // The Unix socket and the address file are left behind; the next serve replaces them.
    const reopened = await session(['n1 + n2 + n3 + n4 + n5', 'p instanceof Point && p.x'], {
      image,
    });
    assert.deepEqual(shown(reopened), ['150', '7']);
    // (The next serve from this process, by the server viv serve makes.)
    const again = await serveHere(image);
    try {
      await stillServes(again, 'n5', '50');
    } finally {
      await again.stop();
    }
  });
});

test('viv serve: peers that misbehave are refused or dropped, and the image goes on', async () => {
  await withImage(async (image) => {
    // Served from this process, by the server viv serve makes, as --hello-timeout 1500
    // --max-waiting 4 make it: the subject is what the server does with its peers. (That viv serve
    // gives the server its --hello-timeout: serve-audit.test.ts; --max-waiting:
    // serve-attack.test.ts; that it exits 143 on SIGTERM with the image saved: the first test.)
    // A hello timeout long enough that connecting the flood below (five peers, then a client
    // that gets in) takes less even on a loaded machine: what drops a peer there must be the
    // count of waiting peers, not the clock.
    const served = await serveHere(image, { helloTimeoutMs: 1500, maxWaiting: 4 });
    const good = await connect(served.address, served.token);
    await value(good, 'const intact = "yes"');
    const refusal = async (send: string | Buffer, pattern: RegExp) => {
      const peer = raw(served.address);
      await peer.connected;
      peer.socket.write(send);
      const answer = await peer.message(0);
      assert.equal(answer.type, 'refused');
      assert.match(String(answer.reason), pattern);
      await peer.closed;
    };
    try {
      await t('no token', () => refusal('{"vivarium": 1}\n', /no token/));
      await t('wrong token', () =>
        refusal(`{"vivarium": 1, "token": "${'0'.repeat(64)}"}\n`, /wrong token/),
      );
      await t('a token of another length', () =>
        refusal('{"vivarium": 1, "token": "x"}\n', /wrong token/),
      );
      await t('another protocol version', () =>
        refusal(
          `{"vivarium": 2, "token": "${served.token}"}\n`,
          /version 2 is not spoken here; this server speaks 1/,
        ),
      );
      await t('a hello that is not JSON', () => refusal('hello there\n', /not JSON/));
      await t('no hello at all', () =>
        refusal('{"type": "submit", "id": 1, "text": "1"}\n', /no hello/),
      );
      await t('an oversized hello', () =>
        refusal(Buffer.alloc(8000, 'a'), /longer than 4096 bytes/),
      );

      await t('a slow hello is dropped after --hello-timeout', async () => {
        const peer = raw(served.address);
        await peer.connected;
        peer.socket.write(`{"vivarium": 1, "tok`);
        const answer = await peer.message(0);
        assert.match(String(answer.reason), /no hello within 1500 ms/);
        await peer.closed;
      });

      await t(
        'a flood of connections: past --max-waiting, the oldest silent one gives way',
        async () => {
          const flood = [];
          for (let i = 0; i < 4; i++) {
            const peer = raw(served.address);
            await peer.connected;
            flood.push(peer);
          }
          // Each connection past the limit drops the oldest that has not said hello...
          const extra = raw(served.address);
          const answer = await flood[0]!.message(0);
          assert.match(
            String(answer.reason),
            /too many connections are waiting to authenticate \(4\); the oldest is dropped/,
          );
          await flood[0]!.closed;
          // ...so a client that says hello gets in while the flood still waits.
          await stillServes(served, 'intact', "'yes'");
          // A client that had already shown its token is not among the waiting: it goes on.
          assert.equal(await value(good, 'intact'), "'yes'");
          // That client, waiting for its welcome, made five: the next oldest gave way for it. The
          // newer silent peers waited, and are dropped at the hello timeout, not for their number.
          await Promise.all([...flood, extra].map((p) => p.closed));
          assert.match(String(flood[1]!.received[0]?.reason), /too many connections/);
          for (const peer of [flood[2]!, flood[3]!, extra]) {
            assert.equal(peer.received.length, 1, 'the newer silent peers waited');
            assert.match(String(peer.received[0]!.reason), /no hello within 1500 ms/);
          }
        },
      );

      await t(
        'after the hello: a malformed line gets an error and the connection stays',
        async () => {
          const peer = raw(served.address);
          peer.socket.write(`{"vivarium": 1, "token": "${served.token}"}\n`);
          assert.equal((await peer.message(0)).type, 'welcome');
          peer.socket.write('{not json\n{"type": "dance"}\n{"type": "submit", "text": "1"}\n');
          assert.match(String((await peer.message(1)).reason), /not JSON/);
          assert.match(String((await peer.message(2)).reason), /unknown message type "dance"/);
          assert.match(String((await peer.message(3)).reason), /submit needs a numeric "id"/);
          peer.socket.write(
            '{"type": "ask", "id": 5, "request": {"op": "snapshot", "history": []}}\n',
          );
          const refused = (await peer.message(4)).reply as { ok: boolean; error: { name: string } };
          assert.equal(refused.error.name, 'RefusedOp');
          peer.socket.write('{"type": "submit", "id": 6, "text": "intact"}\n');
          const answer = await peer.message(5);
          assert.deepEqual((answer.result as { value: string }).value, "'yes'");
          peer.socket.destroy();
        },
      );

      await t(
        'a hello and a long entry in one write: the entry may be longer than a hello',
        async () => {
          const peer = raw(served.address);
          const entry = JSON.stringify({
            type: 'submit',
            id: 1,
            text: `"${'p'.repeat(10_000)}".length`,
          });
          peer.socket.write(`{"vivarium": 1, "token": "${served.token}"}\n${entry}\n`);
          assert.equal((await peer.message(0)).type, 'welcome');
          const answer = (await peer.message(1)) as { result?: { value: string } };
          assert.equal(answer.result?.value, '10000');
          peer.socket.destroy();
        },
      );

      await t('a client that asks and never reads what it is sent is dropped', async () => {
        // A definition whose source is 200 KB: each `history` reply carries it.
        await value(good, `const big = "${'b'.repeat(200_000)}"`);
        const peer = raw(served.address);
        peer.socket.write(`{"vivarium": 1, "token": "${served.token}"}\n`);
        await peer.message(0);
        peer.socket.pause();
        const ask = JSON.stringify({ type: 'ask', id: 1, request: { op: 'history', name: 'big' } });
        // Replies twice as long as the backlog past which a client is dropped.
        peer.socket.write(`${ask}\n`.repeat(Math.ceil((2 * MAX_BACKLOG_BYTES) / 200_000)));
        await until(
          () => /client \d+ dropped: it stopped reading/.test(served.log.join('\n')) || undefined,
        );
        peer.socket.destroy();
        assert.equal(await value(good, 'big.length'), '200000');
      });

      await t('after the hello: an oversized line closes the connection', async () => {
        const peer = raw(served.address);
        peer.socket.write(`{"vivarium": 1, "token": "${served.token}"}\n`);
        assert.equal((await peer.message(0)).type, 'welcome');
        peer.socket.write(
          `{"type": "submit", "id": 1, "text": "${'x'.repeat(MAX_FRAME_BYTES)}"}\n`,
        );
        const answer = await peer.message(1);
        assert.match(String(answer.reason), /longer than 1048576 bytes.*closed/);
        await peer.closed;
      });

      // The server goes on (in this process: a peer that crashed it would have failed this test
      // with its error): the client that was there and a new one are answered.
      assert.equal(await value(good, 'intact'), "'yes'");
      await stillServes(served, 'intact', "'yes'");
    } finally {
      await good.close();
      await served.stop();
    }
    assert.deepEqual(shown(await session(['intact'], { image })), ["'yes'"]);
  });
});

test('viv serve: the token file is 0600, and one others can read is refused by server and client', async () => {
  const served = await shared();
  assert.equal(statSync(`${served.image}.token`).mode & 0o777, 0o600);
  assert.equal(statSync(served.address.slice('unix:'.length)).mode & 0o777, 0o600);
  await withImage(async (image) => {
    // A token file as viv serve leaves it, made readable by others.
    writeFileSync(`${image}.token`, 'a'.repeat(64) + '\n', { mode: 0o600 });
    chmodSync(`${image}.token`, 0o644);
    const refused = await run(['serve', image], '');
    assert.equal(refused.status, 2);
    assert.match(
      refused.stderr,
      /token file .*img\.json\.token can be read by others \(mode 0644\).*chmod 600/,
    );
    // The image was not opened for nothing: no lock is left and it opens.
    assert.deepEqual(shown(await session(['1 + 1'], { image })), ['2']);
  });
});

test('viv serve --listen 127.0.0.1:0: loopback TCP on a free port; other addresses need --listen-anywhere', async () => {
  await withImage(async (image) => {
    // Read in process, as viv serve reads its command line (its refusals through the real CLI:
    // the token file test above).
    const refused = await readArgs(['serve', image, '--listen', '0.0.0.0:0']);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /0\.0\.0\.0 is not a loopback address.*--listen-anywhere/);
    assert.equal(existsSync(image), false, 'refused before the image was opened');
    assert.equal(existsSync(`${image}.token`), false);
    const badFlag = await readArgs(['--batch', '--listen', '127.0.0.1:0']); // in process
    assert.match(badFlag.stderr, /--listen is an option of viv serve/);
    const served = await serve(image, ['--listen', '127.0.0.1:0']);
    try {
      assert.match(served.address, /^127\.0\.0\.1:[1-9]\d*$/);
      assert.equal(readFileSync(`${image}.address`, 'utf8').split('\n')[0], served.address);
      // viv attach finds address and token beside the image; with an address it needs the token.
      const attached = await run(
        ['attach', image, '--batch', '--json'],
        'const viaTcp = 6 * 7\nviaTcp\n',
      );
      assert.equal(attached.status, 0, attached.stderr);
      assert.match(attached.stdout, /"value":"42"/);
      // (What viv attach connects with, in process: its refusals exit 2, and --token-file reaches
      // it, as the tests below show through the real viv attach.)
      await assert.rejects(connectTo(served.address), /needs --token-file/);
      const withToken = await connectTo(served.address, `${image}.token`);
      try {
        assert.equal(await value(withToken, 'viaTcp'), '42');
      } finally {
        await withToken.close();
      }
    } finally {
      await stop(served);
    }
    assert.equal(existsSync(`${image}.address`), false, 'the address file goes when it stops');
  });
});

test('viv serve: an image path too long for a socket gets a short socket, named in IMAGE.address', async () => {
  const dir = tempDir();
  try {
    const image = join(
      dir.path,
      'a-directory-name-that-makes-the-socket-path-too-long-'.repeat(2),
      'img.json',
    );
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(image, '..'), { recursive: true });
    assert.ok(Buffer.byteLength(`${image}.sock`) > 107);
    // Served from this process, by the server viv serve makes (the real viv attach finds it).
    const served = await serveHere(image);
    try {
      assert.ok(Buffer.byteLength(served.address) - 'unix:'.length <= 107);
      assert.notEqual(served.address, `unix:${image}.sock`);
      assert.equal(readFileSync(`${image}.address`, 'utf8').split('\n')[0], served.address);
      const attached = await run(['attach', image, '--batch', '--json'], '"far away"\n');
      assert.match(
        attached.stdout,
        /"value":"'far away'"/,
        attached.stderr + served.log.join('\n'),
      );
    } finally {
      await served.stop();
    }
  } finally {
    dir.remove();
  }
});

test('viv attach: a clear error when nothing serves the image or the token is wrong', async () => {
  // What viv attach connects with (connectTo), in process; each refusal it throws, viv attach
  // says and exits 2 with, as the real one shows below for a wrong token.
  await withImage(async (image) => {
    await assert.rejects(
      connectTo(image),
      /is not being served: there is no .*img\.json\.address \(start it with: viv serve/,
    );
  });
  // The shared server: what is refused changes nothing of it, and what is changed is put back.
  const served = await shared();
  const image = served.image;
  const wrong = `${image}.wrong`;
  writeFileSync(wrong, 'f'.repeat(64) + '\n', { mode: 0o600 });
  const refused = await run(['attach', served.address, '--token-file', wrong, '--batch'], '1\n');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^viv: .*refused the connection: wrong token/);
  // An address file others could have written is not trusted with the token.
  chmodSync(`${image}.address`, 0o666);
  try {
    await assert.rejects(
      connectTo(image),
      /address file .*img\.json\.address can be written by others \(mode 0666\)/,
    );
  } finally {
    chmodSync(`${image}.address`, 0o600);
  }
  if (process.getuid?.() === 0) {
    // Nor a socket that belongs to someone else.
    const socket = served.address.slice('unix:'.length);
    chownSync(socket, 65534, 65534);
    try {
      await assert.rejects(connectTo(image), /the socket .* belongs to another user \(uid 65534\)/);
    } finally {
      chownSync(socket, 0, 0);
    }
  }
  // What was refused changed nothing: viv attach (what it connects with, in process; the real one
  // finds an image's address and token in the tests above) gets in.
  const fine = await connectTo(image);
  try {
    assert.match((await value(fine, '"still fine"'))!, /still fine/);
  } finally {
    await fine.close();
  }
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const VIV = fileURLToPath(new URL('../bin/viv.js', import.meta.url));

test(
  'viv attach in a terminal: the REPL on a served image, what another client defines shows, Ctrl-D detaches',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async () => {
    await withImage(async (image) => {
      // Served from this process, by the server viv serve makes: the subject is viv attach.
      const served = await serveHere(image);
      const pane = `viv-attach-${process.pid}`;
      // Its own tmux server (-L): a shared one exits when another test kills its last session.
      const tmux = (...args: string[]) =>
        execFileSync('tmux', ['-L', pane, ...args], { encoding: 'utf8', env: cliEnv() });
      const screen = () => tmux('capture-pane', '-t', pane, '-p', '-S', '-200');
      const shows = (what: RegExp) => until(() => what.test(screen()) || undefined, screen);
      const type = (text: string) => {
        tmux('send-keys', '-t', pane, '-l', text);
        tmux('send-keys', '-t', pane, 'Enter');
      };
      const other = await connect(served.address, served.token);
      try {
        const command = `${process.execPath} ${VIV} attach ${image}; echo "attach exited with $?"; sleep 60`;
        tmux('new-session', '-d', '-s', pane, '-x', '110', '-y', '30', '-e', 'CI=true', command);
        await shows(/attached to img\.json \(unix:.*\) as client 2/);
        await shows(/^viv>/m);
        type('class Greeter { hi() { return "hi from the terminal" } }');
        await shows(/Greeter: class v1/);
        // The other client sees the terminal's class; the terminal is told of the other's entry.
        assert.equal(await value(other, 'new Greeter().hi()'), "'hi from the terminal'");
        await value(other, 'const fromOther = 7');
        await shows(/client 1 defined fromOther/);
        // The definitions panel (Ctrl-T) lists both, from the served image.
        tmux('send-keys', '-t', pane, 'C-t');
        await shows(/Definitions[\s\S]*Greeter[\s\S]*fromOther/);
        // Tab completes names of the served image.
        tmux('send-keys', '-t', pane, '-l', 'fromOt');
        tmux('send-keys', '-t', pane, 'Tab');
        await shows(/viv> fromOther/);
        tmux('send-keys', '-t', pane, ' * 6', 'Enter');
        await shows(/^42$/m);
        tmux('send-keys', '-t', pane, 'C-d');
        await shows(/attach exited with 0/);
        // Detaching left the image served.
        assert.equal(await value(other, 'fromOther * 2'), '14');
        await stillServes(served, 'fromOther', '7');
      } finally {
        spawnSync('tmux', ['-L', pane, 'kill-server']);
        await other.close();
        await served.stop();
      }
    });
  },
);

test('viv serve holds the image lock while it serves; SIGINT saves the image and stops it', async () => {
  await withImage(async (image) => {
    const served = await serve(image);
    try {
      const second = await run(['serve', image], '');
      assert.equal(second.status, 2);
      assert.match(second.stderr, /is open in another Vivarium process \(pid \d+\)/);
      assert.match(second.stderr, /it is being served: viv attach .*img\.json reaches it/);
      // Nor does a session open it (in process: the store batch mode opens the image with, whose
      // refusal viv exits 2 with, as image.test.ts shows through the real CLI).
      await assert.rejects(
        openStore(image, { validate: validateRecord }),
        /is open in another Vivarium process \(pid \d+\)/,
      );
      const a = await connect(served.address, served.token);
      await value(a, 'const savedOnInterrupt = "yes"');
      const closing = new Promise<string>((resolve) => a.on('close', resolve));
      // A `viv attach --batch` waiting for input when the server stops: it says why, status 1.
      const attached = startCli(['attach', image, '--batch', '--json']);
      let attachedErr = '';
      attached.child.stderr!.setEncoding('utf8').on('data', (d: string) => (attachedErr += d));
      attached.child.stdin!.write('savedOnInterrupt\n');
      await attached.waitForLines(1);
      served.child.kill('SIGINT');
      assert.equal(await attached.closed, 1);
      assert.match(attachedErr, /viv: the server is stopping: the image is being saved and closed/);
      assert.match(await closing, /the server is stopping: the image is being saved and closed/);
      assert.equal(await served.closed, 130);
    } finally {
      if (served.child.exitCode === null) await stop(served);
    }
    assert.equal(existsSync(`${image}.sock`), false, 'the socket goes when it stops');
    assert.deepEqual(shown(await session(['savedOnInterrupt'], { image })), ["'yes'"]);
  });
});
