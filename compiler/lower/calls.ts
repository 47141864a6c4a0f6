// Calls: map operations, kernel helpers, integer conversions (`u16(x)`), and the program's
// own functions. Methods of the XDP context (`ctx.header()`…) are in xdp.ts.
import type { CallExpression } from "ts-morph";
import { Node } from "../frontend/ts-morph.ts";
import { C, type ValueRef } from "../llvm/capi.ts";
import { IntPredicate } from "../llvm/enums.ts";
import { AlreadyReported, CompileError } from "../diagnostics.ts";
import { arithmeticType, sizeOf, valueType, alignOf, INT_TYPES, type BType, type IntT } from "../types.ts";
import { stripParens } from "../frontend/declarations.ts";
import type { FunctionLowerer } from "./function.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { describe, type Val } from "./values.ts";
import { callIntrinsic } from "./intrinsics.ts";
import { HELPER } from "./irbuilder.ts";
import { contextArgument, contextMethod } from "./xdp.ts";
import { KEYLESS_MAP_CLASSES, type MapInfo } from "../frontend/declarations.ts";

const U32 = INT_TYPES.u32!,
  U64 = INT_TYPES.u64!,
  I64 = INT_TYPES.i64!;

export function lowerCall(f: FunctionLowerer, call: CallExpression): Val {
  const callee = stripParens(call.getExpression());
  const args = call.getArguments();
  if (Node.isPropertyAccessExpression(callee)) {
    const method = callee.getName();
    if (f.m.decls.entityOf(callee.getExpression())?.kind === "builtin") return builtinCall(f, call, callee, args);
    const receiver = lowerExpr(f, callee.getExpression());
    f.at(call);
    if (receiver.kind === "ctx") return contextMethod(f, call, method, args);
    if (receiver.kind === "map") return mapMethod(f, call, receiver.map, method, args, receiver.p);
    if (receiver.kind === "type" && method === "zero") {
      arity(call, args, 0);
      return zeroValue(f, receiver.type);
    }
    throw new CompileError(callee, `${describe(receiver)} has no method '${method}'`);
  }
  const decl = f.m.decls.symbolOf(callee)?.getValueDeclaration();
  if (decl && f.poisoned.has(decl.compilerNode)) throw new AlreadyReported(callee); // its declaration was reported
  const entity = f.m.decls.entityOf(callee);
  if (entity?.kind === "type" && entity.type.kind === "int") return convert(f, call, entity.type, args);
  if (entity?.kind === "lang") return callIntrinsic(f, call, entity.name, args);
  if (entity?.kind === "function") return f.m.callFunction(f, call, entity.decl, args);
  const hint = JS_CONVERSIONS[callee.getText()];
  throw new CompileError(callee, `'${callee.getText()}' cannot be called in a BPF program${hint ? `: ${hint}` : ""}`);
}

/** JavaScript's conversions, which users reach for first, and what the subset writes instead. */
const JS_CONVERSIONS: Record<string, string> = {
  BigInt: "an integer type converts, e.g. u64(x) to widen to 64 bits (i64(x) keeps the sign)",
  Number: "an integer type converts, e.g. u32(x) to narrow a 64-bit integer to 32 bits (it keeps the low bits)",
  parseInt: "an integer type converts, e.g. u32(x); there are no strings in a BPF program",
  Boolean: "write the comparison, e.g. x !== 0",
};

/** The functions of JavaScript's standard library a program may call: Math.imul, Math.min, Math.max on integers. */
function builtinCall(
  f: FunctionLowerer,
  call: CallExpression,
  callee: Node & { getText(): string; getName(): string },
  args: Node[],
): Val {
  const name = callee.getText();
  if (name === "Math.imul") {
    arity(call, args, 2);
    // Wrap-around multiplication at 32 bits; signed only if both operands are (u32 × u32 is a u32).
    const a = lowerValue(f, args[0]!),
      b = lowerValue(f, args[1]!);
    const signed = [a, b].every((v) => (v.kind === "int" ? v.type.signed : v.kind === "const" && v.value < 0n));
    const type = signed ? INT_TYPES.i32! : U32;
    if (a.kind === "const" && b.kind === "const")
      return { kind: "const", value: BigInt.asIntN(32, a.value * b.value), big: false };
    const x = f.toInt(a, type, args[0]!).v,
      y = f.toInt(b, type, args[1]!).v;
    f.at(call);
    return { kind: "int", type, v: C.LLVMBuildMul(f.b, x, y, "") };
  }
  if (name === "Math.min" || name === "Math.max") {
    if (args.length === 0) throw new CompileError(call, `${name}() needs at least one argument`);
    let acc = lowerValue(f, args[0]!);
    for (const a of args.slice(1)) {
      const next = lowerValue(f, a);
      f.at(call);
      acc = minMax(f, name === "Math.min", acc, next, a);
    }
    return acc;
  }
  throw new CompileError(
    callee,
    `${name} is not available in BPF programs; Math.imul, Math.min and Math.max work on integers`,
  );
}

/** The smaller or larger of two integers, compared as the subset compares (signed only if both are). */
function minMax(f: FunctionLowerer, min: boolean, a: Val, b: Val, node: Node): Val {
  if (a.kind === "const" && b.kind === "const") return (min ? a.value <= b.value : a.value >= b.value) ? a : b;
  for (const v of [a, b])
    if (v.kind !== "int" && v.kind !== "const") throw new CompileError(node, `expected an integer, got ${describe(v)}`);
  const ta = a.kind === "int" ? a.type : undefined,
    tb = b.kind === "int" ? b.type : undefined;
  const type = ta && tb ? arithmeticType(ta, tb) : arithmeticType((ta ?? tb)!, (ta ?? tb)!);
  const x = f.toInt(a, type, node).v,
    y = f.toInt(b, type, node).v;
  const pred = min
    ? type.signed
      ? IntPredicate.SLT
      : IntPredicate.ULT
    : type.signed
      ? IntPredicate.SGT
      : IntPredicate.UGT;
  const pick = C.LLVMBuildICmp(f.b, pred, x, y, "");
  return { kind: "int", type, v: C.LLVMBuildSelect(f.b, pick, x, y, min ? "min" : "max") };
}

/** A zero-filled value of `type` on the stack: `zero(S)`, `S.zero()`. */
export function zeroValue(f: FunctionLowerer, type: BType): Val {
  if (type.kind === "int") return { kind: "int", type: valueType(type), v: f.constInt(type, 0n) };
  if (type.kind === "bool") return { kind: "bool", v: C.LLVMConstInt(f.i1, 0, 0) };
  const p = f.scopedAlloca(type, "zero");
  f.memset(p, sizeOf(type), 8);
  return { kind: "ref", type, p, nullable: false, align: 8, packet: false, memory: "stack" };
}

export function arity(call: CallExpression, args: Node[], min: number, max = min) {
  if (args.length < min || args.length > max) {
    throw new CompileError(
      call,
      `expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? "" : "s"}, got ${args.length}`,
    );
  }
}

/** `u16(x)`: wraps a value to the width of the type (a C cast). */
function convert(f: FunctionLowerer, call: CallExpression, type: IntT, args: Node[]): Val {
  arity(call, args, 1);
  const v = lowerValue(f, args[0]!);
  const t = valueType(type);
  if (v.kind === "const") {
    const wrapped = t.signed ? BigInt.asIntN(t.bits, v.value) : BigInt.asUintN(t.bits, v.value);
    return { kind: "int", type: t, v: f.constInt(t, wrapped) };
  }
  return f.toInt(v, t, call);
}

/** A pointer to `value` for helpers that take keys and values by address. */
function addressOf(f: FunctionLowerer, node: Node, type: BType): ValueRef {
  const inner = stripParens(node);
  if (Node.isObjectLiteralExpression(inner) || Node.isArrayLiteralExpression(inner)) {
    const v = lowerExpr(f, node, type);
    if (v.kind !== "ref") throw new CompileError(node, "expected a struct value");
    return v.p;
  }
  const v = lowerExpr(f, node, type);
  if (v.kind === "ref" && (type.kind === "struct" || type.kind === "array")) {
    if (sizeOf(v.type) !== sizeOf(type))
      throw new CompileError(node, `expected ${sizeOf(type)} bytes, got ${describe(v)} (${sizeOf(v.type)} bytes)`);
    return v.p;
  }
  if (type.kind !== "int" && type.kind !== "bool")
    throw new CompileError(node, `expected a ${type.kind}, got ${describe(v)}`);
  // Scalars go through a stack slot: helpers read keys from memory.
  const slot = f.scopedAlloca(type, "tmp");
  f.store(
    { kind: "ref", type, p: slot, nullable: false, align: alignOf(type), packet: false, memory: "stack" },
    f.rvalue(v, node),
    node,
  );
  return slot;
}

function mapPointerOf(f: FunctionLowerer, map: MapInfo): ValueRef {
  return C.LLVMBuildBitCast(f.b, f.m.mapGlobal(map), f.i8p, "");
}

/** A map as a helper's argument: the inner map a lookup returned, or the declared map's global. */
export function mapPointer(f: FunctionLowerer, map: Extract<Val, { kind: "map" }>): ValueRef {
  return map.p ?? mapPointerOf(f, map.map);
}

function mapMethod(
  f: FunctionLowerer,
  call: CallExpression,
  map: MapInfo,
  method: string,
  args: Node[],
  inner?: ValueRef,
): Val {
  const i64 = f.int(64);
  const mapPointer = (ff: FunctionLowerer, m: MapInfo) => inner ?? mapPointerOf(ff, m);
  const keyless = KEYLESS_MAP_CLASSES.includes(map.className);
  switch (method) {
    case "lookup": {
      if (keyless) break;
      arity(call, args, 1);
      const key = addressOf(f, args[0]!, map.key);
      f.at(call);
      const p = f.helperCall(HELPER.map_lookup_elem, f.i8p, [mapPointer(f, map), key]);
      if (map.inner) return { kind: "map", map: map.inner, p };
      return {
        kind: "ref",
        type: map.value,
        p,
        nullable: true,
        align: Math.max(8, alignOf(map.value)),
        packet: false,
        memory: "map",
      };
    }
    case "update": {
      if (keyless) break;
      arity(call, args, 2, 3);
      const key = addressOf(f, args[0]!, map.key);
      const value = addressOf(f, args[1]!, map.value);
      const flags = args[2] ? f.toInt(lowerValue(f, args[2]), U64, args[2]).v : f.constInt(64, 0n);
      f.at(call);
      const r = f.helperCall(HELPER.map_update_elem, i64, [mapPointer(f, map), key, value, flags]);
      return { kind: "int", type: I64, v: r };
    }
    case "delete": {
      if (keyless) break;
      arity(call, args, 1);
      const key = addressOf(f, args[0]!, map.key);
      f.at(call);
      return { kind: "int", type: I64, v: f.helperCall(HELPER.map_delete_elem, i64, [mapPointer(f, map), key]) };
    }
    case "redirect": {
      if (!["DevMap", "DevMapHash", "CpuMap", "XskMap"].includes(map.className)) break;
      arity(call, args, 1, 2);
      if (f.contextKind === "tc")
        throw new CompileError(
          call,
          "redirect() through a map is for XDP programs; a tc program calls redirect(ifindex)",
        );
      const key = f.toInt(lowerValue(f, args[0]!), U32, args[0]!).v;
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      f.at(call);
      const r = f.helperCall(HELPER.redirect_map, i64, [mapPointer(f, map), key, flags]);
      return { kind: "int", type: U32, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
    }
    case "tailCall": {
      if (map.className !== "ProgArray") break;
      arity(call, args, 2);
      const ctx = lowerExpr(f, args[0]!);
      if (ctx.kind !== "ctx")
        throw new CompileError(args[0]!, "tailCall() takes the program's context first: progs.tailCall(ctx, index)");
      const index = f.toInt(lowerValue(f, args[1]!), U32, args[1]!).v;
      f.at(call);
      f.helperCall(HELPER.tail_call, i64, [contextArgument(f), mapPointer(f, map), index]);
      return { kind: "void" };
    }
    case "push":
    case "add": {
      if (!(method === "push" ? isQueue(map) : map.className === "BloomFilter")) break;
      arity(call, args, 1, method === "push" ? 2 : 1);
      const value = addressOf(f, args[0]!, map.value);
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      f.at(call);
      return { kind: "int", type: I64, v: f.helperCall(HELPER.map_push_elem, i64, [mapPointer(f, map), value, flags]) };
    }
    case "pop":
    case "peek": {
      if (!isQueue(map)) break;
      arity(call, args, 0);
      // The value is copied out to the stack; the result is that copy, present if the helper succeeded.
      const slot = f.alloca(map.value, method);
      f.at(call);
      const r = f.helperCall(method === "pop" ? HELPER.map_pop_elem : HELPER.map_peek_elem, i64, [
        mapPointer(f, map),
        slot,
      ]);
      return {
        kind: "ref",
        type: map.value,
        p: slot,
        present: C.LLVMBuildICmp(f.b, IntPredicate.EQ, r, f.constInt(64, 0n), ""),
        nullable: true,
        align: alignOf(map.value),
        packet: false,
        memory: "stack",
      };
    }
    case "has": {
      if (map.className !== "BloomFilter") break;
      arity(call, args, 1);
      const value = addressOf(f, args[0]!, map.value);
      f.at(call);
      const r = f.helperCall(HELPER.map_peek_elem, i64, [mapPointer(f, map), value]);
      return { kind: "bool", v: C.LLVMBuildICmp(f.b, IntPredicate.EQ, r, f.constInt(64, 0n), "") };
    }
    case "reserve": {
      if (map.className !== "RingBuf" || !map.event) break;
      arity(call, args, 0);
      const p = f.helperCall(HELPER.ringbuf_reserve, f.i8p, [
        mapPointer(f, map),
        f.constInt(64, BigInt(sizeOf(map.event))),
        f.constInt(64, 0n),
      ]);
      return { kind: "ref", type: map.event, p, nullable: true, align: 8, packet: false };
    }
    case "submit":
    case "discard": {
      if (map.className !== "RingBuf" || !map.event) break;
      arity(call, args, 1, 2);
      const ev = lowerExpr(f, args[0]!);
      if (ev.kind !== "ref" || ev.packet)
        throw new CompileError(args[0]!, `${method}() takes an event returned by ${map.name}.reserve()`);
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      f.at(call);
      f.helperCall(
        method === "submit" ? HELPER.ringbuf_submit : HELPER.ringbuf_discard,
        C.LLVMVoidTypeInContext(f.m.ctx),
        [ev.p, flags],
      );
      return { kind: "void" };
    }
    case "output": {
      if (map.className === "PerfEventArray" && map.event) {
        arity(call, args, 2);
        const ctx = lowerExpr(f, args[0]!);
        if (ctx.kind !== "ctx")
          throw new CompileError(
            args[0]!,
            `output() takes the program's context first: ${map.name}.output(ctx, event)`,
          );
        const data = addressOf(f, args[1]!, map.event);
        f.at(call);
        const BPF_F_CURRENT_CPU = 0xffffffffn;
        const r = f.helperCall(HELPER.perf_event_output, i64, [
          contextArgument(f),
          mapPointer(f, map),
          f.constInt(64, BPF_F_CURRENT_CPU),
          data,
          f.constInt(64, BigInt(sizeOf(map.event))),
        ]);
        return { kind: "int", type: I64, v: r };
      }
      if (map.className !== "RingBuf" || !map.event) break;
      arity(call, args, 1, 2);
      const data = addressOf(f, args[0]!, map.event);
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      f.at(call);
      const r = f.helperCall(HELPER.ringbuf_output, i64, [
        mapPointer(f, map),
        data,
        f.constInt(64, BigInt(sizeOf(map.event))),
        flags,
      ]);
      return { kind: "int", type: I64, v: r };
    }
  }
  throw new CompileError(call, `${map.className} '${map.name}' has no method '${method}'; ${mapMethods(map)}`);
}

const isQueue = (map: MapInfo) => map.className === "QueueMap" || map.className === "StackMap";

function mapMethods(map: MapInfo): string {
  switch (map.className) {
    case "QueueMap":
    case "StackMap":
      return `${map.className === "QueueMap" ? "queues" : "stacks"} have push, pop and peek`;
    case "BloomFilter":
      return "bloom filters have add and has";
    case "RingBuf":
      return "ring buffers have output, reserve, submit and discard";
    case "PerfEventArray":
      return "perf event arrays have output(ctx, event)";
    case "ProgArray":
      return "program arrays have tailCall";
    case "XskMap":
      return "XSK maps have redirect, lookup, update and delete";
    case "DevMap":
    case "DevMapHash":
    case "CpuMap":
      return `${map.className === "CpuMap" ? "cpumaps" : "devmaps"} have redirect, lookup, update and delete`;
    default:
      return "maps have lookup, update and delete";
  }
}
