// tsbpf attach / detach on a veth whose peer lives in a network namespace, with real traffic (ping)
// counted by examples/count.ts and read through the typed map API.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { BpfMap, listXdpLinks, loadObject, TypedMap, XdpLink, type BpfObject } from "../../runtime/index.ts";
import { counts, Counter } from "../../examples/count.ts";
import { EXIT } from "../../bin/commands/common.ts";
import { bpffsDir, vethToNamespace } from "../runtime/helpers.ts";
import { buildCount, tsbpf, tsbpfJson, tsbpfProcess } from "./helpers.ts";

const tag = `${process.pid % 100000}`;
const NS = `tsbpfcli-${tag}`;
const HOST = `cl${tag}h`; // root namespace: programs attach here
const PEER = `cl${tag}p`; // inside NS: pings come from here
const IPV4 = 0; // Class.IPV4 in examples/count.ts

const xdpOn = (iface: string): string | undefined =>
  /prog\/xdp(?:generic|drv)? id \d+|xdp(generic|drv)?\/id:\d+/.exec(
    execFileSync("ip", ["link", "show", iface], { encoding: "utf8" }),
  )?.[0];
const ping = (n: number) =>
  spawnSync("ip", ["netns", "exec", NS, "ping", "-c", String(n), "-i", "0.2", "-W", "1", "10.215.0.1"], {
    encoding: "utf8",
  });

let count = "";
let pins: { dir: string; cleanup: () => void };
let removeVeth: (() => void) | undefined;

beforeAll(() => {
  count = buildCount();
  removeVeth = vethToNamespace(NS, HOST, PEER, "10.215.0.1/24", "10.215.0.2/24");
  pins = bpffsDir("cli-attach");
});

afterAll(() => {
  // Whatever a failed test left attached goes away with the interface; pins are removed explicitly.
  pins?.cleanup();
  rmSync(`/sys/fs/bpf/tsbpf/xdp-${HOST}`, { force: true });
  spawnSync("rmdir", ["/sys/fs/bpf/tsbpf"]); // the default link directory, if attach created it and it is empty
  removeVeth?.();
});

describeKernel.each(["generic", "native"] as const)("%s mode", (mode) => {
  let obj: BpfObject;
  const progPin = () => join(pins.dir, `count-${mode}`);
  const linkPin = () => join(pins.dir, `link-${mode}`);

  beforeAll(async () => {
    // The control plane (this process) loads the object and keeps the map; the CLI attaches the pinned program.
    obj = await loadObject(count);
    obj.program("count").pin(progPin());
  });
  afterAll(() => {
    obj?.close();
    rmSync(progPin(), { force: true });
  });

  it(`attach --mode ${mode}: the link is pinned and survives tsbpf's exit`, () => {
    const r = tsbpfProcess("attach", progPin(), "--dev", HOST, "--mode", mode, "--pin", linkPin());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^attached count \\(prog id \\d+\\) to ${HOST} \\(ifindex \\d+\\) in ${mode} mode$`, "m"),
    );
    expect(r.stdout).toMatch(/^link id \d+, pinned at /m);
    expect(existsSync(linkPin())).toBe(true);
    expect(xdpOn(HOST)).toBeDefined();
  });

  it("prog list shows where it is attached, in which mode, through which link", async () => {
    const id = obj.program("count").id;
    const list = await tsbpfJson<
      Array<{ id: number; attached: Array<{ ifname: string; mode: string; link_id?: number }> }>
    >("prog", "list", "--attached");
    const mine = list.find((p) => p.id === id);
    expect(mine?.attached).toEqual([expect.objectContaining({ ifname: HOST, mode })]);
    const link = XdpLink.fromPinned(linkPin());
    try {
      expect(mine!.attached[0]!.link_id).toBe(listXdpLinks(link.ifindex).find((l) => l.progId === id)!.id);
    } finally {
      link.close();
    }
  });

  it("pings from the namespace are counted; the typed API reads them", () => {
    const typed = obj.typedMap(counts, "counts");
    const before = typed.lookup(IPV4)!;
    const r = ping(3);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const after = typed.lookup(IPV4)!;
    expect(after.packets - before.packets).toBeGreaterThanOrEqual(3n);
    expect(after.bytes - before.bytes).toBeGreaterThanOrEqual(3n * 98n); // 14 + 20 + 8 + 56 bytes per echo request
    // The same map through the CLI, by id.
    expect(typed.map.id).toBeGreaterThan(0);
    expect(Counter.size).toBe(16);
  });

  it("detach --dev removes the program and the link's pin; a second detach finds nothing", async () => {
    const r = await tsbpf("detach", "--dev", HOST);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^detached link \\d+ \\(prog id \\d+\\) from ${HOST}; removed ${linkPin()}$`, "m"),
    );
    expect(existsSync(linkPin())).toBe(false);
    expect(xdpOn(HOST)).toBeUndefined();
    const packets = obj.typedMap(counts, "counts").lookup(IPV4)!.packets;
    expect(ping(2).status).toBe(0);
    expect(obj.typedMap(counts, "counts").lookup(IPV4)!.packets).toBe(packets);
    const again = await tsbpf("detach", "--dev", HOST);
    expect(again.status).toBe(EXIT.NOT_FOUND);
    expect(again.stderr).toMatch(new RegExp(`nothing is attached to ${HOST}`));
  });
});

describeKernel("attach an object file (auto mode, default link pin, maps pinned)", () => {
  const mapsDir = () => join(pins.dir, "maps");
  const defaultPin = `/sys/fs/bpf/tsbpf/xdp-${HOST}`;

  it("auto picks native on a veth; a second attach is refused with BUSY", async () => {
    const r = await tsbpf("attach", count, "--dev", HOST, "--pin-maps", mapsDir());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/in native mode/);
    expect(r.stdout).toMatch(new RegExp(`pinned at ${defaultPin}`));
    expect(r.stdout).toMatch(new RegExp(`maps: counts \\(id \\d+, ${mapsDir()}/counts\\)`));
    const busy = await tsbpf("attach", count, "--dev", HOST, "--pin", join(pins.dir, "other"));
    expect(busy.status).toBe(EXIT.BUSY);
    expect(busy.stderr).toMatch(/EBUSY|EEXIST/);
    const samePin = await tsbpf("attach", count, "--dev", HOST);
    expect(samePin.status).toBe(EXIT.BUSY);
    expect(samePin.stderr).toMatch(/already exists/);
  });

  it("traffic shows in tsbpf map dump and through a typed view of the pinned map", async () => {
    expect(ping(2).status).toBe(0);
    const dump = await tsbpfJson<Array<{ key: number; value: { packets: number } }>>(
      "map",
      "dump",
      join(mapsDir(), "counts"),
    );
    expect(dump.find((e) => e.key === IPV4)!.value.packets).toBeGreaterThanOrEqual(2);
    const pinned = BpfMap.fromPinned(join(mapsDir(), "counts"));
    try {
      expect(TypedMap.bind(pinned, counts).lookup(IPV4)!.packets).toBeGreaterThanOrEqual(2n);
    } finally {
      pinned.close();
    }
  });

  it("detach --pin removes it; a pinned map given to --pin is refused, and stays", async () => {
    const map = join(mapsDir(), "counts");
    const wrong = await tsbpf("detach", "--pin", map);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(`${map} is a pinned map, not a link`);
    expect(existsSync(map)).toBe(true);
    const r = await tsbpf("detach", "--pin", defaultPin);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(defaultPin)).toBe(false);
    expect(xdpOn(HOST)).toBeUndefined();
  });
});

describeKernel("attach --netns: an interface inside another network namespace", () => {
  const mapsDir = () => join(pins.dir, "netns-maps");
  const pin = `/sys/fs/bpf/tsbpf/xdp-${NS}-${PEER}`;

  it("attaches to the peer end inside the namespace, counts the replies it receives, detaches by --dev --netns", async () => {
    // In the root namespace the peer's name means nothing (and may even exist as another interface).
    const outside = await tsbpf("attach", count, "--dev", PEER, "--mode", "generic");
    expect(outside.status).toBe(EXIT.NOT_FOUND);
    const r = await tsbpf("attach", count, "--dev", PEER, "--netns", NS, "--mode", "generic", "--pin-maps", mapsDir());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`to ${PEER} in ${NS} \\(ifindex \\d+\\) in generic mode`));
    expect(existsSync(pin)).toBe(true);
    expect(/xdpgeneric/.test(execFileSync("ip", ["-n", NS, "link", "show", PEER], { encoding: "utf8" }))).toBe(true);
    expect(ping(3).status).toBe(0); // echo replies arrive on the peer end
    const dumped = await tsbpfJson<Array<{ key: number; value: { packets: number } }>>(
      "map",
      "dump",
      join(mapsDir(), "counts"),
    );
    expect(dumped.find((e) => e.key === IPV4)!.value.packets).toBeGreaterThanOrEqual(3);
    const d = await tsbpf("detach", "--dev", PEER, "--netns", NS);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toMatch(new RegExp(`from ${PEER} in ${NS}; removed ${pin}`));
    expect(/xdp/.test(execFileSync("ip", ["-n", NS, "link", "show", PEER], { encoding: "utf8" }))).toBe(false);
    const again = await tsbpf("detach", "--dev", PEER, "--netns", NS);
    expect(again.status).toBe(EXIT.NOT_FOUND);
  });
});
