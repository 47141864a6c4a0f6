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
  const watchers = watchTree(dir, (name) => {
    if (!/\.[cm]?ts$/.test(name)) return;
    clearTimeout(timer);
    timer = setTimeout(rebuild, SETTLE_MS);
  });
  await rebuild();
  console.log(`watching ${dir} for changes to .ts files (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      for (const w of watchers.values()) w.close();
      resolve();
    });
  });
}

/** Directories never watched: dependencies, build output, hidden ones (.git). */
const SKIPPED = /^(node_modules|bpf-out|\..*)$/;

/**
 * Calls `changed` with the path (relative to `root`) of every file created, written, renamed or
 * deleted under `root`. One watch per directory, not Node's recursive fs.watch: on Linux, Node 20's
 * recursive mode watches each file, and loses a file an editor saves by writing a copy and
 * renaming it over the original (vim, sed -i, many IDEs' "safe write"): no later save of it was
 * seen. A directory's watch sees every change to its entries, whichever way they are saved. A
 * directory created since is watched from when its creation is seen: what was written into it
 * before (`mkdir -p sub && cp x.ts sub/`, or a busy machine) is reported when its watch begins.
 */
function watchTree(root: string, changed: (name: string) => void): Map<string, fs.FSWatcher> {
  const watchers = new Map<string, fs.FSWatcher>();
  /** `created`: a directory made since the watch began, whose files may predate its watch. */
  const add = (dir: string, created: boolean) => {
    if (watchers.has(dir)) return;
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(dir, (_event, name) => {
        if (!name) return;
        const full = path.join(dir, name);
        if (!SKIPPED.test(name) && isDirectory(full)) add(full, true);
        changed(path.relative(root, full));
      });
    } catch {
      return; // gone, or unreadable
    }
    watcher.on("error", () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      /* gone since */
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED.test(entry.name)) add(full, created);
      } else if (created) changed(path.relative(root, full));
    }
  };
  add(root, false);
  return watchers;
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
