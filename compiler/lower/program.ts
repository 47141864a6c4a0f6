// A program: `export const name = xdp((ctx) => { … }, { section, frags })` or `tc((ctx) => …)`
// lowered to a global function in its section (default "xdp" / "tc") that takes the context
// (struct xdp_md * / struct __sk_buff *) and returns an action; falling off the end of the
// body passes the packet (XDP_PASS / TC_ACT_OK).
import type { ArrowFunction, CallExpression } from "ts-morph";
import { Node } from "../frontend/ts-morph.ts";
import { Linkage } from "../llvm/enums.ts";
import { C } from "../llvm/capi.ts";
import { CompileError } from "../diagnostics.ts";
import { INT_TYPES, type ProgramKind } from "../types.ts";
import { FunctionLowerer } from "./function.ts";
import type { ModuleLowerer } from "./module.ts";
import { xdpMdDebugType } from "./xdp.ts";
import { skBuffDebugType } from "./skbuff.ts";

/** What falling off the end of a program returns: XDP_PASS, TC_ACT_OK. */
const PASS: Record<ProgramKind, number> = { xdp: 2, tc: 0 };

/** The sections libbpf knows for tc programs (all BPF_PROG_TYPE_SCHED_CLS). */
const TC_SECTIONS = /^(tc(\/.*)?|classifier(\/.*)?|tcx\/(ingress|egress))$/;

export function lowerProgram(m: ModuleLowerer, name: string, call: CallExpression, kind: ProgramKind): void {
  const arrow = call.getArguments()[0];
  if (!arrow || !(Node.isArrowFunction(arrow) || Node.isFunctionExpression(arrow))) {
    throw new CompileError(call, `${kind}() takes the program as an arrow function: ${kind}((ctx) => { … })`);
  }
  const section = programSection(call, kind);
  m.programNodes.set(name, call);
  const i8p = C.LLVMPointerType(C.LLVMInt8TypeInContext(m.ctx), 0);
  const i32 = C.LLVMInt32TypeInContext(m.ctx);
  const fnType = C.LLVMFunctionType(i32, [i8p], 1, 0);
  const fn = C.LLVMAddFunction(m.module, name, fnType);
  // BPF has no unwinding: without nounwind LLVM emits an .eh_frame section libbpf warns about.
  m.addFunctionAttribute(fn, "nounwind");
  C.LLVMSetSection(fn, section);
  C.LLVMSetLinkage(fn, Linkage.External);
  const ctxName = (arrow as ArrowFunction).getParameters()[0]?.getName() ?? "ctx";
  const scope = m.di.subprogram(
    fn,
    name,
    m.lineOf(arrow),
    m.di.int,
    [{ name: ctxName, type: kind === "tc" ? skBuffDebugType(m) : xdpMdDebugType(m) }],
    false,
  );
  const f = new FunctionLowerer(m, fn, scope, INT_TYPES.i32!);
  try {
    const params = (arrow as ArrowFunction).getParameters();
    if (params.length > 1) throw new CompileError(arrow, "a program takes one parameter, the context");
    const ctxNameNode = params[0]?.getNameNode();
    if (ctxNameNode && !Node.isIdentifier(ctxNameNode))
      throw new CompileError(
        ctxNameNode,
        "destructuring the context parameter is not supported; name it and destructure it in the body: `const { len } = ctx`",
      );
    f.contextArg = C.LLVMGetParam(fn, 0);
    f.contextKind = kind;
    if (params[0]) f.locals.set(params[0].compilerNode, { kind: "bound", val: { kind: "ctx", program: kind } });
    m.lowerBody(f, arrow as ArrowFunction);
    // Falling off the end passes the packet (never XDP_ABORTED by accident).
    f.finish(() => {
      f.at(arrow);
      C.LLVMBuildRet(f.b, C.LLVMConstInt(i32, PASS[kind], 0));
    });
  } finally {
    f.dispose();
  }
}

/**
 * The program's section: `section` if given, else "xdp.frags" with `frags: true` (an XDP
 * program that takes multi-buffer frames, libbpf's SEC("xdp.frags")), else "xdp" / "tc".
 */
export function programSection(call: CallExpression, kind: ProgramKind): string {
  const options = call.getArguments()[1];
  if (!options) return kind;
  if (!Node.isObjectLiteralExpression(options))
    throw new CompileError(options, "program options must be an object literal");
  const known = kind === "xdp" ? ["section", "frags"] : ["section"];
  for (const p of options.getProperties()) {
    if (!Node.isPropertyAssignment(p) || !known.includes(p.getName()))
      throw new CompileError(p, `${kind}() takes the options ${known.map((k) => `'${k}: …'`).join(" and ")}`);
  }
  const frags = fragsOption(options.getProperty("frags"));
  const section = options.getProperty("section");
  if (!section) return frags ? "xdp.frags" : kind;
  const init = Node.isPropertyAssignment(section) ? section.getInitializer() : undefined;
  if (!init || !Node.isStringLiteral(init)) throw new CompileError(section, "section must be a string literal");
  const text = init.getLiteralText();
  if (kind === "tc" && !TC_SECTIONS.test(text))
    throw new CompileError(init, `'${text}' is not a tc section libbpf knows: use "tc", "tcx/ingress" or "tcx/egress"`);
  if (frags && !isMultiBufferSection(text))
    throw new CompileError(
      section,
      `frags: true is section "xdp.frags"; with a section of your own, name it "xdp.frags" or "xdp.frags/…" instead`,
    );
  return text;
}

/** Sections whose programs libbpf loads with BPF_F_XDP_HAS_FRAGS: "xdp.frags", "xdp.frags/devmap"… */
export function isMultiBufferSection(section: string): boolean {
  return section === "xdp.frags" || section.startsWith("xdp.frags/");
}

function fragsOption(p: Node | undefined): boolean {
  if (!p) return false;
  const init = Node.isPropertyAssignment(p) ? p.getInitializer() : undefined;
  if (init && Node.isTrueLiteral(init)) return true;
  if (init && Node.isFalseLiteral(init)) return false;
  throw new CompileError(p, "frags must be written as true or false");
}
