/**
 * BPF_PROG_LOAD with BTF func/line info and a verifier log.
 * The log buffer starts small and grows on ENOSPC (using the kernel's
 * log_true_size when it reports one). With logLevel 0 a failed load is
 * retried once with a level-1 log so the error can explain itself. E2BIG is the verifier's
 * complexity limit ("BPF program is too large"): the kernel keeps the log's tail (rotating log),
 * which shows where it was when it stopped. EFAULT is also the verifier's own: "verifier bug: …" in
 * the log when it found its state inconsistent (a kernel bug, fuzzer seed 20000649 on 6.18), which
 * the log names; without one it stays a plain EFAULT. ENOTSUPP after a log that shows the verifier
 * accepted the program is the kernel's JIT failing on it (verifierAccepted), also reported with why.
 */
import {
  Attr,
  bpf,
  BpfCmd,
  E2BIG,
  EACCES,
  EFAULT,
  EINVAL,
  ENOSPC,
  ENOTSUPP,
  kernelBuffer,
  kernelCString,
  SyscallError,
} from "../sys/index.ts";
import { kernelObjectName, OBJ_NAME_LEN } from "../maps/create.ts";
import type { FuncInfo, LineInfo } from "./assemble.ts";
import { INSN_SIZE } from "./insn.ts";
import { TOO_DEEP, TOO_LARGE, VERIFIER_BUG, VerifierError, verifierAccepted } from "./verifier-error.ts";

export type LogLevel = 0 | 1 | 2;

export interface ProgramLoadSpec {
  name: string;
  type: number;
  expectedAttachType: number;
  flags: number;
  insns: Buffer;
  license: string;
  btfFd?: number;
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  logLevel: LogLevel;
  /** Initial log buffer size in bytes. */
  logSize?: number;
}

const FUNC_INFO_REC = 8;
const LINE_INFO_REC = 16;
const MAX_LOG = (0xffffffff >>> 2) - 1; // kernel limit: log_size < UINT_MAX >> 2

export function loadProgram(spec: ProgramLoadSpec): { fd: number; log: string } {
  const insns = kernelBuffer(spec.insns.length);
  insns.set(spec.insns);
  const license = kernelCString(spec.license);
  const useBtf = spec.btfFd !== undefined && spec.btfFd >= 0 && spec.funcInfo.length > 0;
  const funcInfo = useBtf ? encodeFuncInfo(spec.funcInfo) : null;
  const lineInfo = useBtf && spec.lineInfo.length > 0 ? encodeLineInfo(spec.lineInfo) : null;

  const attempt = (logLevel: number, logSize: number) => {
    const log = logLevel > 0 ? kernelBuffer(logSize) : null;
    const attr = new Attr(152)
      .u32(0, spec.type)
      .u32(4, spec.insns.length / INSN_SIZE)
      .ptr(8, insns)
      .ptr(16, license)
      .inlineName(48, OBJ_NAME_LEN, kernelObjectName(spec.name))
      .u32(44, spec.flags)
      .u32(68, spec.expectedAttachType);
    if (log) attr.u32(24, logLevel).u32(28, log.length).ptr(32, log);
    if (useBtf) {
      attr.u32(72, spec.btfFd!).u32(76, FUNC_INFO_REC).ptr(80, funcInfo).u32(88, spec.funcInfo.length);
      if (lineInfo) attr.u32(92, LINE_INFO_REC).ptr(96, lineInfo).u32(104, spec.lineInfo.length);
    }
    const text = () => (log ? log.toString("utf8", 0, Math.max(0, log.indexOf(0))) : "");
    try {
      const fd = bpf(BpfCmd.PROG_LOAD, attr, `program "${spec.name}"`);
      return { ok: true as const, fd, log: text() };
    } catch (e) {
      if (!(e instanceof SyscallError)) throw e;
      return { ok: false as const, error: e, log: text(), trueSize: attr.readU32(140) };
    }
  };

  let level: number = spec.logLevel;
  let size = spec.logSize ?? 256 * 1024;
  for (;;) {
    const r = attempt(level, size);
    if (r.ok) return { fd: r.fd, log: r.log };
    const { errno } = r.error;
    if (level === 0) {
      // Not privileged, or the kernel lacks something: the log would not help.
      if (
        errno !== EACCES &&
        errno !== EINVAL &&
        errno !== ENOSPC &&
        errno !== E2BIG &&
        errno !== EFAULT &&
        errno !== ENOTSUPP
      )
        throw r.error;
      level = 1;
      continue;
    }
    if (errno === ENOSPC && size < MAX_LOG) {
      size = Math.min(MAX_LOG, Math.max(size * 4, r.trueSize + 1));
      continue;
    }
    if (
      errno === EACCES ||
      errno === EINVAL ||
      errno === ENOSPC ||
      (errno === E2BIG && (TOO_LARGE.test(r.log) || TOO_DEEP.test(r.log))) ||
      (errno === EFAULT && VERIFIER_BUG.test(r.log)) ||
      (errno === ENOTSUPP && verifierAccepted(r.log))
    )
      throw new VerifierError(spec.name, errno, r.log, spec.lineInfo);
    throw r.error;
  }
}

function encodeFuncInfo(records: FuncInfo[]): Buffer {
  const buf = kernelBuffer(records.length * FUNC_INFO_REC);
  records.forEach((r, i) => {
    buf.writeUInt32LE(r.insnOff, i * FUNC_INFO_REC);
    buf.writeUInt32LE(r.typeId, i * FUNC_INFO_REC + 4);
  });
  return buf;
}

function encodeLineInfo(records: LineInfo[]): Buffer {
  const buf = kernelBuffer(records.length * LINE_INFO_REC);
  records.forEach((r, i) => {
    const o = i * LINE_INFO_REC;
    buf.writeUInt32LE(r.insnOff, o);
    buf.writeUInt32LE(r.fileNameOff, o + 4);
    buf.writeUInt32LE(r.lineOff, o + 8);
    buf.writeUInt32LE(((r.line << 10) | (r.col & 0x3ff)) >>> 0, o + 12);
  });
  return buf;
}
