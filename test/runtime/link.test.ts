/**
 * XDP attachment on a real veth pair: native and generic mode, pinned links
 * surviving their fd, detach, and traffic actually reaching the program.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import {
  InterfaceError,
  LinkError,
  listXdpLinks,
  loadObject,
  openFdCount,
  openPinnedLink,
  TcxLink,
  XdpLink,
  type BpfObject,
} from "../../runtime/index.ts";
import { bpffsDir, compileC, vethToNamespace } from "./helpers.ts";

const tag = `${process.pid % 100000}`;
const NS = `tsbpfrt-${tag}`;
const HOST_IF = `rt${tag}h`; // in our (root) namespace: programs attach here
const PEER_IF = `rt${tag}p`; // inside NS: traffic comes from here

const xdpShown = (iface: string) => {
  const out = execFileSync("ip", ["link", "show", iface], { encoding: "utf8" });
  return /xdp(generic|drv)?/.test(out) && /prog\/xdp id \d+/.test(out);
};

let obj: BpfObject;
let pins: { dir: string; cleanup: () => void };
let hostIndex = 0;
let removeVeth: (() => void) | undefined;

beforeAll(async () => {
  removeVeth = vethToNamespace(NS, HOST_IF, PEER_IF, "10.213.0.1/24", "10.213.0.2/24");
  hostIndex = Number(/^(\d+):/.exec(execFileSync("ip", ["-o", "link", "show", HOST_IF], { encoding: "utf8" }))![1]);
  pins = bpffsDir("link");
  obj = await loadObject(compileC("hash_count"));
});

afterAll(() => {
  obj?.close();
  pins?.cleanup();
  removeVeth?.();
});

describeKernel("XDP links", () => {
  it("a missing interface is a clear error", () => {
    const prog = obj.programs.get("count_proto")!;
    expect(() => prog.attachXdp("no-such-if0")).toThrow(InterfaceError);
    expect(() => prog.attachXdp("no-such-if0")).toThrow(/no network interface named "no-such-if0"/);
  });

  it("native mode on the host end of the veth: attach, list, detach by close", () => {
    const fds = openFdCount();
    const link = obj.programs.get("count_proto")!.attachXdp(HOST_IF, { mode: "native" });
    expect(xdpShown(HOST_IF)).toBe(true);
    expect(link.ifindex).toBe(hostIndex);
    expect(listXdpLinks(hostIndex)).toHaveLength(1);
    link.close();
    expect(xdpShown(HOST_IF)).toBe(false);
    expect(listXdpLinks(hostIndex)).toHaveLength(0);
    expect(openFdCount()).toBe(fds);
  });

  it("a second attach to the same interface is refused while the first is live", () => {
    const prog = obj.programs.get("count_proto")!;
    const first = prog.attachXdp(HOST_IF, { mode: "generic" });
    try {
      expect(() => prog.attachXdp(HOST_IF, { mode: "generic" })).toThrow(/EBUSY|EEXIST/);
    } finally {
      first.close();
    }
  });

  it("generic mode sees real traffic; a pinned link outlives its fd", () => {
    const prog = obj.programs.get("count_proto")!;
    // An ifindex is resolved in the caller's network namespace.
    const link = prog.attachXdp(hostIndex, { mode: "generic" });
    const pinPath = join(pins.dir, "xdp_link");
    link.pin(pinPath);
    link.close();
    expect(existsSync(pinPath)).toBe(true);
    expect(xdpShown(HOST_IF)).toBe(true);

    // ARP + ICMP from the namespace reach the program on the host end.
    spawnSync("ip", ["netns", "exec", NS, "ping", "-c", "2", "-W", "1", "-i", "0.2", "10.213.0.1"]);
    const counts = obj.maps.get("proto_count")!;
    const ipv4 = counts.lookup(Uint8Array.of(0x08, 0x00));
    const arp = counts.lookup(Uint8Array.of(0x08, 0x06));
    expect(ipv4 && Buffer.from(ipv4).readBigUInt64LE()).toBeGreaterThanOrEqual(2n);
    expect(arp && Buffer.from(arp).readBigUInt64LE()).toBeGreaterThanOrEqual(1n);

    const reopened = XdpLink.fromPinned(pinPath);
    expect(reopened.ifindex).toBe(hostIndex);
    reopened.detach();
    expect(existsSync(pinPath)).toBe(false);
    expect(xdpShown(HOST_IF)).toBe(false);
  });

  it("openPinnedLink opens a pinned link of either kind once; a pinned map or the other kind is refused", () => {
    const prog = obj.programs.get("count_proto")!;
    const link = prog.attachXdp(hostIndex, { mode: "generic" });
    const linkPin = join(pins.dir, "any_link");
    const mapPin = join(pins.dir, "a_map");
    link.pin(linkPin);
    link.close();
    obj.maps.get("proto_count")!.pin(mapPin);
    const fds = openFdCount();
    expect(() => openPinnedLink(mapPin)).toThrow(LinkError);
    expect(() => openPinnedLink(mapPin)).toThrow(`${mapPin} is a pinned map, not a link`);
    expect(() => TcxLink.fromPinned(linkPin)).toThrow(`${linkPin} is a link of type 6, not tcx`);
    expect(openFdCount()).toBe(fds); // nothing leaked by the refusals
    const reopened = openPinnedLink(linkPin);
    expect(reopened).toBeInstanceOf(XdpLink);
    expect(reopened.ifindex).toBe(hostIndex);
    expect(reopened.pinnedPath).toBe(linkPin);
    expect(reopened.info()).toMatchObject({ type: 6, ifindex: hostIndex, progId: prog.id });
    reopened.detach();
    expect(existsSync(linkPin)).toBe(false);
    expect(xdpShown(HOST_IF)).toBe(false);
    expect(openFdCount()).toBe(fds);
  });
});
