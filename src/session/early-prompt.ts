// What the CLI may do with the instant prompt bin/viv.js draws while the REPL loads.
/** The instant prompt `bin/viv.js` draws while the REPL loads (see there). */
export interface EarlyPrompt {
  print(text: string): void;
  handOver(): NodeJS.ReadableStream;
  cancel(): void;
  /** Ctrl-C and Ctrl-D typed while the image opens (undefined: stop telling). */
  onKey?(listener: ((key: 'interrupt' | 'eof') => void) | undefined): void;
}
