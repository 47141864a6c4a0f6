/** Values that may be null (map lookups, ring-buffer reservations) used without a test. */
import type { CatalogEntry } from "../entry.ts";
import { nonNullAssertion, type LoggedLine } from "../log-facts.ts";
import { describeValue, parseState } from "../values.ts";

function assertionNote(nn: LoggedLine | undefined): string {
  return nn
    ? ` Line ${nn.line} (\`${nn.text.trim()}\`) uses \`!\`: TypeScript's non-null assertion only silences the type checker, it tests nothing at run time.`
    : "";
}

export const NULL_NOT_CHECKED: CatalogEntry = {
  id: "NULL_NOT_CHECKED",
  title: "a map value or reservation used before its null check",
  message: /R(\d+) invalid mem access '(map_value_or_null|ringbuf_mem_or_null|[a-z_]*_or_null)'/,
  explain(m, facts) {
    const reg = Number(m[1]);
    const state = facts.register(reg);
    const { fields } = parseState(state ?? "");
    const ringbuf = m[2] === "ringbuf_mem_or_null";
    const nn = nonNullAssertion(facts);
    const what = ringbuf ? "`reserve()`" : `\`${fields.map ?? "map"}.lookup(key)\``;
    return {
      value: `R${reg}, ${describeValue(state ?? m[2])}.`,
      bound: `${what} returns null ${ringbuf ? "when the ring buffer is full" : "when the key is not in the map"}; this path reads or writes through the result without having compared it with null, so the verifier cannot rule out a null dereference.`,
      fix:
        `Test the result before using it: \`const v = ${ringbuf ? "events.reserve()" : `${fields.map ?? "m"}.lookup(key)`}; if (v === null) return XdpAction.PASS;\`.` +
        assertionNote(nn),
    };
  },
};

export const POINTER_ARITHMETIC_ON_NULLABLE: CatalogEntry = {
  id: "POINTER_ARITHMETIC_ON_NULLABLE",
  title: "pointer arithmetic on a value that may be null",
  message: /R(\d+) pointer arithmetic on (\w+) prohibited(, null-check it first)?/,
  explain(m, facts) {
    const reg = Number(m[1]);
    return {
      value: `R${reg}, ${describeValue(facts.register(reg) ?? m[2])}.`,
      bound: `The verifier allows no arithmetic on a ${m[2]} pointer: ${m[3] ? "until the null check, a field's address cannot be computed from it" : "only some pointer types may be moved by an offset"}.`,
      fix:
        (m[3]
          ? "Compare the lookup's result with null first, then take its fields: `const v = m.lookup(k); if (v === null) return …; v.slot[i] = …`."
          : "Do not compute addresses from this pointer; read the value through a view or a map value instead.") +
        assertionNote(nonNullAssertion(facts)),
    };
  },
};
