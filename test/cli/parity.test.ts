// Parity with libbpf: every corpus program (test/programs/*.ts, compiled here) and every C
// fixture loads with the runtime exactly when `bpftool prog loadall` loads it, and test runs agree
// with `bpftool prog run` on the same packets (action and output bytes).
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { clangBpf } from "../support/clang.ts";
import { loadObject, TsbpfError, type BpfObject } from "../../runtime/index.ts";
import { arpFrame, bpftool, bpftoolRun, ensureBpffs, ROOT, udpFrame } from "../runtime/helpers.ts";
import { cliOut, hex, icmpEcho } from "./helpers.ts";
import { buildCorpusObject, corpusNames } from "../programs/harness.ts";

const PIN_ROOT = `/sys/fs/bpf/tsbpf-parity-${process.pid}`;

/** C programs kept in test/ (fixtures, lab programs, the corpus's C twins), compiled with clang-14. */
function cObjects(): string[] {
  const sources = [
    ...readdirSync(join(ROOT, "test/c"))
      .filter((f) => f.endsWith(".c"))
      .map((f) => join(ROOT, "test/c", f)),
    ...["pass", "reflect"].map((n) => join(ROOT, "test/c/lab", `${n}.c`)),
    ...(existsSync(join(ROOT, "test/programs/c"))
      ? readdirSync(join(ROOT, "test/programs/c"))
          .filter((f) => f.endsWith(".c"))
          .map((f) => join(ROOT, "test/programs/c", f))
      : []),
  ];
  const dir = join(cliOut(), "parity");
  mkdirSync(dir, { recursive: true });
  return sources.map((src) => {
    const out = join(
      dir,
      `${src.includes("/programs/c/") ? "twin_" : src.includes("/lab/") ? "lab_" : ""}${basename(src, ".c")}.o`,
    );
    return clangBpf(src, out);
  });
}

/** The TS corpus (test/programs), compiled here so this test never depends on file order. */
function corpusObjects(): string[] {
  return corpusNames().map((name) => buildCorpusObject(name).path);
}

/** Frames that exercise the usual parsing paths (and a minimal one). */
function packets(): Array<[string, Uint8Array]> {
  const eth = (type: number, payload: number[]) =>
    Uint8Array.from([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, type >> 8, type & 0xff, ...payload]);
  const udp = udpFrame(64);
  const tcpSyn = Buffer.from(udpFrame(74));
  tcpSyn[23] = 6; // protocol TCP
  tcpSyn.set([0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0], 34);
  const ipv6 = eth(0x86dd, [
    0x60,
    0,
    0,
    0,
    0,
    8,
    17,
    64,
    ...new Array(15).fill(0),
    1,
    ...new Array(15).fill(0),
    2,
    0x30,
    0x39,
    0,
    53,
    0,
    8,
    0,
    0,
  ]);
  const vlan = eth(0x8100, [0x00, 0x0a, 0x08, 0x00, ...Array.from(udpFrame(60).subarray(14))]);
  return [
    ["udp", udp],
    ["udp ttl=1", udpFrame(64, 1)],
    ["udp 1500", udpFrame(1500)],
    ["tcp syn", tcpSyn],
    ["icmp echo", icmpEcho()],
    ["arp", arpFrame()],
    ["ipv6 udp", ipv6],
    ["vlan", vlan],
    ["eth only", eth(0x0800, [])],
  ];
}

interface LoadOutcome {
  ok: boolean;
  detail: string;
}

async function runtimeLoad(object: string): Promise<{ outcome: LoadOutcome; obj?: BpfObject }> {
  try {
    const obj = await loadObject(object);
    return { outcome: { ok: true, detail: "" }, obj };
  } catch (e) {
    if (!(e instanceof TsbpfError)) throw e; // a crash is never "agreement"
    return { outcome: { ok: false, detail: e.message } };
  }
}

function bpftoolLoad(object: string, dir: string): LoadOutcome {
  rmSync(dir, { recursive: true, force: true });
  const r = bpftool("prog", "loadall", object, dir);
  return { ok: r.ok, detail: (r.stdout + r.stderr).slice(-1500) };
}

afterAll(() => rmSync(PIN_ROOT, { recursive: true, force: true }));

async function checkParity(object: string): Promise<{ loaded: boolean; runs: number }> {
  ensureBpffs();
  mkdirSync(PIN_ROOT, { recursive: true });
  const dir = join(PIN_ROOT, basename(object, ".o"));
  const before = new Set(readdirSync("/sys/fs/bpf"));
  const theirs = bpftoolLoad(object, dir);
  const ours = await runtimeLoad(object);
  // Maps declared with LIBBPF_PIN_BY_NAME get pinned in /sys/fs/bpf by both loaders: remove the new ones.
  const byName = [...(ours.obj?.maps.values() ?? [])]
    .map((m) => m.pinnedPath)
    .filter((p): p is string => !!p?.startsWith("/sys/fs/bpf/") && !before.has(basename(p)));
  try {
    expect(
      ours.outcome.ok,
      `${basename(object)}: runtime ${ours.outcome.ok ? "loaded" : `refused (${ours.outcome.detail})`}, bpftool ${theirs.ok ? "loaded" : `refused:\n${theirs.detail}`}`,
    ).toBe(theirs.ok);
    if (!ours.obj || !theirs.ok) return { loaded: false, runs: 0 };
    let runs = 0;
    for (const [name, prog] of ours.obj.programs) {
      const pinned = join(dir, name);
      expect(existsSync(pinned), `bpftool pinned ${name}`).toBe(true);
      for (const [what, packet] of packets()) {
        let mine: { retval: number; data: string } | { error: string };
        try {
          const r = prog.testRun({ data: packet });
          mine = { retval: r.retval, data: hex(r.data) };
        } catch (e) {
          mine = { error: (e as Error).message };
        }
        let other: { retval: number; data: string } | { error: string };
        try {
          const r = bpftoolRun(pinned, packet);
          other = { retval: r.retval, data: hex(r.data) };
        } catch (e) {
          other = { error: (e as Error).message };
        }
        // Both must run, or both refuse (e.g. a program type the kernel cannot test-run).
        expect(
          "error" in mine,
          `${basename(object)}:${name} on ${what}: ${JSON.stringify(mine).slice(0, 200)} vs ${JSON.stringify(other).slice(0, 200)}`,
        ).toBe("error" in other);
        if (!("error" in mine) && !("error" in other)) {
          expect(mine, `${basename(object)}:${name} on ${what}`).toEqual(other);
          runs++;
        }
      }
    }
    return { loaded: true, runs };
  } finally {
    ours.obj?.close();
    rmSync(dir, { recursive: true, force: true });
    for (const p of byName) rmSync(p, { force: true });
  }
}

describeKernel("C programs compiled by clang-14 (always run)", () => {
  const objects = cObjects();

  it("there are at least 5 of them, including one the verifier rejects", () => {
    expect(objects.length).toBeGreaterThanOrEqual(5);
    expect(objects.some((o) => o.endsWith("/bad_oob.o"))).toBe(true);
  });

  it.each(objects.map((o) => [basename(o), o]))(
    "%s: runtime and bpftool agree (load, test runs)",
    async (_name, object) => {
      const { loaded, runs } = await checkParity(object);
      if (basename(object) === "bad_oob.o") expect(loaded).toBe(false);
      else expect(runs).toBeGreaterThan(0);
    },
  );
});

describeKernel("TS corpus (test/programs/*.ts, compiled by tsbpf)", () => {
  const objects = corpusObjects();

  it("the corpus is all there", () => {
    expect(objects.length).toBeGreaterThanOrEqual(30);
  });

  it.each(objects.map((o) => [basename(o), o]))(
    "%s: runtime and bpftool agree (load, test runs)",
    async (_name, object) => {
      const { loaded, runs } = await checkParity(object);
      if (loaded) expect(runs).toBeGreaterThan(0);
    },
  );
});
