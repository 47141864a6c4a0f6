/**
 * XDP attachment through BPF links (BPF_LINK_CREATE, attach type BPF_XDP).
 * A link detaches when its last reference goes: closing the fd, or removing
 * its bpffs pin once no fd is open. Pinning keeps the program attached after
 * this process exits.
 */
import { unlinkSync } from "node:fs";
import { TsbpfError } from "../errors.ts";
import { AttachType } from "../program/types.ts";
import {
  Attr,
  bpf,
  BpfCmd,
  closeFd,
  fdById,
  getPinnedObject,
  ifNameToIndex,
  objectInfo,
  pinObject,
} from "../sys/index.ts";

export type XdpMode = "native" | "generic" | "auto";

/** XDP_FLAGS_* from include/uapi/linux/if_link.h. */
export const XdpFlags = { UPDATE_IF_NOEXIST: 1 << 0, SKB_MODE: 1 << 1, DRV_MODE: 1 << 2, HW_MODE: 1 << 3 } as const;

const LINK_TYPE_XDP = 6;
/** BPF_F_REPLACE (include/uapi/linux/bpf.h): LINK_UPDATE only if old_prog_fd is attached. */
const BPF_F_REPLACE = 1 << 2;

export class LinkError extends TsbpfError {}

export class XdpLink {
  private fdValue: number;
  pinnedPath?: string;

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

  /** Open a link pinned in bpffs. */
  static fromPinned(path: string): XdpLink {
    const fd = getPinnedObject(path);
    try {
      const info = linkInfo(fd);
      if (info.type !== LINK_TYPE_XDP) throw new LinkError(`${path} is a link of type ${info.type}, not XDP`);
      const link = new XdpLink(fd, info.ifindex);
      link.pinnedPath = path;
      return link;
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  pin(path: string): void {
    pinObject(this.fd, path);
    this.pinnedPath = path;
  }

  /** The kernel id of the program the link runs now. */
  get progId(): number {
    return linkInfo(this.fd).progId;
  }

  /**
   * Replaces the link's program atomically (BPF_LINK_UPDATE): every packet runs either the
   * old program or the new one, and the interface is never without one. With `expected` (the
   * id of the program the caller believes is attached), the kernel replaces only that one
   * (BPF_F_REPLACE) and fails with EPERM if another took its place meanwhile.
   */
  update(progFd: number, options: { expected?: number } = {}): void {
    const attr = new Attr(16).u32(0, this.fd).u32(4, progFd);
    if (options.expected === undefined) {
      bpf(BpfCmd.LINK_UPDATE, attr, "XDP link update");
      return;
    }
    const oldFd = fdById(BpfCmd.PROG_GET_FD_BY_ID, options.expected);
    try {
      bpf(BpfCmd.LINK_UPDATE, attr.u32(8, BPF_F_REPLACE).u32(12, oldFd), "XDP link update");
    } finally {
      closeFd(oldFd);
    }
  }

  /** Detach the program now (even if other references to the link exist) and drop the pin and fd. */
  detach(): void {
    bpf(BpfCmd.LINK_DETACH, new Attr(8).u32(0, this.fd), "XDP link");
    if (this.pinnedPath) unpin(this.pinnedPath);
    this.pinnedPath = undefined;
    this.close();
  }

  /** Close our fd; the program stays attached only if the link is pinned. */
  close(): void {
    closeFd(this.fdValue);
    this.fdValue = -1;
  }
}

function unpin(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** Remove a pinned link; if nothing else holds it, the program is detached. */
export function unpinLink(path: string): void {
  unpin(path);
}

export interface AttachXdpOptions {
  /** native (driver), generic (skb) or auto (let the kernel choose: native if the driver supports it). */
  mode?: XdpMode;
}

function modeFlags(mode: XdpMode): number {
  return mode === "native" ? XdpFlags.DRV_MODE : mode === "generic" ? XdpFlags.SKB_MODE : 0;
}

/** Attach an XDP program (fd) to an interface (name or index). */
export function attachXdp(progFd: number, iface: string | number, options: AttachXdpOptions = {}): XdpLink {
  const ifindex = typeof iface === "number" ? iface : ifNameToIndex(iface);
  const mode = options.mode ?? "auto";
  const attr = new Attr(64).u32(0, progFd).u32(4, ifindex).u32(8, AttachType.XDP).u32(12, modeFlags(mode));
  const fd = bpf(
    BpfCmd.LINK_CREATE,
    attr,
    `XDP attach to ${typeof iface === "string" ? iface : `ifindex ${iface}`} (${mode} mode)`,
  );
  return new XdpLink(fd, ifindex);
}

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
