// Runs a synchronous cleanup once however the process ends: normal exit,
// an uncaught error, SIGINT, SIGTERM or SIGHUP. Signals are re-raised after
// cleanup when nobody else handles them, so the exit status still says how
// the process died.

const cleanups = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const fn of [...cleanups]) {
    try {
      fn();
    } catch {
      /* keep cleaning up the rest */
    }
  }
}

export function installExitHooks(cleanup: () => void): void {
  cleanups.add(cleanup);
  if (installed) return;
  installed = true;
  process.on("exit", runAll);
  // The monitor variant observes the error without changing how it is handled.
  process.on("uncaughtExceptionMonitor", runAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      runAll();
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}
