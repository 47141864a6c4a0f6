// Parses and type-checks a program with the TypeScript compiler (through ts-morph).
// `tsbpf` and `tsbpf/net` resolve to the declarations module in runtime/lang.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Project, ts, type SourceFile } from "ts-morph";
import type { Diagnostic } from "../diagnostics.ts";

/** The directory of the declarations module that programs import as `tsbpf`. */
export const LANG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../runtime/lang");

export interface ParsedProgram {
  project: Project;
  source: SourceFile;
}

export function parseProgram(file: string): ParsedProgram {
  const project = new Project({
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      // A BPF program has no runtime library: it is checked against the core of the
      // standard one (and BigInt), which is also much quicker to load than all of ES2022.
      lib: ["lib.es5.d.ts", "lib.es2015.core.d.ts", "lib.es2015.symbol.d.ts", "lib.es2015.iterable.d.ts", "lib.es2017.object.d.ts", "lib.es2020.bigint.d.ts"],
      types: [],
      paths: {
        tsbpf: [path.join(LANG_DIR, "index.ts")],
        "tsbpf/net": [path.join(LANG_DIR, "net.ts")],
      },
    },
  });
  const source = project.addSourceFileAtPath(path.resolve(file));
  project.resolveSourceFileDependencies();
  return { project, source };
}

/** TypeScript's own errors in the program and the files it imports (not in tsbpf itself). */
export function typeErrors({ project }: ParsedProgram): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of project.getPreEmitDiagnostics()) {
    if (d.getCategory() !== ts.DiagnosticCategory.Error) continue;
    const sf = d.getSourceFile();
    if (sf && sf.getFilePath().startsWith(LANG_DIR)) continue;
    const message = ts.flattenDiagnosticMessageText(d.getMessageText() as string | ts.DiagnosticMessageChain, "\n");
    if (!sf) {
      out.push({ file: "tsbpf", line: 0, column: 0, message, tsCode: d.getCode() });
      continue;
    }
    const { line, column } = sf.getLineAndColumnAtPos(d.getStart() ?? 0);
    out.push({ file: sf.getFilePath(), line, column, message, tsCode: d.getCode() });
  }
  return out;
}
