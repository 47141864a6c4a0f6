export { listXdpLinks } from "./list.ts";
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
