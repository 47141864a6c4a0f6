/** Loops, the verifier's complexity budget, and the depth of function calls. */
import type { CatalogEntry } from "../entry.ts";

export const COMPLEXITY_LIMIT: CatalogEntry = {
  id: "COMPLEXITY_LIMIT",
  title: "complexity limit",
  message: /BPF program is too large\. Processed (\d+) insn/,
  explain(m, facts) {
    const at = facts.lines.at(-1);
    return {
      value: `The whole program: the verifier walked ${m[1]} instructions${at ? `, and was at line ${at.line} (\`${at.text.trim()}\`) when it stopped` : ""}.`,
      bound:
        "The verifier checks every path separately, each loop iteration and each branch inside it, and stops after one million instructions. Nested loops multiply: 16 × 16 × 16 iterations with two branches each is already too many.",
      fix: "Use fewer or shorter nested loops and fewer branches inside loop bodies (compute with arithmetic, `Math.min`, masks instead of `if`), or split the work into separate programs (`ProgArray.tailCall`).",
    };
  },
};

export const UNBOUNDED_LOOP: CatalogEntry = {
  id: "UNBOUNDED_LOOP",
  title: "unbounded loop",
  message: /infinite loop detected at insn (\d+)|back-edge from insn (\d+) to (\d+)/,
  explain(m, facts) {
    const loop = [...facts.lines].reverse().find((l) => /\b(for|while)\b/.test(l.text));
    return {
      value: `The loop ${loop ? `at line ${loop.line} (\`${loop.text.trim()}\`)` : `that jumps back to instruction ${m[1] ?? m[3]}`}.`,
      bound:
        "The verifier came back to the same instruction in exactly the state it had been in before, so the loop can run forever on this path: its counter did not move towards the bound (it was reset or assigned inside the body).",
      fix: "Let only the loop's own `i++` change its counter; to restart or skip, use `continue`/`break`, or a second variable; keep the bound a constant (`for (let i = 0; i < 16; i++)`).",
    };
  },
};

export const CALL_STACK_TOO_DEEP: CatalogEntry = {
  id: "CALL_STACK_TOO_DEEP",
  title: "too many nested function calls",
  message: /the call stack of (\d+) frames is too deep/,
  explain(m) {
    return {
      value: `A chain of ${m[1]} nested BPF-to-BPF function calls.`,
      bound: "The verifier allows at most 8 frames: the program and 7 nested calls.",
      fix: "Flatten the call chain: call helpers from the program directly, or merge small functions.",
    };
  },
  compilerPrevents: "module-level functions are inlined into the program",
};
