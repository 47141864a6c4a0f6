// Parses and type-checks a program with the TypeScript compiler (through ts-morph).
// `tsbpf` and `tsbpf/net` resolve to the declarations module in runtime/lang.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceFile, ts as TsTypes } from "ts-morph";
import { Project, ts } from "./ts-morph.ts";
import type { Diagnostic } from "../diagnostics.ts";
import { lineAndColumnAt } from "./positions.ts";

const LANG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../runtime/lang");
const langFile = (name: string) => path.join(LANG_DIR, name);

/**
 * The declarations module's files, listed (a test checks the list against runtime/lang).
 * Exports of `intrinsic` files are language entities the compiler lowers itself (`xdp`, map
 * classes, helpers, integer types); `library` files are ordinary TypeScript in the subset
 * (header views, constants), read like the program's own declarations.
 */
export const LANG_FILES = {
  intrinsic: ["index.ts", "types.ts", "layout.ts", "maps.ts", "program.ts", "helpers.ts", "globals.ts"].map(langFile),
  library: ["net.ts"].map(langFile),
};
const ALL_LANG_FILES = new Set([...LANG_FILES.intrinsic, ...LANG_FILES.library]);

/** Whether `file` (an absolute path) is part of the declarations module. */
export function isLangFile(file: string): boolean {
  return ALL_LANG_FILES.has(path.resolve(file));
}

export interface ParsedProgram {
  project: Project;
  source: SourceFile;
}

/**
 * A project with TypeScript's lib and the declarations module already parsed and bound, which the
 * next parseProgram starts from (see prepareProject).
 */
let prepared: Project | undefined;

/**
 * Parses and binds the lib and the declarations module ahead of the program, for the next
 * parseProgram: an installed package's startup snapshot (bin/snapshot.cjs) is taken after this,
 * so a build parses only the program's own files. parseProgram then reads every file again and
 * parses any whose text changed since, as a warm compiler does (refreshProgram).
 */
export function prepareProject(): void {
  prepared = newProject();
  for (const file of ALL_LANG_FILES) prepared.addSourceFileAtPath(file);
  prepared.resolveSourceFileDependencies();
  prepared.getProgram().compilerObject.getTypeChecker();
}

export function parseProgram(file: string): ParsedProgram {
  if (prepared) {
    const project = prepared;
    prepared = undefined;
    const parsed = { project, source: project.addSourceFileAtPath(path.resolve(file)) };
    if (refreshProgram(parsed)) return parsed;
  }
  const project = newProject();
  const source = project.addSourceFileAtPath(path.resolve(file));
  project.resolveSourceFileDependencies();
  return { project, source };
}

function newProject(): Project {
  return new Project({
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
      lib: [
        "lib.es5.d.ts",
        "lib.es2015.core.d.ts",
        "lib.es2015.symbol.d.ts",
        "lib.es2015.iterable.d.ts",
        "lib.es2017.object.d.ts",
        "lib.es2020.bigint.d.ts",
      ],
      types: [],
      paths: {
        tsbpf: [langFile("index.ts")],
        "tsbpf/net": [langFile("net.ts")],
      },
    },
  });
}

/**
 * Brings a parsed program up to date with the files on disk, for the next build of a warm
 * compiler (`tsbpf build --watch`): a changed file is parsed again from its new text (TypeScript
 * reuses the others, lib files included), new imports are added and files no longer imported
 * are dropped, so the program and its diagnostics are those a fresh parseProgram() gives.
 * Returns false when that cannot be promised (a file of the program was deleted: module
 * resolution remembers what it did not find), and the caller parses the program afresh.
 */
export function refreshProgram(parsed: ParsedProgram): boolean {
  const { project } = parsed;
  for (const f of project.getSourceFiles()) {
    const file = f.getFilePath();
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      return false;
    }
    if (text === f.getFullText()) continue;
    project.removeSourceFile(f);
    const again = project.addSourceFileAtPath(file);
    if (f === parsed.source) parsed.source = again;
  }
  project.resolveSourceFileDependencies();
  const reached = new Set<SourceFile>();
  const visit = (f: SourceFile) => {
    if (reached.has(f)) return;
    reached.add(f);
    for (const g of f.getReferencedSourceFiles()) visit(g);
  };
  visit(parsed.source);
  for (const f of project.getSourceFiles()) if (!reached.has(f)) project.removeSourceFile(f);
  return true;
}

/** TypeScript's own errors in the program and the files it imports (not in tsbpf itself). */
export function typeErrors({ project }: ParsedProgram): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Only the program's own files are checked: the bodies of tsbpf's declarations module
  // are its own business (and checking them would cost every build).
  const own = project.getSourceFiles().filter((f) => !isLangFile(f.getFilePath()) && !f.isDeclarationFile());
  const program = project.getProgram().compilerObject;
  const global = program.getOptionsDiagnostics().concat(program.getGlobalDiagnostics());
  const perFile = own.flatMap((f) => [
    ...program.getSyntacticDiagnostics(f.compilerNode),
    ...program.getSemanticDiagnostics(f.compilerNode),
  ]);
  for (const d of [...global, ...perFile]) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const sf = d.file ? project.getSourceFile(d.file.fileName) : undefined;
    const message = ts.flattenDiagnosticMessageText(d.messageText as string | TsTypes.DiagnosticMessageChain, "\n");
    if (!sf) {
      out.push({ file: "tsbpf", line: 0, column: 0, message, tsCode: d.code });
      continue;
    }
    const { line, column } = lineAndColumnAt(sf, d.start ?? 0);
    out.push({ file: sf.getFilePath(), line, column, message, tsCode: d.code });
  }
  return out;
}
