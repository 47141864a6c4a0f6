// `tsbpf build --watch`: one process that rebuilds on every save. TypeScript's compiler, LLVM and
// the JIT stay loaded and warm between builds, so a rebuild costs the compile itself, not the
// process start and module loading a fresh `tsbpf build` pays each time.
import fs from "node:fs";
import path from "node:path";

/** Changes that arrive this close together (an editor's write + rename) make one rebuild. */
const SETTLE_MS = 15;

/**
 * Calls `build` now and after every change to a .ts file under the program's directory; runs until
 * the process is interrupted. A failed build (compile errors) is reported by `build` and waits for
 * the next change.
 */
export async function watch(file: string, build: () => Promise<void>): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const rebuild = async () => {
    if (running) {
      again = true;
      return;
    }
    do {
      again = false;
      process.exitCode = 0;
      running = build();
      await running;
      running = undefined;
    } while (again);
  };
  await rebuild();
  console.log(`watching ${dir} for changes to .ts files (Ctrl-C to stop)`);
  const watcher = fs.watch(dir, { recursive: true }, (_event, name) => {
    if (!name || !/\.[cm]?ts$/.test(name) || /(^|[\\/])(node_modules|bpf-out)[\\/]/.test(name)) return;
    clearTimeout(timer);
    timer = setTimeout(rebuild, SETTLE_MS);
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      watcher.close();
      resolve();
    });
  });
}
