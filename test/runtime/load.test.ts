/**
 * The runtime against the real kernel and against bpftool (libbpf):
 * same load verdicts, same test-run results, map contents, verifier logs.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { loadObject, openFdCount, TsbpfError, VerifierError, XdpAction } from "../../runtime/index.ts";
import { arpFrame, bpffsDir, bpftool, bpftoolRun, compileC, lineOf, ROOT, u32le, udpFrame } from "./helpers.ts";
import { runAsNobody } from "../support/nobody.ts";

const GOOD = ["hash_count", "global_data", "bpf2bpf", "two_progs", "percpu_stats"] as const;
const ALL = [...GOOD, "bad_oob"] as const;
const objects: Record<string, string> = {};
let pins: { dir: string; cleanup: () => void };

beforeAll(() => {
  for (const name of ALL) objects[name] = compileC(name);
  pins = bpffsDir("load");
});
afterAll(() => pins.cleanup());

const packets: Array<[string, Uint8Array]> = [
  ["udp 64", udpFrame(64)],
  ["udp 60 ttl 1", udpFrame(60, 1)],
  ["udp 1500", udpFrame(1500)],
  ["arp", arpFrame()],
  ["ethernet header only", udpFrame(14)],
  ["short 20", udpFrame(20)],
];

describeKernel("runtime and bpftool agree", () => {
  for (const name of ALL) {
    it(`${name}: loads exactly when bpftool prog loadall does`, async () => {
      const dir = join(pins.dir, name);
      const tool = bpftool("prog", "loadall", objects[name]!, dir);
      let runtimeOk = true;
      try {
        (await loadObject(objects[name]!)).close();
      } catch (e) {
        expect(e).toBeInstanceOf(TsbpfError);
        runtimeOk = false;
      }
      expect(runtimeOk).toBe(tool.ok);
      expect(runtimeOk).toBe(name !== "bad_oob");
    });
  }

  for (const name of GOOD) {
    it(`${name}: test-run action and output bytes match bpftool prog run`, async () => {
      const obj = await loadObject(objects[name]!);
      try {
        const pinned = readdirSync(join(pins.dir, name));
        expect([...obj.programs.keys()].sort()).toEqual([...pinned].sort());
        for (const [progName, prog] of obj.programs) {
          for (const [label, packet] of packets) {
            const ours = prog.testRun({ data: packet });
            const theirs = bpftoolRun(join(pins.dir, name, progName), packet);
            expect({ label, retval: ours.retval }).toEqual({ label, retval: theirs.retval });
            expect(
              Buffer.from(ours.data).equals(Buffer.from(theirs.data)),
              `${progName} on ${label}: output bytes`,
            ).toBe(true);
          }
        }
      } finally {
        obj.close();
      }
    });
  }
});

describeKernel("programs and maps", () => {
  it("hash map counts frames per EtherType", async () => {
    const obj = await loadObject(objects.hash_count!);
    try {
      const prog = obj.programs.get("count_proto")!;
      expect(prog.type).toBe(6);
      expect(prog.section).toBe("xdp");
      for (let i = 0; i < 3; i++) expect(prog.testRun({ data: udpFrame() }).retval).toBe(XdpAction.PASS);
      expect(prog.testRun({ data: arpFrame() }).retval).toBe(XdpAction.PASS);
      const map = obj.maps.get("proto_count")!;
      expect({ type: map.type, keySize: map.keySize, valueSize: map.valueSize, maxEntries: map.maxEntries }).toEqual({
        type: 1,
        keySize: 2,
        valueSize: 8,
        maxEntries: 64,
      });
      const ipv4 = Uint8Array.of(0x08, 0x00);
      expect(Buffer.from(map.lookup(ipv4)!).readBigUInt64LE()).toBe(3n);
      expect(Buffer.from(map.lookup(Uint8Array.of(0x08, 0x06))!).readBigUInt64LE()).toBe(1n);
      expect([...map.keys()].length).toBe(2);
      expect(obj.dumpMap("proto_count")).toEqual(
        expect.arrayContaining([
          { key: 8, value: 3n },
          { key: 0x608, value: 1n },
        ]),
      );
    } finally {
      obj.close();
    }
  });

  it("rodata configures the program; .data and .bss are read back", async () => {
    const obj = await loadObject(objects.global_data!);
    try {
      const out = obj.programs.get("configured")!.testRun({ data: udpFrame(100) });
      expect(out.retval).toBe(XdpAction.PASS);
      expect(out.data[0]).toBe(0xab);
      expect(obj.globals(".rodata")).toEqual({ verdict: 2, mark_byte: 0xab });
      expect(obj.globals(".data")).toEqual({ hits: 6n });
      expect(obj.globals(".bss")).toEqual({ bytes_seen: 100n });
      // .rodata is frozen: userspace cannot change it after load.
      expect(() => obj.maps.get(".rodata")!.update(u32le(0), new Uint8Array(5))).toThrow(TsbpfError);
    } finally {
      obj.close();
    }
    const dropper = await loadObject(objects.global_data!, {
      rodata: { verdict: u32le(XdpAction.DROP), mark_byte: Uint8Array.of(0x5a) },
    });
    try {
      const out = dropper.programs.get("configured")!.testRun({ data: udpFrame() });
      expect(out.retval).toBe(XdpAction.DROP);
      expect(out.data[0]).toBe(0x5a);
    } finally {
      dropper.close();
    }
    await expect(loadObject(objects.global_data!, { rodata: { verdict: Uint8Array.of(1) } })).rejects.toThrow(
      /4 bytes|verdict/,
    );
    await expect(loadObject(objects.global_data!, { rodata: { nope: Uint8Array.of(1) } })).rejects.toThrow(/nope/);
  });

  it("BPF-to-BPF calls: subprograms are appended and called", async () => {
    const obj = await loadObject(objects.bpf2bpf!, { logLevel: 1 });
    try {
      const prog = obj.programs.get("bounce")!;
      const frame = udpFrame(64);
      const out = prog.testRun({ data: frame });
      expect(out.retval).toBe(XdpAction.TX);
      expect(Array.from(out.data.subarray(0, 12))).toEqual([...frame.subarray(6, 12), ...frame.subarray(0, 6)]);
      expect(prog.testRun({ data: udpFrame(40) }).retval).toBe(XdpAction.DROP);
      expect(prog.verifierLog).toMatch(/frame_len/);
      expect(prog.insnCount).toBeGreaterThan(20);
    } finally {
      obj.close();
    }
  });

  it("two programs share one map", async () => {
    const obj = await loadObject(objects.two_progs!);
    try {
      expect([...obj.programs.keys()].sort()).toEqual(["drop_all", "pass_all"]);
      expect(obj.programs.get("pass_all")!.testRun({ data: udpFrame(), repeat: 5 }).retval).toBe(XdpAction.PASS);
      expect(obj.programs.get("drop_all")!.testRun({ data: udpFrame() }).retval).toBe(XdpAction.DROP);
      const calls = obj.maps.get("calls")!;
      expect(Buffer.from(calls.lookup(u32le(0))!).readBigUInt64LE()).toBe(5n);
      expect(Buffer.from(calls.lookup(u32le(1))!).readBigUInt64LE()).toBe(1n);
    } finally {
      obj.close();
    }
    const only = await loadObject(objects.two_progs!, { programs: ["drop_all"] });
    expect([...only.programs.keys()]).toEqual(["drop_all"]);
    only.close();
  });

  it("per-CPU array: one value per possible CPU", async () => {
    const obj = await loadObject(objects.percpu_stats!);
    try {
      obj.programs.get("count_stats")!.testRun({ data: udpFrame(80), repeat: 3 });
      const stats = obj.maps.get("stats")!;
      const perCpu = stats.lookupPerCpu(u32le(1))!;
      const packets = perCpu.reduce((n, v) => n + Buffer.from(v).readBigUInt64LE(0), 0n);
      const bytes = perCpu.reduce((n, v) => n + Buffer.from(v).readBigUInt64LE(8), 0n);
      expect(packets).toBe(3n);
      expect(bytes).toBe(240n);
      expect(() => stats.lookup(u32le(1))).toThrow(/PerCpu/);
    } finally {
      obj.close();
    }
  });
});

describeKernel("verifier", () => {
  it("captures the log at level 1 and 2", async () => {
    const one = await loadObject(objects.hash_count!, { logLevel: 1 });
    const two = await loadObject(objects.hash_count!, { logLevel: 2 });
    try {
      const l1 = one.programs.get("count_proto")!.verifierLog;
      const l2 = two.programs.get("count_proto")!.verifierLog;
      expect(l1).toMatch(/processed \d+ insns/);
      expect(l2).toMatch(/processed \d+ insns/);
      expect(l2.length).toBeGreaterThan(l1.length);
      // BTF line info reaches the kernel: the log quotes the C source.
      expect(l2).toMatch(/; .*bpf_map_lookup_elem\(&proto_count/);
    } finally {
      one.close();
      two.close();
    }
  });

  it("an out-of-bounds packet read is a VerifierError naming the C line", async () => {
    const fds = openFdCount();
    const err = await loadObject(objects.bad_oob!).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.code).toBe("EACCES");
    expect(v.reason).toMatch(/invalid access to packet/);
    expect(v.source?.file).toMatch(/bad_oob\.c$/);
    expect(v.source?.line).toBe(lineOf("bad_oob", "BAD_LINE"));
    expect(v.source?.text).toContain("data[22]");
    expect(v.message).toContain(`bad_oob.c:${lineOf("bad_oob", "BAD_LINE")}`);
    expect(v.log).toMatch(/processed \d+ insns/);
    expect(openFdCount()).toBe(fds);
  });
});

describeKernel("privileges", () => {
  it("without capabilities, the error says what is needed", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-eperm-"));
    try {
      chmodSync(dir, 0o755);
      const script = join(dir, "eperm.mts");
      writeFileSync(
        script,
        `import { loadObject } from ${JSON.stringify(join(ROOT, "runtime/index.ts"))};
try { await loadObject(${JSON.stringify(objects.hash_count)}); console.log("LOADED"); }
catch (e) { console.log(e.constructor.name + ": " + e.message); }
`,
      );
      chmodSync(script, 0o644);
      const r = runAsNobody([process.execPath, "--import", "tsx", script], dir);
      expect(r.stdout).toMatch(/EPERM/);
      expect(r.stdout).toMatch(/root, or grant CAP_BPF and CAP_NET_ADMIN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeKernel("resources", () => {
  it("loadObject and close leave no fds behind", async () => {
    const before = openFdCount();
    for (const name of GOOD) (await loadObject(objects[name]!, { logLevel: 1 })).close();
    await loadObject(objects.bad_oob!).catch(() => undefined);
    expect(openFdCount()).toBe(before);
  });
});
