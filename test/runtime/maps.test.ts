/** Map operations against the kernel: element ops and flags, iteration, batch, pinning, map-in-map, typed access. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { array, ArrayMap, HashMap, PerCpuArrayMap, struct, u16, u32, u64 } from "../../runtime/lang/index.ts";
import {
  BpfMap,
  loadObject,
  MapError,
  openFdCount,
  SyscallError,
  TypedMap,
  UpdateFlags,
  XdpAction,
} from "../../runtime/index.ts";
import { bpffsDir, compileC, u32le, u64le, udpFrame } from "./helpers.ts";

let hashObj: string;
let mimObj: string;
let percpuObj: string;
let twoObj: string;
let pins: { dir: string; cleanup: () => void };

beforeAll(() => {
  hashObj = compileC("hash_count");
  mimObj = compileC("map_in_map");
  percpuObj = compileC("percpu_stats");
  twoObj = compileC("two_progs");
  pins = bpffsDir("maps");
});
afterAll(() => pins.cleanup());

describeKernel("element operations", () => {
  it("updateBatch writes many entries at once, typed or as bytes, honouring flags", async () => {
    const obj = await loadObject(hashObj);
    try {
      const m = obj.maps.get("proto_count")!;
      const keys = new Uint8Array(2 * 50),
        values = new Uint8Array(8 * 50);
      for (let i = 0; i < 50; i++) {
        keys.set([i, 1], 2 * i);
        values.set(u64le(i * 3), 8 * i);
      }
      m.updateBatch(keys, values);
      for (const i of [0, 17, 49])
        expect(Buffer.from(m.lookup(Uint8Array.of(i, 1))!).readBigUInt64LE()).toBe(BigInt(i * 3));
      expect(() => m.updateBatch(keys.subarray(0, 2), values.subarray(0, 8), UpdateFlags.NOEXIST)).toThrow(/EEXIST/);
      expect(() => m.updateBatch(keys.subarray(0, 3), values.subarray(0, 8))).toThrow(MapError);
      const typed = obj.typedMap(new HashMap(u16, u64, { maxEntries: m.maxEntries }), "proto_count");
      typed.updateBatch([
        [7, 70n],
        [8, 80n],
      ]);
      expect(typed.lookup(8)).toBe(80n);
    } finally {
      obj.close();
    }
  });

  it("update flags, lookup, delete, keys, entries (batch and iteration agree)", async () => {
    const obj = await loadObject(hashObj);
    try {
      const m = obj.maps.get("proto_count")!;
      const key = (n: number) => Uint8Array.of(n & 0xff, n >> 8);
      for (let i = 0; i < 40; i++) m.update(key(i), u64le(i * 10), UpdateFlags.NOEXIST);
      expect(() => m.update(key(3), u64le(0), UpdateFlags.NOEXIST)).toThrow(SyscallError);
      expect(() => m.update(key(1000), u64le(0), UpdateFlags.EXIST)).toThrow(/ENOENT/);
      m.update(key(3), u64le(33), UpdateFlags.EXIST);
      expect(Buffer.from(m.lookup(key(3))!).readBigUInt64LE()).toBe(33n);
      expect(m.delete(key(4))).toBe(true);
      expect(m.delete(key(4))).toBe(false);
      expect(m.lookup(key(4))).toBeUndefined();
      expect([...m.keys()]).toHaveLength(39);

      const batch = m.lookupBatch(4)!;
      expect(batch).toHaveLength(39);
      const viaIteration = [...m.keys()]
        .map((k) => [Buffer.from(k).toString("hex"), Buffer.from(m.lookup(k)!).toString("hex")])
        .sort();
      const viaBatch = batch.map(([k, v]) => [Buffer.from(k).toString("hex"), Buffer.from(v).toString("hex")]).sort();
      expect(viaBatch).toEqual(viaIteration);
      expect(m.entries()).toHaveLength(39);

      expect(() => m.lookup(Uint8Array.of(1, 2, 3))).toThrow(MapError);
      expect(() => m.update(key(1), Uint8Array.of(1))).toThrow(MapError);
      // A JS number or object where bytes are due: the typed API was meant, and the error says so.
      const typedHint = /must be its \d+ bytes \(a Uint8Array\), got (number|object); .* use obj\.typedMap/;
      expect(() => m.lookup(1 as unknown as Uint8Array)).toThrow(typedHint);
      expect(() => m.update(key(1), { n: 1 } as unknown as Uint8Array)).toThrow(typedHint);
      for (let i = 40; i < 64; i++) m.update(key(i), u64le(1));
      m.update(key(500), u64le(1)); // the 64th entry
      expect(() => m.update(key(501), u64le(1))).toThrow(/E2BIG/); // full
    } finally {
      obj.close();
    }
  });

  it("per-CPU update writes every CPU; arrays cannot delete", async () => {
    const obj = await loadObject(percpuObj);
    try {
      const stats = obj.maps.get("stats")!;
      stats.updatePerCpu(u32le(2), new Uint8Array(16).fill(1));
      const all = stats.lookupPerCpu(u32le(2))!;
      expect(all.every((v) => v.every((b) => b === 1))).toBe(true);
      expect(stats.entriesPerCpu()).toHaveLength(4);
      expect(() => stats.delete(u32le(0))).toThrow(/EINVAL/);
    } finally {
      obj.close();
    }
  });
});

describeKernel("map-in-map and pinning", () => {
  it("values of an array of maps are initialised from .rel.maps; pinned map is reused across loads", async () => {
    const fds = openFdCount();
    const first = await loadObject(mimObj, { pinMapsDir: pins.dir });
    const pinPath = join(pins.dir, "shared_counter");
    try {
      expect(existsSync(pinPath)).toBe(true);
      const prog = first.programs.get("pick_verdict")!;
      first.maps.get("shared_counter")!.update(u32le(0), u64le(0));
      first.maps.get("verdict_a")!.update(u32le(0), u32le(XdpAction.DROP));
      first.maps.get("verdict_b")!.update(u32le(0), u32le(XdpAction.TX));
      const even = udpFrame(64); // byte 14 = 0x45: odd → slot 1
      expect(prog.testRun({ data: even }).retval).toBe(XdpAction.TX);
      even[14] = 0x44;
      expect(prog.testRun({ data: even }).retval).toBe(XdpAction.DROP);

      const second = await loadObject(mimObj, { pinMapsDir: pins.dir });
      try {
        second.programs.get("pick_verdict")!.testRun({ data: udpFrame(64) });
        const shared = BpfMap.fromPinned(pinPath);
        expect(Buffer.from(shared.lookup(u32le(0))!).readBigUInt64LE()).toBe(3n);
        expect(shared.name).toBe("shared_counter");
        shared.close();
      } finally {
        second.close();
      }
    } finally {
      first.close();
    }
    expect(openFdCount()).toBe(fds);
  });

  it("a pinned map with a different layout is refused", async () => {
    const other = await loadObject(twoObj);
    const dir = join(pins.dir, "mismatch");
    (await import("node:fs")).mkdirSync(dir);
    other.maps.get("calls")!.pin(join(dir, "shared_counter"));
    other.close();
    await expect(loadObject(mimObj, { pinMapsDir: dir })).rejects.toThrow(/does not match/);
  });
});

describeKernel("typed maps (runtime/lang descriptors)", () => {
  it("reads and writes JS values", async () => {
    const obj = await loadObject(hashObj);
    try {
      const protoCount = new HashMap(u16, u64, { maxEntries: 64 });
      const typed = obj.typedMap(protoCount, "proto_count");
      obj.programs.get("count_proto")!.testRun({ data: udpFrame() });
      expect(typed.lookup(0x0008)).toBe(1n);
      typed.update(0x1234, 99n);
      expect(new Map(typed.entries())).toEqual(
        new Map([
          [0x0008, 1n],
          [0x1234, 99n],
        ]),
      );
      expect(typed.delete(0x1234)).toBe(true);
      expect(() => obj.typedMap(new HashMap(u32, u64, { maxEntries: 64 }), "proto_count")).toThrow(/key size 4 ≠ 2/);
    } finally {
      obj.close();
    }
  });

  it("per-CPU struct values", async () => {
    const obj = await loadObject(percpuObj);
    try {
      const Stats = struct({ packets: u64, bytes: u64 });
      const stats = obj.typedMap(new PerCpuArrayMap(Stats, { maxEntries: 4 }), "stats");
      obj.programs.get("count_stats")!.testRun({ data: udpFrame(90), repeat: 2 });
      const perCpu = stats.lookupPerCpu(1)!;
      expect(perCpu.reduce((n, s) => n + s.packets, 0n)).toBe(2n);
      expect(perCpu.reduce((n, s) => n + s.bytes, 0n)).toBe(180n);
      expect(() => obj.typedMap(new ArrayMap(Stats, { maxEntries: 4 }), "stats")).toThrow(/type ARRAY ≠ PERCPU_ARRAY/);
    } finally {
      obj.close();
    }
  });

  it("a declaration of the same size with other members is refused by the BTF, naming the first that differs", async () => {
    const obj = await loadObject(percpuObj);
    const Stats = struct({ packets: u64, bytes: u64 });
    const swapped = new PerCpuArrayMap(struct({ bytes: u64, packets: u64 }), { maxEntries: 4 });
    const nested = new PerCpuArrayMap(struct({ packets: u64, bytes: array(u32, 2) }), { maxEntries: 4 });
    const split = new PerCpuArrayMap(struct({ packets: u64, bytes: u32, more: u32 }), { maxEntries: 4 });
    try {
      expect(() => obj.typedMap(swapped, "stats")).toThrow(
        `declaration does not match loaded map "stats": value member 1 is 'packets' in the object's BTF, 'bytes' in the declaration`,
      );
      expect(() => obj.typedMap(nested, "stats")).toThrow(
        "value member 'bytes' is __u64 in the object's BTF, an array in the declaration",
      );
      expect(() => obj.typedMap(split, "stats")).toThrow(
        "value member 'bytes' is 8 bytes in the object's BTF, 4 in the declaration",
      );
      // A pinned map opened again is checked against the BTF the kernel holds for it.
      const path = join(pins.dir, "stats_layout");
      obj.map("stats").pin(path);
      const pinned = BpfMap.fromPinned(path);
      try {
        expect(() => TypedMap.bind(pinned, swapped)).toThrow(/value member 1 is 'packets' in the object's BTF/);
        expect(TypedMap.bind(pinned, new PerCpuArrayMap(Stats, { maxEntries: 4 })).lookupPerCpu(0)).toBeDefined();
      } finally {
        pinned.close();
      }
    } finally {
      obj.close();
    }
  });
});
