// A warm Compiler (what `tsbpf build --watch` keeps between saves) must give, after every edit, the
// object bytes and diagnostics a fresh compile() of the same files gives: changed files are parsed
// again, new imports are picked up, and files no longer imported stop being checked.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Compiler, compile, type CompileResult } from "../../compiler/index.ts";
import { scratchDir } from "../support/scratch.ts";

const MAIN = (extraImport: string, body: string) => `
import { xdp, XdpAction, ArrayMap, struct, type u32, u64 } from "tsbpf";
import { slot } from "./helper.ts";
${extraImport}
export const Counter = struct({ packets: u64 });
export const counts = new ArrayMap(Counter, { maxEntries: 8 });
export const prog = xdp((ctx) => {
  const n = counts.lookup(slot(ctx.len));
  if (n !== null) n.packets += 1n;
  ${body}
  return XdpAction.PASS;
});
`;
const HELPER = (mask: number) => `import type { u32 } from "tsbpf";
export function slot(len: u32): u32 {
  return len & ${mask};
}
`;

/** What a result says, for comparing: the object's bytes, or the diagnostics without the directory. */
const outcome = (r: CompileResult, dir: string) => ({
  object: r.object ? Buffer.from(r.object).toString("hex") : undefined,
  diagnostics: r.diagnostics.map((d) => ({ ...d, file: d.file.replace(dir, "<dir>") })),
});

describe("warm compiler (build --watch)", () => {
  it("gives after each edit what a fresh compile gives", () => {
    const dir = join(scratchDir(), "warm");
    mkdirSync(dir, { recursive: true });
    const main = join(dir, "main.ts");
    const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
    write("main.ts", MAIN("", ""));
    write("helper.ts", HELPER(3));
    const warm = new Compiler(main);
    const step = (what: string) => {
      const fresh = outcome(compile(main), dir);
      expect(outcome(warm.build(), dir), what).toEqual(fresh);
      return fresh;
    };

    const first = step("first build");
    expect(first.object).toBeDefined();
    write("helper.ts", HELPER(7));
    const edited = step("an imported file edited");
    expect(edited.object).not.toEqual(first.object);

    write("main.ts", MAIN("", "const bad: u32 = 1n;"));
    expect(step("a type error").diagnostics.map((d) => d.tsCode)).toEqual([2322]);

    write("extra.ts", `import type { u32 } from "tsbpf";\nexport const LIMIT: u32 = "many";\n`);
    write("main.ts", MAIN(`import { LIMIT } from "./extra.ts";`, "if (ctx.len > LIMIT) return XdpAction.DROP;"));
    expect(step("a new import with an error").diagnostics.length).toBeGreaterThan(0);

    write("main.ts", MAIN("", ""));
    expect(step("the import removed: its file is no longer checked")).toEqual(edited);

    rmSync(join(dir, "helper.ts"));
    expect(step("an imported file deleted").diagnostics.length).toBeGreaterThan(0);
    write("helper.ts", HELPER(7));
    expect(step("and back").object).toEqual(edited.object);
  });

  it("follows an imported file edited back and forth", () => {
    // After its second edit, ts-morph's list of the project's files lacks the imported file that
    // TypeScript's program read again from disk: a rebuild that compared only that list with the
    // disk gave the object of the text before (found by `npm run bench:build`).
    const dir = join(scratchDir(), "again");
    mkdirSync(dir, { recursive: true });
    const main = join(dir, "main.ts");
    writeFileSync(main, MAIN("", ""));
    const warm = new Compiler(main);
    const objects = new Set<string | undefined>();
    for (const mask of [3, 7, 3, 7, 3]) {
      writeFileSync(join(dir, "helper.ts"), HELPER(mask));
      const fresh = outcome(compile(main), dir);
      expect(outcome(warm.build(), dir), `helper.ts with mask ${mask}`).toEqual(fresh);
      objects.add(fresh.object);
    }
    expect(objects.size).toBe(2);
  });

  it("keeps its program: a rebuild parses only the files that were edited", () => {
    const dir = join(scratchDir(), "reuse");
    mkdirSync(dir, { recursive: true });
    const main = join(dir, "main.ts");
    const helper = join(dir, "helper.ts");
    writeFileSync(main, MAIN("", ""));
    writeFileSync(helper, HELPER(3));
    const warm = new Compiler(main);
    expect(warm.build().object).toBeDefined();
    // The first build parses everything: TypeScript's lib, tsbpf's declarations, the program.
    const first = warm.parsedFiles;
    expect(first).toEqual(expect.arrayContaining([main, helper]));
    expect(first.some((f) => f.endsWith("lib.es5.d.ts"))).toBe(true);
    expect(first.some((f) => f.endsWith("runtime/lang/maps.ts"))).toBe(true);
    const again = warm.build();
    expect(warm.parsedFiles, "nothing changed").toEqual([]);
    expect(Object.keys(again.timings), "nothing changed: the last result, not a build").toEqual([
      "nothing changed: the last build's result",
    ]);
    writeFileSync(join(dir, "unrelated.ts"), "export const x = 1;\n");
    expect(outcome(warm.build(), dir), "a file the program does not import").toEqual(outcome(compile(main), dir));
    expect(warm.parsedFiles).toEqual([]);
    writeFileSync(helper, HELPER(7));
    warm.build();
    expect(warm.parsedFiles, "helper.ts edited").toEqual([helper]);
    writeFileSync(main, MAIN("", "if (ctx.len > 9000) return XdpAction.DROP;"));
    warm.build();
    expect(warm.parsedFiles, "main.ts edited").toEqual([main]);
  });

  it("says what a build read: its files' texts as compiled, and where module resolution found nothing", () => {
    const dir = join(scratchDir(), "inputs");
    mkdirSync(join(dir, "lib"), { recursive: true });
    const main = join(dir, "main.ts");
    // "./lib" is a directory's index.ts: resolution first looks for lib.ts and its kin, which a
    // file created later would take the import from (the installed package's build cache relies on this list).
    writeFileSync(main, MAIN(`import { LIMIT } from "./lib";`, "if (ctx.len > LIMIT) return XdpAction.DROP;"));
    writeFileSync(join(dir, "helper.ts"), HELPER(3));
    writeFileSync(join(dir, "lib/index.ts"), "export const LIMIT = 9000;\n");
    const warm = new Compiler(main);
    expect(warm.inputs(), "before any build").toBeUndefined();
    expect(warm.build().object).toBeDefined();
    writeFileSync(join(dir, "helper.ts"), HELPER(7)); // after the build: inputs() has the text it compiled
    const inputs = warm.inputs()!;
    const own = [...inputs.texts.keys()].filter((f) => f.startsWith(dir)).sort();
    expect(own).toEqual([join(dir, "helper.ts"), join(dir, "lib/index.ts"), main]);
    expect(inputs.texts.get(join(dir, "helper.ts"))).toBe(HELPER(3));
    expect([...inputs.texts.keys()].some((f) => f.endsWith("runtime/lang/maps.ts"))).toBe(true);
    expect([...inputs.texts.keys()].some((f) => f.endsWith("lib.es5.d.ts"))).toBe(false);
    expect(inputs.absent).toEqual(expect.arrayContaining([join(dir, "lib.ts"), join(dir, "lib.d.ts")]));
    expect(inputs.absent).not.toContain(join(dir, "lib/index.ts"));
  });

  it("gives from buildAsync (LLVM optimizing while TypeScript checks) what build gives", async () => {
    const dir = join(scratchDir(), "async");
    mkdirSync(dir, { recursive: true });
    const main = join(dir, "main.ts");
    writeFileSync(join(dir, "helper.ts"), HELPER(3));
    const warm = new Compiler(main);
    for (const body of ["", "const bad: u32 = 1n;", "if (ctx.len > 9000) return XdpAction.DROP;"]) {
      writeFileSync(main, MAIN("", body));
      expect(outcome(await warm.buildAsync(), dir), body).toEqual(outcome(compile(main), dir));
    }
  });
});
