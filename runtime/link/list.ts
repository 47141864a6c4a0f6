/** What is attached where: XDP links in the system, found by walking link ids. */
import { allIds, BpfCmd, closeFd, ENOENT, fdById, SyscallError } from "../sys/index.ts";
import { linkInfo, type LinkInfo, LinkType } from "./link.ts";

export function listXdpLinks(ifindex?: number): LinkInfo[] {
  const out: LinkInfo[] = [];
  for (const id of allIds(BpfCmd.LINK_GET_NEXT_ID)) {
    let fd: number;
    try {
      fd = fdById(BpfCmd.LINK_GET_FD_BY_ID, id);
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ENOENT) continue; // went away meanwhile
      throw e;
    }
    try {
      const info = linkInfo(fd);
      if (info.type === LinkType.XDP && (ifindex === undefined || info.ifindex === ifindex)) out.push(info);
    } finally {
      closeFd(fd);
    }
  }
  return out;
}
