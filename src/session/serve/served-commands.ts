// What a served image does with commands that mean something else over the wire: `:quit` detaches
// the client that typed it (the image goes on running), and commands that would open an editor on
// the server's terminal, move the image, or take a path relative to the server's directory are
// refused with what to do instead.
import { isAbsolute } from 'node:path';
import { dotCommand, isDotCommand } from '../commands/dot-commands.ts';

/**
 * The commands a client may not run as typed on a served image: `:edit` would open an editor on
 * the server's terminal (`viv attach` runs it on the client's: see RemoteSession.submit), `:save
 * PATH` would move the image away from its socket, token and lock, and a relative path would be
 * taken from the server's directory, not the client's.
 */
export function servedRefusal(text: string): { name: string; message: string } | undefined {
  const match = /^:(edit|save|export|dump|load|import)(?:\s+([\s\S]*))?$/.exec(asCommand(text));
  if (!match) return undefined;
  const [, command, rest = ''] = match;
  const args = rest.trim();
  if (command === 'edit') {
    return {
      name: 'EditError',
      message:
        ':edit opens an editor where the command runs, and a served image has no terminal: viv attach runs it on your machine; over the wire, send the edited definition as an entry',
    };
  }
  if (command === 'save') {
    return args === ''
      ? undefined
      : {
          name: 'SaveError',
          message: `a served image is saved where it is (:save with no path); :save ${args} would move it away from its socket and token. To copy it: viv export, or cp the image after :save`,
        };
  }
  // The path is the last word of :dump EXPR FILE, the only word of the others.
  const path = command === 'dump' ? (/\S+$/.exec(args)?.[0] ?? '') : args;
  if (path === '' || isAbsolute(path)) return undefined;
  return {
    name: 'UsageError',
    message: `:${command} ${path}: a served image takes paths on the machine where it runs, from its own directory (${process.cwd()}), not yours; give an absolute path`,
  };
}

/** `:quit`, `:quit!` and `.exit` detach a client: they do not end the served image. */
export function isDetach(text: string): boolean {
  return /^:quit!?$/.test(asCommand(text));
}

/** An entry as the `:command` it is (a `.command` of Node's REPL is one too). */
function asCommand(text: string): string {
  const command = text.trim();
  if (!isDotCommand(command)) return command;
  const dot = dotCommand(command);
  return 'message' in dot ? '' : dot.command;
}
