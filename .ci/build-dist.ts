// Builds what the npm package runs: `npm pack` calls this (prepack), the repository itself keeps
// running from the TypeScript sources. It writes
//   dist/*.js        ESM JavaScript bundled by esbuild, one entry per export (index = `tsbpf`,
//                    net = `tsbpf/net`, runtime, compiler) and the CLI (cli.js); shared code in
//                    chunks, so a class is the same class whichever export it came through;
//                    dependencies stay in node_modules
//   dist/snapshot.cjs  the build command as CommonJS, from which an installed package makes the
//                    startup snapshot of `tsbpf build` (bin/snapshot.cjs)
//   dist/types/**    the declarations (.d.ts) tsc emits for those entries (tsconfig.dist.json)
// The compiler type-checks programs against the declarations module's TypeScript sources
// (runtime/lang/*.ts, shipped as they are) and finds them relative to its own source file; so
// every `import.meta.url` in the bundle is rewritten to the URL its source file has in the
// package (dist/../compiler/frontend/project.ts), and paths relative to it stay right.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");

/** Entry points: output name → source. */
export const ENTRIES = {
  index: "runtime/lang/index.ts",
  net: "runtime/lang/net.ts",
  runtime: "runtime/index.ts",
  compiler: "compiler/index.ts",
  cli: "bin/cli.ts",
  // What bin/tsbpf.js asks before anything else loads (Node's built-in modules only).
  "build-cache": "bin/build-cache.ts",
};

/** `import.meta.url` in a bundled module → the URL its source file has in the installed package. */
const sourceUrls: Plugin = {
  name: "source-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = fs.readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url") || args.path.includes("node_modules")) return undefined;
      const fromDist = path.relative(DIST, args.path).split(path.sep).join("/");
      return {
        contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`),
        loader: "ts",
      };
    });
  },
};

/**
 * Declarations as a user's tsc reads them. tsc keeps the sources' `./x.ts` specifiers, which only
 * allowImportingTsExtensions accepts: they become `./x.js` (which resolves to x.d.ts). And it
 * drops `// @ts-expect-error` comments: a member the sources declare that way (a map-in-map's
 * `lookup` returns the inner map, not a value) gets a `// @ts-ignore` in its declaration, or
 * every user without skipLibCheck would see the error the sources expect.
 */
function fixDeclarations(typesDir: string): void {
  for (const entry of fs.readdirSync(typesDir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const file = path.join(entry.parentPath, entry.name);
    const source = path.join(ROOT, path.relative(typesDir, file).replace(/\.d\.ts$/, ".ts"));
    const expected = fs.existsSync(source) ? expectedErrorSignatures(fs.readFileSync(source, "utf8")) : new Set();
    const text = fs.readFileSync(file, "utf8");
    const fixed = text
      .replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*)\.ts(["'])/g, "$1$2.js$3")
      .split("\n")
      .map((line) => (expected.has(line.trim()) ? `${line.match(/^\s*/)![0]}// @ts-ignore\n${line}` : line))
      .join("\n");
    if (fixed !== text) fs.writeFileSync(file, fixed);
  }
}

/** The declarations (`sig;`) of the members a source file marks with `// @ts-expect-error`. */
function expectedErrorSignatures(source: string): Set<string> {
  const lines = source.split("\n");
  const out = new Set<string>();
  lines.forEach((line, i) => {
    const next = lines[i + 1]?.trim();
    if (line.trim().startsWith("// @ts-expect-error") && next?.endsWith("{")) out.add(`${next.slice(0, -1).trim()};`);
  });
  return out;
}

/**
 * The snapshot's bundle is CommonJS (a startup snapshot takes no ES modules) and is loaded by
 * bin/snapshot.cjs's own loader, whose `require` gives ts-morph and (on first use, after the
 * snapshot is deserialized) koffi: `import.meta.url` becomes the source file's URL from
 * `__filename`, and ts-morph comes from that `require`.
 */
const snapshotSources: Plugin = {
  name: "snapshot-sources",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes("node_modules")) return undefined;
      if (args.path === path.join(ROOT, "compiler/frontend/ts-morph.ts"))
        return { contents: 'export const { Project, Node, SyntaxKind, ts } = require("ts-morph");', loader: "ts" };
      const text = fs.readFileSync(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const fromDist = path.relative(DIST, args.path).split(path.sep).join("/");
      const url = `new URL(${JSON.stringify(fromDist)}, require("node:url").pathToFileURL(__filename)).href`;
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

/** Programs import the declarations module as `tsbpf` and `tsbpf/net`: bundled from the sources. */
const selfImports: Plugin = {
  name: "tsbpf-self-imports",
  setup(b) {
    b.onResolve({ filter: /^tsbpf(\/net)?$/ }, (args) => ({
      path: path.join(ROOT, args.path === "tsbpf" ? ENTRIES.index : ENTRIES.net),
    }));
  },
};

/** dist/snapshot.cjs (see the top). */
export async function buildSnapshotBundle(): Promise<void> {
  await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, "bin/snapshot-build.ts")],
    outfile: path.join(DIST, "snapshot.cjs"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    packages: "external",
    plugins: [snapshotSources],
    logLevel: "warning",
  });
}

export async function buildDist(): Promise<void> {
  const started = performance.now();
  fs.rmSync(DIST, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([out, src]) => [out, path.join(ROOT, src)])),
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    chunkNames: "chunk-[hash]",
    plugins: [selfImports, sourceUrls],
    logLevel: "warning",
  });
  await buildSnapshotBundle();
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.dist.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  fixDeclarations(path.join(DIST, "types"));
  console.log(`dist/ built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildDist();
