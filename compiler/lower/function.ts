// State of lowering one function body: the LLVM function and builder, local variables,
// loop targets, and the memory and conversion operations statements and expressions share.
import type { Node } from "ts-morph";
import { IntPredicate } from "../llvm/enums.ts";
import { C, type BasicBlockRef, type MetadataRef, type ValueRef } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import {
  alignOf,
  kernelObjectIn,
  literalType,
  sizeOf,
  typeName,
  valueType,
  type BType,
  type IntT,
  type ProgramKind,
} from "../types.ts";
import type { ModuleLowerer } from "./module.ts";
import { IRBuilder } from "./irbuilder.ts";
import { Lifetimes } from "./lifetimes.ts";
import type { Chain } from "./optional.ts";
import { nullableTruth } from "./nullable-scalar.ts";
import {
  describe,
  type LoopBack,
  type Memory,
  type PacketMove,
  type PacketState,
  type RefTemplate,
  type StaleParameterUse,
  type Val,
} from "./values.ts";

/** A local variable: a stack slot for scalars and structs, or a bound reference. */
export type Local =
  | { kind: "slot"; type: IntT | { kind: "bool" }; p: ValueRef }
  | { kind: "bound"; val: Val }
  /** A `let` holding a map-value reference (lookup() result): a stack slot of the pointer, reassignable. */
  | { kind: "pointer"; template: RefTemplate; p: ValueRef };

/** What a function returns. A struct or array is returned by reference (see ModuleLowerer.returnFrom);
 *  `packet` and `memory` say where the references it returns point, once its body is lowered. */
export type Returns =
  | IntT
  | { kind: "bool" }
  | { kind: "void" }
  | { kind: "ref"; type: BType; nullable: boolean; packet: boolean; memory?: Memory }
  /** The return type had an error (reported). */
  | { kind: "unknown" };

interface LoopTargets {
  breakTo: BasicBlockRef;
  continueTo: BasicBlockRef | undefined;
}

export class FunctionLowerer extends IRBuilder {
  readonly locals = new Map<unknown, Local>();
  /** Declarations that failed to lower: their uses are not reported again. */
  readonly poisoned = new Set<unknown>();
  readonly loops: LoopTargets[] = [];
  /** The counters of the enclosing `for` loops whose value in the loop's body is known to stay in
   *  [0, max] (`inRangeCounter` in statements.ts), by declaration: an index that is one needs no clamp. */
  readonly inRangeCounters = new Map<unknown, bigint>();
  /** The optional chain being lowered (optional.ts): its presence tests branch to its absent block. */
  chain: Chain | undefined;
  /** The struct xdp_md * argument, in programs and in functions that take the context. */
  contextArg: ValueRef | null = null;
  /** Which context contextArg is: struct xdp_md (XDP) or struct __sk_buff (tc). */
  contextKind: ProgramKind = "xdp";
  /** In a function returning a struct: the caller's slot that a value on this function's stack is copied to. */
  sret: ValueRef | null = null;
  /** The values of its `return` statements (for what a returned reference points to). */
  readonly returned: Val[] = [];
  /** The first call in this function that moves the packet, if any. */
  adjusted: PacketMove | undefined;
  /** Packet moves that may have happened on the way to the current block, and at the end of each block left. */
  private packetMoves: PacketState = new Set();
  private readonly blockMoves = new Map<BasicBlockRef, PacketState>();
  private readonly entry: BasicBlockRef;

  constructor(
    readonly m: ModuleLowerer,
    readonly fn: ValueRef,
    readonly scope: MetadataRef,
    /** What the function returns: i32 for programs (an XdpAction), the declared type (or a reference) for the program's own functions. */
    readonly returns: Returns,
  ) {
    super(m);
    this.entry = C.LLVMAppendBasicBlockInContext(m.ctx, fn, "entry");
    this.placed.add(this.entry);
    C.LLVMPositionBuilderAtEnd(this.b, this.entry);
  }

  // ---- blocks -------------------------------------------------------------------------

  /**
   * Blocks in the order their code is built, as clang emits them: a block moves to the
   * function's end when it is first entered, so an `if`'s then-part follows its test and its
   * else-part and join come after it (blocks are created before their code: the join before
   * the arms). LLVM keeps this order, and the BPF backend cannot reverse a conditional jump to
   * change it: with the else-part first, every `if` became `if c goto then; goto else`, one
   * jump more, and the verifier, which walks the fall-through first, walked each else-part
   * before its then-part. A value compared again later is then decided (made precise) on the
   * path walked first, and the other path's state no longer prunes against it: twelve if/else on
   * map fields cost 1,041 processed instructions (189 now) where clang's C costs 186
   * (docs/fuzzing.md, "Block order").
   */
  private readonly placed = new Set<BasicBlockRef>();
  block(name: string): BasicBlockRef {
    return C.LLVMAppendBasicBlockInContext(this.m.ctx, this.fn, name);
  }
  positionAt(block: BasicBlockRef) {
    const current = this.current;
    if (current === block) return;
    if (!this.placed.has(block)) {
      this.placed.add(block);
      C.LLVMMoveBasicBlockAfter(block, C.LLVMGetLastBasicBlock(this.fn));
    }
    this.blockMoves.set(current, this.packetMoves);
    C.LLVMPositionBuilderAtEnd(this.b, block);
    this.packetMoves = this.blockMoves.get(block) ?? this.movesFromPredecessors(block);
  }

  // ---- packet moves ---------------------------------------------------------------------
  // A view of the packet taken before ctx.adjustHead/Tail/Meta points to memory the helper may
  // have moved: the verifier rejects its use. Which moves may precede a point is followed
  // through the blocks as they are built: a new block starts with the moves of the blocks that
  // branch to it, so a branch that returns after adjusting leaves the views after it valid. A
  // loop's back edge is built after its body: the body's points carry the loop's mark instead
  // (loopStart/loopEnd). A function's reference parameters count as taken at its entry.

  /** A new block's moves: those of the blocks that branch to it (already built, with their moves). */
  private movesFromPredecessors(block: BasicBlockRef): PacketState {
    const moves = new Set<PacketMove | LoopBack>();
    for (let u = C.LLVMGetFirstUse(C.LLVMBasicBlockAsValue(block)); u; u = C.LLVMGetNextUse(u)) {
      const from = C.LLVMGetInstructionParent(C.LLVMGetUser(u));
      for (const m of this.blockMoves.get(from) ?? (from === this.current ? this.packetMoves : [])) moves.add(m);
    }
    return moves;
  }

  /** The packet moves that may have happened before this point (recorded in views taken here). */
  packetState(): PacketState {
    return this.packetMoves;
  }

  /** Records a call that moves the packet: views taken before it are invalid after it. */
  packetMoved(move: PacketMove) {
    this.packetMoves = new Set([...this.packetMoves, move]);
    this.adjusted ??= move;
  }

  /**
   * At a loop's start (its condition block): marks the points inside the loop with what its back
   * edge will bring, known at `loopEnd`. A move late in the body precedes, in the next iteration,
   * the uses early in it.
   */
  loopStart(): LoopBack {
    const loop: LoopBack = { loop: true, before: realMoves(this.packetMoves), pending: [] };
    this.packetMoves = new Set([...this.packetMoves, loop]);
    return loop;
  }

  /** At the loop's back edge (the end of its step block): the moves it brings are known now;
   *  the uses that waited for them are checked. */
  loopEnd(loop: LoopBack) {
    loop.moves = new Set([...realMoves(this.packetMoves)].filter((m) => !loop.before.has(m)));
    for (const use of loop.pending) {
      const move = [...loop.moves].find((m) => !use.view.takenAt!.has(m));
      if (move) this.stale(use.view, use.name, use.node, move, "earlier iteration");
    }
  }

  /** Reports (throws) if `view` (named `name` at `node`) may have been taken before a packet move on the way here.
   *  A reference parameter may be a packet view: its stale uses are checked where a call passes one. */
  checkView(view: Val | RefTemplate, name: string, node: Node) {
    if (view.kind !== "ref" || !view.takenAt || !(view.packet || view.param !== undefined)) return;
    const waiting: LoopBack[] = [];
    for (const e of this.packetMoves) {
      if (view.takenAt.has(e)) continue;
      if (!("loop" in e)) {
        this.stale(view, name, node, e);
        return;
      }
      // A loop the view was taken before: what its back edge brings, if known yet.
      if (!e.moves) waiting.push(e);
      const move = e.moves && [...e.moves].find((m) => !view.takenAt!.has(m));
      if (move) {
        this.stale(view, name, node, move);
        return;
      }
    }
    for (const loop of waiting) loop.pending.push({ view, name, node });
  }

  /** Reference parameters used after a packet move (see StaleParameterUse), by index. */
  readonly staleParameters = new Map<number, StaleParameterUse[]>();

  /** A use of `view` after `move`: an error (thrown while lowering the use, reported when found
   *  later), or, for a parameter, a note for the calls that pass a packet view. */
  private stale(view: RefTemplate, name: string, node: Node, move: PacketMove, iteration?: "earlier iteration") {
    if (!view.packet && view.param !== undefined) {
      const uses = this.staleParameters.get(view.param) ?? [];
      if (!uses.some((u) => u.node === node))
        uses.push({ name, node, move, type: view.type, earlierIteration: iteration !== undefined });
      this.staleParameters.set(view.param, uses);
      return;
    }
    const error = staleViewError(name, node, move, view.type, ...(iteration ? [EARLIER_ITERATION] : []));
    if (!this.m.firstStaleReport(node)) return;
    if (iteration) this.m.report(error);
    else throw error;
  }
  get current(): BasicBlockRef {
    return C.LLVMGetInsertBlock(this.b);
  }
  /** True when the current block already ends (after return, break, continue). */
  get terminated(): boolean {
    return !!C.LLVMGetBasicBlockTerminator(this.current);
  }
  /** True when nothing branches to the current block (code after a switch whose every case returns). */
  get unreachable(): boolean {
    const block = this.current;
    return block !== this.entry && !C.LLVMGetFirstUse(C.LLVMBasicBlockAsValue(block));
  }
  /** Ends the function's last block: with `fallback` if control can reach it, else `unreachable`. */
  finish(fallback: () => void) {
    if (this.terminated) return;
    if (this.unreachable) C.LLVMBuildUnreachable(this.b);
    else fallback();
  }
  br(to: BasicBlockRef) {
    if (!this.terminated) C.LLVMBuildBr(this.b, to);
  }
  /** Code after a return in the same block is unreachable; give it a block of its own. */
  startDeadBlock() {
    // Keeps the packet moves so far: after an error, lowering goes on as if the statement had run.
    const moves = this.packetMoves;
    this.positionAt(this.block("dead"));
    this.packetMoves = moves;
  }

  at(node: Node) {
    this.lastNode = node;
    C.LLVMSetCurrentDebugLocation2(this.b, this.m.di.location(node, this.scope));
  }
  /** The node being lowered, for diagnostics found after lowering (stack size). */
  private lastNode: Node | undefined;

  /** The lifetimes of block-scoped variables' and temporaries' slots (lifetimes.ts). */
  readonly lifetimes = new Lifetimes(this);

  /** A slot for a block-scoped variable or a temporary: it lives from here until the innermost
   *  block ends (lifetimes.ts), so that LLVM may give its bytes to a later block's slots. */
  scopedAlloca(type: BType, name: string): ValueRef {
    const slot = this.alloca(type, name);
    this.lifetimes.begin(slot, sizeOf(type));
    return slot;
  }

  override dispose() {
    this.lifetimes.finish(this.fn);
    super.dispose();
  }

  /** A stack slot in the entry block, so that mem2reg/SROA can promote it. */
  alloca(type: BType | "ptr", name: string): ValueRef {
    // Named `name.N` so that a slot LLVM could not promote is traced back to its variable.
    name = this.m.stackSlot(name, type === "ptr" ? 8 : sizeOf(type), this.lastNode);
    const here = this.current;
    const first = C.LLVMGetFirstInstruction(this.entry);
    // (The builder visits the entry block and comes back: not a move between blocks.)
    if (first) C.LLVMPositionBuilderBefore(this.b, first);
    else C.LLVMPositionBuilderAtEnd(this.b, this.entry);
    let slot: ValueRef;
    if (type === "ptr") {
      slot = C.LLVMBuildAlloca(this.b, this.i8p, name);
    } else {
      const size = sizeOf(type);
      slot = C.LLVMBuildAlloca(this.b, C.LLVMArrayType(this.int(8), size), name);
      C.LLVMSetAlignment(slot, Math.max(alignOf(type), type.kind === "int" ? 1 : 8));
      slot = C.LLVMBuildBitCast(this.b, slot, this.i8p, name);
    }
    C.LLVMPositionBuilderAtEnd(this.b, here);
    return slot;
  }

  // ---- memory -------------------------------------------------------------------------

  /** Address of `offset` bytes into `base` (an i8*). */
  offset(base: ValueRef, offset: number | ValueRef): ValueRef {
    const idx = typeof offset === "number" ? this.constInt(64, BigInt(offset)) : offset;
    if (typeof offset === "number" && offset === 0) return base;
    return C.LLVMBuildInBoundsGEP2(this.b, this.int(8), base, [idx], 1, "");
  }

  /** Reads an integer or bool from memory; big-endian fields are swapped to host order. */
  load(ref: Extract<Val, { kind: "ref" }>, node: Node): Val {
    const t = ref.type;
    if (t.kind === "bool") {
      const v = C.LLVMBuildLoad2(this.b, this.int(8), ref.p, "");
      C.LLVMSetAlignment(v, 1);
      return { kind: "bool", v: C.LLVMBuildICmp(this.b, IntPredicate.NE, v, this.constInt(8, 0n), "") };
    }
    if (t.kind !== "int") throw new CompileError(node, `a ${describe(ref)} is not a number; read one of its fields`);
    const v = this.loadInt(t.bits, ref.p, Math.min(ref.align, t.bits / 8), ref.memory);
    return { kind: "int", type: valueType(t), v, swapped: t.bigEndian && t.bits > 8 };
  }

  /** Writes `val` to memory of type `ref.type`: integers are converted, structs copied. */
  store(ref: Extract<Val, { kind: "ref" }>, val: Val, node: Node): void {
    const t = ref.type;
    if (t.kind === "struct" || t.kind === "array") {
      if (val.kind !== "ref") throw new CompileError(node, `cannot assign ${describe(val)} to ${describe(ref)}`);
      const kernel = kernelObjectIn(t);
      if (kernel && (ref.memory !== "stack" || val.memory !== "stack"))
        throw new CompileError(
          node,
          `${describe(ref)} holds a ${kernel.name}, which the kernel lets no program copy out of or into a map value; copy its other fields one by one`,
        );
      if (sizeOf(val.type) !== sizeOf(t) || val.type.kind !== t.kind) {
        throw new CompileError(
          node,
          `cannot assign ${describe(val)} (${sizeOf(val.type)} bytes) to ${describe(ref)} (${sizeOf(t)} bytes)`,
        );
      }
      this.memcpy(ref.p, val.p, sizeOf(t), Math.min(ref.align, val.align));
      return;
    }
    if (t.kind === "bool") {
      const bit = this.toBool(val, node);
      const v = C.LLVMBuildZExt(this.b, bit, this.int(8), "");
      C.LLVMSetAlignment(C.LLVMBuildStore(this.b, v, ref.p), 1);
      return;
    }
    const v = t.bigEndian ? this.toRaw(val, valueType(t), node) : this.toInt(val, valueType(t), node).v;
    this.storeInt(t.bits, v, ref.p, Math.min(ref.align, t.bits / 8), ref.memory);
  }

  /** A reference to a field of a struct reference (or an element of an array reference). */
  field(ref: Extract<Val, { kind: "ref" }>, name: string, node: Node): Extract<Val, { kind: "ref" }> {
    if (ref.type.kind !== "struct") throw new CompileError(node, `${describe(ref)} has no fields`);
    if (ref.type.kernel)
      throw new CompileError(
        node,
        `a ${ref.type.name} is the kernel's: pass it to its helpers (${ref.type.kernel === "bpf_timer" ? "timerInit(), timerSetCallback(), timerStart(), timerCancel()" : "spinLock(), spinUnlock()"}) and read no field of it`,
      );
    const f = ref.type.fields.find((x) => x.name === name);
    if (!f) throw new CompileError(node, `struct ${ref.type.name} has no field '${name}'`);
    const align = ref.type.packed ? 1 : Math.min(ref.align, alignOf(f.type));
    return {
      kind: "ref",
      type: f.type,
      p: this.offset(ref.p, f.offset),
      nullable: false,
      align,
      packet: ref.packet,
      memory: ref.memory,
    };
  }

  // ---- conversions --------------------------------------------------------------------

  /** Converts to an integer of `type`: constants are typed, wider values truncated, narrower extended by their own signedness. */
  toInt(val: Val, type: IntT, node: Node): Extract<Val, { kind: "int" }> {
    if (val.kind === "int" && val.swapped) val = { kind: "int", type: val.type, v: this.bswap(val.v, val.type.bits) };
    if (val.kind === "const") return { kind: "int", type, v: this.constInt(type, val.value) };
    if (val.kind === "bool") return { kind: "int", type, v: C.LLVMBuildZExt(this.b, val.v, this.int(type.bits), "") };
    if (val.kind === "ref" && (val.type.kind === "int" || val.type.kind === "bool"))
      return this.toInt(this.load(val, node), type, node);
    if (val.kind !== "int") throw new CompileError(node, `expected an integer, got ${describe(val)}`);
    if (val.type.bits === type.bits) return { kind: "int", type, v: val.v };
    const v =
      val.type.bits > type.bits
        ? C.LLVMBuildTrunc(this.b, val.v, this.int(type.bits), "")
        : val.type.signed
          ? C.LLVMBuildSExt(this.b, val.v, this.int(type.bits), "")
          : C.LLVMBuildZExt(this.b, val.v, this.int(type.bits), "");
    return { kind: "int", type, v };
  }

  /** The byte-swapped (network-order) form of a value of `type`: no swap for a value read swapped. */
  toRaw(val: Val, type: IntT, node: Node): ValueRef {
    if (val.kind === "int" && val.swapped && val.type.bits === type.bits) return val.v;
    if (val.kind === "const") return this.constInt(type, swapBytes(BigInt.asUintN(type.bits, val.value), type.bits));
    return this.bswap(this.toInt(val, type, node).v, type.bits);
  }

  /**
   * The truth of a value: integers are true unless 0, references unless null; a reference to a
   * number is its value's truth, false where it is null (`counts.lookup(k)` holding 0 or absent).
   */
  toBool(val: Val, node: Node): ValueRef {
    switch (val.kind) {
      case "bool":
        return val.v;
      case "const":
        return C.LLVMConstInt(this.i1, val.value !== 0n ? 1 : 0, 0);
      case "int":
        return C.LLVMBuildICmp(this.b, IntPredicate.NE, val.v, this.constInt(val.type, 0n), "");
      case "ref":
        if (val.type.kind === "int" || val.type.kind === "bool")
          return val.nullable ? nullableTruth(this, val, node) : this.toBool(this.load(val, node), node);
        return this.isPresent(val);
      case "null":
        return C.LLVMConstInt(this.i1, 0, 0);
      case "map":
        if (val.p) return C.LLVMBuildICmp(this.b, IntPredicate.NE, val.p, this.nullPtr(), ""); // falls through
      default:
        throw new CompileError(node, `${describe(val)} cannot be used as a condition`);
    }
  }

  /** Whether a reference (or an inner map) is there: a view's bounds check, or its pointer is not null. */
  isPresent(val: Extract<Val, { kind: "ref" | "map" }>): ValueRef {
    if (val.kind === "ref" && val.present) return val.present;
    if (!val.p) return C.LLVMConstInt(this.i1, 1, 0);
    return C.LLVMBuildICmp(this.b, IntPredicate.NE, val.p, this.nullPtr(), "");
  }

  /**
   * The reference as a pointer that is null when absent (for phis, slots, calls and returns).
   * A present view's address is marked non-null (IRBuilder.nonNull): `data + off` is never
   * null, but LLVM cannot know it, and where such a pointer was tested against null and the same
   * address read, LLVM took the read on the null side for undefined behaviour and left that path
   * `unreachable`, code that runs off the end for the verifier (fuzzer seed 40004597,
   * test/fuzz/regressions/view_null_test.ts). Marked, the test is the bounds check alone.
   */
  pointerOrNull(val: Extract<Val, { kind: "ref" }>): ValueRef {
    if (!val.present) return val.p;
    return C.LLVMBuildSelect(this.b, val.present, this.nonNull(val.p), this.nullPtr(), "");
  }

  /** Loads a scalar out of a reference; other values pass through. */
  rvalue(val: Val, node: Node): Val {
    if (val.kind === "ref" && (val.type.kind === "int" || val.type.kind === "bool")) return this.load(val, node);
    return val;
  }

  /** The default type of an integer constant that meets nothing else: u32, or u64 for bigint literals. */
  defaultType(val: Extract<Val, { kind: "const" }>): IntT {
    return literalType(val.value, val.big);
  }
}

/** The moves of a packet state, with those of finished loops' back edges. */
function realMoves(state: PacketState): Set<PacketMove> {
  const moves = new Set<PacketMove>();
  for (const e of state) {
    if (!("loop" in e)) moves.add(e);
    else for (const m of e.moves ?? []) moves.add(m);
  }
  return moves;
}

export const EARLIER_ITERATION = "in an earlier iteration of the loop";

/** "'eth' was taken before ctx.adjustHead() on line 12, which moves the packet; …", at the use;
 *  `notes` say more about the move ("in an earlier iteration of the loop"). */
export function staleViewError(
  name: string,
  node: Node,
  move: PacketMove,
  type: BType,
  ...notes: string[]
): CompileError {
  const line = move.call.getStartLineNumber();
  const all = [
    ...(move.via ? [`in '${move.via.name}', called on line ${move.via.call.getStartLineNumber()}`] : []),
    ...notes,
  ];
  return new CompileError(
    node,
    `'${name}' was taken before ctx.${move.method}() on line ${line}${all.length ? ` (${all.join("; ")})` : ""}, which moves the packet; take the header again with ctx.header(${typeName(type)}, …) after it`,
  );
}

/** A constant with its bytes reversed (network order ↔ host order). */
export function swapBytes(value: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((value >> BigInt(8 * i)) & 0xffn);
  return out;
}
