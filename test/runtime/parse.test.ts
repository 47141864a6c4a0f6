/**
 * parseObject(): what an object declares, read from checked-in clang-14
 * objects (test/runtime/objects, built from test/c) without root or a
 * kernel; then, as root, that loadObject(spec) creates what the spec says,
 * edits included, and leaves the spec as it was.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadObject, MapType, ObjectError, parseObject, ProgType } from "../../runtime/index.ts";
import { describeKernel } from "../support/kernel.ts";
import { u32le } from "./helpers.ts";

const OBJECTS = join(import.meta.dirname, "objects");
const object = (name: string) => join(OBJECTS, `${name}.o`);

/** Source register and imm of instruction `i` (an ld_imm64's first half). */
function ldImm64(insns: Uint8Array, i: number): { code: number; src: number; imm: number; imm2: number } {
  const b = Buffer.from(insns.buffer, insns.byteOffset, insns.byteLength);
  return { code: b[i * 8]!, src: b[i * 8 + 1]! >> 4, imm: b.readInt32LE(i * 8 + 4), imm2: b.readInt32LE(i * 8 + 12) };
}

describe("parseObject", () => {
  it("map_in_map: map definitions, the map-in-map's initial values, and references to maps by name", () => {
    const spec = parseObject(object("map_in_map"));
    expect(spec.license).toBe("GPL");
    expect(
      spec.maps.map((m) => ({ name: m.name, type: m.type, key: m.keySize, value: m.valueSize, max: m.maxEntries })),
    ).toEqual([
      { name: "verdict_a", type: MapType.ARRAY, key: 4, value: 4, max: 1 },
      { name: "verdict_b", type: MapType.ARRAY, key: 4, value: 4, max: 1 },
      { name: "verdicts", type: MapType.ARRAY_OF_MAPS, key: 4, value: 4, max: 2 },
      { name: "shared_counter", type: MapType.HASH, key: 4, value: 8, max: 16 },
    ]);
    const verdicts = spec.maps.find((m) => m.name === "verdicts")!;
    expect(verdicts.values).toEqual([
      { slot: 0, map: "verdict_a" },
      { slot: 1, map: "verdict_b" },
    ]);
    expect(verdicts.inner?.type).toBe(MapType.ARRAY);
    expect(spec.maps.find((m) => m.name === "shared_counter")!.pinning).toBe(1); // LIBBPF_PIN_BY_NAME
    expect(spec.globalData).toEqual([]);

    expect(spec.programs.map((p) => [p.name, p.section, p.kind?.type, p.insns.length / 8])).toEqual([
      ["pick_verdict", "xdp", ProgType.XDP, 35],
    ]);
    const [prog] = spec.programs;
    expect(prog!.references).toEqual([
      { kind: "map", map: "verdicts", insn: 14 },
      { kind: "map", map: "shared_counter", insn: 24 },
    ]);
    // BPF_LD_IMM64 with BPF_PSEUDO_MAP_FD, its fd left for the loader.
    for (const r of prog!.references)
      expect(ldImm64(prog!.insns, r.insn)).toEqual({ code: 0x18, src: 1, imm: 0, imm2: 0 });
    expect(prog!.funcInfo).toEqual([{ insnOff: 0, typeId: expect.any(Number) }]);
    expect(prog!.lineInfo.length).toBeGreaterThan(0);
  });

  it("global_data: one section per kind with its initial bytes and variables; references are section offsets", () => {
    const spec = parseObject(object("global_data"));
    expect(spec.maps).toEqual([]);
    expect(
      spec.globalData.map((d) => ({
        name: d.name,
        kind: d.kind,
        contents: [...d.contents],
        variables: d.variables,
        btf: d.datasecTypeId === undefined ? undefined : spec.btf!.type(d.datasecTypeId).name,
      })),
    ).toEqual([
      {
        name: ".rodata",
        kind: "rodata",
        contents: [2, 0, 0, 0, 0xab], // verdict = XDP_PASS, mark_byte = 0xab
        variables: [
          { name: "mark_byte", offset: 4, size: 1 },
          { name: "verdict", offset: 0, size: 4 },
        ],
        btf: ".rodata",
      },
      {
        name: ".data",
        kind: "data",
        contents: [5, 0, 0, 0, 0, 0, 0, 0],
        variables: [{ name: "hits", offset: 0, size: 8 }],
        btf: ".data",
      },
      {
        name: ".bss",
        kind: "bss",
        contents: [0, 0, 0, 0, 0, 0, 0, 0],
        variables: [{ name: "bytes_seen", offset: 0, size: 8 }],
        btf: ".bss",
      },
    ]);
    const [prog] = spec.programs;
    expect(prog!.references).toEqual([
      { kind: "value", section: ".data", offset: 0, insn: 2 },
      { kind: "value", section: ".bss", offset: 0, insn: 9 },
      { kind: "value", section: ".rodata", offset: 4, insn: 18 },
      { kind: "value", section: ".rodata", offset: 0, insn: 22 },
    ]);
    // BPF_PSEUDO_MAP_VALUE: the offset inside the value is already in the second half.
    expect(ldImm64(prog!.insns, 18)).toEqual({ code: 0x18, src: 2, imm: 0, imm2: 4 });
  });

  it("two_progs and bpf2bpf: every entry point, each with its callees appended", () => {
    const two = parseObject(object("two_progs"));
    expect(
      two.programs.map((p) => [p.name, p.insns.length / 8, p.references.map((r) => r.kind === "map" && r.map)]),
    ).toEqual([
      ["pass_all", 12, ["calls"]],
      ["drop_all", 11, ["calls"]],
    ]);
    const bpf2bpf = parseObject(object("bpf2bpf"));
    expect(bpf2bpf.programs.map((p) => [p.name, p.insns.length / 8, p.funcInfo.length])).toEqual([["bounce", 54, 3]]);
  });

  it("accepts the file's bytes as well as its path, and parses the same", () => {
    const bytes = readFileSync(object("two_progs"));
    expect(parseObject(bytes).programs).toEqual(parseObject(object("two_progs")).programs);
  });

  it("a missing file is an ObjectError that names it", () => {
    expect(() => parseObject(join(OBJECTS, "nope.o"))).toThrow(ObjectError);
    expect(() => parseObject(join(OBJECTS, "nope.o"))).toThrow(/cannot read object file .*nope\.o/);
  });
});

describeKernel("loadObject(spec)", () => {
  it("creates what the edited spec says and leaves the spec unchanged", async () => {
    const spec = parseObject(object("global_data"));
    spec.globalData.find((d) => d.name === ".data")!.contents.set([42], 0); // hits = 42
    const before = structuredClone({ globalData: spec.globalData, programs: spec.programs });
    const obj = await loadObject(spec);
    try {
      expect(obj.globals(".data")).toEqual({ hits: 42n });
      obj.program("configured").testRun({ data: new Uint8Array(64) });
      expect(obj.globals(".data")).toEqual({ hits: 43n });
    } finally {
      obj.close();
    }
    expect({ globalData: spec.globalData, programs: spec.programs }).toEqual(before);
  });

  it("a map's maxEntries edited in the spec is the loaded map's", async () => {
    const spec = parseObject(object("two_progs"));
    spec.maps[0]!.maxEntries = 7;
    const obj = await loadObject(spec, { programs: ["drop_all"] });
    try {
      expect(obj.map("calls").maxEntries).toBe(7);
      expect([...obj.programs.keys()]).toEqual(["drop_all"]);
      obj.program("drop_all").testRun({ data: new Uint8Array(64) });
      expect([...obj.map("calls").lookup(u32le(1))!]).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    } finally {
      obj.close();
    }
  });
});
