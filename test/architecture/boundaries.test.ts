/**
 * The dependency rules of DESIGN.md, checked on every import in the tree (static,
 * type-only and dynamic alike, as TypeScript's preprocessor lists them):
 *  - runtime never imports compiler, and the declarations module (runtime/lang) imports
 *    nothing outside itself;
 *  - compiler imports from runtime only the declarations module;
 *  - lb imports from runtime only the declarations module and runtime/index.ts;
 *  - no import cycles across folders other than the ones listed below;
 * and that the compiler's list of declarations-module files is the directory's contents.
 * Runs without a kernel.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { LANG_FILES } from "../../compiler/frontend/project.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TREES = ["runtime", "compiler", "lb", "bin", "bench", "examples", "test"];
/** What the package's own names resolve to (package.json "exports"). */
const PACKAGE_NAMES: Record<string, string> = {
  tsbpf: "runtime/lang/index.ts",
  "tsbpf/net": "runtime/lang/net.ts",
  "tsbpf/runtime": "runtime/index.ts",
};
/**
 * Import cycles that are allowed. Modules of one folder may recurse into each other (the
 * lowering of an expression lowers a call, whose arguments are expressions); files of
 * several folders that import each other in a cycle are a layering fault and fail the test
 * unless listed here with the reason. Remove an entry when its cycle is gone.
 */
const ALLOWED_FOLDER_CYCLES = ["compiler/lower", "compiler/frontend"];
const ALLOWED_CYCLES: Array<{ files: string[]; why: string }> = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return /\.ts$/.test(name) && !name.endsWith(".d.ts") ? [rel] : [];
  });
}

/** file → the repository files it imports (relative paths; packages other than tsbpf left out). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of TREES.flatMap(sourceFiles)) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, true);
    const targets: string[] = [];
    for (const { fileName: spec } of info.importedFiles) {
      if (spec in PACKAGE_NAMES) targets.push(PACKAGE_NAMES[spec]!);
      else if (spec.startsWith(".")) targets.push(relative(ROOT, resolve(ROOT, dirname(file), spec)));
    }
    graph.set(file, targets);
  }
  return graph;
}

const graph = importGraph();
const imports = [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));
const under = (dir: string) => (file: string) => file.startsWith(`${dir}/`);
const inRuntime = under("runtime");
const inLang = under("runtime/lang");
const describeImports = (list: Array<{ from: string; to: string }>) => list.map(({ from, to }) => `${from} → ${to}`);

describe("import boundaries", () => {
  it("sees the tree (the scan itself works)", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("lb/control.ts")).toContain("runtime/index.ts");
    expect(graph.get("lb/lb.ts")).toContain("runtime/lang/index.ts");
  });

  it("runtime never imports compiler", () => {
    expect(describeImports(imports.filter(({ from, to }) => inRuntime(from) && under("compiler")(to)))).toEqual([]);
  });

  it("the declarations module (runtime/lang) imports only itself", () => {
    expect(describeImports(imports.filter(({ from, to }) => inLang(from) && !inLang(to)))).toEqual([]);
  });

  it("compiler imports from runtime only the declarations module", () => {
    const bad = imports.filter(({ from, to }) => under("compiler")(from) && inRuntime(to) && !inLang(to));
    expect(describeImports(bad)).toEqual([]);
  });

  it("lb imports from runtime only the declarations module and runtime/index.ts", () => {
    const bad = imports.filter(
      ({ from, to }) => under("lb")(from) && inRuntime(to) && !inLang(to) && to !== "runtime/index.ts",
    );
    expect(describeImports(bad)).toEqual([]);
    expect(describeImports(imports.filter(({ from, to }) => under("lb")(from) && under("compiler")(to)))).toEqual([]);
  });

  it("has no import cycles other than the allowed ones", () => {
    const allowed = new Set(ALLOWED_CYCLES.map((c) => [...c.files].sort().join(" ")));
    const inOneFolder = (files: string[]) =>
      ALLOWED_FOLDER_CYCLES.some((dir) => files.every((f) => dirname(f) === dir));
    const unexpected = importCycles(graph).filter((files) => !inOneFolder(files) && !allowed.has(files.join(" ")));
    expect(unexpected.map((files) => `these import each other in a cycle: ${files.join(", ")}`)).toEqual([]);
  });

  it("the compiler lists exactly the declarations module's files", () => {
    const listed = [...LANG_FILES.intrinsic, ...LANG_FILES.library].map((f) => relative(ROOT, f)).sort();
    expect(listed).toEqual(sourceFiles("runtime/lang").sort());
  });
});

/** Files that import each other in a cycle: the strongly connected components (Tarjan) with a cycle, each sorted. */
function importCycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) components.push(comp.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!idx.has(v)) visit(v);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
