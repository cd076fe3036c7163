// Node REPL habits: `.help`, `.exit` and the other dot commands are not JavaScript (a line that
// starts with `.` and a letter cannot be an expression), so instead of a SyntaxError they run
// the `:` command that does the same, or say what to use instead.

/** What a dot command stands for: a `:command` to run, or a message pointing to one. */
export type DotCommand = { command: string } | { message: string };

const POINTERS: Record<string, string> = {
  editor:
    'Vivarium has no .editor: type :{ then the lines, then :} (or just type on: an incomplete entry continues on the next line), or press Ctrl-X Ctrl-E to write the entry in your $EDITOR',
  break: 'Vivarium has no .break: Ctrl-C clears the entry, Esc cancels a multi-line one',
  clear: 'Vivarium has no .clear: Ctrl-C clears the entry; definitions stay until :forget NAME',
};

/** True for a line that is a dot command rather than an entry. */
export function isDotCommand(text: string): boolean {
  return /^\.[A-Za-z]\w*(\s|$)/.test(text.trim());
}

export function dotCommand(text: string): DotCommand {
  const [, name = '', args = ''] = /^\.(\w+)\s*([\s\S]*)$/.exec(text.trim()) ?? [];
  if (name === 'help') return { command: ':help' };
  if (name === 'exit') return { command: ':quit' };
  if (name === 'save' && args === '') return { command: ':save' };
  if (name === 'load' && args !== '') return { command: `:load ${args}` };
  return {
    message:
      POINTERS[name] ??
      `.${name} is a Node REPL command; Vivarium's commands start with : (:help lists them)`,
  };
}
