/** Program types, attach types and load flags used by the loader. */
export const ProgType = { UNSPEC: 0, SOCKET_FILTER: 1, SCHED_CLS: 3, SCHED_ACT: 4, XDP: 6 } as const;

export function progTypeName(type: number): string {
  for (const [name, t] of Object.entries(ProgType)) if (t === type) return name;
  return `prog type ${type}`;
}

export const AttachType = {
  NONE: 0,
  XDP_DEVMAP: 33,
  XDP_CPUMAP: 35,
  XDP: 37,
  TCX_INGRESS: 46,
  TCX_EGRESS: 47,
} as const;

export const ProgLoadFlags = { XDP_HAS_FRAGS: 1 << 5 } as const;

/** XDP actions (enum xdp_action), for reading test-run results: the declarations module's enum. */
export { TcAction, XdpAction } from "../lang/program.ts";
