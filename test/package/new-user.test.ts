// A new user's path, from the packed tarball in a temporary directory: npm install it into a
// fresh ESM project, type-check a program and a script with the user's own tsc (nodenext and
// bundler, TypeScript 7's default strictness, with and without skipLibCheck), `tsbpf build`
// with the installed bin, load the object from plain node (runtime and compiler exports), then
// `tsbpf init` a project and run its `npm install && npm test`, attach a tc program with
// `tsbpf attach --tcx` to a veth with real UDP through it, and check the tutorial's lessons
// (4, and the load balancer's 9-13) on their shipped solutions. npm installs only from the
// registry (npm's cache makes repeated runs quick) and the tarball.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bpffsDir, ROOT, vethToNamespace } from "../runtime/helpers.ts";
import { sendUdpFrom, udpDelivered } from "../support/udp.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  devDependencies: Record<string, string>;
};
const NPM_QUIET = ["--no-audit", "--no-fund", "--prefer-offline"];

interface Run {
  status: number | null;
  /** stdout and stderr */
  out: string;
  stdout: string;
}
function run(cwd: string, cmd: string, args: string[], timeout = 300_000, env: Record<string, string> = {}): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, NO_COLOR: "1", ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}
/** stdout and stderr of a run that must succeed. */
function ok(r: Run): string {
  if (r.status !== 0) throw new Error(`exit ${r.status}:\n${r.out}`);
  return r.out;
}

const PROGRAM = `import { xdp, XdpAction, ArrayMap, HashMap, struct, u64, be32 } from "tsbpf";
import { Eth, Ipv4, ETH_P_IP } from "tsbpf/net";

export const Counter = struct({ packets: u64, bytes: u64 });
export const counts = new ArrayMap(Counter, { maxEntries: 1 });
/** IPv4 source addresses seen, as host-order numbers in userspace. */
export const sources = new HashMap(be32, u64, { maxEntries: 16 });

export const count = xdp((ctx) => {
  const eth = ctx.header(Eth, 0);
  if (eth === null) return XdpAction.DROP;
  const c = counts.lookup(0);
  if (c !== null) {
    c.packets += 1n;
    c.bytes += u64(ctx.len);
  }
  if (eth.proto !== ETH_P_IP) return XdpAction.PASS;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.DROP;
  sources.update(ip.saddr, 1n);
  return XdpAction.PASS;
});
`;

/** A TypeScript userspace script, type-checked only (plain node runs load.mjs below). */
const SCRIPT = `import { loadObject, type BpfObject, VerifierError } from "tsbpf/runtime";
import { compile, formatDiagnostic, type CompileResult } from "tsbpf/compiler";
import { counts, sources } from "./count.js";

const built: CompileResult = compile("count.ts");
for (const d of built.diagnostics) console.error(formatDiagnostic(d));
const obj: BpfObject = await loadObject(built.object ?? "bpf-out/count.o");
try {
  const r = obj.program("count").testRun({ data: new Uint8Array(60) });
  const c: { packets: bigint; bytes: bigint } | undefined = obj.typedMap(counts, "counts").lookup(0);
  const seen: number[] = obj.typedMap(sources, "sources").keys();
  console.log(r.retval, c?.packets, seen.length);
} catch (e) {
  if (e instanceof VerifierError) console.error(e.reason);
} finally {
  obj.close();
}
`;

/** Plain node: no TypeScript anywhere; the program's declarations are rebuilt from the package. */
const LOAD_MJS = `import { loadObject } from "tsbpf/runtime";
import { compile } from "tsbpf/compiler";
import { ArrayMap, HashMap, struct, u64, be32 } from "tsbpf";

const Counter = struct({ packets: u64, bytes: u64 });
const obj = await loadObject("bpf-out/count.o");
const frame = new Uint8Array(60);
frame.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45], 0);
frame.set([10, 77, 0, 1, 10, 77, 0, 2], 26);
const r = obj.program("count").testRun({ data: frame });
const c = obj.typedMap(new ArrayMap(Counter, { maxEntries: 1 }), "counts").lookup(0);
const seen = obj.typedMap(new HashMap(be32, u64, { maxEntries: 16 }), "sources").keys();
obj.close();
const again = compile("count.ts");
console.log(JSON.stringify({ retval: r.retval, packets: String(c.packets), seen, compiled: again.object?.length ?? again.diagnostics }));
`;

/** A tc program: UDP to port 9 dropped on the way in. */
const TC_PROGRAM = `import { tc, TcAction } from "tsbpf";
import { Eth, Ipv4, Udp, ETH_P_IP, IPPROTO_UDP } from "tsbpf/net";

export const drop9 = tc((ctx) => {
  if (ctx.protocol !== ETH_P_IP) return TcAction.OK;
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null || ip.protocol !== IPPROTO_UDP) return TcAction.OK;
  const udp = ctx.header(Udp, Eth.size + (ip.verIhl & 0xf) * 4);
  return udp !== null && udp.dest === 9 ? TcAction.SHOT : TcAction.OK;
});
`;

const TS7_STRICT = {
  target: "esnext",
  types: ["node"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: "force",
  noEmit: true,
};

describe("the packed package, as a new user installs it", () => {
  let work: string;
  let tarball: string;
  let user: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "tsbpf-new-user-"));
    const pack = run(ROOT, "npm", ["pack", "--json", "--pack-destination", work], 600_000);
    ok(pack);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[\n"))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, info!.filename);
    writeFileSync(join(work, "files.json"), JSON.stringify(info!.files.map((f) => f.path)));
    user = join(work, "user");
    mkdirSync(user);
    writeFileSync(join(user, "package.json"), JSON.stringify({ name: "user", private: true, type: "module" }));
    ok(
      run(user, "npm", [
        "install",
        ...NPM_QUIET,
        tarball,
        `typescript@${pkg.devDependencies.typescript}`,
        `@types/node@${pkg.devDependencies["@types/node"]}`,
      ]),
    );
  }, 900_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the built package, not the repository's tests, benchmarks or CI", () => {
    const files = JSON.parse(readFileSync(join(work, "files.json"), "utf8")) as string[];
    for (const f of [
      "bin/tsbpf.js",
      "bin/snapshot.cjs",
      "bin/package-identity.cjs",
      "dist/cli.js",
      "dist/snapshot.cjs",
      "dist/runtime.js",
      "dist/types/runtime/index.d.ts",
      "docs/lb-abi.md",
      "docs/tutorial.md",
      "bin/lessons/starters/01-pass.ts",
      "bin/lessons/solutions/01-pass.ts",
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(test|bench|\.ci|lb|examples)\//.test(f))).toEqual([]);
    expect(
      files.filter(
        (f) =>
          f.endsWith(".ts") &&
          !f.endsWith(".d.ts") &&
          !/^(runtime\/lang\/|bin\/init-template\/|bin\/lessons\/(starters|solutions)\/)/.test(f),
      ),
    ).toEqual([]);
  });

  it("type-checks the user's program and script with the user's tsc (nodenext, bundler; TS 5 and TS 7 strictness)", () => {
    writeFileSync(join(user, "count.ts"), PROGRAM);
    writeFileSync(join(user, "load.ts"), SCRIPT);
    const tsc = join(user, "node_modules/typescript/bin/tsc");
    // TS 7's strictness only adds errors to TS 5's `strict`, so passing it covers both; without
    // skipLibCheck, tsbpf's declarations themselves are checked too.
    const configs: Record<string, object> = {
      "nodenext, TS 7 defaults, no skipLibCheck": { module: "nodenext", ...TS7_STRICT, skipLibCheck: false },
      "bundler, strict": {
        module: "preserve",
        moduleResolution: "bundler",
        target: "es2022",
        strict: true,
        noEmit: true,
        types: ["node"],
      },
    };
    for (const [name, compilerOptions] of Object.entries(configs)) {
      writeFileSync(join(user, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["count.ts", "load.ts"] }));
      const r = run(user, process.execPath, [tsc, "-p", "."]);
      expect({ name, status: r.status, out: r.out }).toEqual({ name, status: 0, out: "" });
    }
  }, 300_000);

  it("builds with the installed bin and loads the object from plain node", () => {
    writeFileSync(join(user, "count.ts"), PROGRAM);
    writeFileSync(join(user, "load.mjs"), LOAD_MJS);
    const bin = join(user, "node_modules/.bin/tsbpf");
    expect(ok(run(user, bin, ["build", "count.ts"]))).toMatch(/^wrote bpf-out\/count\.o \(\d+ bytes\)\n$/);
    const load = run(user, process.execPath, ["load.mjs"]);
    ok(load);
    const out = JSON.parse(load.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ retval: 2, packets: "1", seen: [0x0a4d0001] });
    expect(out.compiled).toBeGreaterThan(0);
  }, 300_000);

  it("builds from the startup snapshot the first build made: the same object and diagnostics, and a bad snapshot is dropped", async () => {
    // The build test above ran the first build, which makes the snapshot in the background.
    const cache = join(user, "node_modules/tsbpf/node_modules/.cache/tsbpf");
    const blobs = () => {
      try {
        return readdirSync(cache).filter((f) => /^build-\w+\.blob$/.test(f));
      } catch {
        return [];
      }
    };
    for (const started = Date.now(); blobs().length === 0; ) {
      if (Date.now() - started > 240_000) throw new Error("no startup snapshot 240 s after the first build");
      await new Promise((r) => setTimeout(r, 500));
    }
    const blob = join(cache, blobs()[0]!);
    const bin = join(user, "node_modules/.bin/tsbpf");
    const reference = readFileSync(join(user, "bpf-out/count.o"));
    // The snapshot's own build (what the bin starts for a plain `tsbpf build`), in a node with the
    // V8 flags the snapshot was made with (V8 refuses it with others).
    const { V8_FLAGS } = createRequire(import.meta.url)(join(user, "node_modules/tsbpf/bin/snapshot.cjs")) as {
      V8_FLAGS: string[];
    };
    const snapshotNode = (args: string[]) =>
      run(user, process.execPath, [...V8_FLAGS, "--snapshot-blob", blob, ...args]);
    const fromSnapshot = snapshotNode(["count.ts", "-o", "snap/count.o"]);
    expect(ok(fromSnapshot)).toBe("wrote snap/count.o (" + reference.length + " bytes)\n");
    expect(readFileSync(join(user, "snap/count.o")).equals(reference)).toBe(true);
    writeFileSync(join(user, "bad.ts"), `import type { u32 } from "tsbpf";\nexport const x: u32 = 1n;\n`);
    const diagnostics = snapshotNode(["bad.ts"]);
    const usual = run(user, bin, ["build", "bad.ts"], 300_000, { TSBPF_NO_SNAPSHOT: "1" });
    expect(usual.status).toBe(3);
    expect(usual.out).toMatch(/\nbad\.ts:2:14 - error TS2322/);
    expect({ status: diagnostics.status, out: diagnostics.out }).toEqual({ status: usual.status, out: usual.out });
    // Through the bin, which finds the snapshot by its key; a corrupt one is dropped, the build still
    // right (the build cache, which would write the object without starting the snapshot, is off).
    const noCache = { TSBPF_NO_BUILD_CACHE: "1" };
    expect(ok(run(user, bin, ["build", "count.ts", "-o", "bin/count.o"], 300_000, noCache))).toBe(
      `wrote bin/count.o (${reference.length} bytes)\n`,
    );
    expect(readFileSync(join(user, "bin/count.o")).equals(reference)).toBe(true);
    writeFileSync(blob, "not a snapshot");
    expect(run(user, bin, ["build", "count.ts", "-o", "bin/again.o"], 300_000, noCache).stdout).toBe(
      `wrote bin/again.o (${reference.length} bytes)\n`,
    );
    expect(readFileSync(join(user, "bin/again.o")).equals(reference)).toBe(true);
    expect(existsSync(blob) ? readFileSync(blob, "utf8").slice(0, 14) : "dropped").not.toBe("not a snapshot");
  }, 600_000);

  it("writes a program's last object again while nothing it was built from changed (the build cache), and builds after any change", () => {
    const bin = join(user, "node_modules/.bin/tsbpf");
    const installed = join(user, "node_modules/tsbpf");
    writeFileSync(
      join(user, "cached.ts"),
      `import { LIMIT } from "./limits.ts";\n${PROGRAM.replace("c.packets += 1n;", "c.packets += LIMIT;")}`,
    );
    writeFileSync(join(user, "limits.ts"), "export const LIMIT = 1n;\n");
    /** The object a build without the cache writes now. */
    const fresh = () => {
      ok(run(user, bin, ["build", "cached.ts", "-o", "fresh.o"], 300_000, { TSBPF_NO_BUILD_CACHE: "1" }));
      return readFileSync(join(user, "fresh.o"));
    };
    /**
     * Makes the cached object of cached.ts recognisable (its hash updated, as if a build had given
     * it), so that a build that writes it is seen to be a hit, one that does not a miss.
     */
    const marked = Buffer.from("cached, not built");
    const mark = () => {
      const builds = join(installed, "node_modules/.cache/tsbpf/builds");
      const entries = readdirSync(builds)
        .filter((f) => f.endsWith(".json"))
        .map((f) => join(builds, f))
        .filter((f) => JSON.parse(readFileSync(f, "utf8")).file === join(user, "cached.ts"));
      expect(entries.length).toBeGreaterThan(0);
      for (const f of entries) {
        writeFileSync(f.replace(/json$/, "o"), marked);
        const entry = JSON.parse(readFileSync(f, "utf8"));
        const hash = createHash("sha256").update(marked).digest("hex");
        writeFileSync(f, JSON.stringify({ ...entry, object: hash, size: marked.length }));
      }
    };
    // Without the snapshot, which a changed package would otherwise make again in the background.
    const build = () => {
      expect(ok(run(user, bin, ["build", "cached.ts"], 300_000, { TSBPF_NO_SNAPSHOT: "1" }))).toMatch(
        /^wrote bpf-out\/cached\.o \(\d+ bytes\)\n$/,
      );
      return readFileSync(join(user, "bpf-out/cached.o"));
    };

    const first = build();
    expect(first.equals(fresh())).toBe(true);
    mark();
    expect(build().equals(marked), "nothing changed: the cached object, not a build").toBe(true);

    writeFileSync(join(user, "limits.ts"), "export const LIMIT = 2n;\n");
    const edited = build();
    expect(edited.equals(fresh()), "an imported file edited: built").toBe(true);
    expect(edited.equals(first)).toBe(false);
    writeFileSync(join(user, "limits.ts"), "export const LIMIT = 1n;\n");
    expect(build().equals(first), "and back: built (the cache keeps a file's last build only)").toBe(true);

    // tsbpf's declarations module, and another version of tsbpf.
    for (const file of ["runtime/lang/maps.ts", "package.json"]) {
      const original = readFileSync(join(installed, file), "utf8");
      try {
        mark();
        writeFileSync(
          join(installed, file),
          file.endsWith(".json") ? original.replace(pkg.version, `${pkg.version}-other`) : `${original}\n// edited\n`,
        );
        expect(build().equals(first), `${file} changed: built`).toBe(true);
      } finally {
        writeFileSync(join(installed, file), original);
      }
    }
    expect(build().equals(first)).toBe(true); // recorded with the files as they are again
    mark();
    expect(build().equals(marked), "all as it was: the cached object again").toBe(true);
  }, 600_000);

  it("tsbpf init makes a project whose npm install and npm test pass, with a clean install", () => {
    const app = join(work, "app");
    const bin = join(user, "node_modules/.bin/tsbpf");
    const init = ok(run(work, bin, ["init", "app", "--tsbpf", `file:${tarball}`]));
    expect(init).toContain("wrote app/src/xdp.ts");
    const install = ok(run(app, "npm", ["install", ...NPM_QUIET]));
    expect(install).not.toMatch(/warn|ERR/i);
    const test = run(app, "npm", ["test"]);
    expect(test.out).toMatch(/Tests\s+1 passed/);
    expect(test.status).toBe(0);
    expect(ok(run(app, "npm", ["run", "check"]))).not.toContain("error");
  }, 600_000);

  it("runs the tutorial from the installed package: tsbpf lesson start, then lesson check on the starter and on the solution", () => {
    const bin = join(user, "node_modules/.bin/tsbpf");
    expect(ok(run(user, bin, ["lesson", "start", "4"]))).toMatch(/^wrote src\/04-parse\.ts: lesson 4, parse headers\./);
    const starter = run(user, bin, ["lesson", "check", "4", "src/04-parse.ts"]);
    expect(starter.status).toBe(1);
    expect(starter.out).toMatch(/^lesson 4 \(parse headers\): 8 of 10 packets right\n✗ packet 1 \(UDP to port 9\)/);
    // The reference solution ships with the package; checked as a learner would, from their src/.
    const solution = readFileSync(join(user, "node_modules/tsbpf/bin/lessons/solutions/04-parse.ts"), "utf8");
    writeFileSync(join(user, "src/04-solved.ts"), solution);
    expect(ok(run(user, bin, ["lesson", "check", "4", "src/04-solved.ts"]))).toBe(
      "lesson 4 (parse headers): 10 of 10 packets right ✓\n",
    );
  }, 300_000);

  it("checks the load balancer's lessons 9-13 from the installed package: each shipped solution passes, a starter fails", () => {
    const bin = join(user, "node_modules/.bin/tsbpf");
    const shipped = join(user, "node_modules/tsbpf/bin/lessons");
    const slugs = readdirSync(join(shipped, "solutions")).filter((f) => /^(09|1[0-3])-lb-.*\.ts$/.test(f));
    expect(slugs).toHaveLength(5);
    mkdirSync(join(user, "src"), { recursive: true });
    for (const slug of slugs) {
      const n = Number(slug.slice(0, 2));
      writeFileSync(join(user, "src", slug), readFileSync(join(shipped, "solutions", slug), "utf8"));
      const r = run(user, bin, ["lesson", "check", String(n), `src/${slug}`]);
      expect({ n, status: r.status }).toEqual({ n, status: 0 });
      expect(r.out).toMatch(new RegExp(`^lesson ${n} \\(LB: .*\\): (\\d+) of \\1 packets right ✓\n$`));
    }
    expect(ok(run(user, bin, ["lesson", "start", "9", "src/09-start.ts"]))).toMatch(
      /^wrote src\/09-start\.ts: lesson 9/,
    );
    const starter = run(user, bin, ["lesson", "check", "9", "src/09-start.ts"]);
    expect(starter.status).toBe(1);
    expect(starter.out).toMatch(/^lesson 9 \(LB: hash and Maglev\): \d+ of 15 packets right\n/);
  }, 300_000);

  it("attaches a tc program with the installed bin: tsbpf attach --tcx ingress drops UDP to port 9 on a veth until tsbpf detach --pin", async () => {
    const bin = join(user, "node_modules/.bin/tsbpf");
    const tag = `${process.pid % 100000}`;
    const [ns, host] = [`tsbpfpkg-${tag}`, `pk${tag}h`];
    const removeVeth = vethToNamespace(ns, host, `pk${tag}p`, "10.218.0.1/24", "10.218.0.2/24");
    const pins = bpffsDir("pkg-tcx");
    const pin = join(pins.dir, "link");
    const send = (port: number, n: number) => sendUdpFrom(ns, "10.218.0.1", port, n);
    const delivered = (during: () => void) => udpDelivered("10.218.0.1", [9, 9999], during);
    try {
      writeFileSync(join(user, "drop9.ts"), TC_PROGRAM);
      expect(ok(run(user, bin, ["build", "drop9.ts"]))).toMatch(/^wrote bpf-out\/drop9\.o \(\d+ bytes\)\n$/);
      const attach = run(user, bin, [
        "attach",
        "bpf-out/drop9.o",
        "--tcx",
        "ingress",
        "--dev",
        host,
        "--pin",
        pin,
        "--json",
      ]);
      expect(attach.status, attach.out).toBe(0);
      expect(JSON.parse(attach.stdout)).toMatchObject({
        interface: host,
        mode: "tcx ingress",
        prog: "drop9",
        link_pin: pin,
      });
      expect(await delivered(() => (send(9999, 2), send(9, 2)))).toEqual({ 9999: 2 });
      const detach = run(user, bin, ["detach", "--pin", pin]);
      expect(detach.status, detach.out).toBe(0);
      expect(detach.out).toMatch(/^detached link \d+ \(prog id \d+\) from ifindex \d+ \(tcx ingress\); removed /);
      expect(existsSync(pin)).toBe(false);
      expect(await delivered(() => send(9, 1))).toEqual({ 9: 1 });
    } finally {
      pins.cleanup();
      removeVeth();
    }
  }, 300_000);
});
