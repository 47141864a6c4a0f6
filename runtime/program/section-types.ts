/**
 * ELF section name → how to load the programs in it, following libbpf's
 * SEC() conventions for the program types tsbpf supports.
 */
import { AttachType, ProgLoadFlags, ProgType } from "./types.ts";

export interface SectionProgramKind {
  type: number;
  expectedAttachType: number;
  flags: number;
}

export function programKindForSection(section: string): SectionProgramKind | undefined {
  const [head = "", sub] = splitOnce(section, "/");
  if (head === "xdp" || head === "xdp.frags") {
    const flags = head === "xdp.frags" ? ProgLoadFlags.XDP_HAS_FRAGS : 0;
    const expectedAttachType =
      sub === "devmap" ? AttachType.XDP_DEVMAP : sub === "cpumap" ? AttachType.XDP_CPUMAP : AttachType.XDP;
    return { type: ProgType.XDP, expectedAttachType, flags };
  }
  // libbpf's SEC("tcx/ingress") and SEC("tcx/egress") load with the tcx attach type they are for.
  if (head === "tcx" && (sub === "ingress" || sub === "egress")) {
    const expectedAttachType = sub === "ingress" ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS;
    return { type: ProgType.SCHED_CLS, expectedAttachType, flags: 0 };
  }
  if (head === "tc" || head === "classifier")
    return { type: ProgType.SCHED_CLS, expectedAttachType: AttachType.NONE, flags: 0 };
  if (head === "action") return { type: ProgType.SCHED_ACT, expectedAttachType: AttachType.NONE, flags: 0 };
  if (head === "socket") return { type: ProgType.SOCKET_FILTER, expectedAttachType: AttachType.NONE, flags: 0 };
  return undefined;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
