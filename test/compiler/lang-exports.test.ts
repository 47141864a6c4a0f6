// Every export of the declarations module (runtime/lang, the language itself) is known to the
// compiler: an intrinsic it lowers (lower/intrinsics.ts), a map class, an integer type, a
// function that declares at module level, an enum, a type annotation it reads, or an export
// listed in NOT_IN_PROGRAMS with the reason programs cannot use it. A new export that is none of
// these fails here, before a program meets it. Runs without a kernel (LLVM only).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Node, Project } from "ts-morph";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { DECLARING_FUNCTIONS, MAP_CLASSES } from "../../compiler/frontend/declarations.ts";
import { INTRINSICS, NOT_IN_PROGRAMS } from "../../compiler/lower/intrinsics.ts";
import { INT_TYPES, LANG_STRUCTS } from "../../compiler/types.ts";
import { ROOT } from "../runtime/helpers.ts";

/** Types that frontend/typenodes.ts reads in annotations. */
const ANNOTATIONS = ["XdpContext", "TcContext", "Value", "StructValue"];

function langExports(): Map<string, Node[]> {
  const project = new Project({ skipAddingFilesFromTsConfig: true });
  const index = project.addSourceFileAtPath(join(ROOT, "runtime/lang/index.ts"));
  project.resolveSourceFileDependencies();
  return new Map([...index.getExportedDeclarations()]);
}

const dir = mkdtempSync(join(tmpdir(), `tsbpf-lang-exports-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compileSource(name: string, source: string) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, source);
  return compile(file, { skipTypeCheck: true });
}

describe("the declarations module", () => {
  const exports = langExports();

  it("has every export handled by the compiler or rejected with a reason", () => {
    const unknown: string[] = [];
    for (const [name, decls] of exports) {
      const handled =
        name in INTRINSICS ||
        name in MAP_CLASSES ||
        name in INT_TYPES ||
        name in LANG_STRUCTS ||
        name === "bool" ||
        name in DECLARING_FUNCTIONS ||
        ANNOTATIONS.includes(name) ||
        decls.every((d) => Node.isEnumDeclaration(d)) ||
        name in NOT_IN_PROGRAMS;
      if (!handled) unknown.push(name);
    }
    expect(unknown).toEqual([]);
  });

  it("exports everything the compiler's tables name (no stale entries)", () => {
    const tables = [INTRINSICS, MAP_CLASSES, DECLARING_FUNCTIONS, NOT_IN_PROGRAMS];
    const named = [
      ...tables.flatMap((t) => Object.keys(t)),
      ...Object.keys(INT_TYPES),
      ...Object.keys(LANG_STRUCTS),
      ...ANNOTATIONS,
    ];
    expect(named.filter((n) => !exports.has(n))).toEqual([]);
  });

  it("has each intrinsic's arity checked from the table", () => {
    const names = Object.keys(INTRINSICS);
    // One statement per call, so that every call is reported (an error ends its statement).
    const calls = names.map((n) => `  ${n}(0, 0, 0, 0, 0);`).join("\n");
    const source = `import { ${names.join(", ")}, xdp, XdpAction } from "tsbpf";\nexport const p = xdp(() => {\n${calls}\n  return XdpAction.PASS;\n});\n`;
    const r = compileSource("arity.ts", source);
    const messages = r.diagnostics.map((d) => `${d.line} ${d.message}`);
    const expected = names.map((n, i) => {
      const [min, max] = INTRINSICS[n]!.arity;
      const message =
        INTRINSICS[n]!.usage?.(5) ??
        `expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, got 5`;
      return `${i + 3} ${message}`;
    });
    expect(messages).toEqual(expected);
  });

  it("rejects the NOT_IN_PROGRAMS exports and module-level declarations inside programs, saying why", () => {
    const source = [
      `import { MapDecl, struct, u8, xdp, XdpAction } from "tsbpf";`,
      "export const p = xdp(() => {",
      "  const m = MapDecl;",
      "  const S = struct({ a: u8 });",
      "  return XdpAction.PASS;",
      "});",
      "",
    ].join("\n");
    const r = compileSource("rejected.ts", source);
    expect(r.diagnostics.map((d) => `${d.line} ${d.message}`)).toEqual([
      `3 'MapDecl' from tsbpf cannot be used as a value here: ${NOT_IN_PROGRAMS.MapDecl}`,
      "4 struct() declares a struct type at module level; it cannot be called inside a function",
    ]);
  });
});
