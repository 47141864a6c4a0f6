/** A parsed object's program as disassembler input: its line info, function names and map references. */
import type { Btf } from "../btf/parse.ts";
import type { ProgramSpec } from "../object/spec.ts";
import type { ProgramCode } from "./listing.ts";

/** Function names from func_info (BTF FUNC types); the entry keeps the program's name. */
export function functionNames(
  name: string,
  funcInfo: ReadonlyArray<{ insnOff: number; typeId: number }>,
  btf: Btf | undefined,
): Array<{ insn: number; name: string }> {
  const out = [{ insn: 0, name }];
  for (const f of funcInfo) {
    if (f.insnOff === 0) continue;
    let fn = `func@${f.insnOff}`;
    try {
      fn = btf?.type(f.typeId).name || fn;
    } catch {
      // a type id outside the BTF: keep the placeholder
    }
    out.push({ insn: f.insnOff, name: fn });
  }
  return out;
}

export function programCodeOf(program: ProgramSpec, btf: Btf | undefined): ProgramCode {
  return {
    name: program.name,
    insns: program.insns,
    lineInfo: program.lineInfo.map((l) => ({
      insn: l.insnOff,
      file: l.fileName,
      line: l.line,
      col: l.col,
      text: l.lineText,
    })),
    functions: functionNames(program.name, program.funcInfo, btf),
    references: program.references,
  };
}
