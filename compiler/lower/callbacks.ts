// Callbacks: functions of the program that the kernel calls, passed to bpf_loop
// (`loop(n, step, state)`) and bpf_timer_set_callback (`timerSetCallback(v.timer, onFire)`).
// A callback is a function declared at module level, never a closure: the kernel calls it
// with arguments of its own (an index and a pointer to the caller's stack; a map's key and
// value), not with the caller's variables. It is lowered like any function of the program
// (inlinable), and called from a small subprogram with the signature the kernel gives the
// callback, whose address the helper takes (`r2 = <subprogram> ll`, BPF_PSEUDO_FUNC).
import type { FunctionDeclaration } from "ts-morph";
import { Node } from "../frontend/ts-morph.ts";
import { stripParens } from "../frontend/declarations.ts";
import { C, type ValueRef } from "../llvm/capi.ts";
import { IntPredicate, Linkage } from "../llvm/enums.ts";
import { AlreadyReported, CompileError } from "../diagnostics.ts";
import { INT_TYPES, typeName, type BType } from "../types.ts";
import { FunctionLowerer } from "./function.ts";
import type { ModuleLowerer, UserFunction } from "./module.ts";

export type CallbackKind = "loop" | "timer";

const EXAMPLE: Record<CallbackKind, string> = {
  loop: "`function step(i: u32, s: Value<typeof State>): LoopStep { … }`",
  timer: "`function onTimer(key: u32, value: Value<typeof Slot>) { … }`",
};

/**
 * The subprogram for the callback named by `arg` (an identifier of a module-level function),
 * as an i8* for the helper. `what` names the helper in messages (`loop()`).
 * For a loop callback, also the type of its state parameter, if it takes one.
 */
export function callbackArgument(
  f: FunctionLowerer,
  arg: Node,
  kind: CallbackKind,
  what: string,
): { fn: ValueRef; state?: BType } {
  const expr = stripParens(arg);
  // (The subset check reported the closure: "declare a function at module level".)
  if (Node.isArrowFunction(expr) || Node.isFunctionExpression(expr)) throw new AlreadyReported(arg);
  const entity = f.m.decls.entityOf(expr);
  const decl = entity?.kind === "function" ? (entity.decl as FunctionDeclaration) : undefined;
  if (!decl || !Node.isSourceFile(decl.getParent()))
    throw new CompileError(arg, `${what} takes the name of a function declared at module level: ${EXAMPLE[kind]}`);
  const user = f.m.userFunction(decl, arg);
  checkParameters(decl, user, kind, what);
  const cache = f.m.callbacks[kind];
  let fn = cache.get(decl.compilerNode);
  if (!fn) {
    fn = kind === "loop" ? loopSubprogram(f.m, decl, user) : timerSubprogram(f.m, decl, user);
    cache.set(decl.compilerNode, fn);
  }
  const state = user.params[1];
  return {
    fn: C.LLVMBuildBitCast(f.b, fn, f.i8p, ""),
    state: kind === "loop" && state?.kind === "ref" ? state.val.type : undefined,
  };
}

/** The parameters the kernel can give: (index: integer, state: struct) for a loop; (key, value) for a timer. */
function checkParameters(decl: FunctionDeclaration, user: UserFunction, kind: CallbackKind, what: string) {
  const params = decl.getParameters();
  const at = (i: number) => params[i] ?? decl;
  if (params.length > 2)
    throw new CompileError(at(2), `a callback of ${what} takes at most 2 parameters: ${EXAMPLE[kind]}`);
  user.params.forEach((p, i) => {
    if (p.kind === "ctx")
      throw new CompileError(
        at(i),
        `a callback of ${what} runs without the packet: it cannot take the context (${EXAMPLE[kind]})`,
      );
    if (kind === "loop" && i === 0 && p.kind !== "int")
      throw new CompileError(at(0), `the first parameter of a loop callback is the index, an integer (u32)`);
    if (kind === "loop" && i === 1 && p.kind !== "ref")
      throw new CompileError(
        at(1),
        `the second parameter of a loop callback is the state, a struct passed by reference (Value<typeof S>)`,
      );
    if (kind === "timer" && i === 1 && p.kind !== "ref")
      throw new CompileError(at(1), `the second parameter of a timer callback is the map value (Value<typeof V>)`);
    if (p.kind === "bool") throw new CompileError(at(i), `a callback parameter cannot be a bool`);
  });
}

/** A subprogram `(name)__loop(u32 index, void *state) → long`: 0 to go on, 1 to stop (LoopStep). */
function loopSubprogram(m: ModuleLowerer, decl: FunctionDeclaration, user: UserFunction): ValueRef {
  return subprogram(m, decl, "loop", ["index", "state"], (f, args) => {
    const [index, state] = args;
    const values = user.params.map((p, i) => {
      if (i === 1) return state!;
      const t = p.kind === "int" ? p.type : INT_TYPES.u32!;
      return t.bits === 32
        ? index!
        : t.bits > 32
          ? C.LLVMBuildZExt(f.b, index!, f.int(t.bits), "")
          : C.LLVMBuildTrunc(f.b, index!, f.int(t.bits), "");
    });
    const r = C.LLVMBuildCall2(f.b, user.fnType, user.fn, values, values.length, "");
    if (user.returns.kind !== "int" && user.returns.kind !== "bool") return f.constInt(64, 0n);
    // The verifier wants 0 or 1 exactly: any other value stops the loop too.
    const ret =
      user.returns.kind === "bool" ? r : C.LLVMBuildICmp(f.b, IntPredicate.NE, r, C.LLVMConstNull(C.LLVMTypeOf(r)), "");
    return C.LLVMBuildZExt(f.b, ret, f.int(64), "");
  });
}

/** A subprogram `(name)__timer(void *map, K *key, V *value) → int`, returning 0 as the kernel requires. */
function timerSubprogram(m: ModuleLowerer, decl: FunctionDeclaration, user: UserFunction): ValueRef {
  return subprogram(m, decl, "timer", ["map", "key", "value"], (f, args) => {
    const values = user.params.map((p, i) => {
      const pointer = args[i + 1]!;
      // An integer key is read from the kernel's pointer to it.
      return p.kind === "int" ? f.loadInt(p.type.bits, pointer, p.type.bits / 8, undefined) : pointer;
    });
    C.LLVMBuildCall2(f.b, user.fnType, user.fn, values, values.length, "");
    return f.constInt(32, 0n);
  });
}

function subprogram(
  m: ModuleLowerer,
  decl: FunctionDeclaration,
  kind: CallbackKind,
  names: string[],
  body: (f: FunctionLowerer, args: ValueRef[]) => ValueRef,
): ValueRef {
  const i8p = C.LLVMPointerType(C.LLVMInt8TypeInContext(m.ctx), 0);
  const loop = kind === "loop";
  const params = loop ? [C.LLVMInt32TypeInContext(m.ctx), i8p] : [i8p, i8p, i8p];
  const ret = C.LLVMIntTypeInContext(m.ctx, loop ? 64 : 32);
  const fnType = C.LLVMFunctionType(ret, params, params.length, 0);
  const name = `${decl.getName()}__${kind}`;
  const fn = C.LLVMAddFunction(m.module, name, fnType);
  C.LLVMSetLinkage(fn, Linkage.Internal);
  m.addFunctionAttribute(fn, "nounwind");
  m.addFunctionAttribute(fn, "noinline");
  const voidPointer = m.di.pointerTo(m.di.charType);
  const scope = m.di.subprogram(
    fn,
    name,
    m.lineOf(decl),
    loop ? m.di.typeOf(INT_TYPES.i64!) : m.di.int,
    names.map((n, i) => ({ name: n, type: loop && i === 0 ? m.di.typeOf(INT_TYPES.u32!) : voidPointer })),
    true,
    decl.getSourceFile().getFilePath(),
  );
  const f = new FunctionLowerer(m, fn, scope, { kind: "void" });
  try {
    f.at(decl);
    const args = params.map((_, i) => C.LLVMGetParam(fn, i));
    C.LLVMBuildRet(f.b, body(f, args));
  } finally {
    f.dispose();
  }
  return fn;
}

/** "Value<typeof S>" for messages. */
export function stateTypeName(t: BType): string {
  return t.kind === "struct" ? `Value<typeof ${t.name}>` : typeName(t);
}
