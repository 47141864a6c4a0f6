// Prints fuzzer programs as TypeScript source for the compiler. Every compound expression is
// parenthesized, so the printed text has exactly the IR's structure.
import ts from "typescript";
import type { Chain, Expr, FieldT, Func, IntT, Place, Prog, RefValue, ScalarT, Stmt, StructT } from "./ir.ts";
import { typeOf } from "./model.ts";

export const ACTIONS = ["ABORTED", "DROP", "PASS", "TX"];

export function printLiteral(v: bigint, big: boolean): string {
  const n = v < 0n ? -v : v;
  const digits = n >= 0x10000n && n % 16n !== 0n ? `0x${n.toString(16)}` : n.toString();
  const text = `${digits}${big ? "n" : ""}`;
  return v < 0n ? `(-${text})` : text;
}

export function printExpr(e: Expr): string {
  switch (e.k) {
    case "lit":
      return e.name ?? printLiteral(e.v, e.big);
    case "bool":
      return String(e.v);
    case "read":
      return printPlace(e.p);
    case "len":
      return "ctx.len";
    case "cast":
      return `${e.to.name}(${printExpr(e.e)})`;
    case "un":
      return `(${e.op}${printExpr(e.e)})`;
    case "bin": {
      if (e.op === "===" || e.op === "!==") return `(${widened(e.a)} ${e.op} ${widened(e.b)})`;
      // TypeScript may read `x << (…) > (…)`, `x << a[(b > (c))…]` or `x < ((v > (-7)) ? …)` as a
      // call or instantiation with type arguments (`x<((v>(-7)…`). Where it would, `~~` in front of
      // a shift count (which does not change the masked count) and `!(x >= …)` for `x < …` (the
      // same truth) keep the program the IR's.
      const a = printExpr(e.a);
      const b = printExpr(e.b);
      if ((e.op === "<<" || e.op === "<") && !readsAsOperator(e.op, b))
        return e.op === "<<" ? `(${a} << ~~${b})` : `(!(${a} >= ${b}))`;
      return `(${a} ${e.op} ${b})`;
    }
    case "cond":
      return `(${printExpr(e.c)} ? ${printExpr(e.a)} : ${printExpr(e.b)})`;
    case "assign":
      return `(${printPlace(e.p)} ${e.op} ${e.op === "=" ? valueFor(e.p.ty, e.e) : printExpr(e.e)})`;
    case "inc":
      return e.prefix ? `(${e.op}${printPlace(e.p)})` : `(${printPlace(e.p)}${e.op})`;
    case "call":
      return printCall(e.fn, e.args);
    case "math":
      return `Math.${e.fn}(${e.args.map(printExpr).join(", ")})`;
    case "table":
      return `${e.table.name}[${printExpr(e.i)}]`;
    case "optcmp": {
      // A literal that is no member of an enum field's enum: TypeScript rejects `E | undefined === 40817`.
      const enumLiteral = e.chain.ty.k === "int" && !!e.chain.ty.enumName && e.other.k === "lit" && !e.other.name;
      const other = enumLiteral ? `(${printExpr(e.other)} as number)` : widened(e.other);
      return e.chainLeft ? `(${printChain(e.chain)} ${e.op} ${other})` : `(${other} ${e.op} ${printChain(e.chain)})`;
    }
    case "opttruth":
      return e.bare ? printChain(e.chain) : `(${e.not ? "!" : "!!"}${printChain(e.chain)})`;
    case "nullish":
      return `(${printChain(e.chain)} ?? ${printExpr(e.d)})`;
    case "optor":
      return `(${printChain(e.chain)} || ${printExpr(e.d)})`;
  }
}

/** `src?.a.b[i]` (not widened with `as`: the compiler reads a chain only with its use). */
export function printChain(c: Chain): string {
  if (c.src.k === "nlookup") return `${c.src.map}.lookup(${printExpr(c.src.key)})`;
  const src =
    c.src.k === "header"
      ? `ctx.header(${c.src.def.name}, ${printExpr(c.src.off)})`
      : c.src.k === "lookup"
        ? `${c.src.map}.lookup(0)`
        : printCall(c.src.fn, c.src.args);
  const path = c.path.map((s) => (s.k === "field" ? `.${s.name}` : `[${printExpr(s.e)}]`)).join("");
  return `${src}?${path.startsWith("[") ? "." : ""}${path}`;
}

/** Whether TypeScript parses `_ op right` as that binary operator with `right` whole as its operand. */
function readsAsOperator(op: "<" | "<<", right: string): boolean {
  const text = `_ ${op} ${right};`;
  const file = ts.createSourceFile("operand.ts", text, ts.ScriptTarget.Latest);
  const s = file.statements[0];
  const kind = op === "<" ? ts.SyntaxKind.LessThanToken : ts.SyntaxKind.LessThanLessThanToken;
  return (
    file.statements.length === 1 &&
    s !== undefined &&
    ts.isExpressionStatement(s) &&
    ts.isBinaryExpression(s.expression) &&
    s.expression.operatorToken.kind === kind &&
    s.expression.right.getText(file) === right
  );
}

function printCall(fn: Func, args: Extract<Expr, { k: "call" }>["args"]): string {
  const text = args.map((a, i) => {
    if (a.k === "ref") return a.base.name;
    if (a.k === "ctx") return "ctx";
    const p = fn.params[i]!;
    return p.k === "value" ? valueFor(p.ty, a.e) : printExpr(a.e);
  });
  return `${fn.name}(${text.join(", ")})`;
}

/**
 * A value stored into a place of type `ty`. A TypeScript enum accepts a `number` but not a literal
 * type that is not one of its members (`let v: E = c ? 1 : 2`): such values are written
 * `(… as number)`, which the compiler ignores.
 */
export function valueFor(ty: ScalarT, e: Expr): string {
  if (ty.k !== "int" || !ty.enumName || (e.k === "lit" && e.name?.startsWith(`${ty.enumName}.`))) return printExpr(e);
  return `(${printExpr(e)} as number)`;
}

/**
 * An operand of === or a switch subject, with its TypeScript type widened (`(x as u32)`): after
 * `if (x === 1)` TypeScript narrows x to the type `1` and rejects `x === 7` as a comparison that
 * cannot be true. The compiler ignores `as`.
 */
export function widened(e: Expr): string {
  if (e.k === "lit" || e.k === "bool") return printExpr(e);
  const t = typeOf(e);
  const name = t.k === "bool" ? "bool" : t.k === "lit" ? (t.big ? "u64" : "u32") : t.bits === 64 ? "u64" : "u32";
  return `(${printExpr(e)} as ${name})`;
}

export function printPlace(p: Place): string {
  if (p.k !== "field") return p.name;
  return p.base.name + p.path.map((s) => (s.k === "field" ? `.${s.name}` : `[${printExpr(s.e)}]`)).join("");
}

/**
 * `let v: u32 = x.a.b` as `let { a: { b: v } } = x` (docs/language.md: the same declaration), for
 * a variable read from a field by a chain of names, where the field's type is
 * what the unannotated `let` takes (a 32- or 64-bit integer in host order, no enum), since a
 * destructured name has no annotation of its own.
 */
function destructured(name: string, ty: ScalarT, init: Expr): string | undefined {
  if (init.k !== "read" || init.p.k !== "field" || ty.k !== "int" || ty.enumName || ty.be || ty.bits < 32)
    return undefined;
  const { base, path, ty: fieldTy } = init.p;
  if (fieldTy.k !== "int" || fieldTy.name !== ty.name || fieldTy.enumName) return undefined;
  if (path.length === 0 || path.some((s) => s.k !== "field")) return undefined;
  const pattern = path.reduceRight((inner, step) => `{ ${(step as { name: string }).name}: ${inner} }`, name);
  return `let ${pattern} = ${base.name}`;
}

const typeName = (t: ScalarT) => (t.k === "bool" ? "bool" : (t.enumName ?? t.name));

/** The statements of a function returning `ret` (undefined: the XDP program's body). */
function printStmts(body: Stmt[], indent: string, ret?: IntT): string[] {
  return body.flatMap((s) => printStmt(s, indent, ret));
}

function structLiteral(def: StructT, values: Iterator<Expr>): string {
  const value = (t: FieldT): string => {
    if (t.k === "struct") return structLiteral(t, values);
    if (t.k === "array")
      return `[${Array.from({ length: t.len }, () => valueFor(t.elem, values.next().value!)).join(", ")}]`;
    return valueFor(t, values.next().value!);
  };
  return `{ ${def.fields.map((f) => `${f.name}: ${value(f.ty)}`).join(", ")} }`;
}

function printRef(r: RefValue): string {
  switch (r.k) {
    case "null":
      return "null";
    case "base":
      return r.base.name;
    case "lookup":
      return `${r.map}.lookup(0)`;
    case "header":
      return `ctx.header(${r.def.name}, ${printExpr(r.off)})`;
  }
}

function printStmt(s: Stmt, ind: string, ret?: IntT): string[] {
  const inner = `${ind}  `;
  const stmts = (body: Stmt[], indent: string) => printStmts(body, indent, ret);
  switch (s.k) {
    case "let": {
      const pattern = destructured(s.name, s.ty, s.init);
      if (pattern) return [`${ind}${pattern};`];
      return [`${ind}let ${s.name}: ${typeName(s.ty)} = ${valueFor(s.ty, s.init)};`];
    }
    case "struct": {
      const value = s.init.length ? structLiteral(s.base.def, s.init[Symbol.iterator]()) : `zero(${s.base.def.name})`;
      return [`${ind}const ${s.base.name}: Value<typeof ${s.base.def.name}> = ${value};`];
    }
    case "expr":
      return [`${ind}${printExpr(s.e)};`];
    case "nput":
      return [`${ind}${s.map}.update(${s.key}, ${valueFor(s.ty, s.e)});`];
    case "if": {
      const out = [`${ind}if (${printExpr(s.c)}) {`, ...stmts(s.yes, inner)];
      if (s.no) out.push(`${ind}} else {`, ...stmts(s.no, inner));
      out.push(`${ind}}`);
      return out;
    }
    case "switch": {
      const out = [`${ind}switch (${widened(s.e)}) {`];
      for (const c of s.cases) {
        out.push(`${inner}${c.label ? `case ${printExpr(c.label)}` : "default"}: {`);
        out.push(...stmts(c.body, `${inner}  `));
        out.push(`${inner}}`);
      }
      out.push(`${ind}}`);
      return out;
    }
    case "for": {
      const big = s.ty.bits === 64;
      const lit = (v: bigint) => printLiteral(v, big);
      const step =
        s.step === 1n
          ? `${s.v}++`
          : s.step === -1n
            ? `${s.v}--`
            : s.step > 0n
              ? `${s.v} += ${lit(s.step)}`
              : `${s.v} -= ${lit(-s.step)}`;
      return [
        `${ind}for (let ${s.v}: ${s.ty.name} = ${lit(s.from)}; ${s.v} ${s.cmp} ${lit(s.to)}; ${step}) {`,
        ...stmts(s.body, inner),
        `${ind}}`,
      ];
    }
    case "break":
      return [`${ind}break;`];
    case "continue":
      return [`${ind}continue;`];
    case "return":
      if (s.ref) return [`${ind}return ${printRef(s.ref)};`];
      if (s.e) return [`${ind}return ${ret ? valueFor(ret, s.e) : printExpr(s.e)};`];
      return [`${ind}return XdpAction.${ACTIONS[s.action!]};`];
    case "refcall":
      return [
        `${ind}const ${s.base.name} = ${printCall(s.fn, s.args)};`,
        `${ind}if (${s.base.name} !== null) {`,
        ...stmts(s.body, inner),
        `${ind}}`,
      ];
    case "forof":
      return [`${ind}for (const ${s.v} of ${s.table.name}) {`, ...stmts(s.body, inner), `${ind}}`];
    case "view":
      return [
        `${ind}const ${s.base.name} = ctx.header(${s.base.def.name}, ${printExpr(s.off)});`,
        `${ind}if (${s.base.name} !== null) {`,
        ...stmts(s.body, inner),
        `${ind}}`,
      ];
  }
}

function fieldType(t: FieldT): string {
  if (t.k === "array") return `array(${typeName(t.elem)}, ${t.len})`;
  if (t.k === "struct") return t.name;
  if (t.k === "int" && t.narrow) return `enumOf<${t.enumName}>(${t.name})`;
  return typeName(t);
}

/** Struct declarations, nested ones first. */
function printStructs(roots: StructT[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (s: StructT) => {
    if (seen.has(s.name)) return;
    seen.add(s.name);
    for (const f of s.fields) if (f.ty.k === "struct") visit(f.ty);
    const fields = s.fields.map((f) => `${f.name}: ${fieldType(f.ty)}`).join(", ");
    out.push(`export const ${s.name} = struct({ ${fields} }${s.packed ? ", { packed: true }" : ""});`);
  };
  roots.forEach(visit);
  return out;
}

function printFunc(fn: Func): string[] {
  const params = fn.params.map((p) =>
    p.k === "ref"
      ? `${p.name}: Value<typeof ${p.def.name}>`
      : p.k === "ctx"
        ? "ctx: XdpContext"
        : `${p.name}: ${typeName(p.ty)}`,
  );
  const ret = fn.refRet ? `Value<typeof ${fn.refRet.name}> | null` : typeName(fn.ret);
  return [`function ${fn.name}(${params.join(", ")}): ${ret} {`, ...printStmts(fn.body, "  ", fn.ret), "}"];
}

/** One program's declarations and its XDP program. */
export function printProg(p: Prog): string {
  const lines = [
    `// fuzz program ${p.id} (seed ${p.seed})`,
    ...p.enums.map(
      (e) => `enum ${e.name} { ${e.members.map((m) => `${m.name} = ${printLiteral(m.v, false)}`).join(", ")} }`,
    ),
    ...printStructs([p.state, p.view, p.view2, p.local]),
    `export const m${p.id} = new ArrayMap(${p.state.name}, { maxEntries: 1 });`,
    ...(p.nmap
      ? [
          p.nmap.hash
            ? `export const ${p.nmap.name} = new HashMap(u32, ${p.nmap.ty.name}, { maxEntries: 4 });`
            : `export const ${p.nmap.name} = new ArrayMap(${p.nmap.ty.name}, { maxEntries: 2 });`,
        ]
      : []),
    ...p.consts.map((c) => `const ${c.name} = ${printLiteral(c.v, c.big)};`),
    ...p.tables.map((t) => `const ${t.name} = [${t.values.map((v) => printLiteral(v, false)).join(", ")}];`),
    ...p.globals.map((g) => `let ${g.name}: ${g.ty.name} = ${printLiteral(g.init, g.ty.bits === 64)};`),
    ...p.funcs.flatMap(printFunc),
    `export const p${p.id} = xdp((ctx) => {`,
    `  const st = m${p.id}.lookup(0);`,
    "  if (st === null) return XdpAction.ABORTED;",
    `  const pk = ctx.header(${p.view.name}, 0);`,
    "  if (pk === null) return XdpAction.ABORTED;",
    ...printStmts(p.body, "  "),
    "  return XdpAction.PASS;",
    "});",
  ];
  return lines.join("\n");
}

export const IMPORTS =
  'import { xdp, XdpAction, ArrayMap, HashMap, struct, array, enumOf, type Value, type XdpContext, zero, u8, u16, u32, u64, i8, i16, i32, i64, be16, be32, be64, bool } from "tsbpf";';

/** A module holding several programs (one compile, one load). */
export function printModule(progs: Prog[]): string {
  return [
    "// Generated by test/fuzz (npm run fuzz); each program is independent of the others.",
    IMPORTS,
    "",
    ...progs.map(printProg),
    "",
  ].join("\n");
}
