/** Accesses through a map value pointer outside the value. */
import type { CatalogEntry } from "../entry.ts";
import { describeValue } from "../values.ts";

export const MAP_VALUE_OUT_OF_RANGE: CatalogEntry = {
  id: "MAP_VALUE_OUT_OF_RANGE",
  title: "map value access out of range",
  message: /invalid access to map value, value_size=(\d+) off=(-?\d+) size=(\d+)/,
  explain(m, facts) {
    const [, valueSize, off, size] = m;
    const reg = /\(r(\d+) [+-]/.exec(facts.insn?.text ?? "");
    return {
      value: reg ? `R${reg[1]}, ${describeValue(facts.register(Number(reg[1])))}.` : "A pointer into a map value.",
      bound: `The access covers bytes ${off}..${Number(off) + Number(size) - 1}, but the map's values are ${valueSize} bytes long (bytes 0..${Number(valueSize) - 1}).`,
      fix: "Access the value through the fields of its struct; index an array field with a number known to be below its length (`if (i >= N) return …`, or `i & (N - 1)` for a power of two).",
    };
  },
  compilerPrevents: "field offsets come from the value's struct, and computed indexes are clamped to the last element",
};

export const NEGATIVE_INDEX: CatalogEntry = {
  id: "NEGATIVE_INDEX",
  title: "index that may be negative",
  message: /value (-?\d+) makes (\w+) pointer be out of bounds|R(\d+) min value is negative, either use unsigned index/,
  explain(m, facts) {
    const add = /r(\d+) \+= r(\d+)/.exec(facts.insn?.text ?? "");
    const reg = add ? Number(add[2]) : m[3] ? Number(m[3]) : undefined;
    return {
      value:
        reg !== undefined ? `R${reg}, ${describeValue(facts.register(reg))}, used as an index or offset.` : "An index.",
      bound: `The index is a signed number whose lower bound is ${m[1] ?? "negative"}: the checks on this path bound it from above only, so the element's address could be before the start of the ${m[2] === "map_value" || !m[2] ? "map value" : m[2]}.`,
      fix: "Use an unsigned type for indexes (`u32`, not `i32`); convert a signed value with `u32(x)` before comparing it with the length.",
    };
  },
  compilerPrevents: "computed indexes are taken as unsigned 64-bit numbers and clamped to the last element",
};
