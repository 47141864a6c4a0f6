// `tsbpf init [dir]`: a project that works at once. The files come from bin/init-template/ (an XDP
// program, a script that loads it, a test, tsconfig, README); package.json is written here, with
// the dependency versions tsbpf itself is developed with.
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { action, CliError, EXIT } from "./common.ts";

const TEMPLATE_DIR = new URL("../init-template/", import.meta.url);
const TSBPF_PACKAGE = new URL("../../package.json", import.meta.url);
/** Files npm leaves out of a package under their real name. */
const RENAMED: Record<string, string> = { gitignore: ".gitignore" };
/** Development tools of the new project; their versions are the ones in tsbpf's package.json. */
const DEV_DEPENDENCIES = ["@types/node", "tsx", "typescript", "vitest"];

interface PackageJson {
  version: string;
  devDependencies: Record<string, string>;
}

/** The new project's package.json. */
export function projectPackageJson(name: string, tsbpfSpec?: string): object {
  const tsbpf = JSON.parse(fs.readFileSync(TSBPF_PACKAGE, "utf8")) as PackageJson;
  return {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      build: "tsbpf build src/xdp.ts -o bpf-out/xdp.o",
      check: "tsc -p .",
      test: "npm run build && vitest run",
      start: "npm run build && tsx src/load.ts",
    },
    dependencies: { tsbpf: tsbpfSpec ?? `^${tsbpf.version}` },
    devDependencies: Object.fromEntries(DEV_DEPENDENCIES.map((d) => [d, tsbpf.devDependencies[d] ?? "*"])),
    // koffi (tsbpf's FFI) and esbuild (tsx's, vitest's) find their prebuilt binaries in optional
    // dependencies; their install scripts are not needed, and npm 11 asks about each.
    allowScripts: { esbuild: false, koffi: false },
  };
}

/** Template files, relative to the template directory. */
function templateFiles(dir = TEMPLATE_DIR): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(new URL(dir).pathname, path.join(e.parentPath, e.name)));
}

export function initProject(dir: string, tsbpfSpec?: string): string[] {
  const target = path.resolve(dir);
  const files = templateFiles().map((f) => ({ from: f, to: RENAMED[f] ?? f }));
  const existing = ["package.json", ...files.map((f) => f.to)].filter((f) => fs.existsSync(path.join(target, f)));
  if (existing.length)
    throw new CliError(`${dir}: already has ${existing.join(", ")}; tsbpf init writes a new project`, EXIT.BUSY);
  const name = path
    .basename(target)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "");
  const written = ["package.json"];
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(
    path.join(target, "package.json"),
    `${JSON.stringify(projectPackageJson(name || "xdp-project", tsbpfSpec), null, 2)}\n`,
  );
  for (const { from, to } of files) {
    fs.mkdirSync(path.dirname(path.join(target, to)), { recursive: true });
    fs.copyFileSync(new URL(from, TEMPLATE_DIR), path.join(target, to));
    written.push(to);
  }
  return written;
}

export function initCommand(): Command {
  return new Command("init")
    .description("create a project: an XDP program, a script that loads it, a test, package.json, tsconfig")
    .argument("[dir]", "directory of the new project (created if needed)", ".")
    .option("--tsbpf <spec>", "the tsbpf dependency written in package.json (default: ^ this version)")
    .action(
      action((dir: string, opts: { tsbpf?: string }) => {
        const written = initProject(dir, opts.tsbpf);
        for (const f of written) console.log(`wrote ${path.join(dir, f)}`);
        const cd = path.resolve(dir) === process.cwd() ? "" : `cd ${dir} && `;
        console.log(`\nnext: ${cd}npm install && npm test   (the test loads the program: root or CAP_BPF)`);
      }),
    );
}
