/**
 * Optimized LLVM IR annotated with the source lines its instructions come from (their !dbg
 * locations), for `tsbpf disasm --ir`: the stage between TypeScript and BPF instructions.
 */

export type SourceText = (file: string, line: number) => string | undefined;

interface Location {
  line: number;
  scope: number;
}

/** The IR text without metadata, each run of instructions from one source line under a `; file:line text` comment. */
export function annotateIr(ir: string, sourceText: SourceText = () => undefined, base?: string): string {
  const lines = ir.split("\n");
  const locations = new Map<number, Location>();
  const scopeFile = new Map<number, number>();
  const files = new Map<number, string>();
  for (const l of lines) {
    const m = /^!(\d+) = (?:distinct )?!(\w+)\((.*)\)\s*$/.exec(l);
    if (!m) continue;
    const id = Number(m[1]);
    const fields = m[3]!;
    const field = (name: string) => new RegExp(`\\b${name}: ([^,]+)`).exec(fields)?.[1];
    if (m[2] === "DILocation")
      locations.set(id, { line: Number(field("line")), scope: Number(field("scope")?.slice(1)) });
    else if (m[2] === "DIFile") {
      const name = /filename: "([^"]*)"/.exec(fields)?.[1] ?? "?";
      const dir = /directory: "([^"]*)"/.exec(fields)?.[1];
      files.set(id, name.startsWith("/") || !dir ? name : `${dir}/${name}`);
    } else {
      const file = field("file");
      if (file?.startsWith("!")) scopeFile.set(id, Number(file.slice(1)));
      else if (m[2] === "DILexicalBlock" || m[2] === "DILexicalBlockFile") {
        const scope = field("scope");
        if (scope?.startsWith("!")) scopeFile.set(id, -Number(scope.slice(1))); // resolved through the parent
      }
    }
  }
  const fileOf = (scope: number, depth = 0): string | undefined => {
    const f = scopeFile.get(scope);
    if (f === undefined || depth > 32) return undefined;
    return f < 0 ? fileOf(-f, depth + 1) : files.get(f);
  };
  const out: string[] = [];
  let last = "";
  for (const l of lines) {
    if (l.startsWith("!")) continue; // metadata: summarised by the annotations
    if (/^(define|})/.test(l) || l.trim() === "" || /^\S+:/.test(l)) last = "";
    const dbg = /, !dbg !(\d+)/.exec(l);
    if (dbg) {
      const loc = locations.get(Number(dbg[1]));
      const file = loc ? fileOf(loc.scope) : undefined;
      const key = `${file}:${loc?.line}`;
      if (loc && file && loc.line > 0 && key !== last) {
        const text = sourceText(file, loc.line)?.trim();
        const shown = base && file.startsWith(`${base}/`) ? file.slice(base.length + 1) : file;
        out.push(`  ; ${text ? `${text}  @ ` : ""}${shown}:${loc.line}`);
        last = key;
      }
    }
    out.push(l.replace(/,? ![\w.]+ !\d+/g, ""));
  }
  return out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd();
}
