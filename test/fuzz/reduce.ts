// Shrinks a failing program: removes statements, replaces statements by their bodies and
// expressions by a part of them or by 0/1, keeping each change that keeps the failure
// (delta debugging, one change at a time, until no change helps).
import { type GenOptions, generate } from "./generate.ts";
import type { Chain, Expr, Prog, Stmt } from "./ir.ts";
import { ModelError, runModel, typeOf } from "./model.ts";
import { moduleOf, type Failure, inputsFor, runProgs } from "./run.ts";

type Edit = { apply(): void; undo(): void };

function sameKind(a: Expr, b: Expr): boolean {
  try {
    const ta = typeOf(a),
      tb = typeOf(b);
    const kind = (t: ReturnType<typeof typeOf>) =>
      t.k === "bool" ? "bool" : t.k === "lit" ? (t.big ? "big" : "num") : t.bits === 64 ? "big" : "num";
    return kind(ta) === kind(tb);
  } catch {
    return false;
  }
}

function exprKids(e: Expr): Expr[] {
  switch (e.k) {
    case "cast":
    case "un":
      return [e.e];
    case "bin":
      return [e.a, e.b];
    case "cond":
      return [e.c, e.a, e.b];
    case "assign":
      return [e.e];
    case "call":
      return e.args.flatMap((a) => (a.k === "value" ? [a.e] : []));
    case "math":
      return e.args;
    case "table":
      return [e.i];
    case "optcmp":
      return [e.other];
    case "nullish":
    case "optor":
      return [e.d];
    default:
      return [];
  }
}

/** Every edit of a program, biggest first: statements, then expressions. */
function edits(p: Prog): Edit[] {
  const stmtEdits: Edit[] = [];
  const exprEdits: Edit[] = [];
  const slot = (holder: Record<string, any>, key: string | number) => {
    const e = holder[key] as Expr;
    const replace = (r: Expr) => ({
      apply: () => {
        holder[key] = r;
      },
      undo: () => {
        holder[key] = e;
      },
    });
    for (const k of exprKids(e)) if (sameKind(k, e)) exprEdits.push(replace(k));
    if (e.k !== "lit" && e.k !== "bool") {
      try {
        const t = typeOf(e);
        if (t.k === "bool") exprEdits.push(replace({ k: "bool", v: false }));
        else {
          const big = t.k === "lit" ? t.big : t.bits === 64;
          exprEdits.push(replace({ k: "lit", v: 0n, big }), replace({ k: "lit", v: 1n, big }));
        }
      } catch {}
    }
    walkExpr(e);
  };
  const walkExpr = (e: Expr) => {
    switch (e.k) {
      case "cast":
      case "un":
      case "assign":
        slot(e, "e");
        break;
      case "bin":
        slot(e, "a");
        slot(e, "b");
        break;
      case "cond":
        slot(e, "c");
        slot(e, "a");
        slot(e, "b");
        break;
      case "call":
        for (const a of e.args) if (a.k === "value") slot(a, "e");
        break;
      case "math":
        e.args.forEach((_, i) => slot(e.args, i));
        break;
      case "table":
        slot(e, "i");
        break;
      case "optcmp":
        slot(e, "other");
        chainSlots(e.chain);
        break;
      case "opttruth":
        chainSlots(e.chain);
        break;
      case "nullish":
      case "optor":
        chainSlots(e.chain);
        slot(e, "d");
        break;
    }
  };
  const chainSlots = (c: Chain) => {
    if (c.src.k === "header") slot(c.src, "off");
    if (c.src.k === "call") for (const a of c.src.args) if (a.k === "value") slot(a, "e");
    if (c.src.k === "nlookup") slot(c.src, "key");
  };
  const walkBlock = (body: Stmt[]) => {
    body.forEach((s, i) => {
      stmtEdits.push({ apply: () => body.splice(i, 1), undo: () => body.splice(i, 0, s) });
      const inline = (inner: Stmt[]) =>
        stmtEdits.push({ apply: () => body.splice(i, 1, ...inner), undo: () => body.splice(i, inner.length, s) });
      switch (s.k) {
        case "let":
          slot(s, "init");
          break;
        case "struct":
          s.init.forEach((_, j) => slot(s.init, j));
          break;
        case "expr":
          slot(s, "e");
          break;
        case "return":
          if (s.e) slot(s, "e");
          if (s.ref?.k === "header") slot(s.ref, "off");
          break;
        case "refcall":
          for (const a of s.args) if (a.k === "value") slot(a, "e");
          walkBlock(s.body);
          break;
        case "if":
          inline(s.yes);
          if (s.no) inline(s.no);
          slot(s, "c");
          walkBlock(s.yes);
          if (s.no) walkBlock(s.no);
          break;
        case "switch":
          slot(s, "e");
          s.cases.forEach((c, j) => {
            stmtEdits.push({ apply: () => s.cases.splice(j, 1), undo: () => s.cases.splice(j, 0, c) });
            walkBlock(c.body);
          });
          break;
        case "for":
        case "forof":
          walkBlock(s.body);
          break;
        case "view":
          slot(s, "off");
          walkBlock(s.body);
          break;
      }
    });
  };
  walkBlock(p.body);
  for (const f of p.funcs) walkBlock(f.body);
  return [...stmtEdits, ...exprEdits];
}

/** True if the model runs the program (the edit kept it a program of the language). */
function modelAccepts(p: Prog): boolean {
  try {
    for (let r = 0; r < 3; r++) runModel(p, inputsFor(p, r));
    // A function must still end with a return.
    return p.funcs.every((f) => f.body.length > 0 && f.body.at(-1)!.k === "return");
  } catch (e) {
    if (e instanceof ModelError) return false;
    throw e;
  }
}

export interface ReduceOptions extends GenOptions {
  /** Give up after this many compiles. */
  maxChecks?: number;
  log?: (s: string) => void;
}

/** The smallest program found that fails like `failure`, as source text. */
export function reduce(seed: number, failure: Failure, options: ReduceOptions = {}): string {
  const p = generate(seed, options);
  const keeps = (): boolean => {
    if (!modelAccepts(p)) return false;
    const r = runProgs([p], {});
    return r.failures.some(
      (f) => f.class === failure.class && (failure.class === "miscompile" || f.signature === failure.signature),
    );
  };
  let checks = 0;
  const max = options.maxChecks ?? 400;
  let progress = true;
  while (progress && checks < max) {
    progress = false;
    for (const edit of edits(p)) {
      if (checks >= max) break;
      edit.apply();
      if (!modelAccepts(p)) {
        edit.undo();
        continue;
      }
      checks++;
      if (keeps()) {
        progress = true;
        options.log?.(`  kept an edit (${checks} checks)`);
        break; // the edit list is stale now
      }
      edit.undo();
    }
  }
  return moduleOf([p]).text;
}
