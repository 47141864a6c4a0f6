/** The bpf(2) system call, with errno turned into a typed error. */
import { TsbpfError } from "../errors.ts";
import type { Attr } from "./attr.ts";
import { BpfCmd, bpfCmdName } from "./commands.ts";
import { errnoHint, errnoName } from "./errno.ts";
import { lastErrno, rawSyscall4 } from "./libc.ts";

const SYS_bpf = 321; // x86-64

/** A bpf() (or other) syscall failed; `errno`/`code` say why. */
export class SyscallError extends TsbpfError {
  readonly errno: number;
  readonly code: string;
  readonly op: string;

  constructor(op: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    const hint = errnoHint(errno);
    super(`${op} failed: ${code}${hint ? ` (${hint})` : ""}${detail ? `: ${detail}` : ""}`);
    this.errno = errno;
    this.code = code;
    this.op = op;
  }
}

/** Run bpf(cmd, attr). Returns the non-negative result (often a new fd); throws SyscallError. */
export function bpf(cmd: BpfCmd, attr: Attr, what?: string): number {
  // PROG_LOAD can fail with EAGAIN when interrupted (the verifier is long-running); retry a few times.
  for (let attempt = 0; ; attempt++) {
    const ret = Number(rawSyscall4(SYS_bpf, cmd, attr.bytes, attr.bytes.length));
    if (ret >= 0) return ret;
    const errno = lastErrno();
    if ((errno === 4 /* EINTR */ || errno === 11) /* EAGAIN */ && cmd === BpfCmd.PROG_LOAD && attempt < 5) continue;
    throw new SyscallError(what ? `${bpfCmdName(cmd)} (${what})` : bpfCmdName(cmd), errno);
  }
}
