// Serving, checked against issue 14 point by point: what an audit found missing. Peers in process
// (a real Server on a real Unix socket, on an engine with its isolate in this process, raw sockets
// for the peers that misbehave); autosave through `viv serve` itself, as test/serve.test.ts does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir, withImage } from './helpers.ts';
import { raw, serve, stop, until, value } from './support/served.ts';
import { connect } from '../src/session/serve/client.ts';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';
import { Server } from '../src/session/serve/server.ts';
import type { InspectView } from '../src/shared/types.ts';

/** A server on a fresh image in this process; `body` gets its socket address, token and log. */
async function withServer(
  body: (served: { address: string; token: string; log: string[] }) => Promise<void>,
): Promise<void> {
  const dir = tempDir();
  const image = join(dir.path, 'img.json');
  const engine = await openSession({
    guest: InProcessGuest.start,
    store: await openStore(image, { validate: validateRecord }),
  });
  const token = randomBytes(32).toString('hex');
  const log: string[] = [];
  const path = join(dir.path, 'img.sock');
  const server = new Server({
    image,
    address: { kind: 'unix', path },
    token,
    log: (text) => log.push(text),
  });
  try {
    await server.listen(engine);
    await body({ address: `unix:${path}`, token, log });
  } finally {
    await server.close('the test ends');
    await engine.close();
    dir.remove();
  }
}

test("a peer's hello with escape sequences, NUL or CR reaches the server's log escaped, never raw", async () => {
  await withServer(async ({ address, log }) => {
    const peer = raw(address);
    await peer.connected;
    // Retitle the terminal, clear it, and rewrite the log line: what a peer without the token sends.
    peer.socket.write('\u001b]0;owned\u0007\u001b[2J\u0000\r viv: client 1 attached\n');
    const answer = await peer.message(0);
    assert.equal(answer.type, 'refused');
    await peer.closed;
    const line = await until(() => log.find((l) => l.startsWith('refused a connection')));
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
    assert.match(line, /not JSON \(Unexpected token '\\u001b', "\\u001b\]0;owned\\u0007"/);
  });
});

test('a query op with fields of the wrong type is answered BadRequest, naming the field; the image answers after', async () => {
  await withServer(async ({ address, token }) => {
    const peer = raw(address);
    peer.socket.write(`{"vivarium": 1, "token": "${token}"}\n`);
    assert.equal((await peer.message(0)).type, 'welcome');
    const asks: [object, RegExp][] = [
      [{ op: 'complete', text: null }, /complete needs "text", a string/],
      [{ op: 'history', name: { x: 1 } }, /history needs "name", a string/],
      [{ op: 'frame' }, /frame needs "name", a string/],
      [{ op: 'inspect', id: 'x', path: [] }, /inspect needs "last", true/],
      [{ op: 'inspect', last: true, path: 5 }, /inspect needs "path", an array of strings/],
      [{ op: 'inspect', last: true, path: [1] }, /inspect needs "path", an array of strings/],
    ];
    for (const [i, [request, expected]] of asks.entries()) {
      peer.socket.write(JSON.stringify({ type: 'ask', id: i, request }) + '\n');
      const answer = await peer.message(i + 1);
      const reply = answer.reply as { ok: boolean; error: { name: string; message: string } };
      assert.equal(answer.id, i);
      assert.equal(reply.error.name, 'BadRequest', JSON.stringify(reply));
      assert.match(reply.error.message, expected);
    }
    // Well-formed ones are answered by the image as before.
    const answer = (id: number) => until(() => peer.received.find((m) => m.id === id));
    peer.socket.write('{"type": "submit", "id": 10, "text": "const total = 6 * 7"}\n');
    assert.equal(((await answer(10)).result as { ok: boolean }).ok, true);
    peer.socket.write('{"type": "ask", "id": 11, "request": {"op": "complete", "text": "tot"}}\n');
    const completed = (await answer(11)).reply as { candidates: string[] };
    assert.deepEqual(completed.candidates, ['total']);
    peer.socket.destroy();
  });
});

test('viv serve autosaves: an entry reaches the image file while it serves, with no signal and no :save', async () => {
  await withImage(async (image) => {
    const served = await serve(image, ['--autosave', '1', '--hello-timeout', '1500']);
    // The same viv serve shows that --hello-timeout reaches its server (what the server does with
    // its peers is in serve.test.ts, in process): a peer that says nothing is dropped after it.
    const silent = raw(served.address);
    const client = await connect(served.address, served.token);
    try {
      const defined = await client.submit('function autosaved() { return 1 }');
      assert.deepEqual(defined.defined, [{ name: 'autosaved', kind: 'function', version: 1 }]);
      assert.equal(await value(client, 'autosaved()'), '1');
      // A snapshot on disk holds it (the journal alone would not put it in the image file).
      await until(
        () => (existsSync(image) && readFileSync(image, 'utf8').includes('autosaved')) || undefined,
        () => served.stderr(),
      );
      assert.equal(served.child.exitCode, null, 'still serving');
      assert.match(String((await silent.message(0)).reason), /no hello within 1500 ms/);
      await silent.closed;
    } finally {
      silent.socket.destroy();
      await client.close();
      await stop(served);
    }
  });
});

test("the inspector over the wire: an attached client's :inspect opens the view, and walking it asks the served image", async () => {
  await withServer(async ({ address, token }) => {
    const client = await connect(address, token);
    try {
      await client.submit("const deep = { a: { b: { c: [1, 2, 3] } }, name: 'x' }");
      const opened = await client.submit(':inspect deep');
      assert.equal(opened.ok, true, JSON.stringify(opened.error));
      const panel = opened.panel as { kind: string; view: InspectView };
      assert.equal(panel.kind, 'inspect');
      assert.deepEqual(
        panel.view.fields.map((f) => [f.key, f.expandable]),
        [
          ['a', true],
          ['name', false],
        ],
      );
      const walked = await client.request({ op: 'inspect', id: panel.view.id, path: ['a', 'b'] });
      assert.equal(walked.kind, 'reply', JSON.stringify(walked));
      const view = (walked as { reply: InspectView }).reply;
      assert.deepEqual(
        view.fields.map((f) => [f.key, f.preview]),
        [['c', '[ 1, 2, 3 ]']],
      );
    } finally {
      await client.close();
    }
  });
});
