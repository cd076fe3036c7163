// How an entry is parsed as JavaScript: a script (as V8 runs it), with top-level await and a
// hashbang allowed. One place, for the passes that must agree on what parses (the analysis, the
// stripper's "is it plain JavaScript" test, the import split).
import * as acorn from 'acorn';

/** The entry's program; throws acorn's SyntaxError (with `pos`) when it does not parse. */
export function parseScript(code: string): acorn.Program {
  return acorn.parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowAwaitOutsideFunction: true,
    allowHashBang: true,
  });
}
