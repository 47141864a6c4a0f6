// Line info names the file each line is in. A program's functions and constants may come from
// its own modules (lb/lb.ts imports lb/forward.ts, lb/icmp.ts, lb/timeouts.ts); trace, the
// verifier's messages at a TS line and `bpftool prog dump` all read these records, so a line of
// forward.ts reported as the same line number of lb.ts points the reader at the wrong code.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { expect, it } from "vitest";
import { compile } from "../../compiler/index.ts";
import { parseObject } from "../../runtime/index.ts";
import { ROOT } from "../runtime/helpers.ts";

it("every line-info record of lb.o is the text of the line it names, in the file it names", () => {
  const r = compile(join(ROOT, "lb/lb.ts"));
  expect(r.diagnostics).toEqual([]);
  const spec = parseObject(r.object!);
  const files = new Map<string, string[]>();
  const linesOf = (file: string) => {
    if (!files.has(file)) files.set(file, readFileSync(file, "utf8").split("\n"));
    return files.get(file)!;
  };
  const seen = new Set<string>();
  let records = 0;
  for (const prog of spec.programs)
    for (const li of prog.lineInfo) {
      if (li.line === 0) continue; // code of no line (LLVM's own): no text, no file to check
      records++;
      seen.add(basename(li.fileName));
      expect(`${li.fileName}:${li.line}: ${li.lineText}`).toBe(
        `${li.fileName}:${li.line}: ${linesOf(li.fileName)[li.line - 1]}`,
      );
    }
  expect(records).toBeGreaterThan(500);
  // setMacs and the outer headers (forward.ts), the ICMP handling (icmp.ts), the state's
  // timeouts (timeouts.ts): inlined into lb, still at their own lines.
  expect([...seen].sort()).toEqual(["forward.ts", "icmp.ts", "lb.ts", "timeouts.ts"]);
}, 60_000);
