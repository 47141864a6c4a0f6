export { listXdpLinks } from "./list.ts";
export { attachTcx, TcxLink, type AttachTcxOptions, type TcxDirection } from "./tcx.ts";
export {
  attachXdp,
  LinkError,
  linkInfo,
  unpinLink,
  XdpFlags,
  XdpLink,
  type AttachXdpOptions,
  type LinkInfo,
  type XdpMode,
} from "./xdp.ts";
