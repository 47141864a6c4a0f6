export { Attr } from "./attr.ts";
export { bpf, SyscallError } from "./bpf.ts";
export { BpfCmd, bpfCmdName } from "./commands.ts";
export * from "./errno.ts";
export { closeFd, openFdCount } from "./fd.ts";
export { kernelBuffer, kernelCopy, kernelCString } from "./memory.ts";
export { ifNameToIndex, InterfaceError } from "./netif.ts";
export { raiseMemlockLimit } from "./rlimit.ts";
