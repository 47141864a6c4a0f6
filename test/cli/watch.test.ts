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
    /** Resolves when stdout has `count` lines matching `pattern`. */
    const lines = (pattern: RegExp, count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${count}× ${pattern} within 120 s:\n${output}`)), 120_000);
        const check = () => {
          if (output.split("\n").filter((l) => pattern.test(l)).length >= count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    const wrote = /^wrote out\/main\.o \(\d+ bytes\)/;
    let builds = 0;
    /** Saves `file` and waits for the rebuild; its object must be a fresh compile's. */
    const save = async (what: string, file: string, text: string, byRename: boolean) => {
      await new Promise((r) => setTimeout(r, 200));
      if (byRename) {
        writeFileSync(`${file}.swp`, text);
        renameSync(`${file}.swp`, file);
      } else writeFileSync(file, text);
      await lines(wrote, ++builds);
      const fresh = compile(main).object!;
      expect(readFileSync(join(dir, "out/main.o")).equals(Buffer.from(fresh)), what).toBe(true);
      return Buffer.from(fresh);
    };
    try {
      await lines(/^watching /, 1);
      builds = 1;
      const helper = join(dir, "helper.ts");
      const objects = new Set<string>();
      objects.add((await save("saved by rename", helper, HELPER(1001), true)).toString("hex"));
      objects.add((await save("then in place", helper, HELPER(1002), false)).toString("hex"));
      objects.add((await save("by rename again", helper, HELPER(1003), true)).toString("hex"));
      expect(objects.size, "each save changed the object").toBe(3);
      // A new directory (with no .ts file yet: no rebuild), then a .ts file in it, imported later.
      mkdirSync(join(dir, "sub"));
      writeFileSync(join(dir, "sub/notes.txt"), "");
      await new Promise((r) => setTimeout(r, 500));
      const extra = join(dir, "sub/extra.ts");
      await save("a file in a new directory, not imported: the same object", extra, "export const EXTRA = 7;\n", false);
      const imports = MAIN(`import { EXTRA } from "./sub/extra.ts";\nexport const e = EXTRA;`);
      await save("an import of it", main, imports, true);
      await save("it saved by rename", extra, "export const EXTRA = 8;\n", true);
    } finally {
      child.kill("SIGINT");
    }
  }, 600_000);
});
