// Expressions: literals, names, field access, arithmetic with C-like widening and
// wrap-around at each type's width, comparisons, short-circuit logic, assignment.
import type { Expression, ts as TsTypes } from "ts-morph";
import { Node, SyntaxKind, ts } from "../frontend/ts-morph.ts";
import { C, type Ref } from "../llvm/capi.ts";
import { AlreadyReported, CompileError } from "../diagnostics.ts";
import { alignOf, arithmeticType, sizeOf, valueType, BOOL, INT_TYPES, type BType, type IntT } from "../types.ts";
import { foldBinary, stripParens } from "../frontend/declarations.ts";
import {
  type FunctionLowerer,
  LLVMIntEQ,
  LLVMIntNE,
  LLVMIntSGE,
  LLVMIntSGT,
  LLVMIntSLE,
  LLVMIntSLT,
  LLVMIntUGE,
  LLVMIntUGT,
  LLVMIntULE,
  LLVMIntULT,
} from "./function.ts";
import { lowerCall } from "./calls.ts";
import { describe, type Val } from "./values.ts";

type RefVal = Extract<Val, { kind: "ref" }>;

/** Lowers an expression. `expected` gives object and array literals their type. */
export function lowerExpr(f: FunctionLowerer, node: Node, expected?: BType): Val {
  f.at(node);
  const expr = stripParens(node);
  if (Node.isAsExpression(expr) || Node.isNonNullExpression(expr) || Node.isTypeAssertion(expr)) {
    return lowerExpr(f, expr.getExpression(), expected);
  }
  const constant = f.m.decls.tryConstValue(expr);
  if (constant !== undefined && !isLocalName(f, expr)) {
    if (expr.getKind() === SyntaxKind.TrueKeyword || expr.getKind() === SyntaxKind.FalseKeyword) {
      return { kind: "bool", v: C.LLVMConstInt(f.i1, constant ? 1 : 0, 0) };
    }
    return { kind: "const", value: constant, big: Node.isBigIntLiteral(expr) || isBigConst(f, expr) };
  }
  switch (expr.getKind()) {
    case SyntaxKind.NullKeyword:
      return { kind: "null" };
    case SyntaxKind.Identifier:
    case SyntaxKind.ShorthandPropertyAssignment:
      return lowerName(f, expr);
    case SyntaxKind.PropertyAccessExpression:
      return lowerPropertyAccess(f, expr.asKindOrThrow(SyntaxKind.PropertyAccessExpression));
    case SyntaxKind.ElementAccessExpression:
      return lowerElementAccess(f, expr.asKindOrThrow(SyntaxKind.ElementAccessExpression));
    case SyntaxKind.CallExpression:
      return lowerCall(f, expr.asKindOrThrow(SyntaxKind.CallExpression));
    case SyntaxKind.BinaryExpression:
      return lowerBinary(f, expr.asKindOrThrow(SyntaxKind.BinaryExpression));
    case SyntaxKind.PrefixUnaryExpression:
      return lowerPrefix(f, expr.asKindOrThrow(SyntaxKind.PrefixUnaryExpression));
    case SyntaxKind.PostfixUnaryExpression: {
      const post = expr.asKindOrThrow(SyntaxKind.PostfixUnaryExpression);
      const op = post.getOperatorToken() === SyntaxKind.PlusPlusToken ? SyntaxKind.PlusToken : SyntaxKind.MinusToken;
      return increment(f, post.getOperand(), op, true);
    }
    case SyntaxKind.ConditionalExpression:
      return lowerConditional(f, expr.asKindOrThrow(SyntaxKind.ConditionalExpression), expected);
    case SyntaxKind.ObjectLiteralExpression:
    case SyntaxKind.ArrayLiteralExpression: {
      if (!expected || (expected.kind !== "struct" && expected.kind !== "array")) {
        throw new CompileError(
          expr,
          "this literal needs a known struct or array type: annotate the variable (`const k: Value<typeof Key> = {…}`)",
        );
      }
      const slot: RefVal = {
        kind: "ref",
        type: expected,
        p: f.alloca(expected, "lit"),
        nullable: false,
        align: 8,
        packet: false,
        memory: "stack",
      };
      fillLiteral(f, slot, expr);
      return slot;
    }
    case SyntaxKind.StringLiteral:
    case SyntaxKind.NoSubstitutionTemplateLiteral:
    case SyntaxKind.TemplateExpression:
      throw new CompileError(
        expr,
        "strings are not values in BPF programs; a string literal is allowed only as a printk() format",
      );
    case SyntaxKind.ArrowFunction:
    case SyntaxKind.FunctionExpression:
      throw new CompileError(
        expr,
        "function expressions (closures) are not supported; declare a function at module level",
      );
    case SyntaxKind.NewExpression:
      throw new CompileError(expr, "`new` allocates; BPF programs cannot. Declare maps at module level");
    case SyntaxKind.AwaitExpression:
      throw new CompileError(expr, "await is not supported in BPF programs");
    case SyntaxKind.TypeOfExpression:
      throw new CompileError(expr, "typeof is not supported in BPF programs");
  }
  throw new CompileError(expr, `${expr.getKindName()} is not supported in BPF programs`);
}

function isLocalName(f: FunctionLowerer, expr: Node): boolean {
  if (!Node.isIdentifier(expr)) return false;
  const decl = expr.getSymbol()?.getValueDeclaration();
  return !!decl && f.locals.has(decl.compilerNode);
}

function isBigConst(f: FunctionLowerer, expr: Node): boolean {
  const t = expr.getType();
  return t.isBigInt() || t.isBigIntLiteral();
}

/** An integer or bool value in a register (loads scalars behind references). */
export function lowerValue(f: FunctionLowerer, node: Node, expected?: BType): Val {
  return f.rvalue(lowerExpr(f, node, expected), node);
}

function lowerName(f: FunctionLowerer, expr: Node): Val {
  // `{ proto }` names the variable proto, not the property.
  const symbol = Node.isShorthandPropertyAssignment(expr) ? expr.getValueSymbol() : expr.getSymbol();
  const decl = symbol?.getValueDeclaration();
  if (decl && f.poisoned.has(decl.compilerNode)) throw new AlreadyReported(expr);
  const local = decl && f.locals.get(decl.compilerNode);
  if (local) {
    if (local.kind === "bound") return local.val;
    if (local.kind === "pointer") return { ...local.template, p: C.LLVMBuildLoad2(f.b, f.i8p, local.p, "") };
    return {
      kind: "ref",
      type: local.type.kind === "bool" ? BOOL : local.type,
      p: local.p,
      nullable: false,
      align: 8,
      packet: false,
      memory: "stack",
    };
  }
  const entity = f.m.decls.entityOf(expr);
  if (!entity && decl && Node.isBindingElement(decl)) throw new AlreadyReported(expr); // its destructuring was reported
  if (!entity) throw new CompileError(expr, `'${expr.getText()}' is not defined in this program`);
  switch (entity.kind) {
    case "const":
      return { kind: "const", value: entity.value, big: isBigConst(f, expr) };
    case "map":
      return { kind: "map", map: entity.map };
    case "global": {
      const p = C.LLVMBuildBitCast(f.b, f.m.globalVariable(entity.global), f.i8p, "");
      return {
        kind: "ref",
        type: entity.global.type,
        p,
        nullable: false,
        align: alignOf(entity.global.type),
        packet: false,
      };
    }
    case "type":
      return { kind: "type", type: entity.type };
    case "table":
      return { kind: "table", element: entity.element, values: entity.values };
    case "lang":
      throw new CompileError(expr, `'${expr.getText()}' from tsbpf cannot be used as a value here`);
    case "function":
      throw new CompileError(expr, `function '${expr.getText()}' can only be called, not used as a value`);
    case "program":
      throw new CompileError(
        expr,
        `program '${expr.getText()}' cannot be used as a value; tail calls go through a ProgArray`,
      );
  }
}

/** Offsets of struct xdp_md fields that programs read through the context. */
const CTX_FIELDS: Record<string, number> = { ingressIfindex: 12, rxQueueIndex: 16, egressIfindex: 20 };

function lowerPropertyAccess(f: FunctionLowerer, expr: Node & { getExpression(): Expression; getName(): string }): Val {
  const object = lowerExpr(f, expr.getExpression());
  const name = expr.getName();
  if (object.kind === "ctx") {
    if (name === "len") {
      const data = f.m.contextPointer(f, 0);
      const end = f.m.contextPointer(f, 4);
      const diff = C.LLVMBuildSub(
        f.b,
        C.LLVMBuildPtrToInt(f.b, end, f.int(64), ""),
        C.LLVMBuildPtrToInt(f.b, data, f.int(64), ""),
        "len",
      );
      return { kind: "int", type: INT_TYPES.u32!, v: C.LLVMBuildTrunc(f.b, diff, f.int(32), "") };
    }
    const offset = CTX_FIELDS[name];
    if (offset === undefined) throw new CompileError(expr, `the XDP context has no property '${name}'`);
    return { kind: "int", type: INT_TYPES.u32!, v: f.m.contextField(f, offset) };
  }
  if (object.kind === "type" && name === "size")
    return { kind: "const", value: BigInt(sizeOf(object.type)), big: false };
  if (object.kind === "table" && name === "length")
    return { kind: "const", value: BigInt(object.values.length), big: false };
  if (object.kind === "ref") {
    if (object.type.kind === "array" && name === "length")
      return { kind: "const", value: BigInt(object.type.length), big: false };
    return f.field(object, name, expr);
  }
  throw new CompileError(expr, `${describe(object)} has no property '${name}'`);
}

function lowerElementAccess(
  f: FunctionLowerer,
  expr: Node & { getExpression(): Expression; getArgumentExpressionOrThrow(): Expression },
): Val {
  const object = lowerExpr(f, expr.getExpression());
  const indexNode = expr.getArgumentExpressionOrThrow();
  const index = lowerValue(f, indexNode);
  if (object.kind === "table") {
    if (index.kind === "const") {
      const v = object.values[Number(index.value)];
      if (v === undefined)
        throw new CompileError(indexNode, `index ${index.value} is outside the table (length ${object.values.length})`);
      return { kind: "const", value: v, big: false };
    }
    return tableLookup(f, object, f.toInt(index, INT_TYPES.u32!, indexNode));
  }
  if (object.kind !== "ref" || object.type.kind !== "array")
    throw new CompileError(expr, `${describe(object)} cannot be indexed`);
  const element = object.type.element;
  const size = sizeOf(element);
  if (index.kind === "const") {
    if (index.value < 0n || index.value >= BigInt(object.type.length)) {
      throw new CompileError(
        indexNode,
        `index ${index.value} is outside the array (length ${object.type.length}); valid indexes are 0 to ${object.type.length - 1}`,
      );
    }
    return {
      ...object,
      type: element,
      p: f.offset(object.p, Number(index.value) * size),
      nullable: false,
      align: Math.min(object.align, size),
    };
  }
  // A computed index is clamped to the last element: the verifier needs a bounded offset.
  const i = f.toInt(index, INT_TYPES.u64!, indexNode).v;
  const last = f.constInt(64, BigInt(object.type.length - 1));
  const clamped = C.LLVMBuildSelect(f.b, C.LLVMBuildICmp(f.b, LLVMIntULE, i, last, ""), i, last, "idx");
  const byteOffset = C.LLVMBuildMul(f.b, clamped, f.constInt(64, BigInt(size)), "");
  return {
    ...object,
    type: element,
    p: f.offset(object.p, byteOffset),
    nullable: false,
    align: Math.min(object.align, size),
  };
}

/** A computed index into a module-level constant table, lowered as a switch (LLVM makes it a lookup). */
function tableLookup(
  f: FunctionLowerer,
  table: Extract<Val, { kind: "table" }>,
  index: Extract<Val, { kind: "int" }>,
): Val {
  const type = table.element as IntT;
  const done = f.block("table.done");
  const fallback = f.block("table.out");
  const sw = C.LLVMBuildSwitch(f.b, index.v, fallback, table.values.length);
  const incoming: [Ref, Ref][] = [];
  table.values.forEach((value, i) => {
    const bb = f.block("table.case");
    C.LLVMAddCase(sw, f.constInt(32, BigInt(i)), bb);
    f.positionAt(bb);
    C.LLVMBuildBr(f.b, done);
    incoming.push([f.constInt(type, value), bb]);
  });
  f.positionAt(fallback);
  C.LLVMBuildBr(f.b, done);
  incoming.push([f.constInt(type, 0n), fallback]);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, f.int(type.bits), "table");
  C.LLVMAddIncoming(
    phi,
    incoming.map((x) => x[0]),
    incoming.map((x) => x[1]),
    incoming.length,
  );
  return { kind: "int", type, v: phi };
}

/** Writes an object or array literal into memory of its type, zeroing padding first. */
export function fillLiteral(f: FunctionLowerer, target: RefVal, literal: Node): void {
  const t = target.type;
  if (Node.isObjectLiteralExpression(literal) && t.kind === "struct") {
    f.memset(target.p, t.size, Math.min(target.align, t.align));
    for (const prop of literal.getProperties()) {
      let name: string, valueNode: Node;
      if (Node.isPropertyAssignment(prop)) {
        name = prop.getName();
        valueNode = prop.getInitializerOrThrow();
      } else if (Node.isShorthandPropertyAssignment(prop)) {
        name = prop.getName();
        valueNode = prop;
      } else throw new CompileError(prop, "struct literals take `field: value` entries");
      assignTo(f, f.field(target, name, prop), valueNode);
    }
    const given = new Set(literal.getProperties().map((p) => (p as { getName?: () => string }).getName?.()));
    const missing = t.fields.filter((x) => !given.has(x.name));
    if (missing.length)
      throw new CompileError(
        literal,
        `missing field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m.name}'`).join(", ")} of struct ${t.name}`,
      );
    return;
  }
  if (Node.isArrayLiteralExpression(literal) && t.kind === "array") {
    const elements = literal.getElements();
    if (elements.length !== t.length)
      throw new CompileError(literal, `expected ${t.length} elements, got ${elements.length}`);
    const size = sizeOf(t.element);
    elements.forEach((e, i) => {
      assignTo(
        f,
        { ...target, type: t.element, p: f.offset(target.p, i * size), align: Math.min(target.align, size) },
        e,
      );
    });
    return;
  }
  throw new CompileError(literal, `a ${literal.getKindName()} cannot initialize ${describe(target)}`);
}

/** `target = value`, where value may be a literal filled in place. */
export function assignTo(f: FunctionLowerer, target: RefVal, valueNode: Node): void {
  const inner = stripParens(valueNode);
  if (
    (Node.isObjectLiteralExpression(inner) || Node.isArrayLiteralExpression(inner)) &&
    (target.type.kind === "struct" || target.type.kind === "array")
  ) {
    fillLiteral(f, target, inner);
    return;
  }
  const value = lowerExpr(f, valueNode, target.type);
  f.at(valueNode);
  f.store(target, f.rvalue(value, valueNode), valueNode);
}

/** The memory an assignment writes to. */
function lvalue(f: FunctionLowerer, node: Node): RefVal {
  const target = lowerExpr(f, node);
  if (target.kind !== "ref") throw new CompileError(node, "this cannot be assigned to");
  if (Node.isIdentifier(stripParens(node))) {
    const decl = node.getSymbol()?.getValueDeclaration();
    const local = decl && f.locals.get(decl.compilerNode);
    if (local?.kind === "bound" && target.type.kind !== "struct" && target.type.kind !== "array") {
      throw new CompileError(node, `'${node.getText()}' is a const`);
    }
  }
  return target;
}

const ARITHMETIC: Partial<Record<SyntaxKind, SyntaxKind>> = {
  [SyntaxKind.PlusEqualsToken]: SyntaxKind.PlusToken,
  [SyntaxKind.MinusEqualsToken]: SyntaxKind.MinusToken,
  [SyntaxKind.AsteriskEqualsToken]: SyntaxKind.AsteriskToken,
  [SyntaxKind.SlashEqualsToken]: SyntaxKind.SlashToken,
  [SyntaxKind.PercentEqualsToken]: SyntaxKind.PercentToken,
  [SyntaxKind.LessThanLessThanEqualsToken]: SyntaxKind.LessThanLessThanToken,
  [SyntaxKind.GreaterThanGreaterThanEqualsToken]: SyntaxKind.GreaterThanGreaterThanToken,
  [SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
  [SyntaxKind.AmpersandEqualsToken]: SyntaxKind.AmpersandToken,
  [SyntaxKind.BarEqualsToken]: SyntaxKind.BarToken,
  [SyntaxKind.CaretEqualsToken]: SyntaxKind.CaretToken,
};

function lowerBinary(
  f: FunctionLowerer,
  expr: Node & { getLeft(): Expression; getRight(): Expression; getOperatorToken(): Node },
): Val {
  const op = expr.getOperatorToken().getKind();
  const left = expr.getLeft(),
    right = expr.getRight();
  if (op === SyntaxKind.EqualsToken) {
    const decl = Node.isIdentifier(left) ? left.getSymbol()?.getValueDeclaration() : undefined;
    const local = decl && f.locals.get(decl.compilerNode);
    if (local?.kind === "pointer") {
      // Rebinds a reference variable: `v = map.lookup(k)` or `v = null`.
      const v = lowerExpr(f, right, local.template.type);
      if (v.kind !== "null" && (v.kind !== "ref" || v.packet || v.type !== local.template.type)) {
        throw new CompileError(
          right,
          `'${left.getText()}' holds a reference to a ${describe(local.template)} map value; assign a lookup() of the same map type or null`,
        );
      }
      f.at(expr);
      C.LLVMBuildStore(f.b, v.kind === "null" ? f.nullPtr() : f.pointerOrNull(v), local.p);
      return { kind: "void" };
    }
    const target = lvalue(f, left);
    assignTo(f, target, right);
    return assigned(f, target, expr);
  }
  const compound = ARITHMETIC[op];
  if (compound !== undefined) {
    const target = lvalue(f, left);
    const result = arithmetic(f, compound, f.rvalue(target, left), lowerValue(f, right), expr);
    f.store(target, result, expr);
    return assigned(f, target, expr);
  }
  if (op === SyntaxKind.AmpersandAmpersandToken || op === SyntaxKind.BarBarToken)
    return shortCircuit(f, op, left, right, expr);
  if (op === SyntaxKind.QuestionQuestionToken)
    throw new CompileError(expr, "`??` is not supported; test for null with an if");
  if (op === SyntaxKind.CommaToken) throw new CompileError(expr, "the comma operator is not supported");
  // Compared with null, a reference to a scalar (a map value) is tested, not loaded.
  const rawA = lowerExpr(f, left),
    rawB = lowerExpr(f, right);
  const withNull = rawA.kind === "null" || rawB.kind === "null";
  const a = withNull ? rawA : f.rvalue(rawA, left);
  const b = withNull ? rawB : f.rvalue(rawB, right);
  f.at(expr);
  const cmp = comparison(f, op, a, b, expr);
  if (cmp) return cmp;
  return arithmetic(f, op, a, b, expr);
}

/** The value of an assignment expression (`a = b = 0`, `f(x += 1)`): the target as stored, like `++x`. */
function assigned(f: FunctionLowerer, target: RefVal, node: Node): Val {
  if (target.type.kind === "struct" || target.type.kind === "array") return target;
  return f.load(target, node);
}

function comparison(f: FunctionLowerer, op: SyntaxKind, a: Val, b: Val, node: Node): Val | undefined {
  const eq = op === SyntaxKind.EqualsEqualsEqualsToken || op === SyntaxKind.EqualsEqualsToken;
  const ne = op === SyntaxKind.ExclamationEqualsEqualsToken || op === SyntaxKind.ExclamationEqualsToken;
  const ordered = [
    SyntaxKind.LessThanToken,
    SyntaxKind.LessThanEqualsToken,
    SyntaxKind.GreaterThanToken,
    SyntaxKind.GreaterThanEqualsToken,
  ].includes(op);
  if (!eq && !ne && !ordered) return undefined;
  // References compare with null.
  if (a.kind === "null" || b.kind === "null") {
    const ref = a.kind === "null" ? b : a;
    if (ref.kind === "null") return { kind: "bool", v: C.LLVMConstInt(f.i1, eq ? 1 : 0, 0) };
    if (!(ref.kind === "ref" || (ref.kind === "map" && ref.p)) || !(eq || ne))
      throw new CompileError(node, `${describe(ref)} cannot be compared with null`);
    const present = f.toBool(ref, node);
    return { kind: "bool", v: eq ? C.LLVMBuildNot(f.b, present, "") : present };
  }
  if (a.kind === "bool" || b.kind === "bool") {
    if (!(eq || ne)) throw new CompileError(node, "booleans can only be compared with === or !==");
    const x = f.toBool(a, node),
      y = f.toBool(b, node);
    return { kind: "bool", v: C.LLVMBuildICmp(f.b, eq ? LLVMIntEQ : LLVMIntNE, x, y, "") };
  }
  if (a.kind === "const" && b.kind === "const") {
    const r = eq
      ? a.value === b.value
      : ne
        ? a.value !== b.value
        : op === SyntaxKind.LessThanToken
          ? a.value < b.value
          : op === SyntaxKind.LessThanEqualsToken
            ? a.value <= b.value
            : op === SyntaxKind.GreaterThanToken
              ? a.value > b.value
              : a.value >= b.value;
    return { kind: "bool", v: C.LLVMConstInt(f.i1, r ? 1 : 0, 0) };
  }
  // Equality needs no byte order: compare a big-endian field's raw bytes with the other side swapped.
  const swappedSide = a.kind === "int" && a.swapped ? a : b.kind === "int" && b.swapped ? b : undefined;
  if ((eq || ne) && swappedSide) {
    const other = swappedSide === a ? b : a;
    const width = swappedSide.type;
    const fits =
      other.kind === "const"
        ? BigInt.asUintN(width.bits, other.value) === other.value
        : other.kind === "int" && other.type.bits === width.bits && !!other.swapped;
    if (fits) {
      const x = f.toRaw(swappedSide, width, node),
        y = f.toRaw(other, width, node);
      return { kind: "bool", v: C.LLVMBuildICmp(f.b, eq ? LLVMIntEQ : LLVMIntNE, x, y, "") };
    }
  }
  let type = commonType(f, a, b, node);
  // A literal too large for the other operand's type is compared in 64 bits (`u32 < 0x100000000`
  // is always true, not `< 0`). Negative literals with unsigned operands still take their type.
  const literal = a.kind === "const" ? a.value : b.kind === "const" ? b.value : undefined;
  if (
    literal !== undefined &&
    type.bits < 64 &&
    (literal >= 0n || type.signed) &&
    (type.signed ? BigInt.asIntN(type.bits, literal) : BigInt.asUintN(type.bits, literal)) !== literal
  ) {
    type = type.signed ? INT_TYPES.i64! : INT_TYPES.u64!;
  }
  const x = f.toInt(a, type, node).v,
    y = f.toInt(b, type, node).v;
  const s = type.signed;
  const pred = eq
    ? LLVMIntEQ
    : ne
      ? LLVMIntNE
      : op === SyntaxKind.LessThanToken
        ? s
          ? LLVMIntSLT
          : LLVMIntULT
        : op === SyntaxKind.LessThanEqualsToken
          ? s
            ? LLVMIntSLE
            : LLVMIntULE
          : op === SyntaxKind.GreaterThanToken
            ? s
              ? LLVMIntSGT
              : LLVMIntUGT
            : s
              ? LLVMIntSGE
              : LLVMIntUGE;
  return { kind: "bool", v: C.LLVMBuildICmp(f.b, pred, x, y, "") };
}

/** The type two operands are brought to before an operation. */
function commonType(f: FunctionLowerer, a: Val, b: Val, node: Node): IntT {
  const ta = a.kind === "int" ? a.type : undefined;
  const tb = b.kind === "int" ? b.type : undefined;
  for (const v of [a, b]) {
    if (v.kind !== "int" && v.kind !== "const") throw new CompileError(node, `expected an integer, got ${describe(v)}`);
  }
  if (ta && tb) return arithmeticType(ta, tb);
  const t = ta ?? tb;
  if (t) return arithmeticType(t, t);
  // Two constants (the arms of `c ? 1 : 0x100000000`): a type that holds both.
  const ca = a as Extract<Val, { kind: "const" }>,
    cb = b as Extract<Val, { kind: "const" }>;
  const da = f.defaultType(ca),
    db = f.defaultType(cb);
  if (da.signed === db.signed) return da.bits >= db.bits ? da : db;
  const signed = f.defaultType({ kind: "const", value: -1n, big: ca.big || cb.big });
  return ca.value <= 0x7fffffffn && cb.value <= 0x7fffffffn ? signed : INT_TYPES.i64!;
}

function arithmetic(f: FunctionLowerer, op: SyntaxKind, a: Val, b: Val, node: Node): Val {
  if (a.kind === "const" && b.kind === "const")
    return { kind: "const", value: foldConst(op, a.value, b.value, node), big: a.big || b.big };
  const shift =
    op === SyntaxKind.LessThanLessThanToken ||
    op === SyntaxKind.GreaterThanGreaterThanToken ||
    op === SyntaxKind.GreaterThanGreaterThanGreaterThanToken;
  // A shift has the type of its left operand (widened to 32 bits), like C.
  const type = shift
    ? a.kind === "int"
      ? arithmeticType(a.type, a.type)
      : f.defaultType(a as Extract<Val, { kind: "const" }>)
    : commonType(f, a, b, node);
  const x = f.toInt(a, type, node).v;
  let y = f.toInt(b, type, node).v;
  const B = f.b;
  let v: Ref;
  switch (op) {
    case SyntaxKind.PlusToken:
      v = C.LLVMBuildAdd(B, x, y, "");
      break;
    case SyntaxKind.MinusToken:
      v = C.LLVMBuildSub(B, x, y, "");
      break;
    case SyntaxKind.AsteriskToken:
      v = C.LLVMBuildMul(B, x, y, "");
      break;
    case SyntaxKind.SlashToken:
    case SyntaxKind.PercentToken: {
      if (type.signed)
        throw new CompileError(
          node,
          "signed division is not available in BPF (cpu v3); convert the operands to unsigned types",
        );
      const div = op === SyntaxKind.SlashToken;
      if (b.kind === "const" && b.value !== 0n) {
        v = div ? C.LLVMBuildUDiv(B, x, y, "") : C.LLVMBuildURem(B, x, y, "");
        break;
      }
      // As in BPF: x / 0 is 0 and x % 0 is x. Avoids undefined behaviour in LLVM.
      const zero = C.LLVMBuildICmp(B, LLVMIntEQ, y, f.constInt(type, 0n), "");
      const safe = C.LLVMBuildSelect(B, zero, f.constInt(type, 1n), y, "");
      const q = div ? C.LLVMBuildUDiv(B, x, safe, "") : C.LLVMBuildURem(B, x, safe, "");
      v = C.LLVMBuildSelect(B, zero, div ? f.constInt(type, 0n) : x, q, "");
      break;
    }
    case SyntaxKind.LessThanLessThanToken:
    case SyntaxKind.GreaterThanGreaterThanToken:
    case SyntaxKind.GreaterThanGreaterThanGreaterThanToken: {
      // The shift count is taken modulo the width, as JavaScript does for 32 bits.
      y = C.LLVMBuildAnd(B, y, f.constInt(type, BigInt(type.bits - 1)), "");
      v =
        op === SyntaxKind.LessThanLessThanToken
          ? C.LLVMBuildShl(B, x, y, "")
          : op === SyntaxKind.GreaterThanGreaterThanToken && type.signed
            ? C.LLVMBuildAShr(B, x, y, "")
            : C.LLVMBuildLShr(B, x, y, "");
      break;
    }
    case SyntaxKind.AmpersandToken:
      v = C.LLVMBuildAnd(B, x, y, "");
      break;
    case SyntaxKind.BarToken:
      v = C.LLVMBuildOr(B, x, y, "");
      break;
    case SyntaxKind.CaretToken:
      v = C.LLVMBuildXor(B, x, y, "");
      break;
    default:
      throw new CompileError(node, unsupportedOperator(op));
  }
  return { kind: "int", type, v };
}

function unsupportedOperator(op: SyntaxKind): string {
  const text = ts.tokenToString(op as unknown as TsTypes.SyntaxKind) ?? SyntaxKind[op];
  if (op === SyntaxKind.AsteriskAsteriskToken)
    return "operator '**' is not supported (no exponentiation in BPF); multiply, or shift for powers of two (`1 << n`)";
  return `operator '${text}' is not supported in BPF programs; use integer arithmetic, comparisons and bit operations`;
}

function foldConst(op: SyntaxKind, a: bigint, b: bigint, node: Node): bigint {
  const v = foldBinary(op, a, b);
  if (v === undefined) throw new CompileError(node, unsupportedOperator(op));
  return v;
}

function shortCircuit(f: FunctionLowerer, op: SyntaxKind, left: Node, right: Node, expr: Node): Val {
  const t = expr.getType();
  const numeric =
    t.isNumber() ||
    t.isBigInt() ||
    t.isNumberLiteral() ||
    t.isBigIntLiteral() ||
    (t.isUnion() &&
      t.getUnionTypes().every((u) => u.isNumber() || u.isBigInt() || u.isNumberLiteral() || u.isBigIntLiteral()));
  const value = lowerExpr(f, left);
  if (numeric) return integerShortCircuit(f, op, f.rvalue(value, left), left, right, expr);
  const a = f.toBool(value, left);
  const from = f.current;
  const rhs = f.block(op === SyntaxKind.AmpersandAmpersandToken ? "and.rhs" : "or.rhs");
  const done = f.block("logic.done");
  if (op === SyntaxKind.AmpersandAmpersandToken) C.LLVMBuildCondBr(f.b, a, rhs, done);
  else C.LLVMBuildCondBr(f.b, a, done, rhs);
  f.positionAt(rhs);
  const b = f.toBool(lowerExpr(f, right), right);
  const rhsEnd = f.current;
  C.LLVMBuildBr(f.b, done);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, f.i1, "");
  const short = C.LLVMConstInt(f.i1, op === SyntaxKind.AmpersandAmpersandToken ? 0 : 1, 0);
  C.LLVMAddIncoming(phi, [short, b], [from, rhsEnd], 2);
  return { kind: "bool", v: phi };
}

/** `a && b`, `a || b` on integers: the value of the operand that decides, as in JavaScript (`7 && 5` is 5). */
function integerShortCircuit(f: FunctionLowerer, op: SyntaxKind, a: Val, left: Node, right: Node, expr: Node): Val {
  const from = f.current;
  const rhs = f.block(op === SyntaxKind.AmpersandAmpersandToken ? "and.rhs" : "or.rhs");
  const done = f.block("logic.done");
  f.positionAt(rhs);
  const b = lowerValue(f, right);
  const type = commonType(f, a, b, expr);
  const vb = f.toInt(b, type, right).v;
  const rhsEnd = f.current;
  C.LLVMBuildBr(f.b, done);
  f.positionAt(from);
  const va = f.toInt(a, type, left).v;
  const truth = f.toBool(a, left);
  if (op === SyntaxKind.AmpersandAmpersandToken) C.LLVMBuildCondBr(f.b, truth, rhs, done);
  else C.LLVMBuildCondBr(f.b, truth, done, rhs);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, f.int(type.bits), "");
  C.LLVMAddIncoming(phi, [va, vb], [from, rhsEnd], 2);
  return { kind: "int", type, v: phi };
}

function lowerConditional(
  f: FunctionLowerer,
  expr: Node & { getCondition(): Node; getWhenTrue(): Node; getWhenFalse(): Node },
  expected?: BType,
): Val {
  const cond = f.toBool(lowerExpr(f, expr.getCondition()), expr.getCondition());
  const yes = f.block("cond.true"),
    no = f.block("cond.false"),
    done = f.block("cond.done");
  C.LLVMBuildCondBr(f.b, cond, yes, no);
  f.positionAt(yes);
  const a = lowerValue(f, expr.getWhenTrue(), expected);
  const aBlock = f.current;
  f.positionAt(no);
  const b = lowerValue(f, expr.getWhenFalse(), expected);
  const bBlock = f.current;
  // Bring both arms to one representation, in their own blocks.
  let type: Ref, va: Ref, vb: Ref, result: (v: Ref) => Val;
  if (a.kind === "ref" || b.kind === "ref" || a.kind === "null" || b.kind === "null") {
    const ref = (a.kind === "ref" ? a : b) as RefVal;
    if (ref.kind !== "ref") throw new CompileError(expr, "both arms are null");
    f.positionAt(aBlock);
    va = a.kind === "ref" ? f.pointerOrNull(a) : f.nullPtr();
    f.positionAt(bBlock);
    vb = b.kind === "ref" ? f.pointerOrNull(b) : f.nullPtr();
    type = f.i8p;
    const memory =
      a.kind === "ref" && b.kind === "ref" && a.memory === b.memory
        ? a.memory
        : a.kind === "null" || b.kind === "null"
          ? ref.memory
          : undefined;
    result = (v) => ({
      ...ref,
      memory,
      present: undefined,
      p: v,
      nullable:
        a.kind === "null" || b.kind === "null" || (a.kind === "ref" && a.nullable) || (b.kind === "ref" && b.nullable),
    });
  } else if (a.kind === "bool" || b.kind === "bool") {
    f.positionAt(aBlock);
    va = f.toBool(a, expr);
    f.positionAt(bBlock);
    vb = f.toBool(b, expr);
    type = f.i1;
    result = (v) => ({ kind: "bool", v });
  } else if (expected?.kind === "int" && expected.bigEndian) {
    // Going to a big-endian field: merge the arms in network byte order.
    const t = valueType(expected);
    f.positionAt(aBlock);
    va = f.toRaw(a, t, expr);
    f.positionAt(bBlock);
    vb = f.toRaw(b, t, expr);
    type = f.int(t.bits);
    result = (v) => ({ kind: "int", type: t, v, swapped: true });
  } else {
    const t = expected?.kind === "int" ? valueType(expected) : commonType(f, a, b, expr);
    f.positionAt(aBlock);
    va = f.toInt(a, t, expr).v;
    f.positionAt(bBlock);
    vb = f.toInt(b, t, expr).v;
    type = f.int(t.bits);
    result = (v) => ({ kind: "int", type: t, v });
  }
  f.positionAt(aBlock);
  C.LLVMBuildBr(f.b, done);
  f.positionAt(bBlock);
  C.LLVMBuildBr(f.b, done);
  f.positionAt(done);
  const phi = C.LLVMBuildPhi(f.b, type, "");
  C.LLVMAddIncoming(phi, [va, vb], [aBlock, bBlock], 2);
  return result(phi);
}

function lowerPrefix(f: FunctionLowerer, expr: Node & { getOperand(): Node; getOperatorToken(): SyntaxKind }): Val {
  const op = expr.getOperatorToken();
  if (op === SyntaxKind.PlusPlusToken || op === SyntaxKind.MinusMinusToken) {
    return increment(
      f,
      expr.getOperand(),
      op === SyntaxKind.PlusPlusToken ? SyntaxKind.PlusToken : SyntaxKind.MinusToken,
      false,
    );
  }
  const operand = lowerValue(f, expr.getOperand());
  if (op === SyntaxKind.ExclamationToken) {
    if (operand.kind === "ref") return { kind: "bool", v: C.LLVMBuildNot(f.b, f.toBool(operand, expr), "") };
    return { kind: "bool", v: C.LLVMBuildNot(f.b, f.toBool(operand, expr), "") };
  }
  if (operand.kind === "const") {
    if (op === SyntaxKind.MinusToken) return { ...operand, value: -operand.value };
    if (op === SyntaxKind.TildeToken) return { ...operand, value: ~operand.value };
    return operand;
  }
  if (operand.kind !== "int") throw new CompileError(expr, `expected an integer, got ${describe(operand)}`);
  const type = arithmeticType(operand.type, operand.type);
  const x = f.toInt(operand, type, expr).v;
  if (op === SyntaxKind.MinusToken) return { kind: "int", type, v: C.LLVMBuildNeg(f.b, x, "") };
  if (op === SyntaxKind.TildeToken) return { kind: "int", type, v: C.LLVMBuildNot(f.b, x, "") };
  return { kind: "int", type, v: x };
}

/** `x++`, `--x`: the stored value wraps at the variable's width. */
function increment(f: FunctionLowerer, operand: Node, op: SyntaxKind, postfix: boolean): Val {
  const target = lvalue(f, operand);
  const old = f.rvalue(target, operand);
  if (old.kind !== "int") throw new CompileError(operand, `expected an integer, got ${describe(old)}`);
  const updated = arithmetic(f, op, old, { kind: "const", value: 1n, big: false }, operand);
  f.store(target, updated, operand);
  return postfix ? old : f.toInt(updated, old.type, operand);
}
