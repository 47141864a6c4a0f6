// The tc context: struct __sk_buff, the argument of BPF_PROG_TYPE_SCHED_CLS programs. Its
// fields as `ctx.len`, `ctx.mark`… (the writable ones are references: `ctx.mark = 7`), the
// helpers that work on a socket buffer (`ctx.pullData()`, `ctx.loadBytes()`…), and its debug
// type. Packet and metadata views are shared with XDP (xdp.ts), on __sk_buff's data pointers.
import type { CallExpression } from "ts-morph";
import type { Node } from "../frontend/ts-morph.ts";
import { IntPredicate } from "../llvm/enums.ts";
import { C, type MetadataRef } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { INT_TYPES, sizeOf, U32 } from "../types.ts";
import type { FunctionLowerer } from "./function.ts";
import type { ModuleLowerer } from "./module.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { arity } from "./calls.ts";
import { HELPER } from "./irbuilder.ts";
import type { Val } from "./values.ts";
import { contextArgument, contextField } from "./xdp.ts";

/**
 * Fields of struct __sk_buff (include/uapi/linux/bpf.h) programs use, by offset. `writable`:
 * a tc program may store to it (the verifier's tc_cls_act_is_valid_access).
 */
const SKB_FIELDS: Record<string, { offset: number; writable?: boolean; be16?: boolean }> = {
  len: { offset: 0 },
  pktType: { offset: 4 },
  mark: { offset: 8, writable: true },
  queueMapping: { offset: 12, writable: true },
  protocol: { offset: 16, be16: true },
  vlanTci: { offset: 24 },
  priority: { offset: 32, writable: true },
  ingressIfindex: { offset: 36 },
  ifindex: { offset: 40 },
  tcIndex: { offset: 44, writable: true },
  hash: { offset: 68 },
  tcClassid: { offset: 72, writable: true },
};

/** `ctx.len`, `ctx.mark`…: a u32 field of struct __sk_buff; a writable one as a reference. */
export function skbProperty(f: FunctionLowerer, expr: Node, name: string): Val {
  const field = SKB_FIELDS[name];
  if (!field)
    throw new CompileError(
      expr,
      `the tc context has no property '${name}'; it has ${Object.keys(SKB_FIELDS).join(", ")}`,
    );
  if (field.writable) {
    const p = f.offset(contextArgument(f), field.offset);
    return { kind: "ref", type: U32, p, nullable: false, align: 4, packet: false };
  }
  const v = contextField(f, field.offset);
  // skb->protocol holds a __be16 in the low half: read as the host-order number a be16 field gives.
  if (field.be16)
    return { kind: "int", type: INT_TYPES.u16!, v: C.LLVMBuildTrunc(f.b, v, f.int(16), ""), swapped: true };
  return { kind: "int", type: U32, v };
}

/** `ctx.pullData()`, `ctx.adjustRoom()`, `ctx.loadBytes()`, `ctx.storeBytes()` of a tc program. */
export function skbMethod(f: FunctionLowerer, call: CallExpression, method: string, args: Node[]): Val {
  switch (method) {
    case "adjustRoom": {
      arity(call, args, 3);
      const lenDiff = f.toInt(lowerValue(f, args[0]!), INT_TYPES.i32!, args[0]!).v;
      const mode = f.toInt(lowerValue(f, args[1]!), U32, args[1]!).v;
      const flags = f.toInt(lowerValue(f, args[2]!), INT_TYPES.u64!, args[2]!).v;
      f.m.adjustsPacket = true;
      f.at(call);
      const r = f.helperCall(HELPER.skb_adjust_room, f.int(64), [contextArgument(f), lenDiff, mode, flags]);
      // Room is made inside the packet: the data pointers move, views taken before are invalid.
      f.packetMoved({ call, method });
      return { kind: "bool", v: C.LLVMBuildICmp(f.b, IntPredicate.EQ, r, f.constInt(64, 0n), "") };
    }
    case "pullData": {
      arity(call, args, 1);
      const len = f.toInt(lowerValue(f, args[0]!), U32, args[0]!).v;
      f.m.adjustsPacket = true;
      f.at(call);
      const r = f.helperCall(HELPER.skb_pull_data, f.int(64), [contextArgument(f), len]);
      // The data pointers move: views taken before are invalid (FunctionLowerer.checkView).
      f.packetMoved({ call, method });
      return { kind: "bool", v: C.LLVMBuildICmp(f.b, IntPredicate.EQ, r, f.constInt(64, 0n), "") };
    }
    case "loadBytes":
    case "storeBytes": {
      arity(call, args, 2);
      const offset = f.toInt(lowerValue(f, args[0]!), U32, args[0]!).v;
      const buf = lowerExpr(f, args[1]!);
      if (buf.kind !== "ref" || buf.packet || (buf.type.kind !== "struct" && buf.type.kind !== "array"))
        throw new CompileError(
          args[1]!,
          `ctx.${method}() ${method === "loadBytes" ? "copies into" : "copies from"} a struct or array on the stack or in a map value, e.g. zero(bytes(16)); not a packet view`,
        );
      const size = f.constInt(32, BigInt(sizeOf(buf.type)));
      f.at(call);
      const r =
        method === "loadBytes"
          ? f.helperCall(HELPER.skb_load_bytes, f.int(64), [contextArgument(f), offset, buf.p, size])
          : f.helperCall(HELPER.skb_store_bytes, f.int(64), [
              contextArgument(f),
              offset,
              buf.p,
              size,
              f.constInt(64, 0n),
            ]);
      // bpf_skb_store_bytes may reallocate the buffer: the verifier drops packet pointers after it.
      if (method === "storeBytes") {
        f.m.adjustsPacket = true;
        f.packetMoved({ call, method });
      }
      return { kind: "bool", v: C.LLVMBuildICmp(f.b, IntPredicate.EQ, r, f.constInt(64, 0n), "") };
    }
  }
  const xdpOnly = ["adjustHead", "adjustTail", "adjustMeta"].includes(method);
  throw new CompileError(
    call,
    xdpOnly
      ? `ctx.${method}() is an XDP helper; a tc program has pullData, adjustRoom, loadBytes and storeBytes`
      : `the tc context has no method '${method}'`,
  );
}

const skbTypes = new WeakMap<ModuleLowerer, MetadataRef>();

/**
 * struct __sk_buff, for the debug info (BTF) of a tc program's context parameter: its u32
 * fields up to data_meta (the rest the program never names); one per module.
 */
export function skBuffDebugType(m: ModuleLowerer): MetadataRef {
  const cached = skbTypes.get(m);
  if (cached) return cached;
  const u32 = m.di.typeOf(U32);
  const names = [
    "len",
    "pkt_type",
    "mark",
    "queue_mapping",
    "protocol",
    "vlan_present",
    "vlan_tci",
    "vlan_proto",
    "priority",
    "ingress_ifindex",
    "ifindex",
    "tc_index",
    "cb0",
    "cb1",
    "cb2",
    "cb3",
    "cb4",
    "hash",
    "tc_classid",
    "data",
    "data_end",
  ];
  const members = names.map((n, i) =>
    C.LLVMDIBuilderCreateMemberType(m.di.builder, m.di.unit, n, n.length, m.di.file, 0, 32, 32, i * 32, 0, u32),
  );
  const st = C.LLVMDIBuilderCreateStructType(
    m.di.builder,
    m.di.unit,
    "__sk_buff",
    9,
    m.di.file,
    0,
    names.length * 32,
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
  skbTypes.set(m, type);
  return type;
}
