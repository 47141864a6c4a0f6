// Lifetimes of stack slots. A variable declared in a block, and a temporary made in one (a
// struct literal passed as a map key, a zero() value), lives until the block ends, as in C.
// `llvm.lifetime.start`/`end` tell LLVM so: its stack colouring then gives slots whose
// lifetimes do not overlap the same bytes of the 512-byte BPF stack, as clang does for C's
// block-scoped locals. (LLVM's inliner marks a called function's slots for the whole call
// already; this is the finer grain inside a function.)
//
// A slot is dead after its end marker: LLVM may reuse its bytes, or drop stores to it. That is
// only right if nothing reads it through another name after the block. So each slot's address
// is followed through its uses when the function is done; one that reaches anything but loads,
// stores into it, helper calls, LLVM's memory intrinsics and calls that return no pointer (its
// address stored somewhere, a phi or select, returned, turned into an integer) keeps no markers
// and lives, as before, for the whole function.
import { C, type ValueRef } from "../llvm/capi.ts";
import { Opcode, TypeKind } from "../llvm/enums.ts";
import type { IRBuilder } from "./irbuilder.ts";

interface Lifetime {
  /** The slot's i8* (as FunctionLowerer.alloca gives it). */
  slot: ValueRef;
  size: number;
  /** Its lifetime.start and lifetime.end calls. */
  markers: ValueRef[];
}

export class Lifetimes {
  private readonly all: Lifetime[] = [];
  /** The slots of each open block, innermost last. */
  private readonly scopes: Lifetime[][] = [];

  constructor(private readonly ir: IRBuilder) {}

  /** A block starts: slots made until `leave` belong to it. */
  enter(): void {
    this.scopes.push([]);
  }

  /** The block ends here (if control reaches its end): its slots die. */
  leave(reachable: boolean): void {
    const slots = this.scopes.pop() ?? [];
    if (reachable) for (const l of slots) this.mark(l, "llvm.lifetime.end");
  }

  /** `slot` (of `size` bytes) starts to live here, until the innermost open block ends. At a
   *  function's top level (no block open) it lives for the whole function, unmarked. */
  begin(slot: ValueRef, size: number): void {
    const scope = this.scopes[this.scopes.length - 1];
    if (!scope) return;
    const l: Lifetime = { slot, size, markers: [] };
    this.mark(l, "llvm.lifetime.start");
    scope.push(l);
    this.all.push(l);
  }

  /**
   * The function is built: a slot whose address may be used outside its block loses its
   * markers; every other slot also dies at each `ret` (a return from inside a block skips the
   * block's end, and an inlined function's slots would otherwise live on in its caller).
   */
  finish(fn: ValueRef): void {
    const rets: ValueRef[] = [];
    for (let bb = C.LLVMGetFirstBasicBlock(fn); bb; bb = C.LLVMGetNextBasicBlock(bb)) {
      const t = C.LLVMGetBasicBlockTerminator(bb);
      if (t && C.LLVMGetInstructionOpcode(t) === Opcode.Ret) rets.push(t);
    }
    for (const l of this.all) {
      if (addressEscapes(l.slot, new Set(l.markers))) {
        for (const m of l.markers) C.LLVMInstructionEraseFromParent(m);
        continue;
      }
      for (const ret of rets) {
        C.LLVMPositionBuilderBefore(this.ir.b, ret);
        this.mark(l, "llvm.lifetime.end");
      }
    }
  }

  private mark(l: Lifetime, intrinsic: "llvm.lifetime.start" | "llvm.lifetime.end"): void {
    const ir = this.ir;
    const id = C.LLVMLookupIntrinsicID(intrinsic, intrinsic.length);
    const fn = C.LLVMGetIntrinsicDeclaration(ir.ir.module, id, [ir.i8p], 1);
    const i64 = ir.int(64);
    const fnType = C.LLVMFunctionType(C.LLVMVoidTypeInContext(ir.ir.ctx), [i64, ir.i8p], 2, 0);
    l.markers.push(C.LLVMBuildCall2(ir.b, fnType, fn, [ir.constInt(64, BigInt(l.size)), l.slot], 2, ""));
  }
}

/** Whether `p` (a slot's address) may be used after the slot's block: see the file's comment. */
function addressEscapes(p: ValueRef, markers: Set<ValueRef>): boolean {
  const seen = new Set<ValueRef>();
  const work = [p];
  while (work.length) {
    const v = work.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    for (let u = C.LLVMGetFirstUse(v); u; u = C.LLVMGetNextUse(u)) {
      const user = C.LLVMGetUser(u);
      if (markers.has(user)) continue;
      switch (C.LLVMGetInstructionOpcode(user)) {
        case Opcode.Load:
        case Opcode.ICmp:
          continue;
        case Opcode.Store:
          if (C.LLVMGetOperand(user, 0) === v) return true; // the address itself is stored
          continue;
        case Opcode.GetElementPtr:
        case Opcode.BitCast:
          work.push(user);
          continue;
        case Opcode.Call: {
          const callee = C.LLVMGetCalledValue(user);
          if (C.LLVMIsAInlineAsm(callee)) {
            work.push(user); // opaque(): the same address under another name
            continue;
          }
          if (!C.LLVMIsAFunction(callee)) continue; // a BPF helper: it keeps no stack address
          if (String(C.LLVMGetValueName2(callee, [0]) ?? "").startsWith("llvm.")) continue; // memcpy, memset
          // The program's own function: it may return the address it was given.
          if (C.LLVMGetTypeKind(C.LLVMTypeOf(user)) === TypeKind.Pointer) work.push(user);
          continue;
        }
        default:
          return true;
      }
    }
  }
  return false;
}
