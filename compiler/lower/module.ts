// Lowers a program module to an LLVM module: one function per exported `xdp(...)` program
// (program.ts), BTF-defined maps in `.maps`, global data, the `license` section, and the
// program's own functions (internal, always inlined).
import type { ArrowFunction, CallExpression, FunctionDeclaration, ParameterDeclaration, SourceFile } from "ts-morph";
import { Node } from "../frontend/ts-morph.ts";
import { Linkage } from "../llvm/enums.ts";
import { C, type TypeRef, type ValueRef } from "../llvm/capi.ts";
import { AlreadyReported, CompileError, diagnosticAt, internalError, type Diagnostic } from "../diagnostics.ts";
import { Declarations, type GlobalInfo, type MapInfo } from "../frontend/declarations.ts";
import type { SubsetCheck } from "../frontend/subset.ts";
import { DebugInfo } from "../debuginfo/debuginfo.ts";
import { alignOf, BOOL, sizeOf, typeName, U32, valueType, type BType, type IntT, type ProgramKind } from "../types.ts";
import { EARLIER_ITERATION, FunctionLowerer, staleViewError, type Returns } from "./function.ts";
import { IRModule } from "./irbuilder.ts";
import { lowerStatement } from "./statements.ts";
import { lowerExpr, lowerValue } from "./expressions.ts";
import { readTypeNode } from "../frontend/typenodes.ts";
import { startOf } from "../frontend/positions.ts";
import { describe, type PacketMove, type RefTemplate, type StaleParameterUse, type Val } from "./values.ts";
import { contextArgument, markPacketPointersInvariant } from "./xdp.ts";
import { isMultiBufferSection, lowerProgram, programSection } from "./program.ts";

/** What a function's declaration says: its parameters and return type (`failed`: the parameters in error). */
interface Signature {
  params: UserFunction["params"];
  returns: Returns;
  failed: ReadonlySet<number>;
  broken: boolean;
}

/** In a variant's packetParams: the packet views it gets are a tc program's (context struct __sk_buff). */
const TC_CONTEXT_VARIANT = 1 << 30;

export interface UserFunction {
  fn: ValueRef;
  fnType: TypeRef;
  params: (
    | { kind: "int"; type: IntT }
    | { kind: "bool" }
    | { kind: "ref"; val: RefTemplate }
    | { kind: "ctx"; program: ProgramKind }
  )[];
  returns: Returns;
  /** It takes the caller's context as its last parameter (it gets a packet view and has no context parameter). */
  hiddenContext: boolean;
  /** Its signature had errors (reported once): calls are not reported again. */
  broken: boolean;
  /** It moves the packet (xdp_adjust_*), itself or through a function it calls: the first such call. */
  adjusts?: PacketMove;
  /** Its reference parameters used after a move of the packet, by index: stale if a call passes a view. */
  staleParameters?: ReadonlyMap<number, StaleParameterUse[]>;
}

export class ModuleLowerer extends IRModule {
  readonly di: DebugInfo;
  readonly decls = new Declarations();
  readonly diagnostics: Diagnostic[] = [];
  private readonly maps = new Map<string, ValueRef>();
  /** Loads of ctx->data and ctx->data_end (see markPacketPointersInvariant in xdp.ts). */
  readonly packetPointerLoads: ValueRef[] = [];
  /** Set when a program calls xdp_adjust_head/tail/meta (which move ctx->data/data_end). */
  adjustsPacket = false;
  /**
   * Set when a program of the module declares multi-buffer frames (`xdp.frags`): `ctx.frameLen`
   * then asks the kernel (bpf_xdp_get_buff_len) in every function, since functions are shared.
   */
  multiBuffer = false;
  private readonly globals = new Map<string, ValueRef>();
  /** The `xdp(...)` call of each program, by its function's name (for diagnostics after code generation). */
  readonly programNodes = new Map<string, Node>();
  /** Stack slots by id, for the stack-size diagnostic. */
  readonly stackSlots: { name: string; size: number; node: Node | undefined }[] = [];

  /** Registers a stack slot; returns its LLVM name. */
  stackSlot(name: string, size: number, node: Node | undefined): string {
    this.stackSlots.push({ name, size, node });
    return `${name}.s${this.stackSlots.length - 1}.`;
  }
  /**
   * The program's functions as lowered, by declaration, then by which reference parameters
   * receive packet views (a bit per parameter): a function is lowered once per such pattern of
   * its calls, so that in the variant that gets a view, the parameter is known to point into the
   * packet and a computed index into it is checked against the packet's end (`v.a[i]`, fuzzer
   * seed 200006). That variant takes the context last, for the check's `data_end`.
   */
  private readonly functions = new Map<unknown, Map<number, UserFunction>>();
  private readonly lowering = new Set<unknown>();

  constructor(
    private readonly source: SourceFile,
    /** The subset check, run over the module before lowering (frontend/subset.ts). */
    readonly subset: SubsetCheck,
  ) {
    super(source.getBaseName());
    this.di = new DebugInfo(this.ctx, this.module, source.getFilePath());
  }

  report(e: CompileError) {
    if (!(e instanceof AlreadyReported)) this.diagnostics.push(diagnosticAt(e.node, e.message));
  }

  private guard(statement: Node, fn: () => void) {
    try {
      fn();
    } catch (e) {
      if (e instanceof AlreadyReported) return;
      this.report(e instanceof CompileError ? e : internalError(statement, e));
    }
  }

  /** Lowers every program and map the module declares. */
  lowerModule(): void {
    let programs = 0;
    let license = "GPL";
    this.multiBuffer = this.declaresMultiBuffer();
    for (const statement of this.source.getStatements()) {
      this.guard(statement, () => {
        // Functions are lowered below; what else a module may not hold, the subset check reported.
        if (!Node.isVariableStatement(statement)) return;
        for (const d of statement.getDeclarations()) {
          if (d.getName() === "license") {
            const init = d.getInitializer();
            if (!init || !Node.isStringLiteral(init))
              throw new CompileError(d, 'license must be a string literal, e.g. "GPL"');
            license = init.getLiteralText();
            continue;
          }
          const entity = this.decls.entityOf(d.getNameNode());
          if (entity?.kind === "map") this.mapGlobal(entity.map);
          if (entity?.kind === "global") this.globalVariable(entity.global);
          if (entity?.kind === "program") {
            if (!statement.isExported())
              throw new CompileError(d, "programs must be exported: `export const name = xdp(...)`");
            lowerProgram(this, d.getName(), entity.decl as CallExpression, entity.program);
            programs++;
          }
        }
      });
    }
    // Functions no program calls are lowered too, so that all errors of a file come out in one
    // build; LLVM drops them (internal, unused).
    for (const statement of this.source.getStatements()) {
      if (Node.isFunctionDeclaration(statement) && !this.functions.has(statement.compilerNode))
        this.guard(statement, () => this.lowerFunction(statement, 0));
    }
    if (programs === 0 && this.diagnostics.length === 0 && this.subset.diagnostics.length === 0) {
      this.diagnostics.push(
        diagnosticAt(this.source, "no program: export one with `export const prog = xdp((ctx) => { … })`"),
      );
    }
    this.emitLicense(license);
    markPacketPointersInvariant(this);
  }

  private emitLicense(text: string) {
    const bytes = Buffer.from(text + "\0", "utf8");
    const str = C.LLVMConstStringInContext(this.ctx, bytes, bytes.length, 1);
    const g = C.LLVMAddGlobal(this.module, C.LLVMTypeOf(str), "LICENSE");
    C.LLVMSetInitializer(g, str);
    C.LLVMSetSection(g, "license");
    C.LLVMSetAlignment(g, 1);
    this.di.describeGlobal(g, "LICENSE", this.di.charArray(bytes.length), 0, 8);
  }

  /** The `.maps` global for a map declaration, created on first use. */
  mapGlobal(map: MapInfo): ValueRef {
    let g = this.maps.get(map.name);
    if (g) return g;
    const { type, members } = this.di.mapType(map);
    const i8p = C.LLVMPointerType(C.LLVMInt8TypeInContext(this.ctx), 0);
    const structType = C.LLVMStructTypeInContext(this.ctx, Array(members).fill(i8p), members, 0);
    g = C.LLVMAddGlobal(this.module, structType, map.name);
    C.LLVMSetInitializer(g, C.LLVMConstNull(structType));
    C.LLVMSetSection(g, ".maps");
    C.LLVMSetAlignment(g, 8);
    C.LLVMSetLinkage(g, Linkage.External);
    const line = startOf(map.node).line;
    this.di.describeGlobal(g, map.name, type, line, 64);
    this.maps.set(map.name, g);
    return g;
  }

  /** The global variable in .rodata/.data/.bss for a declaration, created on first use. */
  globalVariable(info: GlobalInfo): ValueRef {
    let g = this.globals.get(info.name);
    if (g) return g;
    const bytes = Buffer.from(info.bytes);
    const init = C.LLVMConstStringInContext(this.ctx, bytes, bytes.length, 1);
    g = C.LLVMAddGlobal(this.module, C.LLVMTypeOf(init), info.name);
    C.LLVMSetInitializer(g, init);
    C.LLVMSetSection(g, info.section);
    C.LLVMSetAlignment(g, Math.max(1, alignOf(info.type)));
    // External linkage, never `constant`: LLVM must not fold .rodata, which the loader may rewrite.
    C.LLVMSetLinkage(g, Linkage.External);
    const line = startOf(info.node).line;
    const t = this.di.typeOf(info.type);
    this.di.describeGlobal(
      g,
      info.name,
      info.section === ".rodata" ? this.di.constVolatile(t) : t,
      line,
      alignOf(info.type) * 8,
    );
    this.globals.set(info.name, g);
    return g;
  }

  addFunctionAttribute(fn: ValueRef, name: string): void {
    const kind = C.LLVMGetEnumAttributeKindForName(name, name.length);
    C.LLVMAddAttributeAtIndex(fn, 0xffffffff, C.LLVMCreateEnumAttribute(this.ctx, kind, 0n));
  }

  lineOf(node: Node): number {
    return startOf(node).line;
  }

  /**
   * Whether an XDP program of the module is in an `xdp.frags` section, found before any function
   * is lowered (a function is lowered once, on its first use). Errors are left to lowerModule.
   */
  private declaresMultiBuffer(): boolean {
    for (const statement of this.source.getStatements()) {
      if (!Node.isVariableStatement(statement)) continue;
      for (const d of statement.getDeclarations()) {
        try {
          const entity = this.decls.entityOf(d.getNameNode());
          if (entity?.kind === "program" && entity.program === "xdp") {
            if (isMultiBufferSection(programSection(entity.decl as CallExpression, "xdp"))) return true;
          }
        } catch {
          // Reported when lowerModule reaches the declaration.
        }
      }
    }
    return false;
  }

  /** A program's or function's body: its statements, or an arrow function's expression. */
  lowerBody(f: FunctionLowerer, fn: ArrowFunction | FunctionDeclaration) {
    const body = fn.getBody();
    if (!body) throw this.subset.reported(fn);
    if (Node.isBlock(body)) {
      for (const s of body.getStatements()) lowerStatement(f, s);
    } else {
      // Expression body: `(ctx) => XdpAction.PASS`.
      this.guard(body, () => this.returnFrom(f, body, body));
    }
  }

  /**
   * `return expr` (or an arrow function's expression body). A struct or array is returned as a
   * pointer: to the packet or a map value as it is (a reference, keeping what it points to), and
   * a value on the function's own stack copied first into the caller's slot (`f.sret`), which
   * outlives the call.
   */
  returnFrom(f: FunctionLowerer, expr: Node | undefined, statement: Node): void {
    const r = f.returns;
    if (r.kind === "unknown") {
      // The return type was reported: only look for errors in the value.
      if (expr) lowerExpr(f, expr);
      C.LLVMBuildUnreachable(f.b);
      return;
    }
    if (r.kind === "void") {
      if (expr) throw new CompileError(expr, "this function returns nothing");
      C.LLVMBuildRetVoid(f.b);
      return;
    }
    if (!expr) throw new CompileError(statement, "return needs a value");
    if (r.kind === "ref") {
      const v = lowerExpr(f, expr, r.type);
      f.at(expr);
      if (v.kind === "null") {
        if (!r.nullable)
          throw new CompileError(
            expr,
            `this function returns a ${typeName(r.type)}, not null; declare it \`… | null\``,
          );
        f.returned.push({ kind: "null" });
        C.LLVMBuildRet(f.b, f.nullPtr());
        return;
      }
      if (v.kind !== "ref" || v.type.kind !== r.type.kind || sizeOf(v.type) !== sizeOf(r.type))
        throw new CompileError(expr, `expected a ${typeName(r.type)} to return, got ${describe(v)}`);
      f.returned.push(v);
      if (v.memory === "stack") {
        f.memcpy(f.sret!, v.p, sizeOf(r.type), Math.min(8, v.align));
        C.LLVMBuildRet(f.b, f.sret);
      } else C.LLVMBuildRet(f.b, f.pointerOrNull(v));
      return;
    }
    const v = f.rvalue(lowerExpr(f, expr, r.kind === "int" ? r : BOOL), expr);
    f.at(expr);
    if (r.kind === "bool") C.LLVMBuildRet(f.b, f.toBool(v, expr));
    else C.LLVMBuildRet(f.b, f.toInt(v, r, expr).v);
  }

  /** `fd`'s signature, if `use` may call it: not from inside it (recursion), and its signature is right. */
  private callable(fd: FunctionDeclaration, use: Node): Signature {
    if (this.lowering.has(fd.compilerNode))
      throw new CompileError(
        use,
        `recursion is not supported in BPF programs ('${fd.getName()}' calls itself); write it as a bounded for loop`,
      );
    if (this.signature(fd).broken) throw new AlreadyReported(use);
    return this.signature(fd);
  }

  /**
   * The program's function `fd`, lowered on first use (its variant for packet views among its
   * reference arguments, see `functions`); `use` (a call, a callback argument) may not be inside it.
   */
  userFunction(fd: FunctionDeclaration, use: Node, packetParams = 0): UserFunction {
    this.callable(fd, use);
    return this.functions.get(fd.compilerNode)?.get(packetParams) ?? this.lowerFunction(fd, packetParams);
  }

  /** Subprograms the kernel calls back, by kind and function (callbacks.ts). */
  readonly callbacks: Record<"loop" | "timer", Map<unknown, ValueRef>> = { loop: new Map(), timer: new Map() };

  /** Calls one of the program's functions, lowering it on first use. Arguments: integers by value, structs by reference. */
  callFunction(f: FunctionLowerer, call: CallExpression, decl: Node, args: Node[]): Val {
    const fd = decl as FunctionDeclaration;
    const signature = this.callable(fd, call);
    if (args.length !== signature.params.length)
      throw new CompileError(call, `'${fd.getName()}' takes ${signature.params.length} arguments, got ${args.length}`);
    // Reference arguments first: which of them are packet views picks the variant.
    const refs = new Map<number, Extract<Val, { kind: "ref" }>>();
    signature.params.forEach((p, i) => {
      if (p.kind !== "ref") return;
      const a = args[i]!;
      const v = lowerExpr(f, a, p.val.type);
      if (v.kind !== "ref") throw new CompileError(a, `expected a reference to ${p.val.type.kind}, got ${v.kind}`);
      refs.set(i, v);
    });
    let packetParams = 0;
    if (f.contextArg) for (const [i, v] of refs) if (v.packet || v.memory === "packet") packetParams |= 1 << i;
    // A tc program's views are on a struct __sk_buff: a variant of its own (the hidden context's kind).
    if (packetParams !== 0 && f.contextKind === "tc") packetParams |= TC_CONTEXT_VARIANT;
    const user = this.userFunction(fd, call, packetParams);
    const values = user.params.map((p, i) => {
      const a = args[i]!;
      if (p.kind === "ctx") {
        const ctx = lowerExpr(f, a);
        if (ctx.kind !== "ctx" || ctx.program !== p.program) {
          const want =
            p.program === "tc"
              ? "the tc context here (a tc program's ctx, or a TcContext parameter)"
              : "the XDP context here (the program's ctx, or an XdpContext parameter)";
          throw new CompileError(a, `expected ${want}`);
        }
        return contextArgument(f);
      }
      if (p.kind === "bool") return f.toBool(lowerValue(f, a), a);
      if (p.kind === "int")
        return p.type.bigEndian
          ? f.toRaw(lowerValue(f, a), valueType(p.type), a)
          : f.toInt(lowerValue(f, a), p.type, a).v;
      const v = refs.get(i)!;
      this.passedView(f, fd, call, user.staleParameters?.get(i), v);
      // A parameter that is not `| null` gets the address itself (TypeScript checked it is not null):
      // through an opaque non-null copy, LLVM could no longer fold what the callee reads from it.
      return p.val.nullable ? f.pointerOrNull(v) : v.p;
    });
    if (user.hiddenContext) values.push(contextArgument(f));
    const returns = user.returns;
    // A struct returned from the function's own stack is copied into a slot of the caller's.
    if (returns.kind === "ref") values.unshift(f.alloca(returns.type, `${fd.getName()}.result`));
    f.at(call);
    const r = C.LLVMBuildCall2(f.b, user.fnType, user.fn, values, values.length, "");
    if (user.adjusts) f.packetMoved({ ...user.adjusts, via: { name: fd.getName() ?? "", call } });
    if (returns.kind === "void" || returns.kind === "unknown") return { kind: "void" };
    if (returns.kind === "bool") return { kind: "bool", v: r };
    if (returns.kind === "ref") {
      return {
        kind: "ref",
        type: returns.type,
        p: r,
        nullable: returns.nullable,
        align:
          returns.packet || returns.memory === "packet"
            ? alignOf(returns.type)
            : Math.max(alignOf(returns.type), returns.memory ? 8 : 1),
        packet: returns.packet,
        memory: returns.memory,
        takenAt: f.packetState(),
      };
    }
    return { kind: "int", type: returns, v: r };
  }

  /**
   * A reference passed to a parameter the function uses after moving the packet: an error at
   * each such use if it is a packet view; if it is the caller's own parameter, the caller's
   * callers decide.
   */
  private passedView(
    f: FunctionLowerer,
    fd: FunctionDeclaration,
    call: CallExpression,
    uses: StaleParameterUse[] | undefined,
    arg: Extract<Val, { kind: "ref" }>,
  ) {
    if (!uses) return;
    if (arg.packet) {
      const passed = `a packet view passed to '${fd.getName()}' on line ${call.getStartLineNumber()}`;
      for (const u of uses)
        if (this.firstStaleReport(u.node))
          this.report(
            staleViewError(u.name, u.node, u.move, u.type, ...(u.earlierIteration ? [EARLIER_ITERATION] : []), passed),
          );
      return;
    }
    if (arg.param === undefined) return;
    const mine = f.staleParameters.get(arg.param) ?? [];
    f.staleParameters.set(arg.param, [...mine, ...uses.filter((u) => !mine.some((m) => m.node === u.node))]);
  }

  private readonly staleUses = new Set<Node>();
  /** True the first time a stale use at `node` is reported: one use can be found stale more than
   *  once (in nested loops, through several calls). */
  firstStaleReport(node: Node): boolean {
    if (this.staleUses.has(node)) return false;
    this.staleUses.add(node);
    return true;
  }

  private readonly signatures = new Map<unknown, Signature>();

  /** A function's parameters and return type, read (and their errors reported) once for all its variants. */
  private signature(fd: FunctionDeclaration): Signature {
    const known = this.signatures.get(fd.compilerNode);
    if (known) return known;
    // A function of another file (imported) is checked when it is first called.
    this.subset.checkFunction(fd);
    // Each parameter's and the return type's errors are reported, and the body is still lowered
    // for its own errors (a failed parameter is poisoned: its uses are not reported again).
    const failed = new Set<number>();
    const params: UserFunction["params"] = fd.getParameters().map((p, i) => {
      try {
        return this.readParameter(p);
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        this.report(e);
        failed.add(i);
        return { kind: "int", type: U32 };
      }
    });
    let returns: Returns;
    try {
      returns = this.readReturnType(fd);
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      this.report(e);
      returns = { kind: "unknown" };
    }
    const signature = { params, returns, failed, broken: failed.size > 0 || returns.kind === "unknown" };
    this.signatures.set(fd.compilerNode, signature);
    return signature;
  }

  /** Lowers `fd`, its reference parameters whose bit is set in `packetParams` known to be packet views. */
  private lowerFunction(fd: FunctionDeclaration, packetParams: number): UserFunction {
    const { params, failed, broken } = this.signature(fd);
    let returns = this.signature(fd).returns;
    const name = fd.getName() ?? "anonymous";
    const i8p = C.LLVMPointerType(C.LLVMInt8TypeInContext(this.ctx), 0);
    const llvmParam = (p: UserFunction["params"][number]) =>
      p.kind === "int"
        ? C.LLVMIntTypeInContext(this.ctx, p.type.bits)
        : p.kind === "bool"
          ? C.LLVMInt1TypeInContext(this.ctx)
          : i8p;
    const ret =
      returns.kind === "void" || returns.kind === "unknown"
        ? C.LLVMVoidTypeInContext(this.ctx)
        : returns.kind === "bool"
          ? C.LLVMInt1TypeInContext(this.ctx)
          : returns.kind === "ref"
            ? i8p
            : C.LLVMIntTypeInContext(this.ctx, returns.bits);
    if (returns.kind === "ref") returns = { ...returns }; // each variant learns what it returns
    // A function returning a struct takes first the caller's slot for a copy (see returnFrom);
    // one that gets a packet view and has no context parameter takes the context last.
    const hiddenContext = packetParams !== 0 && !params.some((p) => p.kind === "ctx");
    const llvmParams = [
      ...(returns.kind === "ref" ? [i8p] : []),
      ...params.map(llvmParam),
      ...(hiddenContext ? [i8p] : []),
    ];
    const fnType = C.LLVMFunctionType(ret, llvmParams, llvmParams.length, 0);
    const fn = C.LLVMAddFunction(this.module, name, fnType);
    // BPF has no unwinding: without nounwind LLVM emits an .eh_frame section libbpf warns about.
    this.addFunctionAttribute(fn, "nounwind");
    C.LLVMSetLinkage(fn, Linkage.Internal);
    this.addFunctionAttribute(fn, "alwaysinline");
    const user: UserFunction = {
      fn,
      fnType,
      params,
      returns,
      hiddenContext,
      broken,
    };
    const key = fd.compilerNode;
    const variants = this.functions.get(key) ?? new Map<number, UserFunction>();
    variants.set(packetParams, user);
    this.functions.set(key, variants);
    const diRet =
      returns.kind === "void" || returns.kind === "unknown"
        ? null
        : returns.kind === "ref"
          ? this.di.pointerTo(this.di.typeOf(returns.type))
          : this.di.typeOf(returns.kind === "bool" ? { kind: "bool" } : returns);
    const scope = this.di.subprogram(fn, name, this.lineOf(fd), diRet, [], true, fd.getSourceFile().getFilePath());
    const f = new FunctionLowerer(this, fn, scope, returns);
    const first = returns.kind === "ref" ? 1 : 0;
    if (returns.kind === "ref") f.sret = C.LLVMGetParam(fn, 0);
    if (hiddenContext) {
      f.contextArg = C.LLVMGetParam(fn, first + params.length);
      f.contextKind = packetParams & TC_CONTEXT_VARIANT ? "tc" : "xdp";
    }
    this.lowering.add(key);
    try {
      fd.getParameters().forEach((p, i) => {
        if (failed.has(i)) {
          f.poisoned.add(p.compilerNode);
          return;
        }
        const param = params[i]!;
        const v = C.LLVMGetParam(fn, first + i);
        if (param.kind === "ctx") {
          f.contextArg = v;
          f.contextKind = param.program;
        }
        if (param.kind === "int" || param.kind === "bool") {
          // Scalar parameters are variables (assignable); LLVM keeps them in registers.
          const type = param.kind === "int" ? param.type : BOOL;
          const slot = f.alloca(type, p.getName());
          const val: Val =
            param.kind === "int"
              ? { kind: "int", type: valueType(param.type), v, swapped: param.type.bigEndian }
              : { kind: "bool", v };
          f.store({ kind: "ref", type, p: slot, nullable: false, align: 8, packet: false, memory: "stack" }, val, p);
          f.locals.set(p.compilerNode, { kind: "slot", type, p: slot });
          return;
        }
        // A reference parameter may be a packet view the caller took: taken before this function's moves.
        // In the variant for a view, it is known to point into the packet.
        const memory =
          packetParams & (1 << i) ? ("packet" as const) : param.kind === "ref" ? param.val.memory : undefined;
        const val: Val =
          param.kind === "ctx"
            ? { kind: "ctx", program: param.program }
            : { ...param.val, memory, p: v, takenAt: new Set(), param: i };
        f.locals.set(p.compilerNode, { kind: "bound", val });
      });
      this.lowerBody(f, fd);
      f.finish(() => {
        f.at(fd);
        if (returns.kind === "void") C.LLVMBuildRetVoid(f.b);
        else {
          if (returns.kind !== "unknown")
            this.report(new CompileError(fd, `'${name}' can end without returning a value`));
          C.LLVMBuildUnreachable(f.b);
        }
      });
      if (returns.kind === "ref") {
        // What the caller's reference points to: known if every return agrees.
        const refs = f.returned.filter((v) => v.kind === "ref");
        returns.packet = refs.length > 0 && refs.every((v) => v.packet);
        const memories = new Set(refs.map((v) => (v.memory === "stack" ? "stack" : v.memory)));
        returns.memory = memories.size === 1 ? [...memories][0] : undefined;
      }
      user.adjusts = f.adjusted;
      user.staleParameters = f.staleParameters;
    } finally {
      this.lowering.delete(key);
      f.dispose();
    }
    return user;
  }

  private readParameter(p: ParameterDeclaration): UserFunction["params"][number] {
    const name = p.getNameNode();
    if (!Node.isIdentifier(name))
      throw new CompileError(
        name,
        "destructuring a parameter is not supported; name the parameter and destructure it in the body: `const { a, b } = s`",
      );
    const tn = p.getTypeNode();
    if (!tn) throw new CompileError(p, `parameter '${p.getName()}' needs a type (u32, Value<typeof S>, XdpContext, …)`);
    const t = readTypeNode(this.decls, tn);
    if (t.kind === "ctx") return t;
    if (t.kind === "void") throw new CompileError(tn, "a parameter cannot be void");
    if ((t.type.kind === "int" || t.type.kind === "bool") && t.nullable) throw nullableScalarType(tn);
    // A be16/be32 parameter is passed in network byte order (see variables in statements.ts).
    if (t.type.kind === "int") return { kind: "int", type: t.type };
    if (t.type.kind === "bool") return { kind: "bool" };
    return {
      kind: "ref",
      val: {
        kind: "ref",
        type: t.type,
        nullable: t.nullable,
        align: t.type.kind === "struct" ? t.type.align : 1,
        packet: false,
      },
    };
  }

  /** Integers, bools, nothing, or a struct or array (`Value<typeof S>`, or `… | null` for a reference that may be null). */
  private readReturnType(fd: FunctionDeclaration): Returns {
    const rtn = fd.getReturnTypeNode();
    if (!rtn) return { kind: "void" };
    const rt = readTypeNode(this.decls, rtn);
    if (rt.kind === "ctx")
      throw new CompileError(rtn, "functions cannot return the context; return integers, bools, structs or views");
    if (rt.kind === "void") return { kind: "void" };
    if ((rt.type.kind === "int" || rt.type.kind === "bool") && rt.nullable) throw nullableScalarType(rtn);
    if (rt.type.kind === "bool") return { kind: "bool" };
    if (rt.type.kind === "int") return rt.type;
    return { kind: "ref", type: rt.type as BType, nullable: rt.nullable, packet: false };
  }
}

/** A number or bool that may be null is a map lookup's reference, read where it is used; it is not passed or returned. */
function nullableScalarType(tn: Node): CompileError {
  return new CompileError(
    tn,
    `a number or bool that may be null (\`${tn.getText()}\`) is not a parameter or return type: pass or return \`n ?? 0\`, or test \`n !== null\` first`,
  );
}
