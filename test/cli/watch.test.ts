// `tsbpf build --watch` as a user runs it: every save is followed by a rebuild whose object is the
// one a fresh compile of the same files gives, however the editor saves (in place, or by writing a
// copy and renaming it over the file: vim, sed -i, IDEs' "safe write"; Node 20's recursive
// fs.watch lost a file after its first such save), in the program's directory or a new one below.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { scratchDir } from "../support/scratch.ts";
import { TSBPF } from "./helpers.ts";

const MAIN = (extra = "") => `import { xdp, XdpAction } from "tsbpf";
import { limit } from "./helper.ts";
${extra}
export const prog = xdp((ctx) => (ctx.len > limit() ? XdpAction.DROP : XdpAction.PASS));
`;
const HELPER = (n: number) => `import type { u32 } from "tsbpf";\nexport function limit(): u32 {\n  return ${n};\n}\n`;

describe("tsbpf build --watch", () => {
  it("rebuilds after every save, in place or by rename, also in a directory created since", async () => {
    const dir = join(scratchDir(), "watch");
    mkdirSync(dir, { recursive: true });
    const main = join(dir, "main.ts");
    writeFileSync(main, MAIN());
    writeFileSync(join(dir, "helper.ts"), HELPER(1000));
    const child = spawn(process.execPath, [TSBPF, "build", "--watch", "main.ts", "-o", "out/main.o"], { cwd: dir });
    let output = "";
    const waiters: Array<() => void> = [];
    child.stdout.on("data", (d: Buffer) => {
      output += d;
      for (const w of waiters.splice(0)) w();
    });
    child.stderr.on("data", (d: Buffer) => (output += d));
    /**
     * Resolves once stdout has a line matching `pattern` after offset `from` of the output and
     * `holds()` is true, asked at each new output: a save can be followed by more than one rebuild
     * (an in-place write is a truncation and a write, two events that a busy machine may deliver
     * further apart than the watcher's settling time), so the test waits for the object it expects,
     * not for a count of rebuilds.
     */
    const until = (from: number, pattern: RegExp, holds: () => boolean = () => true) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} as expected within 120 s:\n${output}`)),
          120_000,
        );
        const check = () => {
          const seen = output
            .slice(from)
            .split("\n")
            .some((l) => pattern.test(l));
          if (seen && holds()) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    const wrote = /^wrote out\/main\.o \(\d+ bytes\)/;
    /** Saves `file` (after `first()`, at once) and waits for a rebuild after it whose object is a
     *  fresh compile's. */
    const save = async (what: string, file: string, text: string, byRename: boolean, first = () => {}) => {
      await new Promise((r) => setTimeout(r, 200));
      const mark = output.length;
      first();
      if (byRename) {
        writeFileSync(`${file}.swp`, text);
        renameSync(`${file}.swp`, file);
      } else writeFileSync(file, text);
      const fresh = Buffer.from(compile(main).object!);
      const object = join(dir, "out/main.o");
      await until(mark, wrote, () => readFileSync(object).equals(fresh)).catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`);
      });
      return fresh;
    };
    try {
      await until(0, /^watching /);
      const helper = join(dir, "helper.ts");
      const objects = new Set<string>();
      objects.add((await save("saved by rename", helper, HELPER(1001), true)).toString("hex"));
      objects.add((await save("then in place", helper, HELPER(1002), false)).toString("hex"));
      objects.add((await save("by rename again", helper, HELPER(1003), true)).toString("hex"));
      expect(objects.size, "each save changed the object").toBe(3);
      // A new directory and at once a .ts file in it, most often written before the watcher has
      // seen the directory (it must look at what the directory already holds), imported later.
      const extra = join(dir, "sub/extra.ts");
      const newDirectory = () => {
        mkdirSync(join(dir, "sub"));
        writeFileSync(join(dir, "sub/notes.txt"), "");
      };
      const text = "export const EXTRA = 7;\n";
      await save("a file in a new directory, not imported: the same object", extra, text, false, newDirectory);
      const imports = MAIN(`import { EXTRA } from "./sub/extra.ts";\nexport const e = EXTRA;`);
      await save("an import of it", main, imports, true);
      await save("it saved by rename", extra, "export const EXTRA = 8;\n", true);
    } finally {
      child.kill("SIGINT");
    }
  }, 600_000);
});
