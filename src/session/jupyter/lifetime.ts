// How a running kernel is ended from outside its sockets: SIGTERM and SIGHUP shut it down (the
// image is saved), SIGINT interrupts the running cell, and a kernel whose starter is gone shuts
// down by itself (a kernel whose manager died must not hold the image's lock for ever; ipykernel
// watches its parent too).

/** How often the kernel checks that the process that started it is still there. */
const PARENT_POLL_MS = 1000;

/** Watches signals and `parent` (a pid) until `finished` resolves; then lets go of both. */
export async function watchLifetime(
  finished: Promise<void>,
  on: { stop: () => void; interrupt: () => void; log: (text: string) => void },
  parent: number | undefined,
): Promise<void> {
  const { stop, interrupt } = on;
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  process.on('SIGINT', interrupt);
  const orphan = setInterval(() => {
    if (parent === undefined || process.ppid === parent) return;
    on.log(`the process that started the kernel (pid ${parent}) is gone: shutting down`);
    stop();
  }, PARENT_POLL_MS);
  orphan.unref();
  try {
    await finished;
  } finally {
    clearInterval(orphan);
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
    process.off('SIGINT', interrupt);
  }
}
