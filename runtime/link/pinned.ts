/** Opening a pinned link without knowing its kind beforehand (`tsbpf detach --pin`). */
import { closeFd } from "../sys/index.ts";
import { LinkError, LinkType, openPinnedLinkFd } from "./link.ts";
import { TcxLink, tcxDirection } from "./tcx.ts";
import { XdpLink } from "./xdp.ts";

/** The XDP or tcx link pinned at `path`, opened once; any other pinned object or link type is refused. */
export function openPinnedLink(path: string): XdpLink | TcxLink {
  const { fd, info } = openPinnedLinkFd(path);
  let link: XdpLink | TcxLink;
  if (info.type === LinkType.XDP) link = new XdpLink(fd, info.ifindex);
  else if (info.type === LinkType.TCX) link = new TcxLink(fd, info.ifindex, tcxDirection(info.attachType));
  else {
    closeFd(fd);
    throw new LinkError(`${path} is a link of type ${info.type}, neither XDP nor tcx`);
  }
  link.pinnedPath = path;
  return link;
}
