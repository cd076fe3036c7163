// `viv serve` under attack: what an adversary (or bad luck) does to a served image, through the real
// CLI, real sockets, real processes and real files. Each case is a defect that was found by trying
// it, or a durability rule that must hold whatever the timing. Every wait is for a condition; the
// random kill schedule is seeded (the seed is printed, VIV_SEED=N replays it).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { cliEnv, run, tempDir, withImage, withSmallDisk } from './helpers.ts';
import { connect } from '../src/session/serve/client.ts';
import { connectTo } from '../src/session/serve/attach.ts';
import { readArgs } from './support/command-line.ts';
import { ensureToken, readToken } from '../src/session/serve/token.ts';
import { MAX_BACKLOG_BYTES } from '../src/session/serve/protocol.ts';
import { session, shown } from './support/session.ts';
import { raw, serve, serveHere, stillServes, stop, until, value } from './support/served.ts';
import type { Served } from './support/served.ts';

const hello = (token: string) => `{"vivarium": 1, "token": "${token}"}\n`;

/**
 * One served image for the tests that need only a running server (a server start less each). A
 * hello timeout far past the test: without the oldest giving way, a client would wait for it.
 */
let sharedServer: { served: Served; dir: { path: string; remove: () => void } } | undefined;
async function shared(): Promise<Served> {
  if (!sharedServer) {
    const dir = tempDir();
    const served = await serve(join(dir.path, 'img.json'), [
      '--hello-timeout',
      '600000',
      '--max-waiting',
      '4',
    ]);
    sharedServer = { served, dir };
  }
  return sharedServer.served;
}
after(async () => {
  if (!sharedServer) return;
  await stop(sharedServer.served);
  sharedServer.dir.remove();
});

test('viv serve and viv attach: a token file that is a FIFO, a symlink, empty or not a token is refused at once, saying what it is', async () => {
  await withImage(async (image) => {
    const token = `${image}.token`;
    const refused = async (pattern: RegExp) => {
      // A FIFO once made `viv serve` wait for a writer for ever, before it said anything.
      const served = await run(['serve', image], '');
      assert.equal(served.status, 2, served.stderr);
      assert.match(served.stderr, pattern);
      assert.equal(existsSync(image), false, 'refused before the image was opened');
      const attached = await run(['attach', `unix:${image}.sock`, '--token-file', token], '');
      assert.equal(attached.status, 2, attached.stderr);
      assert.match(attached.stderr, pattern);
      rmSync(token);
    };
    // The others through what the two read the token file with (serve: ensureToken, attach:
    // readToken), in process; the FIFO above shows how the CLIs report what these throw.
    const refusedInProcess = (pattern: RegExp) => {
      assert.throws(() => ensureToken(token), pattern);
      assert.throws(() => readToken(token), pattern);
      rmSync(token);
    };
    spawnSync('mkfifo', [token]);
    await refused(/token file .*img\.json\.token is not a regular file; remove it/);
    writeFileSync(`${image}.secret`, 'a'.repeat(64) + '\n', { mode: 0o600 });
    symlinkSync(`${image}.secret`, token);
    refusedInProcess(/token file .*img\.json\.token is a symbolic link/);
    writeFileSync(token, '', { mode: 0o600 });
    refusedInProcess(/token file .*img\.json\.token does not hold a token \(64 hex digits\)/);
    // A token followed by blank lines (an editor's doing) is still the token: the server viv
    // serve makes (here in process) takes it, and a client that shows it gets in.
    writeFileSync(token, 'b'.repeat(64) + '\n\n', { mode: 0o600 });
    const served = await serveHere(image);
    try {
      assert.equal(served.token, 'b'.repeat(64));
      await stillServes(served, '1 + 1', '2');
    } finally {
      await served.stop();
    }
  });
});

test('viv serve on a full disk: it says which file it could not write, and leaves no empty token file behind', async (t) => {
  await withSmallDisk(t, '64k', async (mount) => {
    // Fill it but for one page: the lock file takes it, and the token file is made but not written.
    spawnSync('dd', ['if=/dev/zero', `of=${join(mount, 'fill')}`, 'bs=4k', 'count=15'], {
      stdio: 'ignore',
    });
    const image = join(mount, 'img.json');
    const full = await run(['serve', image], '');
    assert.equal(full.status, 2);
    assert.match(full.stderr, /cannot write the token file .*img\.json\.token: ENOSPC/);
    // Once there is room, serving works: no empty token file from before is in the way.
    assert.equal(existsSync(`${image}.token`), false);
    rmSync(join(mount, 'fill'));
    // (Served from this process, by the server viv serve makes: it makes the token file.)
    const served = await serveHere(image);
    try {
      await stillServes(served, '"room now"', "'room now'");
    } finally {
      await served.stop();
    }
  });
});

test('viv serve --listen unix: (no path) is refused before the image opens', async () => {
  await withImage(async (image) => {
    // Read in process, as viv serve reads its command line (its refusals through the real CLI: the
    // token file and full disk tests above).
    const bad = await readArgs(['serve', image, '--listen', 'unix:']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"unix:" names no socket: give unix:PATH/);
    assert.equal(existsSync(image), false);
  });
});

test('viv serve: a flood of silent connections does not keep a client with the token out', async () => {
  // The shared server: a hello timeout far past the test, at most 4 waiting for their hello.
  const served = await shared();
  const flood = [];
  try {
    for (let i = 0; i < 20; i++) {
      const peer = raw(served.address);
      await peer.connected;
      flood.push(peer);
    }
    // All but the last four were told why they were dropped.
    for (const peer of flood.slice(0, 16)) {
      assert.match(String((await peer.message(0)).reason), /the oldest is dropped/);
    }
    await stillServes(served, '"in despite the flood"', "'in despite the flood'");
  } finally {
    for (const peer of flood) peer.socket.destroy();
  }
});

test('viv serve: :edit runs the editor on the attached client, is refused over the wire, and paths say where they are', async () => {
  await withImage(async (image) => {
    const served = await serve(image);
    const dir = tempDir();
    const editor = join(dir.path, 'editor.sh');
    // An "editor" that makes the function answer 2, and leaves a mark where it ran.
    writeFileSync(
      editor,
      `#!/bin/sh\nsed -i 's/return 1/return 2/' "$1"\ntouch ${join(dir.path, 'ran-here')}\n`,
    );
    chmodSync(editor, 0o755);
    const saved = { EDITOR: process.env.EDITOR, VISUAL: process.env.VISUAL };
    process.env.EDITOR = editor;
    delete process.env.VISUAL;
    const a = await connect(served.address, served.token);
    try {
      await value(a, 'function f() { return 1 }');
      const edited = await a.submit(':edit f');
      assert.equal(edited.ok, true, JSON.stringify(edited.error));
      assert.ok(existsSync(join(dir.path, 'ran-here')), 'the editor ran in the client');
      assert.equal(await value(a, 'f()'), '2');
      // A peer without a terminal of its own: refused, and no editor starts on the server's.
      const peer = raw(served.address);
      peer.socket.write(hello(served.token));
      await peer.message(0);
      peer.socket.write('{"type": "submit", "id": 1, "text": ":edit f"}\n');
      const refused = (await peer.message(1)).result as { error: { message: string } };
      assert.match(refused.error.message, /:edit opens an editor where the command runs/);
      peer.socket.destroy();
      // :save PATH would move the image away from its socket and token.
      const saveAs = await a.submit(':save elsewhere.json');
      assert.match(saveAs.error?.message ?? '', /a served image is saved where it is/);
      // A relative path would be the server's directory's: refused, naming it.
      const relative = await a.submit(':export code');
      assert.match(relative.error?.message ?? '', /paths on the machine where it runs.*absolute/);
      const absolute = await a.submit(`:export ${join(dir.path, 'code')}`);
      assert.equal(absolute.ok, true, JSON.stringify(absolute.error));
      assert.ok(existsSync(join(dir.path, 'code', 'vivarium.json')));
      assert.equal((await a.submit(':save')).ok, true);
    } finally {
      process.env.EDITOR = saved.EDITOR;
      if (saved.EDITOR === undefined) delete process.env.EDITOR;
      if (saved.VISUAL !== undefined) process.env.VISUAL = saved.VISUAL;
      await a.close();
      await stop(served);
      dir.remove();
    }
    assert.deepEqual(shown(await session(['f()'], { image })), ['2']);
    assert.equal(existsSync(join(image, '..', 'elsewhere.json')), false);
  });
});

/** A small seeded generator (mulberry32): the same seed, the same schedule. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('viv serve: SIGKILL at random instants while two clients submit loses no answered entry and doubles none', async () => {
  const seed = Number(process.env.VIV_SEED ?? Date.now() % 100_000);
  console.log(`# kill schedule seed ${seed} (VIV_SEED=${seed} replays it)`);
  const next = random(seed);
  await withImage(async (image) => {
    assert.deepEqual(shown(await session(['var log = []'], { image })), ['undefined']);
    const answered: number[] = [];
    let n = 0;
    for (let round = 0; round < 3; round++) {
      const served = await serve(image, ['--autosave', next() < 0.5 ? '0' : '1']);
      const clients = [
        await connect(served.address, served.token),
        await connect(served.address, served.token),
      ];
      // The kill comes after a random number of answers, in the middle of what is in flight.
      const killAfter = answered.length + 1 + Math.floor(next() * 12);
      let killed = false;
      const submitter = async (client: (typeof clients)[number]) => {
        for (;;) {
          const i = n++;
          const result = await client.submit(`log.push(${i})`);
          if (!result.ok) return; // the connection is gone
          answered.push(i);
          if (!killed && answered.length >= killAfter) {
            killed = true;
            served.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(clients.map(submitter));
      await served.closed;
    }
    const [json] = shown(await session(['JSON.stringify(log)'], { image }));
    const log = JSON.parse(JSON.parse(json!.replace(/^'|'$/g, '"'))) as number[];
    assert.equal(new Set(log).size, log.length, `an entry doubled (seed ${seed}): ${log}`);
    for (const i of answered) assert.ok(log.includes(i), `entry ${i} was lost (seed ${seed})`);
  });
});

test('viv serve: a process that prints faster than clients read drops nobody; a stopped client (SIGSTOP) is skipped, then told', async () => {
  const served = await shared();
  // What the server logs from here on (it is the file's shared server).
  const logged = served.stderr().length;
  const log = () => served.stderr().slice(logged);
  // A client in a child process that counts what it is sent, and is stopped (SIGSTOP).
  const script = `
    const net = require('node:net');
    const s = net.connect(process.argv[1]);
    s.write(JSON.stringify({ vivarium: 1, token: process.argv[2] }) + '\\n');
    s.once('data', () => console.log('welcomed'));
    let buffer = '';
    s.on('data', (d) => {
      buffer += d;
      if (/skipped: this client read more slowly/.test(buffer)) { console.log('told'); process.exit(0); }
      buffer = buffer.slice(-200);
    });`;
  const stopped = spawn(
    process.execPath,
    ['-e', script, served.address.slice('unix:'.length), served.token],
    // cliEnv: without npm test's --no-node-snapshot (a client needs no isolate; it starts faster).
    { stdio: ['ignore', 'pipe', 'ignore'], env: cliEnv() },
  );
  let said = '';
  stopped.stdout!.setEncoding('utf8').on('data', (d: string) => (said += d));
  const a = await connect(served.address, served.token);
  try {
    await until(() => said.includes('welcomed') || undefined);
    stopped.kill('SIGSTOP');
    let printed = 0;
    let printedBytes = 0;
    a.on('print', (_stream: string, text: string) => {
      printed++;
      printedBytes += text.length;
    });
    await value(
      a,
      "const noisy = spawn('noisy', { every: 1, state: { n: 0 }, step(s) { s.n++; console.log('x'.repeat(200000)) } })",
    );
    // Far more is printed than the stopped client's share of the server's memory: twice what
    // would drop it, as the reading client counts it (the server sends each print to both).
    await until(() => printedBytes > 2 * MAX_BACKLOG_BYTES || undefined);
    assert.ok(printed > 0, 'the client that reads gets what is printed');
    stopped.kill('SIGCONT');
    await until(
      () => said.includes('told') || undefined,
      () => said + log(),
    );
    const quiet = await a.submit(':stop noisy');
    assert.equal(quiet.ok, true, JSON.stringify(quiet) + log());
    assert.doesNotMatch(log(), /dropped/);
    assert.equal(served.child.exitCode, null);
  } finally {
    stopped.kill('SIGKILL');
    await a.close();
  }
});

test('viv attach IMAGE after the server was killed: the address file left behind is known stale, and the token goes to nobody on its old port', async () => {
  await withImage(async (image) => {
    const served = await serve(image, ['--listen', '127.0.0.1:0']);
    served.child.kill('SIGKILL');
    await served.closed;
    assert.ok(existsSync(`${image}.address`), 'a killed server leaves its address file');
    // Someone else takes the port it listened on, and keeps what it is sent.
    const port = Number(served.address.split(':')[1]);
    let heard = '';
    const thief = createServer((socket) =>
      socket.setEncoding('utf8').on('data', (d: string) => (heard += d)),
    );
    await new Promise<void>((resolve) => thief.listen(port, '127.0.0.1', resolve));
    try {
      // What viv attach connects with, in process (its refusals exit 2, saying this: the token
      // file test above, through the real viv attach).
      await assert.rejects(
        connectTo(image),
        /is not being served: the server that wrote .*img\.json\.address \(pid \d+\) is gone/,
      );
      assert.equal(heard, '', 'the token was not sent');
    } finally {
      thief.close();
    }
  });
});
