// tsbpf load | run | prog list | map …, run as a user would, on examples/count.ts's object and on C fixtures.
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { bpftool, bpftoolRun, compileC, ensureBpffs, udpFrame, arpFrame } from "../runtime/helpers.ts";
import { writePcap } from "../../runtime/pcap/index.ts";
import { EXIT } from "../../bin/commands/common.ts";
import { EXIT as BASE_EXIT } from "../../bin/cli.ts";
import { buildCount, compileFixture, hex, icmpEcho, STACK_LINE, tsbpf, tsbpfJson, tsbpfProcess } from "./helpers.ts";

const PIN = `/sys/fs/bpf/tsbpf-cli-cmd-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), "tsbpf-cli-"));
let count = "";

/** An Ethernet frame of `len` bytes with this EtherType. */
function frame(etherType: number, len = 60): Uint8Array {
  const f = Buffer.alloc(len);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  f.writeUInt16BE(etherType, 12);
  for (let i = 14; i < len; i++) f[i] = i & 0xff;
  return f;
}

interface RunJson {
  packet: number;
  retval: number;
  action: string;
  out_bytes: number;
  data: string;
  duration_ns: number;
}
interface LoadJson {
  programs: Array<{
    id: number;
    name: string;
    type: string;
    insns: number;
    tag: string;
    map_ids: number[];
    pinned?: string;
  }>;
  maps: Array<{
    id: number;
    name: string;
    type: string;
    key_size: number;
    value_size: number;
    max_entries: number;
    pinned?: string;
  }>;
}

beforeAll(() => {
  ensureBpffs();
  rmSync(PIN, { recursive: true, force: true });
  count = buildCount();
});

afterAll(() => {
  rmSync(PIN, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describeKernel("help and exit codes", async () => {
  it("every command has --help", async () => {
    for (const cmd of [
      ["load"],
      ["run"],
      ["attach"],
      ["detach"],
      ["prog", "list"],
      ["map", "list"],
      ["map", "dump"],
      ["map", "get"],
      ["map", "update"],
      ["map", "delete"],
      ["map"],
      ["prog"],
    ]) {
      const r = await tsbpf(...cmd, "--help");
      expect(r.status, cmd.join(" ")).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: tsbpf ${cmd.join(" ")}`));
    }
  });

  it("tsbpf --help documents the exit codes; the runtime commands extend the CLI's EXIT table", async () => {
    const r = tsbpfProcess("--help");
    expect(r.status).toBe(0);
    for (const code of Object.values(EXIT)) expect(r.stdout).toMatch(new RegExp(`^ +${code}  `, "m"));
    for (const [name, code] of Object.entries(BASE_EXIT)) expect(EXIT[name as keyof typeof EXIT]).toBe(code);
  });
});

describeKernel("tsbpf load", async () => {
  it("loads count.o and prints its program and map with ids and instruction counts", async () => {
    const r = await tsbpf("load", count);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^loaded .*count\.o: 1 program, 1 map$/m);
    expect(r.stdout).toMatch(/^ {2}\d+ +count +xdp +\d+ +[0-9a-f]{16} +\d+$/m);
    expect(r.stdout).toMatch(/^ {2}\d+ +counts +array +4B +16B +4$/m);
    expect(r.stdout).toMatch(/not pinned/);
  });

  it("--json gives the same facts; without --pin nothing outlives the command", async () => {
    const d = await tsbpfJson<LoadJson>("load", count);
    expect(d.programs).toHaveLength(1);
    expect(d.programs[0]).toMatchObject({ name: "count", type: "xdp" });
    expect(d.programs[0]!.insns).toBeGreaterThan(10);
    expect(d.maps).toEqual([
      expect.objectContaining({ name: "counts", type: "array", key_size: 4, value_size: 16, max_entries: 4 }),
    ]);
    expect(d.programs[0]!.map_ids).toEqual([d.maps[0]!.id]);
    expect(bpftool("prog", "show", "id", String(d.programs[0]!.id)).ok).toBe(false);
  });

  it("--pin DIR pins programs and maps so they outlive tsbpf; bpftool sees the same ids", async () => {
    const d = await tsbpfJson<LoadJson>("load", count, "--pin", PIN);
    expect(readdirSync(PIN).sort()).toEqual(["count", "counts"]);
    const shown = JSON.parse(bpftool("prog", "show", "pinned", join(PIN, "count"), "-j").stdout) as {
      id: number;
      map_ids: number[];
    };
    expect(shown.id).toBe(d.programs[0]!.id);
    expect(shown.map_ids).toEqual([d.maps[0]!.id]);
    // A second load into the same directory refuses to overwrite the pins.
    const again = await tsbpf("load", count, "--pin", PIN);
    expect(again.status).toBe(EXIT.BUSY);
    expect(again.stderr).toMatch(/EEXIST/);
    expect(readdirSync(PIN).sort()).toEqual(["count", "counts"]);
  });

  it("loads a C fixture with several programs (two_progs) and one with global data", async () => {
    const two = await tsbpfJson<LoadJson>("load", compileC("two_progs"));
    expect(two.programs.map((p) => p.name).sort()).toEqual(["drop_all", "pass_all"]);
    const globals = await tsbpfJson<LoadJson>("load", compileC("global_data"));
    expect(globals.maps.map((m) => m.name)).toEqual(expect.arrayContaining([".rodata"]));
  });
});

describeKernel("tsbpf run", async () => {
  const packets = [frame(0x0800, 60), frame(0x86dd, 78), frame(0x0806, 42), udpFrame(98)];

  it("prints the action and the output packet as hex, the format --packet accepts", async () => {
    const input = frame(0x0800, 60);
    const r = await tsbpf("run", count, "--packet", hex(input));
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^XDP_PASS \(2\) {2}60 bytes {2}\d+ ns$/);
    expect(lines[1]).toBe(hex(input));
    // Spaces, colons and 0x are accepted too.
    const spaced = await tsbpf(
      "run",
      count,
      "--packet",
      `0x${Buffer.from(input).toString("hex").match(/../g)!.join(" ")}`,
    );
    expect(spaced.stdout).toBe(r.stdout.replace(/\d+ ns/, spaced.stdout.match(/\d+ ns/)![0]));
  });

  it("agrees with bpftool prog run (action and output bytes), on count.o and C fixtures", async () => {
    const cases: Array<{ object: string; prog?: string; packets: Uint8Array[] }> = [
      { object: count, packets },
      { object: compileC("hash_count"), packets },
      { object: compileFixture("lab/reflect"), packets: [icmpEcho(), udpFrame(64)] },
      { object: compileC("two_progs"), prog: "drop_all", packets: [frame(0x0800)] },
      { object: compileC("bpf2bpf"), packets: [udpFrame(64, 64), udpFrame(64, 1)] },
    ];
    for (const c of cases) {
      const dir = join(PIN, `bpftool-${cases.indexOf(c)}`);
      const loaded = bpftool("prog", "loadall", c.object, dir);
      expect(loaded.ok, loaded.stderr).toBe(true);
      const pinned = join(dir, c.prog ?? readdirSync(dir)[0]!);
      const ours = await tsbpfJson<RunJson[]>(
        "run",
        c.object,
        ...(c.prog ? ["--prog", c.prog] : []),
        ...c.packets.flatMap((p) => ["--packet", hex(p)]),
      );
      expect(ours).toHaveLength(c.packets.length);
      for (const [i, p] of c.packets.entries()) {
        const theirs = bpftoolRun(pinned, p);
        expect({ retval: ours[i]!.retval, data: ours[i]!.data }, `${c.object} packet ${i + 1}`).toEqual({
          retval: theirs.retval,
          data: hex(theirs.data),
        });
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the reflector's XDP_TX output is the echo reply (bytes changed, not just passed through)", async () => {
    const [r] = await tsbpfJson<RunJson[]>("run", compileFixture("lab/reflect"), "--packet", hex(icmpEcho()));
    expect(r!.action).toBe("XDP_TX");
    const out = Buffer.from(r!.data, "hex");
    expect(hex(out.subarray(0, 6))).toBe(hex(icmpEcho().subarray(6, 12))); // MACs swapped
    expect(out[34]).toBe(0); // echo reply
  });

  it("--pcap runs every packet of a capture; --repeat averages", async () => {
    const file = join(tmp, "three.pcap");
    writeFileSync(file, writePcap(packets.slice(0, 3)));
    const r = await tsbpf("run", count, "--pcap", file, "--repeat", "50");
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^#1 XDP_PASS \(2\) {2}60 bytes {2}\d+ ns \(average of 50 runs\)$/);
    expect(lines[2]).toMatch(/^#2 XDP_PASS \(2\) {2}78 bytes/);
    expect(lines[5]).toBe(hex(packets[2]!));
  });

  it("a capture written by tcpdump (big or little endian, real traffic) is read too", async () => {
    // tcpdump -w on a loopback-free Ethernet link is not always available; a byte-swapped header covers the other endianness.
    const le = Buffer.from(writePcap([arpFrame()]));
    const be = Buffer.alloc(le.length);
    le.copy(be);
    be.writeUInt32BE(0xa1b2c3d4, 0);
    be.writeUInt16BE(2, 4);
    be.writeUInt16BE(4, 6);
    be.writeUInt32BE(65535, 16);
    be.writeUInt32BE(1, 20);
    be.writeUInt32BE(0, 24);
    be.writeUInt32BE(42, 32);
    be.writeUInt32BE(42, 36);
    const file = join(tmp, "be.pcap");
    writeFileSync(file, be);
    const [r] = await tsbpfJson<RunJson[]>("run", count, "--pcap", file);
    expect(r).toMatchObject({ action: "XDP_PASS", data: hex(arpFrame()) });
  });

  it("an object with several programs needs --prog", async () => {
    const two = compileC("two_progs");
    const r = await tsbpf("run", two, "--packet", hex(frame(0x0800)));
    expect(r.status).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/2 programs \(pass_all, drop_all\): choose one with --prog NAME/);
    expect((await tsbpf("run", two, "--prog", "pass_all", "--packet", hex(frame(0x0800)))).status).toBe(0);
    const missing = await tsbpf("run", two, "--prog", "nope", "--packet", hex(frame(0x0800)));
    expect(missing.status).toBe(EXIT.NOT_FOUND);
    expect(missing.stderr).toMatch(/no program\(s\) nope/);
  });
});

describeKernel("pinned objects: run, prog list, map dump|get|update|delete", async () => {
  beforeAll(async () => {
    if (!existsSync(join(PIN, "count"))) await tsbpfJson("load", count, "--pin", PIN);
  });

  it("runs the pinned program (its maps are the live ones) and agrees with bpftool on it", async () => {
    const input = frame(0x86dd, 70);
    const [ours] = await tsbpfJson<RunJson[]>("run", join(PIN, "count"), "--packet", hex(input), "--repeat", "3");
    const theirs = bpftoolRun(join(PIN, "count"), input);
    expect({ retval: ours!.retval, data: ours!.data }).toEqual({ retval: theirs.retval, data: hex(theirs.data) });
    // 3 runs by tsbpf + 1 by bpftool, all IPv6 (class 1).
    const got = await tsbpfJson<{ key: number; value: { packets: number; bytes: number } }>(
      "map",
      "get",
      join(PIN, "counts"),
      "--key-json",
      "1",
    );
    expect(got.value).toEqual({ packets: 4, bytes: 280 });
  });

  it("prog list shows the pinned program with its id, type, map ids (and --type filters)", async () => {
    const id = (JSON.parse(bpftool("prog", "show", "pinned", join(PIN, "count"), "-j").stdout) as { id: number }).id;
    const list = await tsbpfJson<
      Array<{ id: number; name: string; type: string; xlated_insns: number; map_ids: number[]; attached: unknown[] }>
    >("prog", "list", "--type", "xdp");
    const mine = list.find((p) => p.id === id);
    expect(mine).toMatchObject({ name: "count", type: "xdp", attached: [] });
    expect(mine!.xlated_insns).toBeGreaterThan(10);
    expect(list.every((p) => p.type === "xdp")).toBe(true);
    const text = await tsbpf("prog", "list");
    expect(text.stdout).toMatch(new RegExp(`^${id} +count +xdp +\\d+ +[0-9a-f]{16} +\\d+ +-$`, "m"));
  });

  it("map dump decodes with the map's BTF; --hex and by id give the same entries", async () => {
    const counts = join(PIN, "counts");
    const r = await tsbpf("map", "dump", counts);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^key: 1 {2}value: \{"packets":\d+,"bytes":\d+\}$/m);
    expect(r.stdout).toMatch(/^\(4 entries\)$/m);
    const hexDump = await tsbpf("map", "dump", counts, "--hex");
    expect(hexDump.stdout).toMatch(/^key: 01 00 00 00 {2}value: ([0-9a-f]{2} ){15}[0-9a-f]{2}$/m);
    const id = (JSON.parse(bpftool("map", "show", "pinned", counts, "-j").stdout) as { id: number }).id;
    const byId = await tsbpfJson<unknown[]>("map", "dump", "id", String(id));
    expect(byId).toEqual(await tsbpfJson<unknown[]>("map", "dump", counts));
    // and bpftool agrees on the bytes
    const theirs = JSON.parse(bpftool("map", "dump", "pinned", counts, "-j").stdout) as Array<{
      key: string[];
      value: string[];
    }>;
    const ours = byId as Array<{ key_hex: string; value_hex: string }>;
    expect(ours.map((e) => e.value_hex)).toEqual(theirs.map((e) => e.value.map((b) => b.replace(/^0x/, "")).join(" ")));
  });

  it("map update by JSON (BTF-encoded) and by hex; get reads it back", async () => {
    const counts = join(PIN, "counts");
    const u = await tsbpf("map", "update", counts, "--key-json", "3", "--value-json", '{"packets": 7, "bytes": 700}');
    expect(u.status, u.stderr).toBe(0);
    expect(u.stdout).toMatch(/key: 3 {2}value: \{"packets":7,"bytes":700\}/);
    expect((await tsbpf("map", "get", counts, "--key", "03000000")).stdout.trim()).toBe(
      'key: 3  value: {"packets":7,"bytes":700}',
    );
    expect(
      (await tsbpf("map", "update", counts, "--key", "03 00 00 00", "--value", "0100000000000000 0200000000000000"))
        .status,
    ).toBe(0);
    expect((await tsbpf("map", "get", counts, "--key-json", "3", "--hex")).stdout.trim()).toBe(
      "key: 03 00 00 00  value: 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00",
    );
  });

  it("map errors: wrong sizes, unknown members, missing keys, arrays cannot delete", async () => {
    const counts = join(PIN, "counts");
    const short = await tsbpf("map", "get", counts, "--key", "0300");
    expect(short.status).toBe(EXIT.USAGE);
    expect(short.stderr).toMatch(/2 bytes given, map "counts" has 4-byte keys/);
    const member = await tsbpf("map", "update", counts, "--key-json", "0", "--value-json", '{"packetz": 1}');
    expect(member.status).toBe(EXIT.USAGE);
    expect(member.stderr).toMatch(/struct Counter has no member packetz \(members: packets, bytes\)/);
    const range = await tsbpf("map", "update", counts, "--key-json", "-1", "--value-json", "{}");
    expect(range.status).toBe(EXIT.USAGE);
    expect(range.stderr).toMatch(/-1 does not fit in an unsigned 32-bit integer/);
    const missing = await tsbpf("map", "get", counts, "--key-json", "9");
    expect(missing.status).toBe(EXIT.NOT_FOUND);
    expect(missing.stderr).toMatch(/key 09 00 00 00 not found in map "counts"/);
    const del = await tsbpf("map", "delete", counts, "--key-json", "0");
    expect(del.status).toBe(EXIT.FAILURE);
    expect(del.stderr).toMatch(/array: its entries cannot be deleted/);
    for (const r of [short, member, range, missing, del]) expect(r.stderr).not.toMatch(STACK_LINE);
    expect((await tsbpf("map", "dump", "id", "4000000000")).status).toBe(EXIT.NOT_FOUND);
    expect((await tsbpf("map", "dump", join(PIN, "nope"))).status).toBe(EXIT.NOT_FOUND);
    const notMap = await tsbpf("map", "dump", join(PIN, "count"));
    expect(notMap.status).toBe(EXIT.USAGE);
    expect(notMap.stderr).toMatch(/is not a pinned map/);
  });

  it("hash and per-CPU maps of C fixtures: insert, get, delete, per-CPU values", async () => {
    const dir = join(PIN, "hash");
    await tsbpfJson("load", compileC("hash_count"), "--pin", dir);
    const m = join(dir, "proto_count");
    expect((await tsbpf("map", "dump", m)).stdout.trim()).toBe("(0 entries)");
    expect((await tsbpf("run", join(dir, "count_proto"), "--packet", hex(udpFrame(64)))).status).toBe(0);
    const dump = await tsbpfJson<Array<{ key_hex: string; value: number | bigint }>>("map", "dump", m);
    expect(dump).toEqual([expect.objectContaining({ key_hex: "08 00", value: 1 })]);
    expect((await tsbpf("map", "update", m, "--key", "86dd", "--value-json", "41", "--flags", "noexist")).status).toBe(
      0,
    );
    expect((await tsbpf("map", "update", m, "--key", "86dd", "--value-json", "42", "--flags", "noexist")).status).toBe(
      EXIT.BUSY,
    );
    expect((await tsbpf("map", "get", m, "--key", "86dd")).stdout).toMatch(/value: 41$/m);
    expect((await tsbpf("map", "delete", m, "--key", "86dd")).status).toBe(0);
    expect((await tsbpf("map", "delete", m, "--key", "86dd")).status).toBe(EXIT.NOT_FOUND);

    const pdir = join(PIN, "percpu");
    await tsbpfJson("load", compileC("percpu_stats"), "--pin", pdir);
    const prog = readdirSync(pdir).find((n) => n !== "stats")!;
    await tsbpf("run", join(pdir, prog), "--packet", hex(udpFrame(64)), "--repeat", "5");
    const stats = await tsbpfJson<Array<{ values_hex: string[]; values?: unknown[] }>>(
      "map",
      "dump",
      join(pdir, "stats"),
    );
    expect(stats.length).toBeGreaterThan(0);
    expect(stats[0]!.values_hex.length).toBeGreaterThanOrEqual(1);
    expect((await tsbpf("map", "dump", join(pdir, "stats"))).stdout).toMatch(/^ {2}cpu0: /m);
  });

  it("map list shows the pinned maps", async () => {
    const id = (JSON.parse(bpftool("map", "show", "pinned", join(PIN, "counts"), "-j").stdout) as { id: number }).id;
    const maps = await tsbpfJson<Array<{ id: number; name: string; type: string }>>("map", "list");
    expect(maps).toContainEqual(expect.objectContaining({ id, name: "counts", type: "array" }));
  });
});
