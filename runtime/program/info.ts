/** What the kernel says about a loaded program (BPF_OBJ_GET_INFO_BY_FD on a program fd), and listing programs. */
import { addressOf } from "../sys/libc.ts";
import {
  Attr,
  allIds,
  bpf,
  BpfCmd,
  closeFd,
  ENOENT,
  fdById,
  getPinnedObject,
  kernelBuffer,
  SyscallError,
} from "../sys/index.ts";

export interface ProgramInfo {
  id: number;
  /** BPF_PROG_TYPE_* number (see progTypeName). */
  type: number;
  name: string;
  /** Hex of the 8-byte program tag (hash of the instructions), as bpftool prints it. */
  tag: string;
  /** Instructions after the verifier's rewriting (xlated_prog_len / 8). */
  insnCount: number;
  jitedBytes: number;
  mapIds: number[];
  btfId: number;
}

const INFO_SIZE = 232; // sizeof(struct bpf_prog_info) in 6.x uapi; older kernels fill a prefix

/** Info of the program behind `fd`, including the ids of the maps it uses. */
export function programInfo(fd: number): ProgramInfo {
  const query = (mapIds: Buffer | null, nrMapIds: number): Buffer => {
    const info = kernelBuffer(INFO_SIZE);
    // map_ids is a pointer inside the info struct; `mapIds` stays referenced until the call returns.
    if (mapIds) {
      info.writeUInt32LE(nrMapIds, 52);
      info.writeBigUInt64LE(addressOf(mapIds), 56);
    }
    bpf(BpfCmd.OBJ_GET_INFO_BY_FD, new Attr(16).u32(0, fd).u32(4, info.length).ptr(8, info), "program info");
    return info;
  };
  const first = query(null, 0);
  const nrMaps = first.readUInt32LE(52);
  let mapIds: number[] = [];
  if (nrMaps > 0) {
    const ids = kernelBuffer(4 * nrMaps);
    const again = query(ids, nrMaps);
    const n = Math.min(nrMaps, again.readUInt32LE(52));
    mapIds = Array.from({ length: n }, (_, i) => ids.readUInt32LE(4 * i));
  }
  const nameBytes = first.subarray(64, 80);
  const nul = nameBytes.indexOf(0);
  return {
    type: first.readUInt32LE(0),
    id: first.readUInt32LE(4),
    tag: first.subarray(8, 16).toString("hex"),
    jitedBytes: first.readUInt32LE(16),
    insnCount: first.readUInt32LE(20) / 8,
    name: nameBytes.subarray(0, nul < 0 ? 16 : nul).toString("utf8"),
    mapIds,
    btfId: first.readUInt32LE(128),
  };
}

/** Info of the program with this id. */
export function programInfoById(id: number): ProgramInfo {
  const fd = fdById(BpfCmd.PROG_GET_FD_BY_ID, id);
  try {
    return programInfo(fd);
  } finally {
    closeFd(fd);
  }
}

/** Info of every program in the system (ones that disappear while listing are skipped). */
export function listPrograms(): ProgramInfo[] {
  const out: ProgramInfo[] = [];
  for (const id of allIds(BpfCmd.PROG_GET_NEXT_ID)) {
    try {
      out.push(programInfoById(id));
    } catch (e) {
      if (e instanceof SyscallError && e.errno === ENOENT) continue;
      throw e;
    }
  }
  return out;
}

/** Open a program pinned in bpffs (returns its fd; the caller closes it). */
export function openPinnedProgram(path: string): number {
  return getPinnedObject(path);
}
