/** A program loaded into the kernel. */
import { TsbpfError } from "../errors.ts";
import { attachXdp, type AttachXdpOptions, type XdpLink } from "../link/xdp.ts";
import { attachTcx, type AttachTcxOptions, type TcxDirection, type TcxLink } from "../link/tcx.ts";
import { closeFd, pinObject } from "../sys/index.ts";
import type { LineInfo } from "./assemble.ts";
import { programInfo, type ProgramInfo } from "./info.ts";
import { sourceLocationOf, type SourceLocation } from "./source-map.ts";
import { testRun, type TestRunInput, type TestRunResult } from "./test-run.ts";
import { AttachType, ProgType, progTypeName } from "./types.ts";

export class Program {
  private fdValue: number;

  constructor(
    fd: number,
    readonly name: string,
    /** ELF section it came from (e.g. "xdp"). */
    readonly section: string,
    /** BPF_PROG_TYPE_* number. */
    readonly type: number,
    readonly expectedAttachType: number,
    /** Verifier log (empty at log level 0). */
    readonly verifierLog: string,
    /** Instructions loaded, after appending subprograms. */
    readonly insnCount: number,
    /** Line info of the loaded instruction stream. */
    readonly lineInfo: readonly LineInfo[],
  ) {
    this.fdValue = fd;
  }

  get fd(): number {
    if (this.fdValue < 0) throw new TsbpfError(`program "${this.name}" is closed`);
    return this.fdValue;
  }

  /** The program's kernel id (as `bpftool prog` shows it). */
  get id(): number {
    return this.info().id;
  }

  /** What the kernel says about this program now (id, tag, translated size, map ids). */
  info(): ProgramInfo {
    return programInfo(this.fd);
  }

  get typeName(): string {
    return progTypeName(this.type);
  }

  /** Run once (or `repeat` times) on a packet with BPF_PROG_TEST_RUN. */
  testRun(input: TestRunInput): TestRunResult {
    return testRun(this.fd, input, `test run of "${this.name}"`);
  }

  /** Source line of instruction `insn` of the loaded program. */
  sourceOf(insn: number): SourceLocation | undefined {
    return sourceLocationOf(insn, this.lineInfo);
  }

  pin(path: string): void {
    pinObject(this.fd, path);
  }

  /** Attach this (XDP) program to an interface through a BPF link. */
  attachXdp(iface: string | number, options?: AttachXdpOptions): XdpLink {
    return attachXdp(this.fd, iface, options);
  }

  /**
   * Attach this (tc) program to an interface's ingress or egress through a tcx link. The
   * direction defaults to the section's (`tcx/ingress`, `tcx/egress`); a `tc` section must say.
   */
  attachTcx(iface: string | number, direction?: TcxDirection, options?: AttachTcxOptions): TcxLink {
    const fromSection =
      this.expectedAttachType === AttachType.TCX_INGRESS
        ? "ingress"
        : this.expectedAttachType === AttachType.TCX_EGRESS
          ? "egress"
          : undefined;
    if (this.type !== ProgType.SCHED_CLS)
      throw new TsbpfError(`program "${this.name}" is ${this.typeName}, not a tc program (SCHED_CLS)`);
    const d = direction ?? fromSection;
    if (!d)
      throw new TsbpfError(
        `program "${this.name}" is in section "${this.section}": say where to attach it ("ingress" or "egress")`,
      );
    return attachTcx(this.fd, iface, d, options);
  }

  close(): void {
    closeFd(this.fdValue);
    this.fdValue = -1;
  }
}
