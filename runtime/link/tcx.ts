/**
 * tc programs attached through tcx links (BPF_LINK_CREATE, attach type BPF_TCX_INGRESS or
 * BPF_TCX_EGRESS, Linux 6.6): no qdisc, several programs per hook run in order (a program
 * returning TC_ACT_UNSPEC, TCX_NEXT, hands the packet to the next). Like an XDP link, it
 * detaches when its last reference goes (fd closed, pin removed).
 */
import { TsbpfError } from "../errors.ts";
import { AttachType } from "../program/types.ts";
import { Attr, bpf, BpfCmd, closeFd, getPinnedObject, ifNameToIndex, pinObject } from "../sys/index.ts";
import { LinkError, linkInfo, unpinLink } from "./xdp.ts";

export type TcxDirection = "ingress" | "egress";

/** enum bpf_link_type: BPF_LINK_TYPE_TCX. */
export const LINK_TYPE_TCX = 11;

/** BPF_F_BEFORE / BPF_F_AFTER: where in the hook's chain a new program goes (default: last). */
const BPF_F_BEFORE = 1 << 3;

export const tcxAttachType = (direction: TcxDirection): number =>
  direction === "ingress" ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS;

export class TcxLink {
  private fdValue: number;
  pinnedPath?: string;

  constructor(
    fd: number,
    readonly ifindex: number,
    readonly direction: TcxDirection,
  ) {
    this.fdValue = fd;
  }

  get fd(): number {
    if (this.fdValue < 0) throw new LinkError("link is closed");
    return this.fdValue;
  }

  /** Open a tcx link pinned in bpffs. */
  static fromPinned(path: string): TcxLink {
    const fd = getPinnedObject(path);
    try {
      const info = linkInfo(fd);
      if (info.type !== LINK_TYPE_TCX) throw new LinkError(`${path} is a link of type ${info.type}, not tcx`);
      const link = new TcxLink(fd, info.ifindex, info.attachType === AttachType.TCX_EGRESS ? "egress" : "ingress");
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

  /** Detach the program now (even if other references to the link exist) and drop the pin and fd. */
  detach(): void {
    bpf(BpfCmd.LINK_DETACH, new Attr(8).u32(0, this.fd), "tcx link");
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

export interface AttachTcxOptions {
  /** Run before the programs already on the hook (default: after them). */
  first?: boolean;
}

/** Attach a tc program (fd) to an interface's ingress or egress through a tcx link. */
export function attachTcx(
  progFd: number,
  iface: string | number,
  direction: TcxDirection,
  options: AttachTcxOptions = {},
): TcxLink {
  if (direction !== "ingress" && direction !== "egress")
    throw new TsbpfError(`a tcx direction is "ingress" or "egress", not ${JSON.stringify(direction)}`);
  const ifindex = typeof iface === "number" ? iface : ifNameToIndex(iface);
  // union bpf_attr, link_create: prog_fd, target_ifindex, attach_type, flags, then tcx's
  // relative_fd (0 with BPF_F_BEFORE: before all) and expected_revision (0: any).
  const attr = new Attr(64)
    .u32(0, progFd)
    .u32(4, ifindex)
    .u32(8, tcxAttachType(direction))
    .u32(12, options.first ? BPF_F_BEFORE : 0);
  const fd = bpf(
    BpfCmd.LINK_CREATE,
    attr,
    `tcx ${direction} attach to ${typeof iface === "string" ? iface : `ifindex ${iface}`}`,
  );
  return new TcxLink(fd, ifindex, direction);
}
