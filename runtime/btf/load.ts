/** BPF_BTF_LOAD: hand type information to the kernel, with its log on failure. */
import { Attr, bpf, BpfCmd, ENOSPC, kernelBuffer, kernelCopy, SyscallError } from "../sys/index.ts";

/** The kernel refused the BTF; `log` is its explanation. */
export class BtfLoadError extends SyscallError {
  readonly log: string;
  constructor(cause: SyscallError, log: string) {
    super("BPF_BTF_LOAD", cause.errno, log ? `kernel BTF log:\n${lastLines(log, 15)}` : undefined);
    this.log = log;
  }
}

function lastLines(log: string, n: number): string {
  return log.trimEnd().split("\n").slice(-n).join("\n");
}

/** Load BTF bytes; returns the BTF fd. Retries with a log buffer (grown on ENOSPC) to explain a failure. */
export function loadBtf(bytes: Uint8Array): number {
  const data = kernelCopy(bytes);
  const attempt = (logSize: number): { fd: number } | { error: SyscallError; log: string; trueSize: number } => {
    const log = logSize > 0 ? kernelBuffer(logSize) : null;
    const attr = new Attr(40).ptr(0, data).u32(16, data.length);
    if (log) attr.ptr(8, log).u32(20, log.length).u32(24, 1);
    try {
      return { fd: bpf(BpfCmd.BTF_LOAD, attr) };
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e;
      const text = log ? log.toString("utf8", 0, Math.max(0, log.indexOf(0))) : "";
      return { error: e, log: text, trueSize: attr.readU32(28) };
    }
  };
  let result = attempt(0);
  let logSize = 64 * 1024;
  while ("error" in result) {
    const retry = attempt(logSize);
    if ("fd" in retry) return retry.fd; // succeeded with a log (should not happen, but fine)
    if (retry.error.errno !== ENOSPC || logSize >= 1 << 28) throw new BtfLoadError(retry.error, retry.log);
    logSize = Math.max(logSize * 4, retry.trueSize + 1);
    result = retry;
  }
  return result.fd;
}
