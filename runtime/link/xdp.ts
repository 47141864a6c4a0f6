/**
 * XDP attachment through BPF links (BPF_LINK_CREATE, attach type BPF_XDP); what links share
 * (pin, detach, close) is BpfLink's.
 */
import { AttachType } from "../program/types.ts";
import { Attr, bpf, BpfCmd, closeFd, fdById } from "../sys/index.ts";
import { BpfLink, createIfaceLink, LinkType, openPinnedLinkFd } from "./link.ts";

export type XdpMode = "native" | "generic" | "auto";

/** XDP_FLAGS_* from include/uapi/linux/if_link.h. */
export const XdpFlags = { UPDATE_IF_NOEXIST: 1 << 0, SKB_MODE: 1 << 1, DRV_MODE: 1 << 2, HW_MODE: 1 << 3 } as const;

/** BPF_F_REPLACE (include/uapi/linux/bpf.h): LINK_UPDATE only if old_prog_fd is attached. */
const BPF_F_REPLACE = 1 << 2;

export class XdpLink extends BpfLink {
  protected readonly what = "XDP link";

  /** Open an XDP link pinned in bpffs. */
  static fromPinned(path: string): XdpLink {
    const { fd, info } = openPinnedLinkFd(path, { type: LinkType.XDP, name: "XDP" });
    const link = new XdpLink(fd, info.ifindex);
    link.pinnedPath = path;
    return link;
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
  const mode = options.mode ?? "auto";
  const { fd, ifindex } = createIfaceLink(
    progFd,
    iface,
    AttachType.XDP,
    modeFlags(mode),
    `XDP attach to %s (${mode} mode)`,
  );
  return new XdpLink(fd, ifindex);
}
