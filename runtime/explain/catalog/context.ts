/** The program's context (struct xdp_md): which fields can be read, and how. */
import type { CatalogEntry } from "../entry.ts";

export const CONTEXT_ACCESS: CatalogEntry = {
  id: "CONTEXT_ACCESS",
  title: "invalid context access",
  message:
    /invalid bpf_context access off=(\d+) size=(\d+)|dereference of modified ctx ptr R(\d+) off=(-?\d+) disallowed/,
  explain(m) {
    return {
      value:
        m[1] !== undefined
          ? `A ${m[2]}-byte read of the context at offset ${m[1]}.`
          : `R${m[3]}, the context moved by ${m[4]} bytes.`,
      bound:
        "struct xdp_md has six 4-byte fields (data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex) read whole at their own offsets through the unmodified context pointer; the kernel rewrites those reads, so nothing else is allowed.",
      fix: "Use the context's members: `ctx.len`, `ctx.ingressIfindex`, `ctx.header(View, offset)`.",
    };
  },
  compilerPrevents: "the context is reached only through its declared members",
};
