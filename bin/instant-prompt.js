// The instant prompt of `viv [IMAGE]` on a terminal (as zsh's powerlevel10k has): the prompt shows
// and takes keystrokes at once, while the REPL and the image load; the REPL then draws itself in
// its place and receives everything typed, so nothing is lost. Plain JavaScript, imported by
// bin/viv.js before anything else is loaded.
const { PassThrough } = process.getBuiltinModule('node:stream');

export function instantPrompt(stdin, stdout) {
  const chunks = [];
  let line = '';
  /** Once the REPL is up, keystrokes go on through this stream, which ink reads as its stdin. */
  let input;
  let cancelled = false;
  /** While the image opens, Ctrl-C and Ctrl-D go to the opening (they stop the replay, or quit). */
  let onKey;
  /** Those typed before the opening listens (the session still loading): told when it does. */
  const early = [];
  const onData = (chunk) => {
    if (input) return void input.write(chunk);
    let text = chunk.toString('utf8');
    if (/[\u0003\u0004]/.test(text)) {
      for (const char of text.match(/[\u0003\u0004]/g)) {
        const key = char === '\u0003' ? 'interrupt' : 'eof';
        if (onKey) onKey(key);
        else early.push(key);
      }
      text = text.replace(/[\u0003\u0004]/g, '');
      if (text === '') return;
      chunk = Buffer.from(text, 'utf8');
    }
    chunks.push(chunk);
    // Echo what is plainly typed; keys with escape sequences are for the REPL to interpret.
    if (!/[\u0000-\u001f\u007f]/.test(text)) {
      line += text;
      stdout.write(text);
    }
  };
  stdout.write('viv> ');
  stdin.setRawMode(true);
  stdin.on('data', onData);
  return {
    /** Lines printed while loading go above the prompt, which is drawn again under them. */
    print(text) {
      if (!input && !cancelled) stdout.write(`\r\u001b[2K${text}\nviv> ${line}`);
    },
    /** The REPL is ready: the prompt line goes; its stdin starts with everything typed so far. */
    handOver() {
      stdout.write('\r\u001b[2K');
      input = Object.assign(new PassThrough(), {
        isTTY: true,
        setRawMode: (mode) => stdin.setRawMode(mode),
        ref: () => stdin.ref(),
        unref: () => stdin.unref(),
      });
      for (const chunk of chunks) input.write(chunk);
      return input;
    },
    onKey(listener) {
      onKey = listener;
      if (listener) for (const key of early.splice(0)) listener(key);
    },
    /** Not going to the REPL after all (an error): leave the terminal as it was. */
    cancel() {
      if (input || cancelled) return;
      cancelled = true;
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stdout.write('\r\u001b[2K');
    },
  };
}
