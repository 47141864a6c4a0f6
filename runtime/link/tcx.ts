/**
 * tc programs attached through tcx links (BPF_LINK_CREATE, attach type BPF_TCX_INGRESS or
 * BPF_TCX_EGRESS, Linux 6.6): no qdisc, several programs per hook run in order (a program
 * returning TC_ACT_UNSPEC, TCX_NEXT, hands the packet to the next). Like an XDP link, it
 * detaches when its last reference goes (fd closed, pin removed); the rest is BpfLink's.
 */
import { TsbpfError } from "../errors.ts";
import { AttachType } from "../program/types.ts";
import { BpfLink, createIfaceLink, LinkType, openPinnedLinkFd } from "./link.ts";

export type TcxDirection = "ingress" | "egress";

/** BPF_F_BEFORE / BPF_F_AFTER: where in the hook's chain a new program goes (default: last). */
const BPF_F_BEFORE = 1 << 3;

export const tcxAttachType = (direction: TcxDirection): number =>
  direction === "ingress" ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS;
/** The direction of a tcx link, from its info's attach type. */
export const tcxDirection = (attachType: number): TcxDirection =>
  attachType === AttachType.TCX_EGRESS ? "egress" : "ingress";

export class TcxLink extends BpfLink {
  protected readonly what = "tcx link";

  constructor(
    fd: number,
    ifindex: number,
    readonly direction: TcxDirection,
  ) {
    super(fd, ifindex);
  }

  /** Open a tcx link pinned in bpffs. */
  static fromPinned(path: string): TcxLink {
    const { fd, info } = openPinnedLinkFd(path, { type: LinkType.TCX, name: "tcx" });
    const link = new TcxLink(fd, info.ifindex, tcxDirection(info.attachType));
    link.pinnedPath = path;
    return link;
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
  // tcx's relative_fd and expected_revision stay 0: with BPF_F_BEFORE, before all; any revision.
  const { fd, ifindex } = createIfaceLink(
    progFd,
    iface,
    tcxAttachType(direction),
    options.first ? BPF_F_BEFORE : 0,
    `tcx ${direction} attach to %s`,
  );
  return new TcxLink(fd, ifindex, direction);
}
