// Calls: map operations, kernel helpers, integer conversions (`u16(x)`), and the program's
// own functions. Methods of the XDP context (`ctx.header()`…) are in xdp.ts.
import type { CallExpression } from "ts-morph";
import { Node } from "../frontend/ts-morph.ts";
import { AtomicOrdering, AtomicRMWBinOp, IntPredicate } from "../llvm/enums.ts";
import { C, type TypeRef, type ValueRef } from "../llvm/capi.ts";
import { AlreadyReported, CompileError } from "../diagnostics.ts";
import { arithmeticType, sizeOf, valueType, alignOf, INT_TYPES, type BType, type IntT } from "../types.ts";
import { stripParens } from "../frontend/declarations.ts";
import { type FunctionLowerer, swapBytes } from "./function.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { describe, type Val } from "./values.ts";
import { contextArgument, contextMethod } from "./xdp.ts";
import type { MapInfo } from "../frontend/declarations.ts";

/** Kernel helper ids (enum bpf_func_id). */
export const HELPER = {
  map_lookup_elem: 1,
  map_update_elem: 2,
  map_delete_elem: 3,
  ktime_get_ns: 5,
  trace_printk: 6,
  get_prandom_u32: 7,
  get_smp_processor_id: 8,
  redirect: 23,
  xdp_adjust_head: 44,
  redirect_map: 51,
  tail_call: 12,
  csum_diff: 28,
  xdp_adjust_meta: 54,
  fib_lookup: 69,
  xdp_adjust_tail: 65,
  ringbuf_output: 130,
  ringbuf_reserve: 131,
  ringbuf_submit: 132,
  ringbuf_discard: 133,
} as const;

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
  const decl = callee.getSymbol()?.getValueDeclaration();
  if (decl && f.poisoned.has(decl.compilerNode)) throw new AlreadyReported(callee); // its declaration was reported
  const entity = f.m.decls.entityOf(callee);
  if (entity?.kind === "type" && entity.type.kind === "int") return convert(f, call, entity.type, args);
  if (entity?.kind === "lang") return langFunction(f, call, entity.name, args);
  if (entity?.kind === "function") return f.m.callFunction(f, call, entity.decl, args);
  throw new CompileError(callee, `'${callee.getText()}' cannot be called in a BPF program`);
}

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
function zeroValue(f: FunctionLowerer, type: BType): Val {
  if (type.kind === "int") return { kind: "int", type: valueType(type), v: f.constInt(type, 0n) };
  if (type.kind === "bool") return { kind: "bool", v: C.LLVMConstInt(f.i1, 0, 0) };
  const p = f.alloca(type, "zero");
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

/** Emits `call ret inttoptr(id)(args…)`, the way clang calls BPF helpers. */
export function helperCall(f: FunctionLowerer, id: number, ret: TypeRef, args: ValueRef[]): ValueRef {
  const argTypes = args.map((a) => C.LLVMTypeOf(a));
  const fnType = C.LLVMFunctionType(ret, argTypes, argTypes.length, 0);
  const fnPtr = C.LLVMConstIntToPtr(C.LLVMConstInt(f.int(64), id, 0), C.LLVMPointerType(fnType, 0));
  return C.LLVMBuildCall2(f.b, fnType, fnPtr, args, args.length, "");
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
  const slot = f.alloca(type, "tmp");
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
  switch (method) {
    case "lookup": {
      arity(call, args, 1);
      const key = addressOf(f, args[0]!, map.key);
      f.at(call);
      const p = helperCall(f, HELPER.map_lookup_elem, f.i8p, [mapPointer(f, map), key]);
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
      arity(call, args, 2, 3);
      const key = addressOf(f, args[0]!, map.key);
      const value = addressOf(f, args[1]!, map.value);
      const flags = args[2] ? f.toInt(lowerValue(f, args[2]), U64, args[2]).v : f.constInt(64, 0n);
      f.at(call);
      const r = helperCall(f, HELPER.map_update_elem, i64, [mapPointer(f, map), key, value, flags]);
      return { kind: "int", type: I64, v: r };
    }
    case "delete": {
      arity(call, args, 1);
      const key = addressOf(f, args[0]!, map.key);
      f.at(call);
      return { kind: "int", type: I64, v: helperCall(f, HELPER.map_delete_elem, i64, [mapPointer(f, map), key]) };
    }
    case "redirect": {
      if (map.className !== "DevMap" && map.className !== "CpuMap") break;
      arity(call, args, 1, 2);
      const key = f.toInt(lowerValue(f, args[0]!), U32, args[0]!).v;
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      f.at(call);
      const r = helperCall(f, HELPER.redirect_map, i64, [mapPointer(f, map), key, flags]);
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
      helperCall(f, HELPER.tail_call, i64, [contextArgument(f), mapPointer(f, map), index]);
      return { kind: "void" };
    }
    case "reserve": {
      if (map.className !== "RingBuf" || !map.event) break;
      arity(call, args, 0);
      const p = helperCall(f, HELPER.ringbuf_reserve, f.i8p, [
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
      helperCall(
        f,
        method === "submit" ? HELPER.ringbuf_submit : HELPER.ringbuf_discard,
        C.LLVMVoidTypeInContext(f.m.ctx),
        [ev.p, flags],
      );
      return { kind: "void" };
    }
    case "output": {
      if (map.className !== "RingBuf" || !map.event) break;
      arity(call, args, 1, 2);
      const data = addressOf(f, args[0]!, map.event);
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      f.at(call);
      const r = helperCall(f, HELPER.ringbuf_output, i64, [
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

function mapMethods(map: MapInfo): string {
  switch (map.className) {
    case "RingBuf":
      return "ring buffers have output, reserve, submit and discard";
    case "ProgArray":
      return "program arrays have tailCall";
    case "DevMap":
    case "CpuMap":
      return `${map.className === "DevMap" ? "devmaps" : "cpumaps"} have redirect, lookup, update and delete`;
    default:
      return "maps have lookup, update and delete";
  }
}

function langFunction(f: FunctionLowerer, call: CallExpression, name: string, args: Node[]): Val {
  const i64 = f.int(64);
  switch (name) {
    case "ktimeGetNs":
      arity(call, args, 0);
      return { kind: "int", type: U64, v: helperCall(f, HELPER.ktime_get_ns, i64, []) };
    case "getPrandomU32":
      arity(call, args, 0);
      return {
        kind: "int",
        type: U32,
        v: C.LLVMBuildTrunc(f.b, helperCall(f, HELPER.get_prandom_u32, i64, []), f.int(32), ""),
      };
    case "getSmpProcessorId":
      arity(call, args, 0);
      return {
        kind: "int",
        type: U32,
        v: C.LLVMBuildTrunc(f.b, helperCall(f, HELPER.get_smp_processor_id, i64, []), f.int(32), ""),
      };
    case "redirect": {
      arity(call, args, 1, 2);
      const ifindex = f.toInt(lowerValue(f, args[0]!), U32, args[0]!).v;
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      const r = helperCall(f, HELPER.redirect, i64, [ifindex, flags]);
      return { kind: "int", type: U32, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
    }
    case "htons":
    case "ntohs":
    case "htonl":
    case "ntohl": {
      arity(call, args, 1);
      const t = name.endsWith("s") ? INT_TYPES.u16! : U32;
      const v = lowerValue(f, args[0]!);
      if (v.kind === "const")
        return { kind: "const", value: swapBytes(BigInt.asUintN(t.bits, v.value), t.bits), big: false };
      return { kind: "int", type: t, v: f.toRaw(v, t, args[0]!) };
    }
    case "csumReplace4":
    case "csumReplace2": {
      // On the raw (network-order) words: the one's-complement sum of byte-swapped words is the
      // byte-swapped sum, so the result is the new checksum as it sits in the packet.
      arity(call, args, 3);
      const U16 = INT_TYPES.u16!;
      const wide = name === "csumReplace4" ? U32 : U16;
      const check = f.toRaw(lowerValue(f, args[0]!), U16, args[0]!);
      const from = f.toRaw(lowerValue(f, args[1]!), wide, args[1]!);
      const to = f.toRaw(lowerValue(f, args[2]!), wide, args[2]!);
      f.at(call);
      const B = f.b,
        i32 = f.int(32);
      const word = (v: ValueRef, shift: number) => {
        const x = C.LLVMBuildZExt(B, v, i32, "");
        return C.LLVMBuildAnd(
          B,
          shift ? C.LLVMBuildLShr(B, x, f.constInt(32, BigInt(shift)), "") : x,
          f.constInt(32, 0xffffn),
          "",
        );
      };
      const not = (v: ValueRef) => C.LLVMBuildNot(B, v, "");
      let sum = C.LLVMBuildAdd(B, word(not(check), 0), word(not(from), 0), "");
      sum = C.LLVMBuildAdd(B, sum, word(to, 0), "");
      if (wide === U32) {
        sum = C.LLVMBuildAdd(B, sum, word(not(from), 16), "");
        sum = C.LLVMBuildAdd(B, sum, word(to, 16), "");
      }
      for (let i = 0; i < 2; i++)
        sum = C.LLVMBuildAdd(B, word(sum, 0), C.LLVMBuildLShr(B, sum, f.constInt(32, 16n), ""), "");
      const result = C.LLVMBuildTrunc(B, not(sum), f.int(16), "csum");
      return { kind: "int", type: U16, v: result, swapped: true };
    }
    case "printk":
      return printk(f, call, args);
    case "zero": {
      arity(call, args, 1);
      const t = lowerExpr(f, args[0]!);
      if (t.kind !== "type")
        throw new CompileError(args[0]!, "zero() takes a type: zero(S), zero(u32), zero(array(u8, 16))");
      return zeroValue(f, t.type);
    }
    case "csumDiff": {
      arity(call, args, 2, 3);
      const side = (a: Node): [ValueRef, number] => {
        const v = lowerExpr(f, a);
        if (v.kind === "null") return [f.nullPtr(), 0];
        if (v.kind !== "ref" || (v.type.kind !== "struct" && v.type.kind !== "array")) {
          throw new CompileError(
            a,
            `csumDiff() takes structs or arrays (or null), got ${describe(v)}; put scalars in a struct`,
          );
        }
        const size = sizeOf(v.type);
        if (size % 4 !== 0 || size > 512)
          throw new CompileError(
            a,
            `csumDiff() needs a size that is a multiple of 4 bytes (at most 512); ${describe(v)} is ${size} bytes`,
          );
        return [f.pointerOrNull(v), size];
      };
      const [from, fromSize] = side(args[0]!);
      const [to, toSize] = side(args[1]!);
      const seed = args[2] ? f.toInt(lowerValue(f, args[2]), U32, args[2]).v : f.constInt(32, 0n);
      f.at(call);
      const r = helperCall(f, HELPER.csum_diff, i64, [
        from,
        f.constInt(32, BigInt(fromSize)),
        to,
        f.constInt(32, BigInt(toSize)),
        seed,
      ]);
      return { kind: "int", type: U32, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
    }
    case "fibLookup": {
      arity(call, args, 2, 3);
      const ctx = lowerExpr(f, args[0]!);
      if (ctx.kind !== "ctx")
        throw new CompileError(args[0]!, "fibLookup() takes the program's context first: fibLookup(ctx, params)");
      const params = lowerExpr(f, args[1]!);
      if (params.kind !== "ref" || params.type.kind !== "struct" || params.type.size !== 64) {
        throw new CompileError(args[1]!, "fibLookup() takes a Value<typeof FibParams> (64 bytes, from tsbpf/net)");
      }
      const flags = args[2] ? f.toInt(lowerValue(f, args[2]), U32, args[2]).v : f.constInt(32, 0n);
      f.at(call);
      const r = helperCall(f, HELPER.fib_lookup, i64, [contextArgument(f), params.p, f.constInt(32, 64n), flags]);
      return { kind: "int", type: INT_TYPES.i32!, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
    }
    case "atomicAdd": {
      arity(call, args, 2);
      const target = lowerExpr(f, args[0]!);
      if (target.kind !== "ref" || target.type.kind !== "int" || target.type.bits < 32 || target.type.bigEndian) {
        throw new CompileError(args[0]!, "atomicAdd() needs a 32- or 64-bit host-order integer field of a map value");
      }
      const delta = f.toInt(lowerValue(f, args[1]!), target.type, args[1]!).v;
      f.at(call);
      C.LLVMBuildAtomicRMW(
        f.b,
        AtomicRMWBinOp.Add,
        f.typedPointer(target.p, target.type.bits),
        delta,
        AtomicOrdering.SequentiallyConsistent,
        0,
      );
      return { kind: "void" };
    }
  }
  throw new CompileError(call, `'${name}' cannot be called in a BPF program`);
}

/** bpf_trace_printk(fmt, size, a, b, c): the format is copied to the stack. Its conversions are
 *  checked against the arguments: their number, `%pI4`/`%pI6` take a field of the packet or a map
 *  value (an address in memory), 64-bit values need `%ll…`. */
function printk(f: FunctionLowerer, call: CallExpression, args: Node[]): Val {
  if (args.length < 1) throw new CompileError(call, "printk() takes a format and up to 3 arguments");
  if (args.length > 4)
    throw new CompileError(call, `printk() takes a format and up to 3 arguments, got ${args.length - 1}`);
  const fmtNode = stripParens(args[0]!);
  let format: string;
  if (Node.isStringLiteral(fmtNode) || Node.isNoSubstitutionTemplateLiteral(fmtNode)) format = fmtNode.getLiteralText();
  else {
    const entity = f.m.decls.entityOf(fmtNode);
    if (entity?.kind !== "string")
      throw new CompileError(
        args[0]!,
        "printk() needs a string literal (or a module-level string constant) as its format",
      );
    format = entity.value;
  }
  const conversions = printkConversions(format, args[0]!);
  const given = args.length - 1;
  if (conversions.length !== given) {
    const c = conversions.length;
    throw new CompileError(
      call,
      `the format ${JSON.stringify(format)} has ${c} conversion${c === 1 ? "" : "s"} but ${given} argument${given === 1 ? " follows" : "s follow"} it`,
    );
  }
  const values = args.slice(1).map((a, i) => {
    const conv = conversions[i]!;
    if (conv.address) {
      const v = lowerExpr(f, a);
      if (v.kind !== "ref" || sizeOf(v.type) !== conv.address)
        throw new CompileError(
          a,
          `%${conv.text} prints an IPv${conv.address === 4 ? 4 : 6} address from memory: pass a ${conv.address}-byte field such as ip.saddr, not ${describe(v.kind === "ref" ? f.rvalue(v, a) : v)}`,
        );
      return C.LLVMBuildPtrToInt(f.b, f.pointerOrNull(v), f.int(64), "");
    }
    const v = lowerValue(f, a);
    if (v.kind === "int" && v.type.bits === 64 && !conv.long)
      throw new CompileError(
        a,
        `%${conv.text} prints 32 bits but this argument is ${v.type.name}; write %ll${conv.text.slice(-1)}`,
      );
    return f.toInt(v, U64, a).v;
  });
  const text = Buffer.from(format + "\0", "utf8");
  const type: BType = { kind: "array", element: INT_TYPES.u8!, length: text.length };
  const slot = f.alloca(type, "fmt");
  for (let i = 0; i < text.length; i++) {
    C.LLVMBuildStore(f.b, f.constInt(8, BigInt(text[i]!)), f.offset(slot, i));
  }
  f.at(call);
  helperCall(f, HELPER.trace_printk, f.int(64), [slot, f.constInt(32, BigInt(text.length)), ...values]);
  return { kind: "void" };
}

/** The conversions of a bpf_trace_printk format, as the kernel reads them (bpf_bprintf_prepare). */
function printkConversions(format: string, node: Node): { text: string; long: boolean; address?: 4 | 16 }[] {
  const out: { text: string; long: boolean; address?: 4 | 16 }[] = [];
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== "%") continue;
    if (format[i + 1] === "%") {
      i++;
      continue;
    }
    const m = /^(?:[-+ #0]*\d*)(ll|l)?([diuxXc]|p[iI][46]|[pP]?[a-zA-Z]?)/.exec(format.slice(i + 1));
    const spec = m?.[0] ?? "";
    const body = (m?.[1] ?? "") + (m?.[2] ?? "");
    if (/^p[iI][46]$/.test(m?.[2] ?? "")) {
      out.push({ text: m![2]!, long: true, address: m![2]!.endsWith("4") ? 4 : 16 });
    } else if (m && /^[diuxXc]$/.test(m[2] ?? "")) {
      out.push({ text: body, long: !!m[1] });
    } else if (m?.[2] === "s") {
      throw new CompileError(
        node,
        "%s is not supported: strings are not values in BPF programs; print numbers with %d, %u or %x",
      );
    } else {
      throw new CompileError(
        node,
        `'%${spec || format[i + 1] || ""}' is not a printk conversion tsbpf supports; use %d %i %u %x %c (with l or ll for 64 bits), %pI4 or %pI6`,
      );
    }
    i += spec.length;
  }
  return out;
}
