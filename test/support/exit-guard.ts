// Loaded into every test process (`--import`, test/support/run-all.ts). A test process ends
// through `process.reallyExit`, with the exit code the test runner set, once its 'exit' listeners
// have run, so Node's teardown of the environment does not run. In that teardown isolated-vm
// releases its state for Node's own isolate, and a handle finalised after that aborts the process
// (`IsolateEnvironment::GetCurrent(): Assertion 'environment != nullptr'`): rarely, after every
// test of a file had passed, which then counted as a failed run. The runner process leaves
// without that teardown for the same reason (runner/main.ts `exitNow`). Nothing is lost: the
// reporter has written its output (to a pipe: synchronously) by then.
declare global {
  namespace NodeJS {
    interface Process {
      /** What `process.exit` calls after the 'exit' event: leaves without the teardown. */
      reallyExit(code: number): never;
    }
  }
}

// Added when the event loop first empties, so after the test runner's own 'exit' listeners.
process.once('beforeExit', () => {
  process.on('exit', (code) => process.reallyExit(Number(process.exitCode ?? code)));
});

export {};
