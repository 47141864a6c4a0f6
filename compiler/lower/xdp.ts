// The program's context and packet access: the struct xdp_md * (XDP) or struct __sk_buff *
// (tc, see skbuff.ts) argument, its fields (`ctx.len`, `ctx.frameLen`, `ctx.ingressIfindex`…),
// ctx->data/data_end/data_meta and bounds-checked packet and metadata views (`ctx.header()`,
// `ctx.meta()`), the helpers that move the packet's ends (`ctx.adjustHead()`…), and the debug
// type of struct xdp_md.
import type { CallExpression } from "ts-morph";
import type { Node } from "../frontend/ts-morph.ts";
import { IntPredicate } from "../llvm/enums.ts";
import { C, type MetadataRef, type ValueRef } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { INT_TYPES, sizeOf, U32, type ProgramKind } from "../types.ts";
import type { FunctionLowerer } from "./function.ts";
import type { ModuleLowerer } from "./module.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { arity } from "./calls.ts";
import { HELPER } from "./irbuilder.ts";
import type { Val } from "./values.ts";
import { skbMethod, skbProperty } from "./skbuff.ts";

/**
 * The largest computed view offset: `ctx.header(V, off)` with a greater `off` is null. The
 * check gives `data + off` the bounded range the verifier needs (verifier-shapes.ts keeps it).
 */
export const MAX_VIEW_OFFSET = 4095n;

/** The largest offset from `data` of a packet pointer the verifier gives a checked range. */
export const MAX_PACKET_OFF = 0xffffn;

/** Offsets of struct xdp_md fields that programs read through the context. */
const CTX_FIELDS: Record<string, number> = { ingressIfindex: 12, rxQueueIndex: 16, egressIfindex: 20 };

/** The packet pointers of each context: struct xdp_md, struct __sk_buff. */
type PacketPointer = "data" | "data_end" | "data_meta";
const PACKET_POINTERS: Record<ProgramKind, Record<PacketPointer, number>> = {
  xdp: { data: 0, data_end: 4, data_meta: 8 },
  tc: { data: 76, data_end: 80, data_meta: 140 },
};

/**
 * `ctx.len`, `ctx.ingressIfindex`…: the packet's length or a field of the context.
 *
 * The length is `data_end - data` (64-bit, pointer minus pointer: a scalar for the verifier),
 * made opaque to LLVM at once, with the range [0, 2^32) that lets `u64(ctx.len)` and the 32-bit
 * uses cost nothing. Transparent, LLVM folded the difference into what followed it, in 32 bits:
 * `(data_end - data) - x` became `data_end - (data + x)` (`ctx.len - ip.totLen`), `~ctx.len`
 * a 32-bit `^` on `data`, and `((c ? ctx.len : 8) || -1) <= 3` became `data_end + ~data <= 2`
 * through the merges (fuzzer seed 79), all 32-bit arithmetic on a packet pointer, which the
 * verifier rejects. Opaque, the LB's code is the same and four corpus programs are one
 * instruction shorter.
 */
export function contextProperty(f: FunctionLowerer, expr: Node, name: string): Val {
  if (f.contextKind === "tc") return skbProperty(f, expr, name);
  // A program loaded without BPF_F_XDP_HAS_FRAGS gets one buffer (an interface refuses it while
  // its MTU needs more), so there the frame's length is ctx.len and costs no helper call.
  if (name === "frameLen" && f.m.multiBuffer) {
    f.at(expr);
    const len = f.helperCall(HELPER.xdp_get_buff_len, f.int(64), [contextArgument(f)]);
    // It reads state only the kernel's helpers change (readonly, inaccessiblememonly): LLVM
    // reuses one call's result until a call that may change the frame (xdp_adjust_tail…).
    for (const attr of ["readonly", "inaccessiblememonly", "nounwind"]) {
      const kind = C.LLVMGetEnumAttributeKindForName(attr, attr.length);
      C.LLVMAddCallSiteAttribute(len, 0xffffffff, C.LLVMCreateEnumAttribute(f.m.ctx, kind, 0n));
    }
    return { kind: "int", type: INT_TYPES.u32!, v: C.LLVMBuildTrunc(f.b, len, f.int(32), "") };
  }
  if (name === "len" || name === "frameLen") {
    const data = contextPointer(f, "data");
    const end = contextPointer(f, "data_end");
    const diff = C.LLVMBuildSub(
      f.b,
      C.LLVMBuildPtrToInt(f.b, end, f.int(64), ""),
      C.LLVMBuildPtrToInt(f.b, data, f.int(64), ""),
      "len",
    );
    // A scalar to LLVM from here on, known to fit in 32 bits (see above).
    const len = f.opaque(diff);
    const bounds = [0n, 1n << 32n].map((n) => C.LLVMValueAsMetadata(f.constInt(64, n)));
    const range = C.LLVMMetadataAsValue(f.m.ctx, C.LLVMMDNodeInContext2(f.m.ctx, bounds, 2));
    C.LLVMSetMetadata(len, C.LLVMGetMDKindIDInContext(f.m.ctx, "range", 5), range);
    return { kind: "int", type: INT_TYPES.u32!, v: C.LLVMBuildTrunc(f.b, len, f.int(32), "") };
  }
  const offset = CTX_FIELDS[name];
  if (offset === undefined) throw new CompileError(expr, `the XDP context has no property '${name}'`);
  return { kind: "int", type: INT_TYPES.u32!, v: contextField(f, offset) };
}

/** The program's first argument (struct xdp_md *), as an i8*. */
export function contextArgument(f: FunctionLowerer): ValueRef {
  if (!f.contextArg) throw new Error("internal compiler error: no context in this function");
  return f.contextArg;
}

/** Loads a u32 field of the context struct. */
export function contextField(f: FunctionLowerer, offset: number): ValueRef {
  const p = f.typedPointer(f.offset(contextArgument(f), offset), 32);
  const v = C.LLVMBuildLoad2(f.b, f.int(32), p, "");
  C.LLVMSetAlignment(v, 4);
  return v;
}

/** ctx->data, ctx->data_end or ctx->data_meta as a pointer, the way C programs read them. */
export function contextPointer(f: FunctionLowerer, which: PacketPointer): ValueRef {
  const load = contextField(f, PACKET_POINTERS[f.contextKind][which]);
  f.m.packetPointerLoads.push(load);
  const v = C.LLVMBuildZExt(f.b, load, f.int(64), "");
  return C.LLVMBuildIntToPtr(f.b, v, f.i8p, which);
}

/**
 * ctx->data, data_end and data_meta change only through xdp_adjust_head/tail/meta (and
 * skb_pull_data in tc). In a module that calls none of them, their loads are marked invariant, so LLVM reuses them across
 * helper calls and folds a repeated bounds check (`ctx.header()` of the same view twice).
 */
export function markPacketPointersInvariant(m: ModuleLowerer): void {
  if (m.adjustsPacket) return;
  const kind = C.LLVMGetMDKindIDInContext(m.ctx, "invariant.load", 14);
  const empty = C.LLVMMetadataAsValue(m.ctx, C.LLVMMDNodeInContext2(m.ctx, [], 0));
  for (const load of m.packetPointerLoads) C.LLVMSetMetadata(load, kind, empty);
}

/** `ctx.header()`, `ctx.meta()`, `ctx.adjustHead()`, `ctx.adjustTail()`, `ctx.adjustMeta()`, `ctx.loadBytes()`, `ctx.storeBytes()`. */
export function contextMethod(f: FunctionLowerer, call: CallExpression, method: string, args: Node[]): Val {
  if (method === "header") return header(f, call, args);
  if (method === "meta") return meta(f, call, args);
  if (f.contextKind === "tc") return skbMethod(f, call, method, args);
  switch (method) {
    case "adjustHead":
    case "adjustTail":
    case "adjustMeta": {
      arity(call, args, 1);
      const delta = f.toInt(lowerValue(f, args[0]!), INT_TYPES.i32!, args[0]!).v;
      f.m.adjustsPacket = true;
      const id =
        method === "adjustHead"
          ? HELPER.xdp_adjust_head
          : method === "adjustTail"
            ? HELPER.xdp_adjust_tail
            : HELPER.xdp_adjust_meta;
      f.at(call);
      const r = f.helperCall(id, f.int(64), [contextArgument(f), delta]);
      // Views taken before are invalid after (FunctionLowerer.checkView).
      f.packetMoved({ call, method });
      return { kind: "bool", v: C.LLVMBuildICmp(f.b, IntPredicate.EQ, r, f.constInt(64, 0n), "") };
    }
    case "loadBytes":
    case "storeBytes":
      return copyBytes(f, call, method, args);
  }
  throw new CompileError(call, `the XDP context has no method '${method}'`);
}

/**
 * `ctx.loadBytes(offset, into)` / `ctx.storeBytes(offset, from)`: bpf_xdp_load_bytes/store_bytes
 * copy between the packet (also the fragments of a multi-buffer frame, past what a view
 * reaches) and a struct or array on the stack or in a map value, as many bytes as it holds.
 * No bounds check is needed: the helper fails (false) when the range is not in the packet.
 * Packet pointers stay valid (the kernel does not count these helpers as changing the packet).
 */
function copyBytes(f: FunctionLowerer, call: CallExpression, method: string, args: Node[]): Val {
  arity(call, args, 2);
  const offset = f.toInt(lowerValue(f, args[0]!), U32, args[0]!).v;
  const buf = lowerExpr(f, args[1]!);
  // A map value that may be null is a TypeScript error already (`object` excludes null).
  if (buf.kind !== "ref" || buf.packet || (buf.type.kind !== "struct" && buf.type.kind !== "array")) {
    throw new CompileError(
      args[1]!,
      `ctx.${method}() ${method === "loadBytes" ? "copies into" : "copies from"} a struct or array on the stack or in a map value, e.g. zero(bytes(16)); not a packet view`,
    );
  }
  const size = sizeOf(buf.type);
  f.at(call);
  const r = f.helperCall(method === "loadBytes" ? HELPER.xdp_load_bytes : HELPER.xdp_store_bytes, f.int(64), [
    contextArgument(f),
    offset,
    buf.p,
    f.constInt(32, BigInt(size)),
  ]);
  return { kind: "bool", v: C.LLVMBuildICmp(f.b, IntPredicate.EQ, r, f.constInt(64, 0n), "") };
}

/**
 * `ctx.header(View, offset)`: a pointer into the packet if `offset + size` is within it,
 * else null. The check is the shape the verifier tracks: `data + off + size <= data_end`.
 * A computed offset is first bounded (MAX_VIEW_OFFSET) so the verifier knows its range.
 */
function header(f: FunctionLowerer, call: CallExpression, args: Node[]): Val {
  arity(call, args, 2);
  const view = lowerExpr(f, args[0]!);
  if (view.kind !== "type" || view.type.kind !== "struct")
    throw new CompileError(args[0]!, "ctx.header() takes a struct type as its view, e.g. Eth");
  const type = view.type;
  const offset = lowerValue(f, args[1]!);
  f.at(call);
  const data = contextPointer(f, "data");
  const end = contextPointer(f, "data_end");
  const inBounds = (off: ValueRef) => {
    const p = C.LLVMBuildGEP2(f.b, f.int(8), data, [off], 1, "hdr");
    const last = C.LLVMBuildGEP2(f.b, f.int(8), p, [f.constInt(64, BigInt(type.size))], 1, "");
    return { p, present: C.LLVMBuildICmp(f.b, IntPredicate.ULE, last, end, "") };
  };
  if (offset.kind === "const") {
    // A constant offset needs no branch here: the program's own null test becomes the check.
    // Past MAX_PACKET_OFF (or negative, a huge unsigned number) the view is past the end of
    // every packet, and the verifier refuses `data + off` itself from 2^29 on: null, no check.
    const beyond = BigInt.asUintN(64, offset.value) + BigInt(type.size) > MAX_PACKET_OFF;
    const { p, present } = beyond
      ? { p: f.nullPtr(), present: C.LLVMConstInt(f.i1, 0, 0) }
      : inBounds(f.constInt(64, offset.value));
    return {
      kind: "ref",
      type,
      p,
      present,
      nullable: true,
      align: type.align,
      packet: true,
      memory: "packet",
      takenAt: f.packetState(),
    };
  }
  // A computed offset is bounded first, so that `data + off` has a range the verifier accepts.
  // A signed one is zero-extended from its own width: where it passes the check the two
  // extensions agree, and the zero-extension stays in the register the check bounded (a sign
  // extension is a new value, whose bound the verifier never saw: fuzzer seed 3045). They agree
  // only from 16 bits, where a negative value zero-extended is at least 32768: an `i8` is first
  // sign-extended to 16 bits, or −128 would be the view at 128 (a miscompile, fuzzer seed 50020580).
  let narrow = f.rvalue(offset, args[1]!);
  if (narrow.kind === "int" && narrow.type.signed && narrow.type.bits < 16 && !narrow.swapped)
    narrow = f.toInt(narrow, INT_TYPES.i16!, args[1]!);
  if (narrow.kind === "int" && narrow.type.signed && !narrow.swapped)
    narrow = { kind: "int", type: INT_TYPES[`u${narrow.type.bits}`]!, v: narrow.v };
  const off = f.toInt(narrow, INT_TYPES.u64!, args[1]!).v;
  const from = f.current,
    check = f.block("hdr.off"),
    done = f.block("hdr.done");
  C.LLVMBuildCondBr(f.b, C.LLVMBuildICmp(f.b, IntPredicate.ULE, off, f.constInt(64, MAX_VIEW_OFFSET), ""), check, done);
  f.positionAt(check);
  const { p, present } = inBounds(off);
  const checkEnd = f.current;
  C.LLVMBuildBr(f.b, done);
  f.positionAt(done);
  const pPhi = C.LLVMBuildPhi(f.b, f.i8p, "view");
  C.LLVMAddIncoming(pPhi, [p, f.nullPtr()], [checkEnd, from], 2);
  const okPhi = C.LLVMBuildPhi(f.b, f.i1, "present");
  C.LLVMAddIncoming(okPhi, [present, C.LLVMConstInt(f.i1, 0, 0)], [checkEnd, from], 2);
  return {
    kind: "ref",
    type,
    p: pPhi,
    present: okPhi,
    nullable: true,
    align: type.align,
    packet: true,
    memory: "packet",
    takenAt: f.packetState(),
  };
}

/**
 * `ctx.meta(View)`: the metadata before the packet (data_meta..data) as a view, or null if the
 * area is shorter than the view. The check is the shape the verifier tracks for metadata:
 * `data_meta + size <= data`. A view into the packet's memory: adjustMeta() invalidates it.
 */
function meta(f: FunctionLowerer, call: CallExpression, args: Node[]): Val {
  arity(call, args, 1);
  const view = lowerExpr(f, args[0]!);
  if (view.kind !== "type" || view.type.kind !== "struct")
    throw new CompileError(args[0]!, "ctx.meta() takes a struct type as its view, e.g. ctx.meta(Mark)");
  const type = view.type;
  f.at(call);
  const p = contextPointer(f, "data_meta");
  const data = contextPointer(f, "data");
  const last = C.LLVMBuildGEP2(f.b, f.int(8), p, [f.constInt(64, BigInt(type.size))], 1, "");
  const present = C.LLVMBuildICmp(f.b, IntPredicate.ULE, last, data, "");
  return {
    kind: "ref",
    type,
    p,
    present,
    nullable: true,
    align: type.align,
    packet: true,
    memory: "packet",
    takenAt: f.packetState(),
  };
}

/**
 * The address of a packet array's element at a computed byte offset. A packet pointer plus a
 * variable offset has no checked range for the verifier, even inside a checked view, so the
 * element is checked against the packet's end again (`x.bytes[x.i]` was "invalid access to
 * packet, r=0"). The check always passes (the index is clamped into the view); its other arm,
 * the array's first element, only completes the shape.
 */
export function packetElement(f: FunctionLowerer, array: ValueRef, offset: ValueRef, size: number): ValueRef {
  const p = f.offset(array, offset);
  const last = C.LLVMBuildGEP2(f.b, f.int(8), p, [f.constInt(64, BigInt(size))], 1, "");
  const inPacket = C.LLVMBuildICmp(f.b, IntPredicate.ULE, last, contextPointer(f, "data_end"), "");
  return C.LLVMBuildSelect(f.b, inPacket, p, array, "elem");
}

const xdpMdTypes = new WeakMap<ModuleLowerer, MetadataRef>();

/** struct xdp_md, for the debug info (BTF) of a program's context parameter; one per module. */
export function xdpMdDebugType(m: ModuleLowerer): MetadataRef {
  const cached = xdpMdTypes.get(m);
  if (cached) return cached;
  const u32 = m.di.typeOf(U32);
  const names = ["data", "data_end", "data_meta", "ingress_ifindex", "rx_queue_index", "egress_ifindex"];
  const members = names.map((n, i) =>
    C.LLVMDIBuilderCreateMemberType(m.di.builder, m.di.unit, n, n.length, m.di.file, 0, 32, 32, i * 32, 0, u32),
  );
  const st = C.LLVMDIBuilderCreateStructType(
    m.di.builder,
    m.di.unit,
    "xdp_md",
    6,
    m.di.file,
    0,
    192,
    32,
    0,
    null,
    members,
    members.length,
    0,
    null,
    "",
    0,
  );
  const type = m.di.pointerTo(st);
  xdpMdTypes.set(m, type);
  return type;
}
