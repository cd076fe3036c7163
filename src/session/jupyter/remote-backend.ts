// `viv jupyter --attach TARGET`: the kernel drives an image served by `viv serve`, through the same
// client as `viv attach` (serve/client.ts). The served image keeps running when the kernel ends;
// other terminals and notebooks attached to it see what the notebook defines, and the reverse.
import type { RemoteSession } from '../serve/client.ts';
import { complete } from '../commands/queries.ts';
import { completeCommand } from '../commands/commands.ts';
import type { KernelBackend, OutputListener } from './backend.ts';

export function remoteBackend(session: RemoteSession): KernelBackend {
  let listener: OutputListener = (_stream, text) => process.stderr.write(`viv: ${text}\n`);
  session.on('print', (stream, text) => listener(stream, text));
  session.on('notice', (text) => listener('err', text));
  session.on('changed', (client, names) =>
    listener('err', `client ${client} defined ${names.join(', ')}`),
  );
  return {
    submit: (text) => session.submit(text),
    complete: async (before) => completeCommand(before) ?? (await complete(session, before)),
    // The server runs `:inspect` as the prompt does (one transaction, in arrival order).
    inspect: (expression) => session.submit(`:inspect ${expression}`),
    interrupt: () => session.interrupt(),
    history: () => session.history,
    onOutput(next) {
      listener = next;
    },
    get description() {
      return `${session.image}, served at ${session.address} (attached as client ${session.client})`;
    },
    get quitRequested() {
      return session.quitRequested;
    },
    // Detaches; the served image goes on (its server saves it).
    async close() {
      await session.close();
    },
  };
}
