/** Calls of kernel helpers: which a program may call, and what their arguments must be. */
import type { CatalogEntry } from "../entry.ts";
import { describeValue } from "../values.ts";

export const HELPER_ARGUMENT_TYPE: CatalogEntry = {
  id: "HELPER_ARGUMENT_TYPE",
  title: "helper argument of the wrong type",
  message: /R(\d+) type=(\w+) expected=(.*)/,
  explain(m, facts) {
    const [, reg, got, expected] = m;
    const call = facts.calls.at(-1);
    return {
      value: `Argument ${reg} of ${call ? call.name : "the helper call"} (R${reg}), ${describeValue(facts.register(Number(reg)) ?? got)}.`,
      bound: `The helper wants ${expected!.replace(/,?\s*$/, "")} here (a pointer to memory the verifier knows, such as a key on the stack), but got ${got}.`,
      fix: "Pass map keys and values as struct or integer values (`m.lookup(key)`), which the compiler stores on the stack and passes by address; do not turn numbers into pointers.",
    };
  },
  compilerPrevents:
    "helpers are called with arguments of their declared types; keys and values are passed by stack address",
};

export const HELPER_NOT_ALLOWED: CatalogEntry = {
  id: "HELPER_NOT_ALLOWED",
  title: "helper not available to XDP programs",
  message: /program of this type cannot use helper (\w+)#(\d+)|unknown func (\w+)#(\d+)/,
  explain(m) {
    const name = m[1] ?? m[3];
    return {
      value: `The call to ${name} (helper ${m[2] ?? m[4]}).`,
      bound: m[1]
        ? "This helper exists, but not for this program type (socket-buffer helpers such as bpf_skb_* are for tc and socket programs, not XDP)."
        : "This kernel does not know the helper at all (it is newer than the kernel, or not built in).",
      fix: "Use what tsbpf declares for XDP (`ctx.header`, `ctx.adjustHead`, map methods, `redirect`, `fibLookup`, `csumDiff`, …).",
    };
  },
  compilerPrevents: "only helpers XDP programs may call are declared",
};
