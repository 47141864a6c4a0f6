// `tsbpf trace` as a user runs it: the text and --json forms, a map state from --maps, the live
// maps of a pinned program (read, never written), a capture's packets in order, and the errors.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { loadObject, type BpfObject } from "../../runtime/index.ts";
import { writePcap } from "../../runtime/pcap/index.ts";
import { COUNT_SOURCE, tsbpf } from "../cli/helpers.ts";
import { ensureBpffs } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

const UDP = "020000000002020000000001080045000020000100004011f9e40a0000010a000002a4550035000c0bad68690a00";
const key0 = Buffer.alloc(4);
const counter = (packets: bigint, bytes: bigint) => {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(packets, 0);
  b.writeBigUInt64LE(bytes, 8);
  return b;
};

describe("tsbpf trace", () => {
  const dir = join(scratchDir(), "trace-cli");
  const object = join(dir, "count.o");
  const pin = `/sys/fs/bpf/tsbpf-trace-cli-${process.pid}`;
  let obj: BpfObject | undefined;
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(object, compile(COUNT_SOURCE).object!);
  });
  afterAll(() => {
    obj?.close();
    rmSync(pin, { force: true });
  });

  it("prints the lines, the map lookup with its BTF-decoded value, the action and the packet", async () => {
    const r = await tsbpf("trace", object, "--packet", UDP);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("packet 1: 46 bytes  Ethernet / IPv4 / UDP  → count");
    expect(r.stdout).toContain("examples/count.ts:32  const counter = counts.lookup(classify(eth.proto));");
    expect(r.stdout).toContain('counts.lookup 0 → found = {"packets":0,"bytes":0}');
    expect(r.stdout).toContain('counts[0] ← {"packets":1,"bytes":46}');
    expect(r.stdout).toContain("XDP_PASS (2) after 28 instructions"); // 27 before the frame marker (docs/compiler.md)
    expect(r.stdout).toContain("packet unchanged");
  });

  it("--maps starts from a state; a capture's packets see each other's changes; --json", async () => {
    const state = join(dir, "state.json");
    writeFileSync(state, JSON.stringify({ counts: [{ key: 0, value: { packets: 41, bytes: 1000 } }] }));
    const pcap = join(dir, "two.pcap");
    writeFileSync(pcap, writePcap([Buffer.from(UDP, "hex"), Buffer.from(UDP, "hex")]));
    const r = await tsbpf("trace", object, "--pcap", pcap, "--maps", state, "--json");
    expect(r.status).toBe(0);
    const runs = JSON.parse(r.stdout) as Array<{
      packet: number;
      action: number;
      events: Array<{ kind: string; op?: string; value?: string }>;
    }>;
    expect(runs.map((x) => x.action)).toEqual([2, 2]);
    const lookups = runs.map((x) => x.events.find((e) => e.kind === "map" && e.op === "lookup")?.value);
    expect(lookups).toEqual(['{"packets":41,"bytes":1000}', '{"packets":42,"bytes":1046}']);
  });

  it("--pinned reads the loaded program's maps and leaves them as they were", async () => {
    ensureBpffs();
    obj = await loadObject(object);
    obj.map("counts").update(key0, counter(7n, 700n));
    obj.program("count").pin(pin);
    const r = await tsbpf("trace", object, "--pinned", pin, "--packet", UDP);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain('counts.lookup 0 → found = {"packets":7,"bytes":700}');
    expect(r.stdout).toContain('counts[0] ← {"packets":8,"bytes":746}');
    expect(Buffer.from(obj.map("counts").lookup(key0)!)).toEqual(counter(7n, 700n));
  });

  it("says what is wrong: no packets, bad hex, a map state that does not fit, no such program", async () => {
    expect((await tsbpf("trace", object)).status).toBe(2);
    const hex = await tsbpf("trace", object, "--packet", "0xzz");
    expect(hex.status).toBe(2);
    const state = join(dir, "bad-state.json");
    writeFileSync(state, JSON.stringify({ counts: [{ key_hex: "00", value_hex: "00" }] }));
    const bad = await tsbpf("trace", object, "--packet", UDP, "--maps", state);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('map state of "counts", entry 1: key: 1 bytes, the map\'s size is 4');
    const prog = await tsbpf("trace", object, "--packet", UDP, "--prog", "nope");
    expect(prog.status).toBe(6);
    expect(prog.stderr).toContain('no program "nope"');
  });
});
