/** BTF the kernel already holds (by id), read back with BPF_OBJ_GET_INFO_BY_FD, e.g. to decode a pinned map. */
import { addressOf } from "../sys/libc.ts";
import { Attr, bpf, BpfCmd, closeFd, fdById, kernelBuffer } from "../sys/index.ts";
import { parseBtf, type Btf } from "./parse.ts";

/** Raw BTF blob of kernel BTF object `id` (struct bpf_btf_info: btf ptr @0, btf_size @8). */
export function kernelBtfBytes(id: number): Uint8Array {
  const fd = fdById(BpfCmd.BTF_GET_FD_BY_ID, id);
  try {
    const query = (data: Buffer | null): number => {
      const info = kernelBuffer(32);
      if (data) {
        info.writeBigUInt64LE(addressOf(data), 0);
        info.writeUInt32LE(data.length, 8);
      }
      bpf(BpfCmd.OBJ_GET_INFO_BY_FD, new Attr(16).u32(0, fd).u32(4, info.length).ptr(8, info), `BTF id ${id}`);
      return info.readUInt32LE(8);
    };
    const size = query(null);
    const data = kernelBuffer(size);
    query(data);
    return Uint8Array.from(data);
  } finally {
    closeFd(fd);
  }
}

/** Parsed BTF of kernel BTF object `id`. */
export function kernelBtf(id: number): Btf {
  return parseBtf(kernelBtfBytes(id));
}
