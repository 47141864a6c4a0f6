// Type-level checks of the LLVM bindings (compiler/llvm/capi.ts), run by `tsc -p .` (and so by
// test/examples/typecheck.test.ts): each `@ts-expect-error` fails the type check if the call
// below it ever type-checks, i.e. if the handle kinds or enum types stop being told apart.
// Nothing here runs.
import { C, type BuilderRef, type ContextRef, type TypeRef, type ValueRef } from "../../compiler/llvm/capi.ts";
import { IntPredicate, Linkage } from "../../compiler/llvm/enums.ts";

export function wellTyped(b: BuilderRef, ctx: ContextRef, x: ValueRef): ValueRef {
  const i32: TypeRef = C.LLVMInt32TypeInContext(ctx);
  const sum = C.LLVMBuildAdd(b, x, C.LLVMConstInt(i32, 1, 0), "");
  return C.LLVMBuildICmp(b, IntPredicate.ULT, sum, x, "");
}

export function illTyped(b: BuilderRef, ctx: ContextRef, x: ValueRef, t: TypeRef): void {
  // @ts-expect-error a type is not a value
  C.LLVMBuildAdd(b, x, t, "");
  // @ts-expect-error a value is not a builder
  C.LLVMBuildAdd(x, x, x, "");
  // @ts-expect-error a linkage is not an integer predicate
  C.LLVMBuildICmp(b, Linkage.Internal, x, x, "");
  // @ts-expect-error LLVMBuildAdd takes four arguments
  C.LLVMBuildAdd(b, x, x);
  // @ts-expect-error a context is not a module
  C.LLVMAddGlobal(ctx, t, "g");
  // @ts-expect-error not bound (no prototype in capi.ts)
  C.LLVMBuildFAdd(b, x, x, "");
}
