/** BPF_OBJ_GET_INFO_BY_FD and id iteration (for maps, programs and links). */
import { Attr } from "./attr.ts";
import { bpf } from "./bpf.ts";
import { BpfCmd } from "./commands.ts";
import { ENOENT } from "./errno.ts";
import { SyscallError } from "./bpf.ts";
import { kernelBuffer } from "./memory.ts";

/** Raw info struct (bpf_map_info / bpf_prog_info / bpf_link_info) of an fd. */
export function objectInfo(fd: number, size: number): Buffer {
  const info = kernelBuffer(size);
  bpf(BpfCmd.OBJ_GET_INFO_BY_FD, new Attr(16).u32(0, fd).u32(4, info.length).ptr(8, info));
  return info;
}

/** All ids of one object kind, via *_GET_NEXT_ID (PROG_GET_NEXT_ID, MAP_GET_NEXT_ID, LINK_GET_NEXT_ID). */
export function allIds(
  cmd: typeof BpfCmd.PROG_GET_NEXT_ID | typeof BpfCmd.MAP_GET_NEXT_ID | typeof BpfCmd.LINK_GET_NEXT_ID,
): number[] {
  const ids: number[] = [];
  let id = 0;
  for (;;) {
    const attr = new Attr(12).u32(0, id);
    try {
      bpf(cmd, attr);
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ENOENT) return ids;
      throw e;
    }
    id = attr.readU32(4);
    ids.push(id);
  }
}

/** Open an object by id (PROG_GET_FD_BY_ID, MAP_GET_FD_BY_ID, LINK_GET_FD_BY_ID, BTF_GET_FD_BY_ID). */
export function fdById(
  cmd:
    | typeof BpfCmd.PROG_GET_FD_BY_ID
    | typeof BpfCmd.MAP_GET_FD_BY_ID
    | typeof BpfCmd.LINK_GET_FD_BY_ID
    | typeof BpfCmd.BTF_GET_FD_BY_ID,
  id: number,
): number {
  return bpf(cmd, new Attr(12).u32(0, id), `id ${id}`);
}
