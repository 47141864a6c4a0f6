export { listXdpLinks } from "./list.ts";
export { BpfLink, LinkError, linkInfo, LinkType, unpinLink, type LinkInfo } from "./link.ts";
export { openPinnedLink } from "./pinned.ts";
export { attachTcx, TcxLink, type AttachTcxOptions, type TcxDirection } from "./tcx.ts";
export { attachXdp, XdpFlags, XdpLink, type AttachXdpOptions, type XdpMode } from "./xdp.ts";
