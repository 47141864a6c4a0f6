/** Registers used for what they do not hold: nothing, or a number where a pointer is needed. */
import type { CatalogEntry } from "../entry.ts";
import { describeValue } from "../values.ts";

export const UNINITIALIZED_REGISTER: CatalogEntry = {
  id: "UNINITIALIZED_REGISTER",
  title: "uninitialized register",
  message: /R(\d+) !read_ok/,
  explain(m) {
    return {
      value: `R${m[1]}, which nothing on this path has written (a helper call also clears R1–R5).`,
      bound: "The verifier tracks which registers hold a value; reading one that does not is refused.",
      fix: "This comes from hand-written or miscompiled code: give every variable a value on every path before it is read.",
    };
  },
  compilerPrevents: "LLVM allocates the registers, writing each before it is read",
};

export const NOT_A_POINTER: CatalogEntry = {
  id: "NOT_A_POINTER",
  title: "memory access through a number",
  message: /R(\d+) invalid mem access '(scalar|inv)'/,
  explain(m, facts) {
    return {
      value: `R${m[1]}, ${describeValue(facts.register(Number(m[1])) ?? "scalar()")}.`,
      bound:
        "Only pointers the verifier made itself (to the packet, the stack, a map value, the context) can be dereferenced; a number, even one holding an address, cannot.",
      fix: "Reach memory through views (`ctx.header`), map values (`m.lookup(k)`) and locals; a value becomes a number once it is converted or stored as an integer.",
    };
  },
  compilerPrevents: "memory is reached only through views, map values and locals",
};
