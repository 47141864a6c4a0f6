/**
 * What every BPF link shares, whatever its hook: an fd, an optional pin in bpffs, its info
 * (BPF_OBJ_GET_INFO_BY_FD), detaching and closing. A link detaches when its last reference
 * goes: closing the fd, or removing its bpffs pin once no fd is open. Pinning keeps the
 * program attached after this process exits. XdpLink and TcxLink add what their hook has.
 */
import { unlinkSync } from "node:fs";
import { TsbpfError } from "../errors.ts";
import {
  Attr,
  bpf,
  BpfCmd,
  bpfObjectKind,
  closeFd,
  getPinnedObject,
  ifNameToIndex,
  objectInfo,
  pinObject,
} from "../sys/index.ts";

export class LinkError extends TsbpfError {}

/** enum bpf_link_type (include/uapi/linux/bpf.h): the kinds tsbpf attaches. */
export const LinkType = { XDP: 6, TCX: 11 } as const;

export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
  /** For XDP and tcx links. */
  ifindex: number;
  /** For tcx links: AttachType.TCX_INGRESS or TCX_EGRESS. */
  attachType: number;
}

export function linkInfo(fd: number): LinkInfo {
  const info = objectInfo(fd, 48); // struct bpf_link_info
  return {
    type: info.readUInt32LE(0),
    id: info.readUInt32LE(4),
    progId: info.readUInt32LE(8),
    ifindex: info.readUInt32LE(16),
    attachType: info.readUInt32LE(20),
  };
}

/** Remove a pinned link; if nothing else holds it, the program is detached. */
export function unpinLink(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/**
 * Opens the link pinned at `path` (one BPF_OBJ_GET) and reads its info; refuses a pinned map
 * or program, and, with `want`, a link of another type. The caller owns the fd.
 */
export function openPinnedLinkFd(path: string, want?: { type: number; name: string }): { fd: number; info: LinkInfo } {
  const fd = getPinnedObject(path);
  try {
    const kind = bpfObjectKind(fd);
    if (kind !== undefined && kind !== "link") throw new LinkError(`${path} is a pinned ${kind}, not a link`);
    const info = linkInfo(fd);
    if (want && info.type !== want.type)
      throw new LinkError(`${path} is a link of type ${info.type}, not ${want.name}`);
    return { fd, info };
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

export abstract class BpfLink {
  private fdValue: number;
  pinnedPath?: string;
  /** Names the link in error messages: "XDP link", "tcx link". */
  protected abstract readonly what: string;

  constructor(
    fd: number,
    readonly ifindex: number,
  ) {
    this.fdValue = fd;
  }

  get fd(): number {
    if (this.fdValue < 0) throw new LinkError("link is closed");
    return this.fdValue;
  }

  /** The kernel's view of the link now: its id, program, interface. */
  info(): LinkInfo {
    return linkInfo(this.fd);
  }

  /** The kernel id of the program the link runs now. */
  get progId(): number {
    return this.info().progId;
  }

  pin(path: string): void {
    pinObject(this.fd, path);
    this.pinnedPath = path;
  }

  /** Detach the program now (even if other references to the link exist) and drop the pin and fd. */
  detach(): void {
    bpf(BpfCmd.LINK_DETACH, new Attr(8).u32(0, this.fd), this.what);
    if (this.pinnedPath) unpinLink(this.pinnedPath);
    this.pinnedPath = undefined;
    this.close();
  }

  /** Close our fd; the program stays attached only if the link is pinned. */
  close(): void {
    closeFd(this.fdValue);
    this.fdValue = -1;
  }
}

/**
 * BPF_LINK_CREATE for a program on an interface (name or index): union bpf_attr's link_create
 * prog_fd, target_ifindex, attach_type, flags. `what` names the attach in errors,
 * with %s for the interface: "XDP attach to %s (native mode)".
 */
export function createIfaceLink(
  progFd: number,
  iface: string | number,
  attachType: number,
  flags: number,
  what: string,
): { fd: number; ifindex: number } {
  const ifindex = typeof iface === "number" ? iface : ifNameToIndex(iface);
  const attr = new Attr(64).u32(0, progFd).u32(4, ifindex).u32(8, attachType).u32(12, flags);
  const fd = bpf(BpfCmd.LINK_CREATE, attr, what.replace("%s", typeof iface === "string" ? iface : `ifindex ${iface}`));
  return { fd, ifindex };
}
