// Statements: declarations, if/else, switch, bounded for loops, break/continue, return.
import type { ForOfStatement, ObjectBindingPattern, Statement, ts as TsTypes, VariableDeclaration } from "ts-morph";
import { Node, SyntaxKind } from "../frontend/ts-morph.ts";
import { IntPredicate } from "../llvm/enums.ts";
import { C, type BasicBlockRef } from "../llvm/capi.ts";
import { AlreadyReported, CompileError, internalError } from "../diagnostics.ts";
import { alignOf, arithmeticType, sizeOf, valueType, BOOL, INT_TYPES, type BType, type IntT } from "../types.ts";
import { stripParens } from "../frontend/declarations.ts";
import { isNullableScalar } from "./nullable-scalar.ts";
import type { FunctionLowerer } from "./function.ts";
import { lowerExpr, propertyOf, tableLookup } from "./expressions.ts";
import { typeFromUses } from "./literal-types.ts";
import { describe } from "./values.ts";
import { fillLiteral } from "./assignment.ts";
import { equalLiteral, literalComparisonType } from "./comparison.ts";
import { readTypeNode } from "../frontend/typenodes.ts";
import type { RefTemplate, Val } from "./values.ts";

/** Lowers a statement; an error in it is reported and lowering goes on with the next one. */
export function lowerStatement(f: FunctionLowerer, s: Statement): void {
  if (f.terminated) f.startDeadBlock();
  try {
    f.at(s);
    if (f.m.subset.isRejected(s)) throw new AlreadyReported(s);
    lowerStatementOrThrow(f, s);
  } catch (thrown) {
    const e = thrown instanceof CompileError ? thrown : internalError(s, thrown);
    if (!(e instanceof AlreadyReported)) f.m.report(e);
    if (Node.isVariableStatement(s))
      for (const d of s.getDeclarations()) {
        f.poisoned.add(d.compilerNode);
        for (const el of d.getDescendantsOfKind(SyntaxKind.BindingElement)) f.poisoned.add(el.compilerNode);
      }
    // The block may be left half-built: continue in a fresh one.
    f.startDeadBlock();
  }
}

/** A block (or an if's or loop's single statement): what is declared in it, and the temporaries
 *  made in it, die at its end (lifetimes.ts). */
function lowerBlock(f: FunctionLowerer, node: Node) {
  f.lifetimes.enter();
  try {
    if (Node.isBlock(node)) for (const s of node.getStatements()) lowerStatement(f, s);
    else lowerStatement(f, node as Statement);
  } finally {
    f.lifetimes.leave(!f.terminated);
  }
}

function lowerStatementOrThrow(f: FunctionLowerer, s: Statement): void {
  switch (s.getKind()) {
    case SyntaxKind.Block:
      return lowerBlock(f, s);
    case SyntaxKind.EmptyStatement:
      return;
    case SyntaxKind.ExpressionStatement:
      lowerExpr(f, s.asKindOrThrow(SyntaxKind.ExpressionStatement).getExpression());
      return;
    case SyntaxKind.VariableStatement:
      for (const d of s.asKindOrThrow(SyntaxKind.VariableStatement).getDeclarations()) declare(f, d);
      return;
    case SyntaxKind.IfStatement: {
      const st = s.asKindOrThrow(SyntaxKind.IfStatement);
      const cond = f.toBool(lowerExpr(f, st.getExpression()), st.getExpression());
      const then = f.block("if.then"),
        done = f.block("if.end");
      const elseNode = st.getElseStatement();
      const otherwise = elseNode ? f.block("if.else") : done;
      C.LLVMBuildCondBr(f.b, cond, then, otherwise);
      f.positionAt(then);
      lowerBlock(f, st.getThenStatement());
      f.br(done);
      if (elseNode) {
        f.positionAt(otherwise);
        lowerBlock(f, elseNode);
        f.br(done);
      }
      f.positionAt(done);
      return;
    }
    case SyntaxKind.ReturnStatement:
      return lowerReturn(f, s, s.asKindOrThrow(SyntaxKind.ReturnStatement).getExpression());
    case SyntaxKind.ForStatement:
      return lowerFor(f, s.asKindOrThrow(SyntaxKind.ForStatement));
    case SyntaxKind.BreakStatement:
    case SyntaxKind.ContinueStatement: {
      if ((s as { getLabel?: () => unknown }).getLabel?.()) throw f.m.subset.reported(s);
      const loop = f.loops[f.loops.length - 1];
      if (!loop)
        throw new CompileError(
          s,
          `${s.getKind() === SyntaxKind.BreakStatement ? "break" : "continue"} outside a loop or switch`,
        );
      const to = s.getKind() === SyntaxKind.BreakStatement ? loop.breakTo : loop.continueTo;
      if (!to) throw new CompileError(s, "continue inside a switch needs an enclosing loop");
      C.LLVMBuildBr(f.b, to);
      return;
    }
    case SyntaxKind.SwitchStatement:
      return lowerSwitch(f, s.asKindOrThrow(SyntaxKind.SwitchStatement));
    case SyntaxKind.ForOfStatement:
      return lowerForOf(f, s.asKindOrThrow(SyntaxKind.ForOfStatement));
  }
  // while, try, classes, …: rejected by the subset check (frontend/subset.ts).
  throw f.m.subset.reported(s);
}

/** `const`/`let` declarations. Scalars live in stack slots (promoted to registers by LLVM);
 *  references from header() and lookup() are bound; struct values are copied. */
function declare(f: FunctionLowerer, d: VariableDeclaration): void {
  const nameNode = d.getNameNode();
  const isConst = d.getVariableStatement()?.getDeclarationKind() === "const";
  if (Node.isObjectBindingPattern(nameNode)) return destructure(f, d, nameNode, isConst);
  if (!Node.isIdentifier(nameNode)) throw f.m.subset.reported(nameNode); // array destructuring
  const typeNode = d.getTypeNode();
  const annotated = typeNode ? readTypeNode(f.m.decls, typeNode) : undefined;
  if (annotated && annotated.kind !== "data")
    throw new CompileError(typeNode!, "variables hold data, not the context or void");
  const init = d.getInitializer();
  const key = d.compilerNode;
  let declared: BType | undefined = annotated?.type;
  // An unannotated object literal takes its struct type from its uses (`vips.lookup(key)`).
  if (!declared && init && Node.isObjectLiteralExpression(stripParens(init))) declared = typeFromUses(f.m.decls, d);

  if (declared && (declared.kind === "struct" || declared.kind === "array")) {
    if (annotated?.nullable) {
      if (!init) throw new CompileError(d, "a reference needs an initializer (null, or a lookup()/header() result)");
      const v = lowerExpr(f, init, declared);
      if (isConst) {
        f.locals.set(key, { kind: "bound", val: v });
        return;
      }
      // `let be: Value<typeof Backend> | null = null;` assigned later: the pointer lives in a slot.
      if (v.kind !== "ref" && v.kind !== "null")
        throw new CompileError(
          init,
          `a ${typeNode!.getText()} is a reference: initialize it with null or a lookup()/header() result`,
        );
      const slot = f.alloca("ptr", nameNode.getText());
      C.LLVMBuildStore(f.b, v.kind === "ref" ? f.pointerOrNull(v) : f.nullPtr(), slot);
      const template: RefTemplate = {
        kind: "ref",
        type: declared,
        nullable: true,
        align: alignOf(declared),
        packet: v.kind === "ref" && v.packet,
        takenAt: v.kind === "ref" ? v.takenAt : undefined,
      };
      f.locals.set(key, { kind: "pointer", template, p: slot });
      return;
    }
    const slot = f.scopedAlloca(declared, nameNode.getText());
    const ref: Extract<Val, { kind: "ref" }> = {
      kind: "ref",
      type: declared,
      p: slot,
      nullable: false,
      align: 8,
      packet: false,
      memory: "stack",
    };
    if (init) {
      const inner = stripParens(init);
      if (Node.isObjectLiteralExpression(inner) || Node.isArrayLiteralExpression(inner)) fillLiteral(f, ref, inner);
      else f.store(ref, lowerExpr(f, init, declared), init);
    } else {
      f.memset(slot, sizeOf(declared), 8);
    }
    f.locals.set(key, { kind: "bound", val: ref });
    return;
  }

  if (!init && !declared) throw new CompileError(d, "give the variable a type or an initial value");
  const value = init ? lowerExpr(f, init, declared) : undefined;
  bind(f, key, nameNode.getText(), isConst, declared, value, init ?? d, {
    fresh: init !== undefined && isFreshReference(init),
    nullable: init?.getType().isNullable() ?? false,
  });
}

/**
 * `const { saddr, l4: { sport }, daddr: dst } = ip`: each name is declared as `const saddr =
 * ip.saddr` declares it, in order, from the object evaluated once (frontend/subset.ts rejects
 * what has no meaning here: defaults, rest elements, computed names, array patterns).
 */
function destructure(f: FunctionLowerer, d: VariableDeclaration, pattern: ObjectBindingPattern, isConst: boolean) {
  const init = d.getInitializer();
  if (!init) throw new CompileError(d, "destructuring needs an initializer");
  if (Node.isObjectLiteralExpression(stripParens(init)))
    throw new CompileError(init, "destructure a struct value, not an object literal: declare one variable at a time");
  const bindPattern = (object: Val, pattern: ObjectBindingPattern) => {
    for (const el of pattern.getElements()) {
      const property = el.getPropertyNameNode();
      const nameNode = el.getNameNode();
      if (el.getDotDotDotToken()) throw f.m.subset.reported(el);
      const fallback = el.getInitializer();
      if (fallback) throw f.m.subset.reported(fallback);
      if (property && !Node.isIdentifier(property)) throw f.m.subset.reported(property);
      const field = propertyOf(f, object, (property ?? nameNode).getText(), el);
      if (Node.isObjectBindingPattern(nameNode)) bindPattern(field, nameNode);
      else if (Node.isIdentifier(nameNode))
        bind(f, el.compilerNode, nameNode.getText(), isConst, undefined, field, el, {
          fresh: false,
          nullable: false,
        });
      else throw f.m.subset.reported(nameNode);
    }
  };
  bindPattern(lowerExpr(f, init), pattern);
}

/** Declares a local `name` holding `value` (of `declared` if annotated) as `const`/`let name = …` does;
 *  `init` locates errors; `fresh`: the value is a reference of its own (a lookup(), header() or literal);
 *  `nullable`: its TypeScript type may be null. */
function bind(
  f: FunctionLowerer,
  key: TsTypes.Node,
  name: string,
  isConst: boolean,
  declared: BType | undefined,
  value: Val | undefined,
  init: Node,
  from: { fresh: boolean; nullable: boolean },
): void {
  if (!isConst && value?.kind === "ref" && value.nullable && !value.packet) {
    // `let v = map.lookup(k)` may be reassigned (`v = map.lookup(k2)`): keep the pointer in a slot.
    const slot = f.alloca("ptr", name);
    C.LLVMBuildStore(f.b, f.pointerOrNull(value), slot);
    f.locals.set(key, { kind: "pointer", template: { ...value, present: undefined }, p: slot });
    return;
  }
  if (value?.kind === "ref" && (value.type.kind === "struct" || value.type.kind === "array")) {
    if (value.nullable || !isConst || from.fresh) {
      // Views and map values are references: writes through them reach the packet or map.
      f.locals.set(key, { kind: "bound", val: value });
      return;
    }
    // A struct-valued field copied into a variable keeps its value when the field changes.
    const slot = f.scopedAlloca(value.type, name);
    const copy: Extract<Val, { kind: "ref" }> = {
      kind: "ref",
      type: value.type,
      p: slot,
      nullable: false,
      align: 8,
      packet: false,
      memory: "stack",
    };
    f.store(copy, value, init);
    f.locals.set(key, { kind: "bound", val: copy });
    return;
  }
  if (value?.kind === "ref" && value.nullable && from.nullable) {
    // lookup() of a scalar value: a reference to test for null before reading it.
    // (Once TypeScript has narrowed it to non-null, `const id = chosen` copies the number.)
    f.locals.set(key, { kind: "bound", val: value });
    return;
  }
  if (value) value = f.rvalue(value, init);
  if (value && !["int", "bool", "const"].includes(value.kind)) {
    if (value.kind === "ref" || value.kind === "null" || (value.kind === "map" && value.p)) {
      f.locals.set(key, { kind: "bound", val: value });
      return;
    }
    throw new CompileError(init, `cannot store ${value.kind} in a variable`);
  }
  // A variable declared be16/be32/be64 keeps its value in network byte order (it is still a
  // host-order number to the program): copying packet fields through it costs no swaps.
  // An unannotated `let` is a `number` as in TypeScript: it takes its value's type widened as
  // in arithmetic (`let v = x.a` from a u8 field is a u32 that does not wrap at 8 bits).
  const type: IntT | typeof BOOL =
    declared?.kind === "int"
      ? declared
      : declared?.kind === "bool"
        ? BOOL
        : value!.kind === "bool"
          ? BOOL
          : value!.kind === "int"
            ? isConst
              ? value!.type
              : arithmeticType(value!.type, value!.type)
            : f.defaultType(value as Extract<Val, { kind: "const" }>);
  if (isConst && value) {
    const v: Val =
      type.kind === "bool"
        ? { kind: "bool", v: f.toBool(value, init) }
        : type.bigEndian
          ? { kind: "int", type: valueType(type), v: f.toRaw(value, valueType(type), init), swapped: true }
          : f.toInt(value, type, init);
    f.locals.set(key, { kind: "bound", val: v });
    return;
  }
  const slot = f.scopedAlloca(type, name);
  const ref: Extract<Val, { kind: "ref" }> = {
    kind: "ref",
    type,
    p: slot,
    nullable: false,
    align: 8,
    packet: false,
    memory: "stack",
  };
  f.store(ref, value ?? { kind: "const", value: 0n, big: false }, init);
  f.locals.set(key, { kind: "slot", type, p: slot });
}

/** Results of lookup(), header() and literals are references of their own; a field access is not. */
function isFreshReference(init: Node): boolean {
  const e = stripParens(init);
  return Node.isCallExpression(e) || Node.isObjectLiteralExpression(e) || Node.isArrayLiteralExpression(e);
}

function lowerReturn(f: FunctionLowerer, statement: Node, expr: Node | undefined): void {
  f.m.returnFrom(f, expr, statement);
}

/**
 * `for (const x of TABLE)` over a module-level constant table, or over a fixed-size array: a
 * counted loop binding `x` to each element in turn (`break`/`continue` as in `for`).
 */
function lowerForOf(f: FunctionLowerer, st: ForOfStatement): void {
  const list = st.getInitializer();
  const decl = Node.isVariableDeclarationList(list) ? list.getDeclarations() : [];
  const nameNode = decl[0]?.getNameNode();
  if (decl.length !== 1 || !nameNode || !Node.isIdentifier(nameNode)) throw f.m.subset.reported(list);
  const subject = st.getExpression();
  const over = lowerExpr(f, subject);
  let length: number;
  if (over.kind === "table") length = over.values.length;
  else if (over.kind === "ref" && over.type.kind === "array") length = over.type.length;
  else
    throw new CompileError(
      subject,
      `for…of runs over a module-level constant table or a fixed-size array; ${over.kind === "ref" ? describe(f.rvalue(over, subject)) : describe(over)} is neither`,
    );
  const U32 = INT_TYPES.u32!;
  const counter = f.typedPointer(f.alloca(U32, `${nameNode.getText()}.index`), 32);
  C.LLVMBuildStore(f.b, f.constInt(32, 0n), counter);
  const head = f.block("forof.cond"),
    body = f.block("forof.body"),
    step = f.block("forof.step"),
    done = f.block("forof.end");
  f.br(head);
  f.positionAt(head);
  const loop = f.loopStart();
  const i = () => C.LLVMBuildLoad2(f.b, f.int(32), counter, "");
  C.LLVMBuildCondBr(f.b, C.LLVMBuildICmp(f.b, IntPredicate.ULT, i(), f.constInt(32, BigInt(length)), ""), body, done);
  f.positionAt(body);
  const index: Extract<Val, { kind: "int" }> = { kind: "int", type: U32, v: i() };
  let element: Val;
  if (over.kind === "table") element = tableLookup(f, over, index);
  else {
    const t = over as Extract<Val, { kind: "ref" }>;
    const elementType = (t.type as Extract<BType, { kind: "array" }>).element;
    const size = sizeOf(elementType);
    const offset = C.LLVMBuildMul(f.b, f.toInt(index, INT_TYPES.u64!, subject).v, f.constInt(64, BigInt(size)), "");
    const ref = { ...t, type: elementType, p: f.offset(t.p, offset), nullable: false, align: Math.min(t.align, size) };
    element = elementType.kind === "int" || elementType.kind === "bool" ? f.load(ref, subject) : ref;
  }
  f.locals.set(decl[0]!.compilerNode, { kind: "bound", val: element });
  f.loops.push({ breakTo: done, continueTo: step });
  lowerBlock(f, st.getStatement());
  f.loops.pop();
  f.br(step);
  f.positionAt(step);
  C.LLVMBuildStore(f.b, C.LLVMBuildAdd(f.b, i(), f.constInt(32, 1n), ""), counter);
  f.loopEnd(loop);
  f.br(head);
  f.positionAt(done);
}

/** A `for (init; cond; step)` statement, as the lowering reads it. */
type ForStatementNode = Node & {
  getInitializer(): Node | undefined;
  getCondition(): Node | undefined;
  getIncrementor(): Node | undefined;
  getStatement(): Node;
};

/** `for (init; cond; step)`: the condition must compare with a constant, so the loop is bounded. */
function lowerFor(f: FunctionLowerer, st: ForStatementNode): void {
  const cond = st.getCondition();
  if (!cond || !isBoundedCondition(f, cond)) {
    throw new CompileError(
      cond ?? st,
      "a for loop needs a condition comparing its counter with a constant (e.g. `i < 8`), so the verifier can see it ends",
    );
  }
  const init = st.getInitializer();
  if (init) {
    if (Node.isVariableDeclarationList(init)) for (const d of init.getDeclarations()) declare(f, d);
    else lowerExpr(f, init);
  }
  const endless = alwaysTrue(f, cond);
  if (endless) throw new CompileError(cond, endless);
  const head = f.block("for.cond"),
    body = f.block("for.body"),
    step = f.block("for.step"),
    done = f.block("for.end");
  f.br(head);
  f.positionAt(head);
  const loop = f.loopStart();
  C.LLVMBuildCondBr(f.b, f.toBool(lowerExpr(f, cond), cond), body, done);
  f.positionAt(body);
  f.loops.push({ breakTo: done, continueTo: step });
  const counter = inRangeCounter(f, st);
  if (counter) f.inRangeCounters.set(counter.decl, counter.max);
  lowerBlock(f, st.getStatement());
  if (counter) f.inRangeCounters.delete(counter.decl);
  f.loops.pop();
  f.br(step);
  f.positionAt(step);
  const inc = st.getIncrementor();
  if (inc) lowerExpr(f, inc);
  f.loopEnd(loop);
  f.br(head);
  f.positionAt(done);
}

/**
 * The counter of a `for` loop whose value in the loop's body is in [0, max], if there is one: a
 * `let` of the loop's initializer, started at a constant, stepped by `++`, `--`, `+=`/`-=` a
 * constant, never written in the body or the condition, and bounded above by the condition (`i < 6`, `i <= 5`, or
 * a conjunct of it). Unsigned, or signed with no step able to take it below 0 or past its type's
 * maximum. Every value that enters the body passed the condition; the verifier walks such a loop
 * one iteration at a time with the counter's exact value (a constant start and constant steps),
 * so an address computed from it is exact too, whatever LLVM makes of the loop.
 */
function inRangeCounter(f: FunctionLowerer, st: ForStatementNode): { decl: unknown; max: bigint } | undefined {
  const init = st.getInitializer();
  if (!init || !Node.isVariableDeclarationList(init)) return undefined;
  const declOf = (n: Node) => (Node.isIdentifier(n) ? f.m.decls.symbolOf(n)?.getValueDeclaration() : undefined);
  // The step: `i++`, `--i`, `i += 2`, `i -= 1`; its sign (0: none).
  const inc = st.getIncrementor() && stripParens(st.getIncrementor()!);
  let counterDecl: Node | undefined;
  let step = 0n;
  if (inc && (Node.isPostfixUnaryExpression(inc) || Node.isPrefixUnaryExpression(inc))) {
    const op = inc.getOperatorToken();
    if (op !== SyntaxKind.PlusPlusToken && op !== SyntaxKind.MinusMinusToken) return undefined;
    counterDecl = declOf(stripParens(inc.getOperand()));
    step = op === SyntaxKind.PlusPlusToken ? 1n : -1n;
  } else if (inc && Node.isBinaryExpression(inc)) {
    const op = inc.getOperatorToken().getKind();
    const k = f.m.decls.tryConstValue(inc.getRight());
    if ((op !== SyntaxKind.PlusEqualsToken && op !== SyntaxKind.MinusEqualsToken) || k === undefined) return undefined;
    counterDecl = declOf(stripParens(inc.getLeft()));
    step = op === SyntaxKind.PlusEqualsToken ? k : -k;
  } else return undefined;
  const d = init.getDeclarations().find((d) => d === counterDecl);
  const start = d?.getInitializer() && f.m.decls.tryConstValue(d.getInitializer()!);
  const local = d && f.locals.get(d.compilerNode);
  if (!d || start === undefined || local?.kind !== "slot" || local.type.kind !== "int") return undefined;
  const t = valueType(local.type);
  // The condition's upper bound on the counter, in the comparison's own type.
  const upper = (c: Node): bigint | undefined => {
    c = stripParens(c);
    if (!Node.isBinaryExpression(c)) return undefined;
    let op = c.getOperatorToken().getKind();
    if (op === SyntaxKind.AmpersandAmpersandToken) {
      const [a, b] = [upper(c.getLeft()), upper(c.getRight())];
      return a === undefined ? b : b === undefined || a < b ? a : b;
    }
    let [left, right] = [stripParens(c.getLeft()), c.getRight()];
    if (declOf(left) !== d) {
      [left, right] = [stripParens(c.getRight()), c.getLeft()];
      if (op === SyntaxKind.GreaterThanToken) op = SyntaxKind.LessThanToken;
      else if (op === SyntaxKind.GreaterThanEqualsToken) op = SyntaxKind.LessThanEqualsToken;
      else return undefined;
    }
    const literal = f.m.decls.tryConstValue(right);
    if (declOf(left) !== d || literal === undefined) return undefined;
    const type = literalComparisonType(arithmeticType(t, t), literal);
    const v = type.signed ? BigInt.asIntN(type.bits, literal) : BigInt.asUintN(type.bits, literal);
    if (op === SyntaxKind.LessThanToken) return v - 1n;
    if (op === SyntaxKind.LessThanEqualsToken) return v;
    return undefined;
  };
  const max = st.getCondition() && upper(st.getCondition()!);
  if (max === undefined || max < 0n) return undefined;
  if (t.signed) {
    // Signed: from a start ≥ 0 upward only, and the last step from `max` must not wrap.
    const typeMax = (1n << BigInt(t.bits - 1)) - 1n;
    if (start < 0n || step <= 0n || max + step > typeMax) return undefined;
  }
  // Written in the body, or in the condition after its bound was tested (`i < 6 && (i = 9) > 0`).
  const written = [...st.getStatement().getDescendants(), ...st.getCondition()!.getDescendants()].some((n) =>
    Node.isBinaryExpression(n)
      ? n.getOperatorToken().getKind() >= SyntaxKind.FirstAssignment &&
        n.getOperatorToken().getKind() <= SyntaxKind.LastAssignment &&
        declOf(stripParens(n.getLeft())) === d
      : (Node.isPostfixUnaryExpression(n) || Node.isPrefixUnaryExpression(n)) &&
        (n.getOperatorToken() === SyntaxKind.PlusPlusToken || n.getOperatorToken() === SyntaxKind.MinusMinusToken) &&
        declOf(stripParens(n.getOperand())) === d,
  );
  return written ? undefined : { decl: d.compilerNode, max };
}

/**
 * Why a loop condition `counter OP constant` is true for every value of the counter's type,
 * if it is (`len >= 0` for a u32, `i <= 255` for a u8): the counter wraps and the loop never
 * ends, which the verifier only finds after a million instructions (E2BIG).
 */
function alwaysTrue(f: FunctionLowerer, cond: Node): string | undefined {
  const c = stripParens(cond);
  if (!Node.isBinaryExpression(c)) return undefined;
  let op = c.getOperatorToken().getKind();
  let counter = stripParens(c.getLeft()),
    bound = c.getRight();
  if (f.m.decls.tryConstValue(bound) === undefined) {
    [counter, bound] = [stripParens(c.getRight()), c.getLeft()];
    const mirrored: Partial<Record<SyntaxKind, SyntaxKind>> = {
      [SyntaxKind.LessThanToken]: SyntaxKind.GreaterThanToken,
      [SyntaxKind.LessThanEqualsToken]: SyntaxKind.GreaterThanEqualsToken,
      [SyntaxKind.GreaterThanToken]: SyntaxKind.LessThanToken,
      [SyntaxKind.GreaterThanEqualsToken]: SyntaxKind.LessThanEqualsToken,
    };
    op = mirrored[op] ?? op;
  }
  const literal = f.m.decls.tryConstValue(bound);
  const decl = Node.isIdentifier(counter) ? f.m.decls.symbolOf(counter)?.getValueDeclaration() : undefined;
  const local = decl && f.locals.get(decl.compilerNode);
  if (literal === undefined || local?.kind !== "slot" || local.type.kind !== "int") return undefined;
  const t = valueType(local.type);
  const min = t.signed ? -(1n << BigInt(t.bits - 1)) : 0n;
  const max = t.signed ? (1n << BigInt(t.bits - 1)) - 1n : (1n << BigInt(t.bits)) - 1n;
  // The literal as the comparison sees it (docs/language.md: in 64 bits if too large, wrapped if
  // negative against an unsigned counter).
  const type = literalComparisonType(arithmeticType(t, t), literal);
  const v = type.signed ? BigInt.asIntN(type.bits, literal) : BigInt.asUintN(type.bits, literal);
  const always =
    op === SyntaxKind.LessThanToken
      ? max < v
      : op === SyntaxKind.LessThanEqualsToken
        ? max <= v
        : op === SyntaxKind.GreaterThanToken
          ? min > v
          : op === SyntaxKind.GreaterThanEqualsToken
            ? min >= v
            : op === SyntaxKind.ExclamationEqualsEqualsToken && (v < min || v > max);
  if (!always) return undefined;
  const name = counter.getText();
  const lowerBound = op === SyntaxKind.GreaterThanToken || op === SyntaxKind.GreaterThanEqualsToken;
  const wider = INT_TYPES[`${t.signed ? "i" : "u"}${t.bits * 2}`];
  const fix =
    !t.signed && lowerBound
      ? `declare the counter signed (\`let ${name}: i${Math.max(32, t.bits)} = …\`) or change the condition`
      : wider
        ? `give the counter a wider type (\`let ${name}: ${wider.name} = …\`) or change the condition`
        : "change the condition";
  const article = t.signed ? "an" : "a"; // an i8, a u8
  return `this loop never ends: \`${c.getText()}\` is always true for ${article} ${t.name} counter (${min} to ${max}); ${fix}`;
}

function isBoundedCondition(f: FunctionLowerer, cond: Node): boolean {
  const c = stripParens(cond);
  if (Node.isBinaryExpression(c)) {
    const op = c.getOperatorToken().getKind();
    if (op === SyntaxKind.AmpersandAmpersandToken)
      return isBoundedCondition(f, c.getLeft()) || isBoundedCondition(f, c.getRight());
    const relational = [
      SyntaxKind.LessThanToken,
      SyntaxKind.LessThanEqualsToken,
      SyntaxKind.GreaterThanToken,
      SyntaxKind.GreaterThanEqualsToken,
      SyntaxKind.ExclamationEqualsEqualsToken,
    ].includes(op);
    return (
      relational &&
      (f.m.decls.tryConstValue(c.getRight()) !== undefined || f.m.decls.tryConstValue(c.getLeft()) !== undefined)
    );
  }
  return false;
}

function lowerSwitch(f: FunctionLowerer, st: Node & { getExpression(): Node; getCaseBlock(): Node }): void {
  const clauses = st.getCaseBlock().asKindOrThrow(SyntaxKind.CaseBlock).getClauses();
  const done = f.block("switch.end");
  const blocks: BasicBlockRef[] = clauses.map((c) =>
    f.block(Node.isDefaultClause(c) ? "switch.default" : "switch.case"),
  );
  const defaultIndex = clauses.findIndex((c) => Node.isDefaultClause(c));
  const raw = lowerExpr(f, st.getExpression());
  if (isNullableScalar(raw)) {
    // `switch (n)` of a number that may be null: null matches no case label.
    const present = f.block("switch.present");
    C.LLVMBuildCondBr(f.b, f.isPresent(raw), present, defaultIndex >= 0 ? blocks[defaultIndex]! : done);
    f.positionAt(present);
  }
  let subject = f.rvalue(isNullableScalar(raw) ? { ...raw, nullable: false } : raw, st.getExpression());
  if (subject.kind === "const") subject = f.toInt(subject, f.defaultType(subject), st.getExpression());
  if (subject.kind !== "int") throw new CompileError(st.getExpression(), "switch needs an integer");
  const sw = C.LLVMBuildSwitch(
    f.b,
    f.toInt(subject, subject.type, st.getExpression()).v,
    defaultIndex >= 0 ? blocks[defaultIndex]! : done,
    clauses.length,
  );
  const seen = new Set<bigint>();
  clauses.forEach((c, i) => {
    if (Node.isCaseClause(c)) {
      const v = f.m.decls.tryConstValue(c.getExpression());
      if (v === undefined) throw new CompileError(c.getExpression(), "case labels must be constants");
      // A label matches when `subject === label` (docs/language.md): never for a label outside
      // the subject's range (`case 256` on a u8), `case -1` for a u32 holding 0xffffffff; of two
      // labels matching the same value the first wins.
      const match = equalLiteral(subject.type, v);
      if (match === undefined || seen.has(match)) return;
      seen.add(match);
      C.LLVMAddCase(sw, f.constInt(subject.type, match), blocks[i]!);
    }
  });
  const outer = f.loops[f.loops.length - 1];
  f.loops.push({ breakTo: done, continueTo: outer?.continueTo });
  clauses.forEach((c, i) => {
    f.positionAt(blocks[i]!);
    for (const s of c.getStatements()) lowerStatement(f, s);
    f.br(blocks[i + 1] ?? done); // fall through, as in JavaScript
  });
  f.loops.pop();
  f.positionAt(done);
}
