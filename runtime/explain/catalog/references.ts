/** Resources the program must give back on every path (ring-buffer reservations, socket references). */
import type { CatalogEntry } from "../entry.ts";

export const UNRELEASED_RESERVATION: CatalogEntry = {
  id: "UNRELEASED_RESERVATION",
  title: "unreleased ring-buffer reservation",
  message: /Unreleased reference id=(\d+) alloc_insn=(\d+)/,
  explain(m, facts) {
    const reserve = facts.calls.find((c) => c.index === Number(m[2]));
    const exit = facts.lines.at(-1);
    return {
      value: `The ${reserve ? `result of ${reserve.name} ` : "reference "}taken at instruction ${m[2]}.`,
      bound: `A path reaches the program's exit${exit ? ` (last at line ${exit.line}, \`${exit.text.trim()}\`)` : ""} without submitting or discarding it; the kernel would keep that space of the ring buffer reserved forever.`,
      fix: "After `const ev = events.reserve(); if (ev === null) return …`, end every path with `events.submit(ev)` or `events.discard(ev)`, including early returns and the branches of an `if`.",
    };
  },
};
