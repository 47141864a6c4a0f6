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
  const dump = await tsbpf("map", "dump", MAP);
  expect(dump.stdout).toContain('key: {"addr":3232235777,"port":53,"pad":0}  value: {"backend":3232235778,"hits":1}');
  expect(dump.stdout).toContain('key: {"addr":172818433,"port":8080,"pad":0}  value: {"backend":172818434,"hits":5}');
  const got = await tsbpfJson<{ value: unknown }>("map", "get", MAP, "--key-json", '{"addr": 3232235777, "port": 53}');
  expect(got.value).toEqual({ backend: 3232235778, hits: 1 });
});
