// One writer per image file, whatever path reaches it: symlinks (also to a file not there yet),
// `..` segments and hard links share one lock; a zombie holder, a reused pid and a lock from
// before a reboot are stale; a lock naming a live process that is plainly not Vivarium is refused
// with how to clear it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import os from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../src/session/store/image-file.ts';
import { acquireLock, ImageLockedError } from '../src/session/store/lock.ts';
import { commandName, processStat } from '../src/session/store/process-info.ts';
import { closed, scratchDirs, until } from './store-support.ts';
import { cliEnv } from './helpers.ts';

const dir = scratchDirs('store-lock');

/** Runs `body` with a live process that is not Vivarium (`sleep`), killed afterwards. */
async function withSleeper(body: (child: ChildProcess) => Promise<void>): Promise<void> {
  const child = spawn('sleep', ['60']);
  const done = closed(child);
  try {
    await until(() => processStat(child.pid!)?.state === 'S', 'the child to sleep');
    await body(child);
  } finally {
    child.kill('SIGKILL');
    await done;
  }
}

/** Opening `path` must be refused with ImageLockedError whose message matches. */
async function assertLocked(path: string, message: RegExp): Promise<void> {
  await assert.rejects(ImageStore.open(path), (error: unknown) => {
    assert.ok(error instanceof ImageLockedError, `not an ImageLockedError: ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

/** Zombies, start times, command lines and boot ids are read from /proc. */
const linuxOnly = { skip: process.platform === 'linux' ? false : 'needs /proc (Linux)' };

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A live Node process doing nothing (a process that could be Vivarium), until killed. (With Node's
 * startup snapshot, as a CLI starts: without it, which npm test sets for its isolates, a Node start
 * costs ~40 ms more CPU.)
 */
const idleNode = () =>
  spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { env: cliEnv() });

describe('every path to one file shares its lock', () => {
  test('a symlink and its target, also before the target exists', async () => {
    const d = dir();
    const [img, link] = [join(d, 'img.json'), join(d, 'link.json')];
    fs.symlinkSync('img.json', link);
    for (const [first, second] of [
      [img, link],
      [link, img],
    ] as const) {
      const store = await ImageStore.open(first);
      const reaches = second === link ? ` \\(which reaches ${escape(img)}\\)` : '';
      await assertLocked(
        second,
        new RegExp(`^${escape(second)}${reaches} is already open in this Vivarium process`),
      );
      await store.save(1, '{"v":1}');
      await store.close();
    }
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'saving through the link keeps it a link');
    assert.deepEqual(fs.readdirSync(d).sort(), ['img.json', 'img.json.journal', 'link.json']);
  });

  test('`..` segments, resolved after the links they follow', async () => {
    const d = dir();
    fs.mkdirSync(join(d, 'a', 'b'), { recursive: true });
    fs.symlinkSync(join(d, 'a', 'b'), join(d, 'dirlink'));
    const store = await ImageStore.open(join(d, 'a', 'x.json'));
    // dirlink/.. is d/a (the link's target's parent), not d.
    await assertLocked(`${d}/dirlink/../x.json`, new RegExp(`reaches ${escape(d)}/a/x\\.json\\)`));
    await assertLocked(`${d}/a/b/../x.json`, /is already open in this Vivarium process/);
    const other = await ImageStore.open(join(d, 'x.json'));
    await other.close();
    await store.close();
  });

  test('two hard links of one file exclude each other, in this process and another', async () => {
    const d = dir();
    const [img, hard] = [join(d, 'img.json'), join(d, 'hard.json')];
    const store = await ImageStore.open(img);
    await store.save(1, '{"v":1}');
    await store.close();
    fs.linkSync(img, hard);
    const held = await ImageStore.open(img);
    await assertLocked(
      hard,
      new RegExp(
        `^${escape(hard)} is the same file as ${escape(img)} \\(a hard link\\), which is already open in this Vivarium process`,
      ),
    );
    await held.close();

    const url = JSON.stringify(import.meta.resolve('../src/session/store/image-file.ts'));
    const script = `import { ImageStore } from ${url};
      await ImageStore.open(${JSON.stringify(img)}); process.stdout.write('open\\n');
      process.stdin.on('data', () => {}); process.stdin.on('end', () => process.exit(0));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: cliEnv(),
    });
    const done = closed(child);
    let out = '';
    child.stdout!.on('data', (data: Buffer) => (out += data));
    try {
      await until(() => out === 'open\n', 'the child to open the image');
      await assertLocked(
        hard,
        new RegExp(
          `same file as .*img\\.json \\(a hard link\\), which is open in another Vivarium process \\(pid ${child.pid}\\)`,
        ),
      );
    } finally {
      child.stdin!.end();
      await done;
    }
    const reopened = await ImageStore.open(hard);
    await reopened.close();
  });
});

test(
  "a hard-link lock whose holder's image is now another inode (saved since, inode reused) is stale",
  linuxOnly,
  async () => {
    const d = dir();
    const [img, other, hard] = [join(d, 'img.json'), join(d, 'other.json'), join(d, 'hard.json')];
    fs.writeFileSync(other, '');
    const store = await ImageStore.open(img);
    await store.save(1, '{"v":1}');
    await store.close();
    const child = idleNode();
    const done = closed(child);
    try {
      await until(() => processStat(child.pid!) !== null, 'the child to start');
      const { dev, ino } = fs.statSync(img);
      const lock = join(os.tmpdir(), `vivarium-locks-${process.getuid!()}`, `${dev}-${ino}.lock`);
      const holder = (image: string) =>
        `${child.pid}\nstart ${processStat(child.pid!)!.start}\nimage ${JSON.stringify(image)}\n`;
      fs.linkSync(img, hard);
      fs.writeFileSync(lock, holder(hard));
      await assertLocked(
        img,
        /is the same file as .*hard\.json \(a hard link\), which is open in another/,
      );
      fs.writeFileSync(lock, holder(other));
      const reopened = await ImageStore.open(img);
      await reopened.close();
      assert.equal(fs.existsSync(lock), false);
    } finally {
      child.kill('SIGKILL');
      await done;
    }
  },
);

describe('stale and foreign locks', () => {
  test("the lock records the holder's start time", linuxOnly, async () => {
    const image = join(dir(), 'x.json');
    const lock = await acquireLock(image);
    const text = fs.readFileSync(`${image}.lock`, 'utf8');
    assert.match(
      text,
      new RegExp(
        `^${process.pid}\\n(boot .*\\n)?start ${processStat(process.pid)!.start}\\nimage "${escape(image)}"\\n$`,
      ),
    );
    await lock.release();
  });

  test('a zombie holder is stale and taken over', linuxOnly, async () => {
    // The shell starts `head`, which exits once we write to fd 3, and execs `sleep`, which never
    // reaps it: a zombie, deterministically (it exits only after the exec).
    const parent = spawn('sh', ['-c', 'head -c 1 <&3 >/dev/null & echo $!; exec sleep 60'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const done = closed(parent);
    let out = '';
    parent.stdout!.on('data', (data: Buffer) => (out += data));
    try {
      await until(() => out.endsWith('\n'), "the zombie's pid");
      await until(() => commandName(parent.pid!) === 'sleep', 'the shell to exec sleep');
      (parent.stdio[3] as Writable).write('x');
      const zombie = Number(out.trim());
      await until(() => processStat(zombie)?.state === 'Z', 'the child to be a zombie');
      for (const content of [`${zombie}\n`, `${zombie}\nstart ${processStat(zombie)!.start}\n`]) {
        const image = join(dir(), 'x.json');
        fs.writeFileSync(`${image}.lock`, content);
        const store = await ImageStore.open(image);
        assert.equal(fs.readFileSync(`${image}.lock`, 'utf8').split('\n')[0], String(process.pid));
        await store.close();
      }
    } finally {
      parent.kill('SIGKILL');
      await done;
    }
  });

  test(
    'a lock whose pid is alive but started at another time (pid reused) is stale',
    linuxOnly,
    async () => {
      const child = idleNode();
      const done = closed(child);
      try {
        await until(() => processStat(child.pid!) !== null, 'the child to start');
        const image = join(dir(), 'x.json');
        const start = processStat(child.pid!)!.start;
        fs.writeFileSync(`${image}.lock`, `${child.pid}\nstart ${start}\n`);
        await assertLocked(
          image,
          new RegExp(`is open in another Vivarium process \\(pid ${child.pid}\\)`),
        );
        fs.writeFileSync(`${image}.lock`, `${child.pid}\nstart ${Number(start) - 1}\n`);
        const store = await ImageStore.open(image);
        await store.close();
        assert.equal(fs.existsSync(`${image}.lock`), false);
      } finally {
        child.kill('SIGKILL');
        await done;
      }
    },
  );

  test(
    'a lock without a start time naming a live process that is not Vivarium says how to clear it',
    linuxOnly,
    async () => {
      await withSleeper(async (child) => {
        const image = join(dir(), 'x.json');
        fs.writeFileSync(`${image}.lock`, `${child.pid}\n`);
        await assertLocked(
          image,
          new RegExp(
            `^${escape(image)} is locked by ${escape(image)}\\.lock, which names pid ${child.pid} \\(sleep\\), a running process that is not Vivarium: the lock is probably stale; remove ${escape(image)}\\.lock if no Vivarium has this image open$`,
          ),
        );
        assert.equal(fs.readFileSync(`${image}.lock`, 'utf8'), `${child.pid}\n`, 'left as it was');
      });
    },
  );

  test(
    "a lock naming a live process that is not Vivarium, with that process's real start time, says it is probably stale",
    linuxOnly,
    async () => {
      await withSleeper(async (child) => {
        const image = join(dir(), 'x.json');
        const content = `${child.pid}\nstart ${processStat(child.pid!)!.start}\nimage ${JSON.stringify(image)}\n`;
        fs.writeFileSync(`${image}.lock`, content);
        await assertLocked(
          image,
          new RegExp(
            `^${escape(image)} is locked by ${escape(image)}\\.lock, which names pid ${child.pid} \\(sleep\\), a running process that is not Vivarium: the lock is probably stale; remove ${escape(image)}\\.lock if no Vivarium has this image open$`,
          ),
        );
        assert.equal(fs.readFileSync(`${image}.lock`, 'utf8'), content, 'left as it was');
      });
    },
  );

  test('a lock from another boot is stale', linuxOnly, async () => {
    const image = join(dir(), 'x.json');
    fs.writeFileSync(
      `${image}.lock`,
      `${process.ppid}\nboot 00000000-0000-0000-0000-000000000000\n`,
    );
    const store = await ImageStore.open(image);
    await store.close();
  });
});
