// The IR builder between lowering and the LLVM C API, as bpftrace's IRBuilderBPF: it owns what
// every BPF function builds the same way: the module's TBAA tags (which memory an access
// touches), calls of LLVM intrinsics, calls of kernel helpers by id, and typed constants.
// ModuleLowerer extends IRModule and FunctionLowerer extends IRBuilder.
import {
  C,
  type BuilderRef,
  type ContextRef,
  type MetadataRef,
  type ModuleRef,
  type TypeRef,
  type ValueRef,
} from "../llvm/capi.ts";
import { InlineAsmDialect } from "../llvm/enums.ts";
import { dataLayout, TRIPLE } from "../llvm/target.ts";
import type { IntT } from "../types.ts";
import type { Memory } from "./values.ts";

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
  perf_event_output: 25,
  csum_diff: 28,
  xdp_adjust_meta: 54,
  fib_lookup: 69,
  xdp_adjust_tail: 65,
  map_push_elem: 87,
  map_pop_elem: 88,
  map_peek_elem: 89,
  ringbuf_output: 130,
  ringbuf_reserve: 131,
  ringbuf_submit: 132,
  ringbuf_discard: 133,
  spin_lock: 93,
  spin_unlock: 94,
  jiffies64: 118,
  ktime_get_boot_ns: 125,
  check_mtu: 163,
  timer_init: 169,
  timer_set_callback: 170,
  timer_start: 171,
  timer_cancel: 172,
  loop: 181,
  xdp_get_buff_len: 188,
  xdp_load_bytes: 189,
  xdp_store_bytes: 190,
  skb_store_bytes: 9,
  skb_load_bytes: 26,
  skb_pull_data: 39,
  skb_adjust_room: 50,
} as const;

/** A function's instructions, block by block. The next one is taken after the caller is done
 *  with this one, so a pass may insert before it or change its operands. */
export function* instructionsOf(fn: ValueRef): Generator<ValueRef> {
  for (let bb = C.LLVMGetFirstBasicBlock(fn); bb; bb = C.LLVMGetNextBasicBlock(bb))
    for (let i = C.LLVMGetFirstInstruction(bb); i; i = C.LLVMGetNextInstruction(i)) yield i;
}

/** An LLVM module for the BPF target, and what the builders of its functions share. */
export class IRModule {
  readonly ctx: ContextRef;
  readonly module: ModuleRef;
  private readonly tbaaTags = new Map<Memory, ValueRef>();
  private tbaaRoot: MetadataRef | undefined;
  private tbaaKind: number | undefined;

  constructor(name: string) {
    this.ctx = C.LLVMContextCreate();
    this.module = C.LLVMModuleCreateWithNameInContext(name, this.ctx);
    C.LLVMSetTarget(this.module, TRIPLE);
    C.LLVMSetDataLayout(this.module, dataLayout());
  }

  /**
   * Tells LLVM which memory an access touches (type-based alias analysis with one type per
   * kind of memory): packet, map values and the stack never overlap, so a store to the packet
   * does not make LLVM reload a map value it already has in a register.
   */
  tagMemory(access: ValueRef, memory: Memory | undefined): void {
    if (!memory) return;
    let tag = this.tbaaTags.get(memory);
    if (!tag) {
      const md = (s: string) => C.LLVMMDStringInContext2(this.ctx, s, s.length);
      const zero = C.LLVMValueAsMetadata(C.LLVMConstInt(C.LLVMInt64TypeInContext(this.ctx), 0, 0));
      this.tbaaRoot ??= C.LLVMMDNodeInContext2(this.ctx, [md("tsbpf memory")], 1);
      const type = C.LLVMMDNodeInContext2(this.ctx, [md(memory), this.tbaaRoot, zero], 3);
      tag = C.LLVMMetadataAsValue(this.ctx, C.LLVMMDNodeInContext2(this.ctx, [type, type, zero], 3));
      this.tbaaTags.set(memory, tag);
    }
    C.LLVMSetMetadata(access, (this.tbaaKind ??= C.LLVMGetMDKindIDInContext(this.ctx, "tbaa", 4)), tag);
  }
}

/** Builds the instructions of one function. */
export class IRBuilder {
  readonly b: BuilderRef;

  constructor(readonly ir: IRModule) {
    this.b = C.LLVMCreateBuilderInContext(ir.ctx);
  }

  dispose() {
    C.LLVMDisposeBuilder(this.b);
  }

  // ---- types and constants ------------------------------------------------------------

  int(bits: number): TypeRef {
    return C.LLVMIntTypeInContext(this.ir.ctx, bits);
  }
  get i1(): TypeRef {
    return this.int(1);
  }
  get i8p(): TypeRef {
    return C.LLVMPointerType(this.int(8), 0);
  }
  constInt(t: IntT | number, value: bigint): ValueRef {
    const bits = typeof t === "number" ? t : t.bits;
    const masked = BigInt.asUintN(bits, value);
    return C.LLVMConstInt(this.int(bits), masked, 0);
  }
  nullPtr(): ValueRef {
    return C.LLVMConstPointerNull(this.i8p);
  }

  // ---- memory -------------------------------------------------------------------------

  /** Loads an integer of `bits` from `p` (an i8*), telling LLVM its alignment and memory. */
  loadInt(bits: number, p: ValueRef, align: number, memory: Memory | undefined): ValueRef {
    const v = C.LLVMBuildLoad2(this.b, this.int(bits), this.typedPointer(p, bits), "");
    C.LLVMSetAlignment(v, align);
    this.ir.tagMemory(v, memory);
    return v;
  }

  /** Stores an integer `v` of `bits` to `p` (an i8*), telling LLVM its alignment and memory. */
  storeInt(bits: number, v: ValueRef, p: ValueRef, align: number, memory: Memory | undefined): void {
    const st = C.LLVMBuildStore(this.b, v, this.typedPointer(p, bits));
    C.LLVMSetAlignment(st, align);
    this.ir.tagMemory(st, memory);
  }

  typedPointer(p: ValueRef, bits: number): ValueRef {
    return C.LLVMBuildBitCast(this.b, p, C.LLVMPointerType(this.int(bits), 0), "");
  }

  memcpy(dst: ValueRef, src: ValueRef, size: number, align: number) {
    C.LLVMBuildMemCpy(this.b, dst, align, src, align, this.constInt(64, BigInt(size)));
  }
  memset(dst: ValueRef, size: number, align: number) {
    C.LLVMBuildMemSet(this.b, dst, this.constInt(8, 0n), this.constInt(64, BigInt(size)), align);
  }

  // ---- calls --------------------------------------------------------------------------

  /** Calls an overloaded LLVM intrinsic such as `llvm.bswap` at `type`. */
  callIntrinsic(name: string, type: TypeRef, args: ValueRef[]): ValueRef {
    const id = C.LLVMLookupIntrinsicID(name, name.length);
    const fn = C.LLVMGetIntrinsicDeclaration(this.ir.module, id, [type], 1);
    const fnType = C.LLVMFunctionType(
      type,
      args.map((a) => C.LLVMTypeOf(a)),
      args.length,
      0,
    );
    return C.LLVMBuildCall2(this.b, fnType, fn, args, args.length, "");
  }

  bswap(v: ValueRef, bits: number): ValueRef {
    if (bits === 8) return v;
    return this.callIntrinsic("llvm.bswap", this.int(bits), [v]);
  }

  /**
   * `v` unchanged, but opaque to LLVM: an empty inline asm taking and giving the value in one
   * register (the kernel's `barrier_var()`), which costs no instruction. LLVM can neither
   * compute through it nor move it above the branch it is in, so a bound the verifier needs
   * stays on the register that is used (docs/compiler.md, "Packet access").
   */
  opaque(v: ValueRef): ValueRef {
    return this.inRegister(v, "", "opaque");
  }

  /**
   * `v` unchanged through an `&= -1` that LLVM cannot see through: one instruction, which the
   * verifier sees as arithmetic, so the register no longer carries a link to the one it was
   * copied from (verifier-links.ts). The bounds stay: `& -1` keeps every known bit.
   */
  unlinked(v: ValueRef): ValueRef {
    return this.inRegister(v, "$0 &= -1", "unlinked");
  }

  /** `text` as inline asm taking `v` and giving a value (in the same register unless `constraints` say), free of side effects. */
  private inRegister(v: ValueRef, text: string, name: string, constraints = "=r,0"): ValueRef {
    const ty = C.LLVMTypeOf(v);
    const fnType = C.LLVMFunctionType(ty, [ty], 1, 0);
    const asm = C.LLVMGetInlineAsm(
      fnType,
      text,
      Buffer.byteLength(text),
      constraints,
      constraints.length,
      0,
      0,
      InlineAsmDialect.ATT,
      0,
    );
    const call = C.LLVMBuildCall2(this.b, fnType, asm, [v], 1, name);
    for (const attr of ["readnone", "nounwind"]) {
      const kind = C.LLVMGetEnumAttributeKindForName(attr, attr.length);
      C.LLVMAddCallSiteAttribute(call, 0xffffffff, C.LLVMCreateEnumAttribute(this.ir.ctx, kind, 0n));
    }
    return call;
  }

  /**
   * `min(v, last)` for an unsigned 64-bit index, in instructions LLVM cannot change (inline asm):
   *   r1 = v; r1 &= -1; r0 = last; if r1 > last goto L; r0 = r1; L:
   * Two things keep the verifier's paths few (its complexity limit, docs/compiler.md):
   * - `r1 &= -1` (unlinked) makes a copy the verifier does not link to `v`: after a `mov` the
   *   branch would narrow `v` itself, below and above `last` on the two paths, and while `v`
   *   lives (a value an address depends on, which the verifier compares exactly) they never merge;
   * - the verifier walks a branch's fall-through first: here the in-range index, `[0, last]`, so
   *   when the other path arrives with `last` it is within that state and pruned (a `select`
   *   falls through to the constant, and the range is walked again after it).
   */
  clampIndex(v: ValueRef, last: bigint): ValueRef {
    const text = `$0 = ${last}\n\tif $1 > ${last} goto .Lclamp\${:uid}\n\t$0 = $1\n.Lclamp\${:uid}:`;
    return this.inRegister(this.unlinked(v), text, "clamped", "=&r,r");
  }

  /**
   * The pointer `p`, which the caller knows is not null, as one LLVM knows is not null: an
   * opaque copy (no instruction) whose result is marked `nonnull`. For an address that LLVM
   * cannot prove non-null by itself, such as a packet address `data + off`.
   */
  nonNull(p: ValueRef): ValueRef {
    const call = this.opaque(p);
    const kind = C.LLVMGetEnumAttributeKindForName("nonnull", 7);
    C.LLVMAddCallSiteAttribute(call, 0, C.LLVMCreateEnumAttribute(this.ir.ctx, kind, 0n));
    return call;
  }

  /** Emits `call ret inttoptr(id)(args…)`, the way clang calls BPF helpers. */
  helperCall(id: number, ret: TypeRef, args: ValueRef[]): ValueRef {
    const argTypes = args.map((a) => C.LLVMTypeOf(a));
    const fnType = C.LLVMFunctionType(ret, argTypes, argTypes.length, 0);
    const fnPtr = C.LLVMConstIntToPtr(C.LLVMConstInt(this.int(64), id, 0), C.LLVMPointerType(fnType, 0));
    return C.LLVMBuildCall2(this.b, fnType, fnPtr, args, args.length, "");
  }
}
