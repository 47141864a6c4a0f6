/** The program's stack: its size, alignment, computed offsets into it, bytes never written. */
import type { CatalogEntry } from "../entry.ts";
import { describeValue } from "../values.ts";

export const STACK_TOO_BIG: CatalogEntry = {
  id: "STACK_TOO_BIG",
  title: "stack too big",
  message:
    /combined stack size of (\d+) calls is (\d+)\. Too large|stack size of (\d+) exceeds|invalid (?:write to|read from) stack R10 off=(-\d+)/,
  explain(m) {
    const [, calls, total] = m;
    return {
      value: calls
        ? `The stack frames of ${calls} nested function calls, ${total} bytes together.`
        : "The program's stack frame.",
      bound:
        "A BPF program has 512 bytes of stack in all, for its own frame and the frames of every function it calls (BPF-to-BPF calls) on any one path.",
      fix: "Keep fewer or smaller locals alive at once (structs, arrays, map keys); move big scratch data into a per-CPU array map (`new PerCpuArrayMap(Scratch, { maxEntries: 1 })`, then `scratch.lookup(0)`), which has no such limit.",
    };
  },
  compilerPrevents:
    "functions are inlined into one frame and the compiler rejects a program whose locals need more than 512 bytes, naming the biggest",
};

export const MISALIGNED_ACCESS: CatalogEntry = {
  id: "MISALIGNED_ACCESS",
  title: "misaligned access",
  message: /misaligned (stack |packet |value |context )?access off (\S+) size (\d+)/,
  explain(m, facts) {
    const [, kind, off, size] = m;
    const reg = /\*\(u\d+ \*\)\(r(\d+) /.exec(facts.insn?.text ?? "");
    const where = (kind ?? "").trim() || "memory";
    return {
      value: reg
        ? `R${reg[1]}, ${describeValue(facts.register(Number(reg[1])))}, read or written ${size} bytes at a time.`
        : `A ${size}-byte access to ${where}.`,
      bound: `The address (${off}: base+variable+constant offset) is not a multiple of ${size}. The verifier always requires aligned stack accesses; packet and map accesses must be aligned where the kernel is strict about alignment (BPF_F_STRICT_ALIGNMENT, or a CPU without efficient unaligned access).`,
      fix: "Keep struct fields naturally aligned (no `{ packed: true }` for values kept on the stack or in maps; put 4- and 8-byte fields at offsets that are multiples of their size); for a packet field at an odd offset, read it through a view of `u8`s or `bytes(n)` and assemble the number.",
    };
  },
  compilerPrevents: "stack slots and unpacked struct fields are naturally aligned",
};

export const VARIABLE_STACK_OFFSET: CatalogEntry = {
  id: "VARIABLE_STACK_OFFSET",
  title: "invalid variable-offset stack access",
  message:
    /invalid (unbounded )?variable-offset (read from|write to|indirect access to) stack R(\d+)|variable stack access var_off=/,
  explain(m, facts) {
    const reg = m[3] ? Number(m[3]) : undefined;
    return {
      value:
        reg !== undefined
          ? `R${reg}, ${describeValue(facts.register(reg))}.`
          : "A pointer into the stack moved by a computed offset.",
      bound: `The element's offset is computed from a number ${m[1] ? "with no upper bound" : "whose range reaches outside the array"}, so the verifier cannot tell that the access stays inside the array on the stack.`,
      fix: "Bound the index before indexing a local array: `if (i >= ARR_LEN) return …`, or `arr[i & 15]` for a 16-element array.",
    };
  },
  compilerPrevents: "computed indexes into arrays are clamped to the last element",
};

export const UNINITIALIZED_STACK: CatalogEntry = {
  id: "UNINITIALIZED_STACK",
  title: "uninitialized stack read",
  message: /invalid (indirect )?read from stack (?:R(\d+) )?off[= ]?(-?\d+)(?:\+\d+)? size[= ]?(\d+)/,
  explain(m, facts) {
    const [, indirect, reg, off, size] = m;
    return {
      value: `${size} bytes of stack at offset ${off}${indirect || facts.insn?.text.includes("call") ? `, passed to ${facts.calls.at(-1)?.name ?? "a helper"}` : ""}${reg ? `; R${reg} is ${describeValue(facts.register(Number(reg)))}` : ""}.`,
      bound:
        "Some of these bytes were never written on this path. A program loaded without CAP_PERFMON (CAP_BPF and CAP_NET_ADMIN only) may not read uninitialized stack, because the bytes could leak kernel data; a struct's padding counts.",
      fix: "Give every variable a value before use and build keys with every field (`{ addr, port, proto, pad: 0 }` or `zero(Key)`), so no byte of a key passed to a map is left unwritten.",
    };
  },
  compilerPrevents: "locals are initialized and struct values written in full, padding zeroed",
};
