// Where an XDP program is attached: interface name and network namespace. A BPF link's info has
// an ifindex but no namespace, and indexes repeat across namespaces (every namespace has its
// lo at 1, a veth moved in may get 2). So a link's interface is the one, in this namespace or
// a named one (`ip netns`), whose XDP program as `ip link` reports it is the link's program.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

export type XdpMode = "native" | "generic" | "offload" | "unknown";

export interface XdpDevice {
  ifindex: number;
  ifname: string;
  /** The XDP programs on it (several only with different modes). */
  progs: Array<{ id: number; mode: XdpMode }>;
}

const IP_XDP_MODES: Record<number, XdpMode> = { 1: "native", 2: "generic", 3: "offload" };

/** Interfaces of this network namespace, or of the named one, with their XDP programs (`ip -j link show`). */
export function xdpDevices(netns?: string): XdpDevice[] {
  const r = spawnSync("ip", [...(netns ? ["-n", netns] : []), "-j", "link", "show"], { encoding: "utf8" });
  if (r.status !== 0) return [];
  try {
    return (
      JSON.parse(r.stdout) as Array<{
        ifindex: number;
        ifname: string;
        xdp?: { mode: number; prog?: { id: number }; attached?: Array<{ mode: number; prog: { id: number } }> };
      }>
    ).map((dev) => {
      const x = dev.xdp;
      const attached = x ? (x.attached ?? (x.prog ? [{ mode: x.mode, prog: x.prog }] : [])) : [];
      return {
        ifindex: dev.ifindex,
        ifname: dev.ifname,
        progs: attached.map((a) => ({ id: a.prog.id, mode: IP_XDP_MODES[a.mode] ?? "unknown" })),
      };
    });
  } catch {
    return []; // unexpected ip output
  }
}

/** Named network namespaces (/run/netns, as `ip netns` lists them). */
export function namedNetns(): string[] {
  try {
    return fs.readdirSync("/run/netns").sort();
  } catch {
    return [];
  }
}

export interface XdpLocation {
  ifname: string;
  /** Absent: this network namespace. */
  netns?: string;
  mode: XdpMode;
}

/**
 * The interface program `progId` is attached to at `ifindex`: in this namespace (`here`, from
 * xdpDevices()) if it is there, else in the first named namespace where it is; undefined if
 * none (an unnamed namespace, or the interface is gone).
 */
export function locateXdp(progId: number, ifindex: number, here: XdpDevice[] = xdpDevices()): XdpLocation | undefined {
  const find = (devices: XdpDevice[]) => {
    const dev = devices.find((d) => d.ifindex === ifindex);
    const prog = dev?.progs.find((p) => p.id === progId);
    return dev && prog ? { ifname: dev.ifname, mode: prog.mode } : undefined;
  };
  const local = find(here);
  if (local) return local;
  for (const netns of namedNetns()) {
    const there = find(xdpDevices(netns));
    if (there) return { ...there, netns };
  }
  return undefined;
}

/** `eth0`, `eth0 in lb` (a named namespace), or `ifindex 3 in another network namespace`. */
export function describeLocation(ifindex: number, where: XdpLocation | undefined): string {
  if (!where) return `ifindex ${ifindex} in another network namespace`;
  return where.netns ? `${where.ifname} in ${where.netns}` : where.ifname;
}
