// The functions of the declarations module (runtime/lang) that a program calls: kernel helpers
// (`ktimeGetNs()`, `redirect()`, `fibLookup()`…), byte order (`htons()`…), checksums and
// `atomicAdd()`. One table, name → arity and lowering; every other export of runtime/lang is a
// type, a map class, a module-level declaration (`struct()`, `xdp()`…), an enum, or is listed
// in NOT_IN_PROGRAMS (test/compiler/lang-exports.test.ts checks that nothing is missing).
import type { CallExpression } from "ts-morph";
import { Node } from "../frontend/ts-morph.ts";
import { DECLARING_FUNCTIONS, stripParens } from "../frontend/declarations.ts";
import { C, type ValueRef } from "../llvm/capi.ts";
import { AtomicOrdering, AtomicRMWBinOp } from "../llvm/enums.ts";
import { CompileError } from "../diagnostics.ts";
import { sizeOf, INT_TYPES, LANG_STRUCTS, valueType, type BType, type IntT } from "../types.ts";
import { arity, mapPointer, zeroValue } from "./calls.ts";
import { callbackArgument, stateTypeName } from "./callbacks.ts";
import { checkCriticalSection, checkUnlock } from "./spin-lock.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { type FunctionLowerer, swapBytes } from "./function.ts";
import { HELPER } from "./irbuilder.ts";
import { describe, type Val } from "./values.ts";
import { contextArgument } from "./xdp.ts";

const U16 = INT_TYPES.u16!,
  U32 = INT_TYPES.u32!,
  U64 = INT_TYPES.u64!;

interface Intrinsic {
  /** The number of arguments: [min, max]. */
  arity: [number, number];
  /** The message for a wrong number of arguments (given how many there are), if not the generic one. */
  usage?: (given: number) => string;
  /** Lowers a call whose arity was checked. */
  lower(f: FunctionLowerer, call: CallExpression, args: Node[]): Val;
}

/** `atomicFetchAdd(field, x)` and the other atomics returning the field's value from before. */
function fetchingAtomic(name: string, op: number): Intrinsic {
  return { arity: [2, 2], lower: (f, call, args) => atomicUpdate(f, call, args, name, op) };
}

export const INTRINSICS: Record<string, Intrinsic> = {
  ktimeGetNs: {
    arity: [0, 0],
    lower: (f) => ({ kind: "int", type: U64, v: f.helperCall(HELPER.ktime_get_ns, f.int(64), []) }),
  },
  ktimeGetBootNs: {
    arity: [0, 0],
    lower: (f) => ({ kind: "int", type: U64, v: f.helperCall(HELPER.ktime_get_boot_ns, f.int(64), []) }),
  },
  jiffies64: {
    arity: [0, 0],
    lower: (f) => ({ kind: "int", type: U64, v: f.helperCall(HELPER.jiffies64, f.int(64), []) }),
  },
  getPrandomU32: {
    arity: [0, 0],
    lower: (f) => ({
      kind: "int",
      type: U32,
      v: C.LLVMBuildTrunc(f.b, f.helperCall(HELPER.get_prandom_u32, f.int(64), []), f.int(32), ""),
    }),
  },
  getSmpProcessorId: {
    arity: [0, 0],
    lower: (f) => ({
      kind: "int",
      type: U32,
      v: C.LLVMBuildTrunc(f.b, f.helperCall(HELPER.get_smp_processor_id, f.int(64), []), f.int(32), ""),
    }),
  },
  redirect: {
    arity: [1, 2],
    lower(f, _call, args) {
      const ifindex = f.toInt(lowerValue(f, args[0]!), U32, args[0]!).v;
      const flags = args[1] ? f.toInt(lowerValue(f, args[1]), U64, args[1]).v : f.constInt(64, 0n);
      const r = f.helperCall(HELPER.redirect, f.int(64), [ifindex, flags]);
      return { kind: "int", type: U32, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
    },
  },
  htons: { arity: [1, 1], lower: (f, _call, args) => byteSwap(f, U16, args[0]!) },
  ntohs: { arity: [1, 1], lower: (f, _call, args) => byteSwap(f, U16, args[0]!) },
  htonl: { arity: [1, 1], lower: (f, _call, args) => byteSwap(f, U32, args[0]!) },
  ntohl: { arity: [1, 1], lower: (f, _call, args) => byteSwap(f, U32, args[0]!) },
  csumReplace4: { arity: [3, 3], lower: (f, call, args) => csumReplace(f, call, args, U32) },
  csumReplace2: { arity: [3, 3], lower: (f, call, args) => csumReplace(f, call, args, U16) },
  printk: {
    arity: [1, 4],
    usage: (n) => `printk() takes a format and up to 3 arguments${n > 1 ? `, got ${n - 1}` : ""}`,
    lower: printk,
  },
  zero: {
    arity: [1, 1],
    lower: (f, _call, args) => {
      const t = lowerExpr(f, args[0]!);
      if (t.kind !== "type")
        throw new CompileError(args[0]!, "zero() takes a type: zero(S), zero(u32), zero(array(u8, 16))");
      return zeroValue(f, t.type);
    },
  },
  csumDiff: {
    arity: [2, 3],
    lower(f, call, args) {
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
      const r = f.helperCall(HELPER.csum_diff, f.int(64), [
        from,
        f.constInt(32, BigInt(fromSize)),
        to,
        f.constInt(32, BigInt(toSize)),
        seed,
      ]);
      return { kind: "int", type: U32, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
    },
  },
  fibLookup: {
    arity: [2, 3],
    lower(f, call, args) {
      const ctx = lowerExpr(f, args[0]!);
      if (ctx.kind !== "ctx")
        throw new CompileError(args[0]!, "fibLookup() takes the program's context first: fibLookup(ctx, params)");
      const params = lowerExpr(f, args[1]!);
      if (params.kind !== "ref" || params.type.kind !== "struct" || params.type.size !== 64) {
        throw new CompileError(args[1]!, "fibLookup() takes a Value<typeof FibParams> (64 bytes, from tsbpf/net)");
      }
      const flags = args[2] ? f.toInt(lowerValue(f, args[2]), U32, args[2]).v : f.constInt(32, 0n);
      f.at(call);
      const r = f.helperCall(HELPER.fib_lookup, f.int(64), [contextArgument(f), params.p, f.constInt(32, 64n), flags]);
      return { kind: "int", type: INT_TYPES.i32!, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
    },
  },
  checkMtu: { arity: [2, 4], lower: checkMtu },
  loop: { arity: [2, 3], lower: bpfLoop },
  timerInit: {
    arity: [2, 3],
    lower(f, call, args) {
      const timer = kernelObject(f, args[0]!, "bpf_timer", "timerInit");
      const map = lowerExpr(f, args[1]!);
      if (map.kind !== "map")
        throw new CompileError(
          args[1]!,
          "timerInit() takes the map whose value holds the timer: timerInit(v.timer, slots)",
        );
      const clock = args[2] ? f.toInt(lowerValue(f, args[2]), U64, args[2]).v : f.constInt(64, 1n); // CLOCK_MONOTONIC
      f.at(call);
      return helperResult(f, HELPER.timer_init, [timer, mapPointer(f, map), clock]);
    },
  },
  timerSetCallback: {
    arity: [2, 2],
    lower(f, call, args) {
      const timer = kernelObject(f, args[0]!, "bpf_timer", "timerSetCallback");
      const { fn } = callbackArgument(f, args[1]!, "timer", "timerSetCallback()");
      f.at(call);
      return helperResult(f, HELPER.timer_set_callback, [timer, fn]);
    },
  },
  timerStart: {
    arity: [2, 3],
    lower(f, call, args) {
      const timer = kernelObject(f, args[0]!, "bpf_timer", "timerStart");
      const nsecs = f.toInt(lowerValue(f, args[1]!), U64, args[1]!).v;
      const flags = args[2] ? f.toInt(lowerValue(f, args[2]), U64, args[2]).v : f.constInt(64, 0n);
      f.at(call);
      return helperResult(f, HELPER.timer_start, [timer, nsecs, flags]);
    },
  },
  timerCancel: {
    arity: [1, 1],
    lower(f, call, args) {
      const timer = kernelObject(f, args[0]!, "bpf_timer", "timerCancel");
      f.at(call);
      return helperResult(f, HELPER.timer_cancel, [timer]);
    },
  },
  spinLock: {
    arity: [1, 1],
    lower(f, call, args) {
      const lock = kernelObject(f, args[0]!, "bpf_spin_lock", "spinLock");
      checkCriticalSection(f, call);
      f.at(call);
      f.helperCall(HELPER.spin_lock, f.int(64), [lock]);
      return { kind: "void" };
    },
  },
  spinUnlock: {
    arity: [1, 1],
    lower(f, call, args) {
      const lock = kernelObject(f, args[0]!, "bpf_spin_lock", "spinUnlock");
      checkUnlock(f, call);
      f.at(call);
      f.helperCall(HELPER.spin_unlock, f.int(64), [lock]);
      return { kind: "void" };
    },
  },
  atomicAdd: {
    arity: [2, 2],
    lower(f, call, args) {
      atomicUpdate(f, call, args, "atomicAdd", AtomicRMWBinOp.Add);
      return { kind: "void" };
    },
  },
  atomicFetchAdd: fetchingAtomic("atomicFetchAdd", AtomicRMWBinOp.Add),
  atomicFetchAnd: fetchingAtomic("atomicFetchAnd", AtomicRMWBinOp.And),
  atomicFetchOr: fetchingAtomic("atomicFetchOr", AtomicRMWBinOp.Or),
  atomicFetchXor: fetchingAtomic("atomicFetchXor", AtomicRMWBinOp.Xor),
  atomicExchange: fetchingAtomic("atomicExchange", AtomicRMWBinOp.Xchg),
  atomicCompareExchange: {
    arity: [3, 3],
    lower(f, call, args) {
      const target = atomicTarget(f, args[0]!, "atomicCompareExchange");
      const expected = f.toInt(lowerValue(f, args[1]!), target.type, args[1]!).v;
      const replacement = f.toInt(lowerValue(f, args[2]!), target.type, args[2]!).v;
      f.at(call);
      const SC = AtomicOrdering.SequentiallyConsistent;
      const pair = C.LLVMBuildAtomicCmpXchg(f.b, target.p, expected, replacement, SC, SC, 0);
      return { kind: "int", type: target.type, v: C.LLVMBuildExtractValue(f.b, pair, 0, "old") };
    },
  },
};

/**
 * Exports of runtime/lang that are neither called in programs nor otherwise part of the
 * language, and why; using one in a program is an error with this reason.
 */
export const NOT_IN_PROGRAMS: Record<string, string> = {
  MapDecl: "it is the base class of the map classes; declare a HashMap, ArrayMap, … at module level",
  ArrayDesc: "it describes array types; declare one with array() or bytes() at module level",
  StructDesc: "it describes struct types; declare one with struct() at module level",
  TypeDesc: "it is the type of type descriptors, for annotations outside programs",
  IntDesc: "it is the type of integer descriptors, for annotations outside programs",
  Fields: "it is the type of struct() fields, for annotations outside programs",
  FieldType: "it is the type of one struct() field, for annotations outside programs",
  FieldValue: "it is the type of one struct field's value, for annotations outside programs",
  EnumObject: "it is the type of an enum used as a struct field's type, for annotations outside programs",
  FieldLayout: "it is the runtime's description of a struct field",
  MapOptions: "it is the type of a map's options, written as an object literal in `new HashMap(…, { … })`",
  BloomFilterOptions:
    "it is the type of a bloom filter's options, written as an object literal in `new BloomFilter(…, { … })`",
  ValueMapDecl:
    "it is the base class of the maps without keys; declare a QueueMap, StackMap or BloomFilter at module level",
  XdpProgram: "it is what xdp() returns, for the loader",
  TcProgram: "it is what tc() returns, for the loader",
  KernelObjectDesc: "it is the class of BpfTimer and SpinLock; use those as the types of map value fields",
  TimerField: "it is the type of a BpfTimer field, for the declarations of the timer helpers",
  SpinLockField: "it is the type of a SpinLock field, for the declarations of spinLock() and spinUnlock()",
  KernelObject: "it is the type of a BpfTimer or SpinLock field's value, for annotations outside programs",
  isPaddingField: "it is the rule for padding fields (named pad…), used when encoding values",
};

/** Calls a function of the declarations module. */
export function callIntrinsic(f: FunctionLowerer, call: CallExpression, name: string, args: Node[]): Val {
  const intrinsic = INTRINSICS[name];
  if (!intrinsic) {
    const declares = DECLARING_FUNCTIONS[name];
    if (declares)
      throw new CompileError(
        call,
        `${name}() declares ${declares} at module level; it cannot be called inside a function`,
      );
    const why = NOT_IN_PROGRAMS[name];
    throw new CompileError(call, `'${name}' cannot be called in a BPF program${why ? `: ${why}` : ""}`);
  }
  const [min, max] = intrinsic.arity;
  if (intrinsic.usage && (args.length < min || args.length > max))
    throw new CompileError(call, intrinsic.usage(args.length));
  arity(call, args, min, max);
  return intrinsic.lower(f, call, args);
}

/** A helper's long result as an i32: 0 or a negative errno for most. */
function helperResult(f: FunctionLowerer, id: number, args: ValueRef[]): Val {
  const r = f.helperCall(id, f.int(64), args);
  return { kind: "int", type: INT_TYPES.i32!, v: C.LLVMBuildTrunc(f.b, r, f.int(32), "") };
}

/** A BpfTimer or SpinLock field of a map value, as the pointer its helpers take. */
function kernelObject(f: FunctionLowerer, arg: Node, kernel: "bpf_timer" | "bpf_spin_lock", name: string): ValueRef {
  const v = lowerExpr(f, arg);
  if (v.kind !== "ref" || v.type.kind !== "struct" || v.type.kernel !== kernel || v.memory === "stack" || v.packet) {
    const type = kernel === "bpf_timer" ? "BpfTimer" : "SpinLock";
    throw new CompileError(
      arg,
      `${name}() takes a ${type} field of a map value (\`v.${kernel === "bpf_timer" ? "timer" : "lock"}\` with v = map.lookup(…)), got ${describe(v)}`,
    );
  }
  return v.p;
}

/**
 * `checkMtu(ctx, ifindex, lenDiff?, l3Length?)`: bpf_check_mtu into a MtuCheck on the stack;
 * its `mtu` field is the helper's in/out length (0: the packet's own).
 */
function checkMtu(f: FunctionLowerer, call: CallExpression, args: Node[]): Val {
  if (lowerExpr(f, args[0]!).kind !== "ctx")
    throw new CompileError(args[0]!, "checkMtu() takes the program's context first: checkMtu(ctx, ifindex)");
  const ifindex = f.toInt(lowerValue(f, args[1]!), U32, args[1]!).v;
  const lenDiff = args[2] ? f.toInt(lowerValue(f, args[2]), INT_TYPES.i32!, args[2]).v : f.constInt(32, 0n);
  const length = args[3] ? f.toInt(lowerValue(f, args[3]), U32, args[3]).v : f.constInt(32, 0n);
  const type = LANG_STRUCTS.MtuCheck!;
  const result: Extract<Val, { kind: "ref" }> = {
    kind: "ref",
    type,
    p: f.alloca(type, "mtu"),
    nullable: false,
    align: 8,
    packet: false,
    memory: "stack",
  };
  const status = f.field(result, "status", call);
  const mtu = f.field(result, "mtu", call);
  f.at(call);
  f.storeInt(32, length, mtu.p, 4, "stack");
  const r = f.helperCall(HELPER.check_mtu, f.int(64), [
    contextArgument(f),
    ifindex,
    mtu.p,
    lenDiff,
    f.constInt(64, 0n),
  ]);
  f.storeInt(32, C.LLVMBuildTrunc(f.b, r, f.int(32), ""), status.p, 4, "stack");
  return result;
}

/**
 * `loop(count, callback, state?)`: bpf_loop with a callback subprogram (callbacks.ts). The
 * state is a struct on this function's stack, which is all the kernel passes to a callback.
 */
function bpfLoop(f: FunctionLowerer, call: CallExpression, args: Node[]): Val {
  const countVal = lowerValue(f, args[0]!);
  const BPF_MAX_LOOPS = 1n << 23n;
  if (countVal.kind === "const" && (countVal.value < 0n || countVal.value > BPF_MAX_LOOPS))
    throw new CompileError(args[0]!, `loop() runs at most ${BPF_MAX_LOOPS} iterations (2²³), not ${countVal.value}`);
  const count = f.toInt(countVal, U32, args[0]!).v;
  const { fn, state } = callbackArgument(f, args[1]!, "loop", "loop()");
  let statePointer = f.nullPtr();
  if (state && !args[2])
    throw new CompileError(
      call,
      `the callback takes a state (${stateTypeName(state)}): pass it as loop()'s third argument`,
    );
  if (args[2]) {
    if (!state)
      throw new CompileError(
        args[2],
        "the callback takes no state: give it a second parameter (Value<typeof S>) or leave this out",
      );
    const v = lowerExpr(f, args[2], state);
    if (v.kind !== "ref" || v.memory !== "stack" || v.packet)
      throw new CompileError(
        args[2],
        `loop()'s state is a struct on the stack (zero(S), a literal or a local), the only memory the kernel passes to a callback; got ${v.kind === "ref" && v.memory === "map" ? "a map value" : describe(v)}`,
      );
    if (v.type.kind !== state.kind || sizeOf(v.type) !== sizeOf(state))
      throw new CompileError(args[2], `the callback takes a ${stateTypeName(state)}, got ${describe(v)}`);
    statePointer = v.p;
  }
  f.at(call);
  return helperResult(f, HELPER.loop, [count, fn, statePointer, f.constInt(64, 0n)]);
}

/** The field an atomic operation works on: a 32- or 64-bit host-order integer in memory (a map value, the stack). */
function atomicTarget(f: FunctionLowerer, arg: Node, name: string): { p: ValueRef; type: IntT } {
  const target = lowerExpr(f, arg);
  if (
    target.kind !== "ref" ||
    target.type.kind !== "int" ||
    target.type.bits < 32 ||
    target.type.bigEndian ||
    target.packet
  ) {
    throw new CompileError(arg, `${name}() needs a 32- or 64-bit host-order integer field of a map value`);
  }
  const type = valueType(target.type);
  return { p: f.typedPointer(target.p, type.bits), type };
}

/**
 * `atomicAdd(field, x)` and the fetching forms (`atomicFetchAdd/And/Or/Xor`, `atomicExchange`):
 * one BPF_ATOMIC instruction; the fetching forms (BPF_FETCH, cpu v3) return the value before.
 */
function atomicUpdate(f: FunctionLowerer, call: CallExpression, args: Node[], name: string, op: number): Val {
  const target = atomicTarget(f, args[0]!, name);
  const operand = f.toInt(lowerValue(f, args[1]!), target.type, args[1]!).v;
  f.at(call);
  const old = C.LLVMBuildAtomicRMW(
    f.b,
    op as (typeof AtomicRMWBinOp)[keyof typeof AtomicRMWBinOp],
    target.p,
    operand,
    AtomicOrdering.SequentiallyConsistent,
    0,
  );
  return { kind: "int", type: target.type, v: old };
}

/** `htons(x)` and friends: a constant is swapped at compile time. */
function byteSwap(f: FunctionLowerer, t: typeof U16, arg: Node): Val {
  const v = lowerValue(f, arg);
  if (v.kind === "const")
    return { kind: "const", value: swapBytes(BigInt.asUintN(t.bits, v.value), t.bits), big: false };
  return { kind: "int", type: t, v: f.toRaw(v, t, arg) };
}

/**
 * `csumReplace4/2(check, from, to)`: on the raw (network-order) words: the one's-complement
 * sum of byte-swapped words is the byte-swapped sum, so the result is the new checksum as it
 * sits in the packet.
 */
function csumReplace(f: FunctionLowerer, call: CallExpression, args: Node[], wide: typeof U16): Val {
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

/** bpf_trace_printk(fmt, size, a, b, c): the format is copied to the stack. Its conversions are
 *  checked against the arguments: their number, `%pI4`/`%pI6` take a field of the packet or a map
 *  value (an address in memory), 64-bit values need `%ll…`. */
function printk(f: FunctionLowerer, call: CallExpression, args: Node[]): Val {
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
  f.helperCall(HELPER.trace_printk, f.int(64), [slot, f.constInt(32, BigInt(text.length)), ...values]);
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
