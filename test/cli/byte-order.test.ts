// `tsbpf map dump|get|update` read and write be16/be32 fields as the declarations do: host-order
// numbers (10.77.0.1 is 0x0a4d0001), network order in the map's bytes; the typed map API agrees.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BpfMap, TypedMap } from "../../runtime/index.ts";
import { HashMap, struct, be16, be32, u16, u64 } from "../../runtime/lang/index.ts";
import { ensureBpffs } from "../runtime/helpers.ts";
import { tsbpf, tsbpfJson } from "./helpers.ts";

const PROGRAM = `import { xdp, XdpAction, HashMap, struct, be16, be32, u16, u64 } from "tsbpf";
import { Eth, Ipv4 } from "tsbpf/net";

export const FlowKey = struct({ addr: be32, port: be16, pad: u16 });
export const FlowValue = struct({ backend: be32, hits: u64 });
export const flows = new HashMap(FlowKey, FlowValue, { maxEntries: 8 });

export const flow = xdp((ctx) => {
  const ip = ctx.header(Ipv4, Eth.size);
  if (ip === null) return XdpAction.PASS;
  const v = flows.lookup({ addr: ip.saddr, port: 80, pad: 0 });
  if (v !== null) v.hits += 1n;
  return XdpAction.PASS;
});
`;
const flows = new HashMap(struct({ addr: be32, port: be16, pad: u16 }), struct({ backend: be32, hits: u64 }), {
  maxEntries: 8,
});

const PIN = `/sys/fs/bpf/tsbpf-cli-be-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), "tsbpf-cli-be-"));
const MAP = join(PIN, "flows");

beforeAll(async () => {
  ensureBpffs();
  writeFileSync(join(tmp, "flow.ts"), PROGRAM);
  const built = await tsbpf("build", join(tmp, "flow.ts"), "-o", join(tmp, "flow.o"));
  expect(built.status, built.stderr).toBe(0);
  await tsbpfJson("load", join(tmp, "flow.o"), "--pin", PIN);
});
afterAll(() => {
  rmSync(PIN, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

it("map update --key-json/--value-json take host-order numbers and write network order", async () => {
  const key = JSON.stringify({ addr: 0x0a4d0001, port: 8080 });
  const u = await tsbpf("map", "update", MAP, "--key-json", key, "--value-json", '{"backend": 172818434, "hits": 5}');
  expect(u.status, u.stderr).toBe(0);
  const raw = await tsbpf("map", "dump", MAP, "--hex");
  expect(raw.stdout).toContain("key: 0a 4d 00 01 1f 90 00 00  value: 0a 4d 00 02 00 00 00 00 05 00 00 00 00 00 00 00");
  const typed = TypedMap.bind(BpfMap.fromPinned(MAP), flows);
  try {
    expect(typed.lookup({ addr: 0x0a4d0001, port: 8080, pad: 0 })).toEqual({ backend: 0x0a4d0002, hits: 5n });
  } finally {
    typed.map.close();
  }
});

it("map dump and map get print what the typed map API reads", async () => {
  const typed = TypedMap.bind(BpfMap.fromPinned(MAP), flows);
  try {
    typed.update({ addr: 0xc0a80101, port: 53, pad: 0 }, { backend: 0xc0a80102, hits: 1n });
  } finally {
    typed.map.close();
  }
  // Text: host-order numbers, and be16/be32 fields also in hex (their bytes in network order).
  const dump = await tsbpf("map", "dump", MAP);
  expect(dump.stdout).toContain(
    'key: {"addr":3232235777 (0xc0a80101),"port":53 (0x0035),"pad":0}  value: {"backend":3232235778 (0xc0a80102),"hits":1}',
  );
  expect(dump.stdout).toContain(
    'key: {"addr":172818433 (0x0a4d0001),"port":8080 (0x1f90),"pad":0}  value: {"backend":172818434 (0x0a4d0002),"hits":5}',
  );
  // JSON: plain host-order numbers, which --key-json/--maps take back.
  const rows = await tsbpfJson<Array<{ key: unknown }>>("map", "dump", MAP, "--json");
  expect(rows.map((r) => r.key)).toContainEqual({ addr: 3232235777, port: 53, pad: 0 });
  const got = await tsbpfJson<{ value: unknown }>("map", "get", MAP, "--key-json", '{"addr": 3232235777, "port": 53}');
  expect(got.value).toEqual({ backend: 3232235778, hits: 1 });
});

it("tsbpf trace prints the keys and values it looks up as map dump does", async () => {
  const u = await tsbpf(
    "map",
    "update",
    MAP,
    "--key-json",
    '{"addr": 3232235777, "port": 80}',
    "--value-json",
    '{"backend": 167772161, "hits": 7}',
  );
  expect(u.status, u.stderr).toBe(0);
  const dump = await tsbpf("map", "dump", MAP);
  const [, key, value] = /key: (\{"addr":3232235777 [^}]*"port":80 [^}]*\}) {2}value: (\{.*\})/.exec(dump.stdout)!;
  expect(key).toBe('{"addr":3232235777 (0xc0a80101),"port":80 (0x0050),"pad":0}');
  expect(value).toBe('{"backend":167772161 (0x0a000001),"hits":7}');
  const state = join(tmp, "state.json");
  writeFileSync(state, JSON.stringify({ flows: await tsbpfJson("map", "dump", MAP, "--json") }));
  // A UDP datagram from 192.168.1.1: the program looks up { addr: saddr, port: 80 } and counts a hit.
  const packet = "02000000000202000000000108004500001c000100004011f78bc0a801010a000002a455003500080000";
  const t = await tsbpf("trace", join(tmp, "flow.o"), "--maps", state, "--packet", packet);
  expect(t.status, t.stderr).toBe(0);
  expect(t.stdout).toContain(`flows.lookup ${key} → found = ${value}`);
  expect(t.stdout).toContain(`flows[${key}] ← {"backend":167772161 (0x0a000001),"hits":8}`);
});
