// After default<O2>: packet access that LLVM's optimizations left in a shape the verifier cannot
// follow, put back into one it can. Each rewrite adds an opaque copy (the kernel's
// barrier_var(), `IRBuilder.opaque`) only where the optimized IR shows the problem, so code that
// is already in an acceptable shape (all of the LB) comes out unchanged; done before
// optimization, the same barriers cost instructions everywhere and stopped loop unrolling.
//
// 1. A bounds check's pointer used again where the check failed. `if (p + size > data_end)`:
//    on the failing side the verifier marks the register holding `p + size` as past the
//    packet's end, and rejects any access through it. LLVM, which knows nothing of that, gives
//    one register to equal addresses: a second view's check `data + 29 + 16` and the first
//    view's field `data + 45` (fuzzer seed 3067, test/fuzz/regressions/view_reuse.ts). The
//    check then compares an opaque copy.
// 2. A view offset the verifier cannot bound by itself. `ctx.header(V, off)` checks
//    `off <= 4095` (MAX_VIEW_OFFSET) so that `data + off` has a range, but after LLVM the
//    register added to `data` is often not the one compared: LLVM drops the check when it
//    proves it, also from `x % 40` or `x / 20` (the verifier knows nothing after a division,
//    and LLVM turns `%` into `x - x / 40 * 40`) or `u8 >> n` (nor after a shift by a register;
//    LLVM then drops the `& 255` it proves redundant: seed 30010011); it narrows it to the
//    offset's source (an i16's zero extension compared in 16 bits, on a masked copy: fuzzer seed
//    20); it replaces it by an equivalent test of another value (`(1 << n) <= 4095` becomes
//    `n < 12`: seed 76); or code generation computes the address before the branch (a view merged as a pointer: seed 3045).
//    So every offset whose bound the verifier cannot know from the arithmetic alone is clamped
//    again, on an opaque copy, just before it is added. The clamp never changes a result: where
//    the check was dropped LLVM proved it true, and where it was kept the view's address is used
//    only when it held. It costs three instructions where it is added (none in the LB).
//    And where LLVM merged two views' blocks (an unrolled loop's iterations) and computes
//    `data + phi(o1, o2)` after the merge, the view becomes the phi of the checked addresses;
//    where it made two views' reads one (`a?.f ?? b.f`: `data + select(c, o1, o2)`), the select
//    of them (seed 95028320).
//    An arm that is a constant is `data + c` (it shares `data`'s checked range), and a checked
//    `(data + k') + o` serves a read at `(data + k) + phi(…, o)` moved by `k - k'` (seed 70014102).
//    A view used only by its check, `data + off + size <= data_end`, in a loop, is no
//    `data + off`: LLVM reassociates it to `(data + size) + off` and takes `data + size` out of
//    the loop (fuzzer seeds 70003181, 70006416, 70013081, 70014747). Its offset is clamped too,
//    but only where the verifier loses it entirely (a division, a shift by a register: Linux
//    6.18 then forgets even the zero upper half of a 32-bit result, so a check LLVM narrowed to
//    32 bits bounds nothing); elsewhere the view's own check bounds it, and the LB's such sums
//    stay as they are.
import { IntPredicate, Opcode, TypeKind } from "../llvm/enums.ts";
import { addressOf, C, type BasicBlockRef, type ValueRef } from "../llvm/capi.ts";
import { dominates } from "./dominance.ts";
import { instructionsOf, IRBuilder, type IRModule } from "./irbuilder.ts";
import { MAX_PACKET_OFF, MAX_VIEW_OFFSET } from "./xdp.ts";

export function fixPacketShapes(m: IRModule): void {
  const b = new IRBuilder(m);
  try {
    for (let fn = C.LLVMGetFirstFunction(m.module); fn; fn = C.LLVMGetNextFunction(fn)) {
      const checks: ValueRef[] = [];
      const views: ValueRef[] = [];
      const viewEnds: ValueRef[] = []; // `(data + k) + off`: LLVM folded a constant into `data`
      for (const i of instructionsOf(fn)) {
        const op = C.LLVMGetInstructionOpcode(i);
        if (op === Opcode.ICmp && isPointer(C.LLVMGetOperand(i, 0))) checks.push(i);
        else if (op === Opcode.GetElementPtr) {
          const base = C.LLVMGetOperand(i, 0);
          if (packetPointer(base) === "data") views.push(i);
          else if (packetPointer(stripConstantOffsets(base)) === "data") viewEnds.push(i);
        }
      }
      // Merged ones first: a clamp replaces the offset by which their checked addresses are
      // found (seed 92020595: one arm's `data + off` clamped first, the merged view then clamped
      // on its own, a new pointer the verifier never saw checked).
      const unmergedViews = views.filter((gep) => !reuseCheckedAddress(b, gep));
      const unmerged = viewEnds.filter((gep) => !reuseCheckedAddress(b, gep));
      for (const gep of unmergedViews) clampViewOffset(b, gep, VERIFIER_BOUNDED);
      for (const gep of unmerged) clampViewOffset(b, gep, LOST - 1n);
      for (const check of checks) separateCheckedPointer(b, check);
    }
  } finally {
    b.dispose();
  }
}

// ---- 1. bounds checks --------------------------------------------------------------------

function separateCheckedPointer(b: IRBuilder, check: ValueRef): void {
  const operands = [C.LLVMGetOperand(check, 0), C.LLVMGetOperand(check, 1)];
  if (operands.some((o) => C.LLVMIsConstant(o))) return; // a null test, not a bounds check
  const pred = C.LLVMGetICmpPredicate(check);
  operands.forEach((p, index) => {
    if (packetPointer(p) !== undefined) return; // data_end (or data) itself is never marked
    if (!usedWhereCheckFailed(check, p, failsWhenTrue(pred, index))) return;
    at(b, check);
    C.LLVMSetOperand(check, index, b.opaque(p));
  });
}

/**
 * Whether the check (`p` its operand number `index`) is true on the side where `p` lies at or
 * past the end; undefined for == and !=, where either side may be.
 */
function failsWhenTrue(pred: number, index: number): boolean | undefined {
  const greater =
    pred === IntPredicate.UGT || pred === IntPredicate.UGE || pred === IntPredicate.SGT || pred === IntPredicate.SGE;
  const less =
    pred === IntPredicate.ULT || pred === IntPredicate.ULE || pred === IntPredicate.SLT || pred === IntPredicate.SLE;
  if (!greater && !less) return undefined;
  return greater === (index === 0);
}

/**
 * Whether `p`, or an address derived from it, is used, other than by the check, on a path from
 * the check's failing side.
 */
function usedWhereCheckFailed(check: ValueRef, p: ValueRef, failsWhenTrue: boolean | undefined): boolean {
  const uses = addressUses(p).filter(({ user }) => addressOf(user) !== addressOf(check));
  if (uses.length === 0) return false;
  const failing: Edge[] = [];
  if (!failingEdges(check, failsWhenTrue, failing, 0)) return true;
  const reached = reachable(failing.map((e) => e.to));
  const failingEdge = (from: BasicBlockRef, to: BasicBlockRef) =>
    failing.some((e) => addressOf(e.from) === addressOf(from) && addressOf(e.to) === addressOf(to));
  return uses.some(({ user: u, value }) => {
    const block = C.LLVMGetInstructionParent(u);
    if (C.LLVMGetInstructionOpcode(u) !== Opcode.PHI) return reached.has(addressOf(block));
    // A phi uses its value at the end of the block it comes from.
    for (let k = 0; k < C.LLVMCountIncoming(u); k++) {
      if (addressOf(C.LLVMGetOperand(u, k)) !== addressOf(value)) continue;
      const from = C.LLVMGetIncomingBlock(u, k);
      if (reached.has(addressOf(from)) || failingEdge(from, block)) return true;
    }
    return false;
  });
}

/**
 * The uses of `p` and of the addresses derived from it by a bitcast or a constant offset: those
 * are `p`'s register to the verifier (a bitcast is no instruction, and code generation folds a
 * constant offset into the access). A field's address computed before the check and used on its
 * failing side is `p` used there (fuzzer seed 20000624: `pk.f6` at data + 14 in a loop, whose
 * bitcast LLVM hoisted next to a second view's check of data + 4 + 10).
 */
function addressUses(p: ValueRef, depth = 0): { user: ValueRef; value: ValueRef }[] {
  const out: { user: ValueRef; value: ValueRef }[] = [];
  for (const user of users(p)) {
    out.push({ user, value: p });
    const op = C.LLVMGetInstructionOpcode(user);
    const derived =
      op === Opcode.BitCast ||
      (op === Opcode.GetElementPtr &&
        addressOf(C.LLVMGetOperand(user, 0)) === addressOf(p) &&
        Array.from({ length: C.LLVMGetNumOperands(user) - 1 }, (_, k) => C.LLVMGetOperand(user, k + 1)).every((i) =>
          C.LLVMIsAConstantInt(i),
        ));
    if (derived && depth < 8) out.push(...addressUses(user, depth + 1));
  }
  return out;
}

interface Edge {
  from: BasicBlockRef;
  to: BasicBlockRef;
}

/**
 * The branch edges taken after the check failed, where `cond` (the check, or a condition it
 * flows into) is `fails` on the failing path (undefined: not known). A check often reaches its
 * branch through `a || check` or `a && check` (a select or or/and of i1): where the check's
 * failing value decides the condition (`a || true`), only that branch side follows the failure;
 * elsewhere both do. False if the check flows somewhere not followed here.
 */
function failingEdges(cond: ValueRef, fails: boolean | undefined, out: Edge[], depth: number): boolean {
  if (depth > 8) return false;
  for (const u of users(cond)) {
    const is = (k: number) => addressOf(C.LLVMGetOperand(u, k)) === addressOf(cond);
    const constant = (k: number) => {
      const c = C.LLVMIsAConstantInt(C.LLVMGetOperand(u, k));
      return c ? BigInt(C.LLVMConstIntGetZExtValue(c)) !== 0n : undefined;
    };
    let next: boolean | undefined | "stop";
    switch (C.LLVMGetInstructionOpcode(u)) {
      case Opcode.Br: {
        const from = C.LLVMGetInstructionParent(u);
        if (fails !== false) out.push({ from, to: C.LLVMGetSuccessor(u, 0) });
        if (fails !== true) out.push({ from, to: C.LLVMGetSuccessor(u, 1) });
        next = "stop";
        break;
      }
      case Opcode.Or:
        next = fails === true ? true : undefined;
        break;
      case Opcode.And:
        next = fails === false ? false : undefined;
        break;
      case Opcode.Xor:
        next = constant(is(0) ? 1 : 0) === true && fails !== undefined ? !fails : undefined;
        break;
      case Opcode.Select: {
        // select(c, t, f): `c || f` when t is true, `c && t` when f is false.
        if (is(0) && !is(1) && !is(2)) {
          const t = constant(1);
          const f = constant(2);
          if (t === true && f === false) next = fails;
          else if (t === false && f === true) next = fails === undefined ? undefined : !fails;
          else if (t === true) next = fails === true ? true : undefined;
          else if (f === false) next = fails === false ? false : undefined;
          else if (t === false) next = fails === true ? false : undefined;
          else if (f === true) next = fails === false ? true : undefined;
          else next = undefined;
        } else if (!is(0)) {
          // select(a, cond, false) = a && cond, select(a, true, cond) = a || cond: when the
          // other side is the constant the failed check gives, the result is that constant.
          const other = constant(is(1) ? 2 : 1);
          next = other !== undefined && fails === other ? other : undefined;
        } else next = undefined;
        break;
      }
      default:
        return false;
    }
    if (next !== "stop" && !failingEdges(u, next, out, depth + 1)) return false;
  }
  return true;
}

/** The blocks reachable from `starts` (included). */
function reachable(starts: BasicBlockRef[]): Set<bigint> {
  const seen = new Set<bigint>();
  const work = [...starts];
  while (work.length) {
    const bb = work.pop()!;
    const key = addressOf(bb);
    if (seen.has(key)) continue;
    seen.add(key);
    const term = C.LLVMGetBasicBlockTerminator(bb);
    if (!term) continue;
    for (let k = 0; k < C.LLVMGetNumSuccessors(term); k++) work.push(C.LLVMGetSuccessor(term, k));
  }
  return seen;
}

// ---- 2. view offsets ---------------------------------------------------------------------

/**
 * `data + phi(o1, o2)` where each `data + oK` was already computed (and checked) on the way to its
 * incoming edge: LLVM sank the two views' addresses after the merge of an unrolled loop's
 * iterations, and the one computed after it is a new pointer for the verifier, never checked
 * (fuzzer seed 30000332: "invalid access to packet … r=0"). The view becomes the phi of the
 * checked addresses. The address may be computed in a later block than the merge (a field read in
 * one arm of a `?:` there: seed 30010368), and each checked one in a block before its edge's (the
 * check's own block, before the branch into the view's block).
 * `data + select(c, o1, o2)` is the same merge made without blocks: `a?.f ?? b.f` with views `a`
 * and `b`, which LLVM turns into one read at `data + (a's check failed ? b's offset : a's)` (fuzzer
 * seed 95028320). The view becomes the select of the checked addresses computed before it.
 */
function reuseCheckedAddress(b: IRBuilder, gep: ValueRef): boolean {
  if (C.LLVMGetNumOperands(gep) !== 2) return false;
  const off = C.LLVMGetOperand(gep, 1);
  const op = C.LLVMGetInstructionOpcode(off);
  if (op !== Opcode.PHI && op !== Opcode.Select) return false;
  const base = dataPlus(b, C.LLVMGetOperand(gep, 0));
  if (!base) return false;
  const plan = op === Opcode.PHI ? addressesOfPhi(b, base, off, 0) : addressesOfSelect(b, base, off, gep, 0);
  if (!plan) return false;
  C.LLVMReplaceAllUsesWith(gep, buildAddress(b, plan)); // the gep, unused, generates no code
  return true;
}

/** A packet address `data + k` with a constant `k`. */
interface DataPlus {
  data: ValueRef;
  k: bigint;
}

/** `v` as `data + k` (through bitcasts and byte GEPs by constants); undefined if it is not one. */
function dataPlus(b: IRBuilder, v: ValueRef, depth = 0): DataPlus | undefined {
  v = stripCasts(v);
  if (packetPointer(v) === "data") return { data: v, k: 0n };
  if (depth > 4 || C.LLVMGetInstructionOpcode(v) !== Opcode.GetElementPtr || C.LLVMGetNumOperands(v) !== 2)
    return undefined;
  const c = C.LLVMIsAConstantInt(C.LLVMGetOperand(v, 1));
  if (!c || !isBytePointer(b, C.LLVMGetOperand(v, 0))) return undefined;
  const inner = dataPlus(b, C.LLVMGetOperand(v, 0), depth + 1);
  return inner && { data: inner.data, k: inner.k + BigInt(C.LLVMConstIntGetSExtValue(c)) };
}

function isBytePointer(b: IRBuilder, v: ValueRef): boolean {
  return addressOf(C.LLVMTypeOf(v)) === addressOf(C.LLVMPointerType(b.int(8), 0));
}

/**
 * `base + v` as the verifier has seen it: an address computed already, `delta` bytes before the
 * one wanted (the verifier moves a pointer by a constant without losing its checked range), or a
 * phi of such.
 */
type Address =
  | { kind: "computed"; v: ValueRef; delta: bigint; before: ValueRef }
  | { kind: "phi"; phi: ValueRef; incoming: { address: Address; from: BasicBlockRef }[] }
  | { kind: "select"; select: ValueRef; arms: [Address, Address]; before: ValueRef };

/**
 * `base + off` for a phi `off`, from addresses computed before each incoming edge: each incoming
 * offset's own `data + k' + oK` on the way to its edge, moved by `k - k'` (LLVM may have folded
 * the field's offset into the base: seed 70014102); `data` for a constant offset (`data + c`
 * shares `data`'s checked range: seed 70014102, whose other arm of a `?:` offset folded to 14);
 * or, for an offset that is itself a phi (the merge of an earlier merge: seed 30010368), the phi
 * of its incoming addresses.
 */
function addressesOfPhi(b: IRBuilder, base: DataPlus, off: ValueRef, depth: number): Address | undefined {
  const incoming: { address: Address; from: BasicBlockRef }[] = [];
  for (let k = 0; k < C.LLVMCountIncoming(off); k++) {
    const v = C.LLVMGetOperand(off, k);
    const from = C.LLVMGetIncomingBlock(off, k);
    const before = blocksBefore(from);
    const end = C.LLVMGetBasicBlockTerminator(from)!;
    let address = checkedAddress(b, base, v, end, (u) => before.has(addressOf(C.LLVMGetInstructionParent(u))));
    if (
      !address &&
      depth < 4 &&
      C.LLVMGetInstructionOpcode(v) === Opcode.PHI &&
      before.has(addressOf(C.LLVMGetInstructionParent(v)))
    )
      address = addressesOfPhi(b, base, v, depth + 1);
    if (!address) return undefined;
    incoming.push({ address, from });
  }
  return { kind: "phi", phi: off, incoming };
}

/**
 * `base + off` for a select `off`, used by `at`: the select of each arm's address computed before
 * `at` (or of a select's, for an arm that is itself a select).
 */
function addressesOfSelect(
  b: IRBuilder,
  base: DataPlus,
  off: ValueRef,
  at: ValueRef,
  depth: number,
): Address | undefined {
  const arms: Address[] = [];
  for (const k of [1, 2]) {
    const v = C.LLVMGetOperand(off, k);
    let address = checkedAddress(b, base, v, at, (u) => dominates(u, at));
    if (!address && depth < 4 && C.LLVMGetInstructionOpcode(v) === Opcode.Select)
      address = addressesOfSelect(b, base, v, at, depth + 1);
    if (!address) return undefined;
    arms.push(address);
  }
  return { kind: "select", select: off, arms: [arms[0]!, arms[1]!], before: at };
}

/**
 * `base + v` from an address the verifier has seen, to be built before `before`: `data` for a
 * constant `v` (`data + c` shares `data`'s checked range: seed 70014102, whose other arm of a `?:`
 * offset folded to 14), or a `data + k' + v` computed where `seen` says, moved by `k - k'` (LLVM
 * may have folded the field's offset into the base: seed 70014102).
 */
function checkedAddress(
  b: IRBuilder,
  base: DataPlus,
  v: ValueRef,
  before: ValueRef,
  seen: (u: ValueRef) => boolean,
): Address | undefined {
  const c = C.LLVMIsAConstantInt(v);
  if (c) {
    const delta = base.k + BigInt(C.LLVMConstIntGetSExtValue(c));
    // Beyond MAX_PACKET_OFF `data + c` is no address the verifier checks, and from 2^29 on it
    // refuses the addition itself ("math between pkt pointer and 2147483648", seed 95014989: a
    // table's offset over 4095, where the view is null): such a view is clamped instead.
    if (delta > MAX_PACKET_OFF || delta < -MAX_PACKET_OFF) return undefined;
    return dominates(base.data, before) ? { kind: "computed", v: base.data, delta, before } : undefined;
  }
  let address: Address | undefined;
  for (const u of users(v)) {
    if (
      C.LLVMGetInstructionOpcode(u) !== Opcode.GetElementPtr ||
      C.LLVMGetNumOperands(u) !== 2 ||
      addressOf(C.LLVMGetOperand(u, 1)) !== addressOf(v) ||
      !seen(u) ||
      !isBytePointer(b, C.LLVMGetOperand(u, 0))
    )
      continue;
    const at = dataPlus(b, C.LLVMGetOperand(u, 0));
    if (!at || addressOf(at.data) !== addressOf(base.data)) continue;
    address = { kind: "computed", v: u, delta: base.k - at.k, before };
    if (at.k === base.k) break; // the very address: nothing to add
  }
  return address;
}

/**
 * The address of a plan: a phi of the incoming addresses at the top of the offset phi's block, a
 * select of the arms' addresses where the view was.
 */
function buildAddress(b: IRBuilder, a: Address): ValueRef {
  if (a.kind === "computed") {
    if (a.delta === 0n) return a.v;
    C.LLVMPositionBuilderBefore(b.b, a.before);
    return C.LLVMBuildGEP2(b.b, b.int(8), a.v, [C.LLVMConstInt(b.int(64), a.delta, 1)], 1, "");
  }
  if (a.kind === "select") {
    const [t, f] = a.arms.map((arm) => buildAddress(b, arm));
    C.LLVMPositionBuilderBefore(b.b, a.before);
    return C.LLVMBuildSelect(b.b, C.LLVMGetOperand(a.select, 0), t!, f!, "view");
  }
  const values = a.incoming.map((i) => buildAddress(b, i.address));
  const block = C.LLVMGetInstructionParent(a.phi);
  C.LLVMPositionBuilderBefore(b.b, C.LLVMGetFirstInstruction(block)!);
  const view = C.LLVMBuildPhi(b.b, C.LLVMTypeOf(values[0]!), "view");
  C.LLVMAddIncoming(
    view,
    values,
    a.incoming.map((i) => i.from),
    values.length,
  );
  return view;
}

/**
 * `block` and the blocks that run before it on every path to it: its chain of single
 * predecessors (a value computed in one of them is available at `block`'s end).
 */
function blocksBefore(block: BasicBlockRef): Set<bigint> {
  const out = new Set<bigint>();
  for (let bb: BasicBlockRef | undefined = block; bb && out.size < 16; ) {
    if (out.has(addressOf(bb))) break;
    out.add(addressOf(bb));
    const preds = predecessors(bb);
    bb = preds.length === 1 ? preds[0] : undefined;
  }
  return out;
}

function predecessors(block: BasicBlockRef): BasicBlockRef[] {
  const out: BasicBlockRef[] = [];
  const fn = C.LLVMGetBasicBlockParent(block);
  for (let bb = C.LLVMGetFirstBasicBlock(fn); bb; bb = C.LLVMGetNextBasicBlock(bb)) {
    const term = C.LLVMGetBasicBlockTerminator(bb);
    if (!term) continue;
    for (let k = 0; k < C.LLVMGetNumSuccessors(term); k++)
      if (addressOf(C.LLVMGetSuccessor(term, k)) === addressOf(block)) {
        out.push(bb);
        break;
      }
  }
  return out;
}

/** Clamps the offset `gep` adds unless the verifier knows it to be at most `bounded`. */
function clampViewOffset(b: IRBuilder, gep: ValueRef, bounded: bigint): void {
  if (C.LLVMGetNumOperands(gep) !== 2) return;
  const off = C.LLVMGetOperand(gep, 1);
  if (C.LLVMIsAConstantInt(off)) return;
  if (verifierBound(off, new Map()) <= bounded) return;
  at(b, gep);
  const o = b.opaque(off);
  const limit = C.LLVMConstInt(C.LLVMTypeOf(off), MAX_VIEW_OFFSET, 0);
  const inRange = C.LLVMBuildICmp(b.b, IntPredicate.ULE, o, limit, "");
  C.LLVMSetOperand(gep, 1, C.LLVMBuildSelect(b.b, inRange, o, limit, "off"));
}

/**
 * An offset the verifier knows to be at most this from its arithmetic alone needs no check
 * before it is added to `data`: the verifier gives a checked range to a packet pointer whose
 * variable part and constant part together are at most MAX_PACKET_OFF.
 */
const VERIFIER_BOUNDED = 0x8000n;

/**
 * A value whose range LLVM may know and the verifier does not: above every type's maximum, so
 * no width caps it. The verifier knows nothing (not even the 64-bit register's sign) after a
 * division or remainder, or a shift by a register (Linux 6.18's is_safe_to_compute_dst_reg_range:
 * `w8 >>= w2` of a u8 is "scalar()", fuzzer seeds 30010011 and 40001019), while LLVM knows
 * `zext(u8) >> n` and `u8 / n` stay below 256, and code generation then drops a mask it proves
 * redundant (`& 255`, a zero extension). So whatever is computed from such a value is not bounded
 * for the verifier, masked or not.
 */
const LOST = 1n << 65n;

/**
 * The largest value the verifier can know `v` to have from the arithmetic alone (no branch):
 * from a load's width, `&` masks, shifts by constants, sums and products of such values, and
 * phis of them (an unrolled loop's offset: the verifier follows each iteration); LOST where it
 * cannot know one.
 */
function verifierBound(v: ValueRef, memo: Map<bigint, bigint>): bigint {
  const c = C.LLVMIsAConstantInt(v);
  if (c) return BigInt(C.LLVMConstIntGetZExtValue(c));
  const t = C.LLVMTypeOf(v);
  const all = C.LLVMGetTypeKind(t) === TypeKind.Integer ? (1n << BigInt(C.LLVMGetIntTypeWidth(t))) - 1n : 1n << 64n;
  const key = addressOf(v);
  const known = memo.get(key);
  if (known !== undefined) return known;
  memo.set(key, all); // a cycle (a loop's phi) is unbounded
  const operand = (k: number) => verifierBound(C.LLVMGetOperand(v, k), memo);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  /**
   * `x`, computed from the operands' bounds `from`, as a register of v's type: at most `all`,
   * unless the verifier lost an operand. (A 64-bit `x` may pass LOST without being lost:
   * `sext(i8) << 2` is at most 2^66 - 4 before it wraps, seed 92020595.)
   */
  const width = (x: bigint, ...from: bigint[]) => (from.some((o) => o >= LOST) ? LOST : min(x, all));
  const shift = () => {
    const n = C.LLVMIsAConstantInt(C.LLVMGetOperand(v, 1));
    return n ? BigInt(C.LLVMConstIntGetZExtValue(n)) : undefined;
  };
  let bound = all;
  switch (C.LLVMGetInstructionOpcode(v)) {
    case Opcode.UDiv:
    case Opcode.SDiv:
    case Opcode.URem:
    case Opcode.SRem:
      bound = LOST;
      break;
    case Opcode.ZExt:
    case Opcode.Trunc:
    case Opcode.Freeze: {
      const a = operand(0);
      bound = width(a, a);
      break;
    }
    case Opcode.And: {
      const [a, b] = [operand(0), operand(1)];
      bound = a >= LOST || b >= LOST ? LOST : min(a, b);
      break;
    }
    case Opcode.LShr: {
      const n = shift();
      const a = operand(0);
      bound = n === undefined || a >= LOST ? LOST : a >> n;
      break;
    }
    case Opcode.Shl: {
      const n = shift();
      const a = operand(0);
      bound = n === undefined ? LOST : width(a << n, a);
      break;
    }
    case Opcode.AShr:
      if (shift() === undefined) bound = LOST;
      else bound = max(operand(0), all) >= LOST ? LOST : all;
      break;
    case Opcode.Add: {
      const [a, b] = [operand(0), operand(1)];
      bound = width(a + b, a, b);
      break;
    }
    case Opcode.Mul: {
      const [a, b] = [operand(0), operand(1)];
      bound = width(a * b, a, b);
      break;
    }
    case Opcode.Sub:
      bound = max(operand(0), operand(1)) >= LOST ? LOST : all;
      break;
    case Opcode.Or:
    case Opcode.Xor: {
      const m = max(operand(0), operand(1));
      bound = width((1n << BigInt(m.toString(2).length)) - 1n, m);
      break;
    }
    case Opcode.Select:
      bound = max(operand(1), operand(2));
      break;
    case Opcode.PHI: {
      bound = 0n;
      for (let k = 0; k < C.LLVMCountIncoming(v); k++) bound = max(bound, operand(k));
      break;
    }
  }
  memo.set(key, bound);
  return bound;
}

// ---- the IR around ------------------------------------------------------------------------

/**
 * ctx->data or ctx->data_end: `inttoptr(zext(load i32 ctx + offset))`, as contextPointer builds
 * them: offsets 0 and 4 in struct xdp_md, 76 and 80 in struct __sk_buff (tc).
 */
function packetPointer(v: ValueRef): "data" | "data_end" | undefined {
  v = stripCasts(v);
  if (C.LLVMGetInstructionOpcode(v) !== Opcode.IntToPtr) return undefined;
  let x = C.LLVMGetOperand(v, 0);
  if (C.LLVMGetInstructionOpcode(x) === Opcode.ZExt) x = C.LLVMGetOperand(x, 0);
  if (C.LLVMGetInstructionOpcode(x) !== Opcode.Load) return undefined;
  const field = stripCasts(C.LLVMGetOperand(x, 0));
  if (C.LLVMGetInstructionOpcode(field) !== Opcode.GetElementPtr) return "data";
  const offset = C.LLVMIsAConstantInt(C.LLVMGetOperand(field, C.LLVMGetNumOperands(field) - 1));
  if (!offset) return undefined;
  const n = Number(C.LLVMConstIntGetZExtValue(offset));
  return n === 0 || n === 76 ? "data" : n === 4 || n === 80 ? "data_end" : undefined;
}

/** The address `v` is a constant offset from (through bitcasts and constant-index geps). */
function stripConstantOffsets(v: ValueRef): ValueRef {
  for (let depth = 0; depth < 8; depth++) {
    v = stripCasts(v);
    if (C.LLVMGetInstructionOpcode(v) !== Opcode.GetElementPtr) break;
    const n = C.LLVMGetNumOperands(v);
    let constant = true;
    for (let k = 1; k < n; k++) if (!C.LLVMIsAConstantInt(C.LLVMGetOperand(v, k))) constant = false;
    if (!constant) break;
    v = C.LLVMGetOperand(v, 0);
  }
  return v;
}

function stripCasts(v: ValueRef): ValueRef {
  while (C.LLVMGetInstructionOpcode(v) === Opcode.BitCast) v = C.LLVMGetOperand(v, 0);
  return v;
}

function isPointer(v: ValueRef): boolean {
  return C.LLVMGetTypeKind(C.LLVMTypeOf(v)) === TypeKind.Pointer;
}

function users(v: ValueRef): ValueRef[] {
  const out: ValueRef[] = [];
  for (let u = C.LLVMGetFirstUse(v); u; u = C.LLVMGetNextUse(u)) out.push(C.LLVMGetUser(u));
  return out;
}

/** Positions the builder before `inst`, with its source line. */
function at(b: IRBuilder, inst: ValueRef): void {
  C.LLVMPositionBuilderBefore(b.b, inst);
  C.LLVMSetCurrentDebugLocation2(b.b, C.LLVMInstructionGetDebugLoc(inst));
}
