// Reads module-level declarations the way the language defines them: what a name refers to
// (a tsbpf entity, a type descriptor, a map, a constant, a function), evaluated at compile time.
import path from "node:path";
import type { Expression, Symbol as TsSymbol } from "ts-morph";
import { Node, SyntaxKind } from "./ts-morph.ts";
import { CompileError } from "../diagnostics.ts";
import {
  BOOL,
  INT_TYPES,
  LANG_STRUCTS,
  literalType,
  makeStruct,
  mayOmitField,
  sizeOf as sizeOfType,
  type BType,
  type IntT,
  type ProgramKind,
} from "../types.ts";
import { MapFlags, MapType } from "../../runtime/lang/maps.ts";
import { isLangFile, LANG_FILES } from "./project.ts";
import { FLOAT_LITERAL, isFloatLiteral } from "./subset.ts";
import { enumType, readTypeNode } from "./typenodes.ts";

/** Functions of tsbpf that declare at module level: a program, a type, a global variable. */
export const DECLARING_FUNCTIONS: Record<string, string> = {
  xdp: "a program",
  tc: "a program",
  struct: "a struct type",
  bytes: "an array type",
  array: "an array type",
  enumOf: "an integer type holding an enum",
  rodata: "a read-only global",
  global: "a global variable",
};

/** Map classes of tsbpf and their kernel map types (enum bpf_map_type). */
export const MAP_CLASSES: Record<string, number> = {
  HashMap: MapType.HASH,
  ArrayMap: MapType.ARRAY,
  ProgArray: MapType.PROG_ARRAY,
  PerCpuHashMap: MapType.PERCPU_HASH,
  PerCpuArrayMap: MapType.PERCPU_ARRAY,
  LruHashMap: MapType.LRU_HASH,
  LruPerCpuHashMap: MapType.LRU_PERCPU_HASH,
  ArrayOfMaps: MapType.ARRAY_OF_MAPS,
  HashOfMaps: MapType.HASH_OF_MAPS,
  DevMap: MapType.DEVMAP,
  CpuMap: MapType.CPUMAP,
  RingBuf: MapType.RINGBUF,
  LpmTrie: MapType.LPM_TRIE,
  DevMapHash: MapType.DEVMAP_HASH,
  XskMap: MapType.XSKMAP,
  QueueMap: MapType.QUEUE,
  StackMap: MapType.STACK,
  BloomFilter: MapType.BLOOM_FILTER,
  PerfEventArray: MapType.PERF_EVENT_ARRAY,
};

/** Map classes without keys: a value type only (queue, stack, bloom filter). */
export const KEYLESS_MAP_CLASSES: readonly string[] = ["QueueMap", "StackMap", "BloomFilter"];
/** Map classes whose key and value are u32 slots, ifindexes or fds, given by size only. */
export const FD_MAP_CLASSES: readonly string[] = ["DevMap", "DevMapHash", "CpuMap", "XskMap", "ProgArray"];

export interface MapInfo {
  name: string;
  className: string;
  type: number;
  key: BType;
  value: BType;
  maxEntries: number;
  flags: number;
  /** map_extra (a bloom filter's number of hash functions), 0 if none. */
  extra: number;
  /** For ring buffers and perf event arrays: the event type. */
  event?: BType;
  /** For array-of-maps and hash-of-maps: the template of the inner maps. */
  inner?: MapInfo;
  node: Node;
}

/** A global variable: read-only configuration in .rodata, or mutable data in .data/.bss. */
export interface GlobalInfo {
  name: string;
  type: BType;
  section: ".rodata" | ".data" | ".bss";
  /** Initial contents (little-endian, be* fields in network order). */
  bytes: Uint8Array;
  node: Node;
}

/** What an identifier at module level denotes. */
export type Entity =
  | { kind: "lang"; name: string }
  | { kind: "type"; type: BType }
  | { kind: "map"; map: MapInfo }
  | { kind: "global"; global: GlobalInfo }
  | { kind: "const"; value: bigint }
  | { kind: "table"; element: BType; values: bigint[] }
  /** A module-level string constant: usable only as a printk() format. */
  | { kind: "string"; value: string }
  /** A global of JavaScript's standard library (`Math`): only Math.imul/min/max are lowered. */
  | { kind: "builtin"; name: string }
  | { kind: "function"; decl: Node }
  | { kind: "program"; decl: Node; program: ProgramKind };

/** The declaration a symbol finally refers to, through imports and re-exports. */
export function resolveSymbol(symbol: TsSymbol | undefined): TsSymbol | undefined {
  if (!symbol) return undefined;
  const aliased = symbol.isAlias() ? symbol.getAliasedSymbol() : undefined;
  return aliased ?? symbol;
}

export { isLangFile };

/** TypeScript's own declarations of the JavaScript standard library (lib.es5.d.ts …). */
function isTypeScriptLib(file: string): boolean {
  return /[\\/]typescript[\\/]lib[\\/]lib\.[^\\/]*\.d\.ts$/.test(file);
}

export class Declarations {
  private readonly cache = new Map<unknown, Entity | null>();
  private readonly evaluating = new Set<unknown>();

  /**
   * The symbol of a name, asked of the type checker once per node and build: lowering asks it of
   * the same names many times (each constant-ness test, each use), and for `a.b` the checker
   * narrows `a` along the function's control flow every time it is asked.
   */
  symbolOf(node: Node): TsSymbol | undefined {
    const key = node.compilerNode;
    if (this.symbols.has(key)) return this.symbols.get(key);
    const symbol = node.getSymbol();
    this.symbols.set(key, symbol);
    return symbol;
  }
  private readonly symbols = new Map<unknown, TsSymbol | undefined>();

  /** The entity a name (identifier or `ns.name` access) refers to, or undefined for locals. */
  entityOf(node: Node): Entity | undefined {
    const symbol = resolveSymbol(this.symbolOf(node));
    if (!symbol) return undefined;
    const decl = symbol.getValueDeclaration() ?? symbol.getDeclarations()[0];
    if (!decl) return undefined;
    const key = decl.compilerNode;
    if (this.cache.has(key)) return this.cache.get(key) ?? undefined;
    if (this.evaluating.has(key)) throw new CompileError(node, `'${symbol.getName()}' is defined in terms of itself`);
    this.evaluating.add(key);
    try {
      const entity = this.classify(decl, symbol.getName(), node);
      this.cache.set(key, entity ?? null);
      return entity;
    } finally {
      this.evaluating.delete(key);
    }
  }

  private classify(decl: Node, name: string, use: Node): Entity | undefined {
    const file = decl.getSourceFile().getFilePath();
    // Never read declarations in TypeScript's lib files: errors must point at the user's code.
    if (isTypeScriptLib(file)) return { kind: "builtin", name };
    if (Node.isEnumMember(decl)) {
      const value = decl.getValue();
      if (typeof value !== "number") throw new CompileError(use, `enum member '${name}' must have a numeric value`);
      return { kind: "const", value: BigInt(value) };
    }
    // An enum where a type descriptor goes (`struct({ state: TcpState })`) is its integer type.
    if (Node.isEnumDeclaration(decl)) return { kind: "type", type: enumType(decl, use) };
    if (isLangFile(file)) {
      // Descriptors and constants of tsbpf itself: integer types are language entities;
      // net.ts views and constants are ordinary declarations, read like the user's own.
      if (INT_TYPES[name]) return { kind: "type", type: INT_TYPES[name]! };
      if (name === "bool") return { kind: "type", type: BOOL };
      if (LANG_STRUCTS[name]) return { kind: "type", type: LANG_STRUCTS[name]! };
      if (LANG_FILES.intrinsic.includes(path.resolve(file))) return { kind: "lang", name };
    }
    if (Node.isFunctionDeclaration(decl)) return { kind: "function", decl };
    if (Node.isVariableDeclaration(decl)) {
      // Only module-level constants are entities; everything else is a local.
      const statement = decl.getVariableStatement();
      if (!statement || !Node.isSourceFile(statement.getParent())) return undefined;
      const init = decl.getInitializer();
      if (statement.getDeclarationKind() !== "const") return this.mutableGlobal(decl, name, init);
      if (!init) throw new CompileError(use, `'${name}' needs an initializer`);
      return this.evaluate(init, name);
    }
    return undefined;
  }

  /** Evaluates the initializer of a module-level constant. */
  private evaluate(init: Expression, name: string): Entity {
    const expr = stripParens(init);
    if (Node.isNewExpression(expr)) return { kind: "map", map: this.mapInfo(expr, name) };
    if (Node.isCallExpression(expr)) {
      const callee = this.entityOf(expr.getExpression());
      if (callee?.kind === "lang" && (callee.name === "xdp" || callee.name === "tc"))
        return { kind: "program", decl: expr, program: callee.name };
      if (callee?.kind === "lang" && ["struct", "bytes", "array"].includes(callee.name)) {
        return { kind: "type", type: this.typeOf(expr, name) };
      }
      if (callee?.kind === "lang" && (callee.name === "rodata" || callee.name === "global")) {
        const args = expr.getArguments();
        if (args.length < 1 || (callee.name === "rodata" && args.length !== 2)) {
          throw new CompileError(
            expr,
            callee.name === "rodata"
              ? "rodata() takes a type and its value: rodata(u32, 80)"
              : "global() takes a type and an optional initial value: global(Stats)",
          );
        }
        const type = this.typeOf(args[0]!);
        const bytes = args[1] ? this.encode(type, args[1]) : new Uint8Array(sizeOfType(type));
        const zero = bytes.every((b) => b === 0);
        const section = callee.name === "rodata" ? ".rodata" : zero ? ".bss" : ".data";
        return { kind: "global", global: { name, type, section, bytes, node: expr } };
      }
    }
    if (Node.isArrowFunction(expr) || Node.isFunctionExpression(expr)) {
      throw new CompileError(
        expr,
        `declare '${name}' as \`function ${name}(…) { … }\`: at module level, function expressions are only the argument of xdp(…)`,
      );
    }
    if (Node.isStringLiteral(expr) || Node.isNoSubstitutionTemplateLiteral(expr)) {
      return { kind: "string", value: expr.getLiteralText() };
    }
    if (Node.isArrayLiteralExpression(expr)) {
      const values = expr.getElements().map((e) => this.constValue(e));
      return { kind: "table", element: INT_TYPES.u32!, values };
    }
    if (Node.isAsExpression(expr) && Node.isArrayLiteralExpression(stripParens(expr.getExpression()))) {
      return this.evaluate(expr.getExpression(), name);
    }
    if (Node.isIdentifier(expr) || Node.isPropertyAccessExpression(expr)) {
      const target = this.entityOf(expr);
      if (target) return target;
    }
    return { kind: "const", value: this.constValue(expr) };
  }

  /** A type descriptor expression: u32, Eth, bytes(6), array(u16, 4), struct({...}). */
  typeOf(expr: Node, name = "anon"): BType {
    expr = stripParens(expr);
    if (Node.isCallExpression(expr)) {
      const callee = this.entityOf(expr.getExpression());
      const args = expr.getArguments();
      if (callee?.kind === "lang" && callee.name === "bytes" && args.length === 1) {
        return { kind: "array", element: INT_TYPES.u8!, length: this.positive(args[0]!) };
      }
      if (callee?.kind === "lang" && callee.name === "enumOf" && args.length === 1) {
        const base = this.typeOf(args[0]!);
        if (base.kind !== "int") throw new CompileError(args[0]!, "enumOf() takes an integer type: enumOf<E>(u8)");
        return base;
      }
      if (callee?.kind === "lang" && callee.name === "array" && args.length === 2) {
        return { kind: "array", element: this.typeOf(args[0]!), length: this.positive(args[1]!) };
      }
      if (callee?.kind === "lang" && callee.name === "struct" && args.length >= 1) {
        const fields = stripParens(args[0]!);
        if (!Node.isObjectLiteralExpression(fields))
          throw new CompileError(fields, "struct() takes an object literal of field types");
        const members = fields.getProperties().map((p) => {
          if (!Node.isPropertyAssignment(p)) throw new CompileError(p, "each struct field is `name: type`");
          return { name: p.getName(), type: this.typeOf(p.getInitializerOrThrow()) };
        });
        return makeStruct(name, members, this.packedOption(args[1]));
      }
    }
    const entity = this.entityOf(expr);
    if (entity?.kind === "type") return entity.type;
    throw new CompileError(expr, "expected a type: an integer type, bool, bytes(n), array(T, n), a struct, or an enum");
  }

  private packedOption(options: Node | undefined): boolean {
    if (!options) return false;
    const obj = stripParens(options);
    if (!Node.isObjectLiteralExpression(obj)) throw new CompileError(obj, "struct options must be an object literal");
    const packed = obj.getProperty("packed");
    if (!packed) return false;
    const value = Node.isPropertyAssignment(packed) ? stripParens(packed.getInitializerOrThrow()) : undefined;
    if (value?.getKind() === SyntaxKind.TrueKeyword) return true;
    if (value?.getKind() === SyntaxKind.FalseKeyword) return false;
    throw new CompileError(packed, "packed must be true or false");
  }

  /** `let name: T = value` at module level: a mutable scalar global. */
  private mutableGlobal(
    decl: Node & { getTypeNode(): Node | undefined },
    name: string,
    init: Expression | undefined,
  ): Entity {
    const typeNode = decl.getTypeNode();
    let type: BType;
    if (typeNode) {
      const t = readTypeNode(this, typeNode as never);
      if (t.kind !== "data")
        throw new CompileError(typeNode, "a global holds data: give it an integer type, bool, or Value<typeof S>");
      type = t.type;
    } else if (init) {
      const v = this.tryConstValue(init);
      if (v === undefined)
        throw new CompileError(init, "a module-level `let` needs a type annotation or a constant initial value");
      type = Node.isBigIntLiteral(stripParens(init)) ? INT_TYPES.u64! : INT_TYPES.u32!;
    } else {
      throw new CompileError(decl, `give the global '${name}' a type: \`let ${name}: u32 = 0\``);
    }
    const bytes = init ? this.encode(type, init) : new Uint8Array(sizeOfType(type));
    return {
      kind: "global",
      global: { name, type, section: bytes.every((b) => b === 0) ? ".bss" : ".data", bytes, node: decl },
    };
  }

  /** The bytes of a constant value of `type`: an integer, a struct literal or an array literal. */
  encode(type: BType, node: Node): Uint8Array {
    const out = new Uint8Array(sizeOfType(type));
    this.encodeInto(type, node, new DataView(out.buffer), 0);
    return out;
  }

  private encodeInto(type: BType, node: Node, view: DataView, offset: number): void {
    const expr = stripParens(node);
    if (type.kind === "int" || type.kind === "bool") {
      const v = this.constValue(expr);
      const bytes = type.kind === "bool" ? 1 : type.bits / 8;
      const u = BigInt.asUintN(bytes * 8, v);
      for (let i = 0; i < bytes; i++) {
        const shift = BigInt(8 * (type.kind === "int" && type.bigEndian ? bytes - 1 - i : i));
        view.setUint8(offset + i, Number((u >> shift) & 0xffn));
      }
      return;
    }
    if (type.kind === "array") {
      if (!Node.isArrayLiteralExpression(expr))
        throw new CompileError(expr, `expected an array literal of ${type.length} elements`);
      const elements = expr.getElements();
      if (elements.length !== type.length)
        throw new CompileError(expr, `expected ${type.length} elements, got ${elements.length}`);
      elements.forEach((e, i) => this.encodeInto(type.element, e, view, offset + i * sizeOfType(type.element)));
      return;
    }
    if (!Node.isObjectLiteralExpression(expr))
      throw new CompileError(expr, `expected a struct literal of ${type.name}`);
    const given = new Set<string>();
    for (const p of expr.getProperties()) {
      if (!Node.isPropertyAssignment(p)) throw new CompileError(p, "struct literals take `field: value` entries");
      const field = type.fields.find((f) => f.name === p.getName());
      if (!field) throw new CompileError(p, `struct ${type.name} has no field '${p.getName()}'`);
      given.add(field.name);
      this.encodeInto(field.type, p.getInitializerOrThrow(), view, offset + field.offset);
    }
    const missing = type.fields.filter((f) => !given.has(f.name) && !mayOmitField(f));
    if (missing.length)
      throw new CompileError(
        expr,
        `missing field${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m.name}'`).join(", ")} of struct ${type.name}`,
      );
  }

  private mapInfo(expr: Node & { getExpression(): Node; getArguments(): Node[] }, name: string): MapInfo {
    const callee = this.entityOf(expr.getExpression());
    if (callee?.kind !== "lang" || !(callee.name in MAP_CLASSES)) {
      throw new CompileError(expr, "only tsbpf map classes can be created with `new` (HashMap, ArrayMap, …)");
    }
    const className = callee.name;
    const args = expr.getArguments();
    const U32 = INT_TYPES.u32!;
    let key: BType = U32,
      value: BType = U32,
      event: BType | undefined,
      inner: MapInfo | undefined;
    let optionsArg: Node | undefined;
    const innerMap = (arg: Node | undefined) => {
      const e = arg && this.entityOf(arg);
      if (e?.kind !== "map")
        throw new CompileError(arg ?? expr, "the inner map template must be a map declared at module level");
      if (e.map.inner) throw new CompileError(arg!, "maps of maps of maps are not supported");
      return e.map;
    };
    if (className === "ArrayOfMaps") {
      inner = innerMap(args[0]);
      optionsArg = args[1];
    } else if (className === "HashOfMaps") {
      key = this.typeOf(args[0]!);
      inner = innerMap(args[1]);
      optionsArg = args[2];
    } else if (className === "ArrayMap" || className === "PerCpuArrayMap") {
      value = this.typeOf(args[0]!);
      optionsArg = args[1];
    } else if (className === "RingBuf" || className === "PerfEventArray") {
      event = this.typeOf(args[0]!);
      optionsArg = args[1];
    } else if (KEYLESS_MAP_CLASSES.includes(className)) {
      value = this.typeOf(args[0]!);
      optionsArg = args[1];
    } else if (FD_MAP_CLASSES.includes(className)) {
      optionsArg = args[0];
    } else {
      key = this.typeOf(args[0]!);
      value = this.typeOf(args[1]!);
      optionsArg = args[2];
    }
    const options = optionsArg && stripParens(optionsArg);
    if (!options || !Node.isObjectLiteralExpression(options)) {
      throw new CompileError(optionsArg ?? expr, "map options must be an object literal: { maxEntries: N }");
    }
    const option = (n: string) => {
      const p = options.getProperty(n);
      if (!p) return undefined;
      if (!Node.isPropertyAssignment(p)) throw new CompileError(p, `${n} must be \`${n}: value\``);
      return this.constValue(p.getInitializerOrThrow());
    };
    const maxEntries = option("maxEntries");
    if (maxEntries === undefined || maxEntries <= 0n)
      throw new CompileError(options, "maps need a positive maxEntries");
    let flags = Number(option("flags") ?? 0n);
    const hashes = className === "BloomFilter" ? option("hashes") : undefined;
    if (hashes !== undefined && (hashes < 1n || hashes > 15n))
      throw new CompileError(options, "a bloom filter has 1 to 15 hash functions (hashes)");
    if (className === "LpmTrie") {
      checkLpmKey(args[0]!, key);
      flags |= MapFlags.NO_PREALLOC; // the kernel refuses a preallocated trie; the class adds it too
    }
    return {
      name,
      className,
      type: MAP_CLASSES[className]!,
      key,
      value,
      event,
      inner,
      maxEntries: Number(maxEntries),
      flags,
      extra: Number(hashes ?? 0n),
      node: expr,
    };
  }

  private positive(node: Node): number {
    const v = this.constValue(node);
    if (v <= 0n || v > 1n << 20n) throw new CompileError(node, "array length must be a positive constant");
    return Number(v);
  }

  /** Evaluates an integer constant expression, or throws a CompileError saying why it is not one. */
  constValue(node: Node): bigint {
    const v = this.tryConstValue(node);
    if (v === undefined) throw new CompileError(node, "expected a constant integer expression");
    return v;
  }

  /** The value of a constant integer expression, or undefined if it is not one. */
  tryConstValue(node: Node): bigint | undefined {
    // Lowering asks this of every expression and the answer looks at the whole subtree (and
    // resolves each name through the type checker): remembered, so that deep expressions are
    // not quadratic.
    const key = node.compilerNode;
    if (this.constValues.has(key)) return this.constValues.get(key);
    const v = this.computeConstValue(node);
    this.constValues.set(key, v);
    return v;
  }
  private readonly constValues = new Map<unknown, bigint | undefined>();

  private computeConstValue(node: Node): bigint | undefined {
    const expr = stripParens(node);
    if (Node.isNumericLiteral(expr)) {
      const text = expr.getText();
      // Also reported by the subset check, which does not see the constants of imported files.
      if (isFloatLiteral(text)) throw new CompileError(expr, FLOAT_LITERAL);
      return BigInt(text.replaceAll("_", "")); // exact, also above 2⁵³ and with separators (`0xffff_ffff`)
    }
    if (Node.isBigIntLiteral(expr)) return BigInt(expr.getText().slice(0, -1).replaceAll("_", "")); // 1_000n
    if (expr.getKind() === SyntaxKind.TrueKeyword) return 1n;
    if (expr.getKind() === SyntaxKind.FalseKeyword) return 0n;
    if (Node.isAsExpression(expr) || Node.isNonNullExpression(expr)) return this.tryConstValue(expr.getExpression());
    if (Node.isPrefixUnaryExpression(expr)) {
      const v = this.tryConstValue(expr.getOperand());
      if (v === undefined) return undefined;
      switch (expr.getOperatorToken()) {
        case SyntaxKind.MinusToken:
          return -v;
        case SyntaxKind.PlusToken:
          return v;
        case SyntaxKind.TildeToken:
          return ~v;
      }
      return undefined;
    }
    if (Node.isBinaryExpression(expr)) {
      const a = this.tryConstValue(expr.getLeft());
      const b = this.tryConstValue(expr.getRight());
      if (a === undefined || b === undefined) return undefined;
      const t = expr.getLeft().getType();
      return foldBinary(expr.getOperatorToken().getKind(), a, b, t.isBigInt() || t.isBigIntLiteral());
    }
    if (Node.isPropertyAccessExpression(expr) && startsAtLocal(this, expr)) return undefined;
    if (Node.isPropertyAccessExpression(expr) && expr.getName() === "size") {
      const owner = this.entityOf(expr.getExpression());
      if (owner?.kind === "type") return BigInt(sizeOfType(owner.type));
    }
    if (Node.isPropertyAccessExpression(expr) && expr.getName() === "length") {
      const owner = this.entityOf(expr.getExpression());
      if (owner?.kind === "table") return BigInt(owner.values.length);
    }
    if (Node.isIdentifier(expr) || Node.isPropertyAccessExpression(expr)) {
      const entity = this.entityOf(expr);
      if (entity?.kind === "const") return entity.value;
    }
    return undefined;
  }
}

/** Whether `a.b[i].c` starts at a function's local or parameter: a value, never a constant.
 *  (Resolving the property itself makes the type checker narrow `a` along the function's
 *  control flow first, which is the costliest query lowering makes.) */
function startsAtLocal(decls: Declarations, expr: Node): boolean {
  let base = expr;
  while (Node.isPropertyAccessExpression(base) || Node.isElementAccessExpression(base))
    base = stripParens(base.getExpression());
  if (!Node.isIdentifier(base)) return false;
  const decl = decls.symbolOf(base)?.getValueDeclaration();
  if (!decl) return false;
  if (Node.isParameterDeclaration(decl) || Node.isBindingElement(decl)) return true;
  if (!Node.isVariableDeclaration(decl)) return false;
  const statement = decl.getVariableStatement();
  return !statement || !Node.isSourceFile(statement.getParent());
}

/** The kernel's rule for LPM trie keys (struct bpf_lpm_trie_key): a u32 prefix length, then 1 to 256 bytes of data. */
function checkLpmKey(node: Node, key: BType): void {
  const first = key.kind === "struct" ? key.fields[0] : undefined;
  const ok =
    key.kind === "struct" &&
    first?.offset === 0 &&
    first.type.kind === "int" &&
    first.type.bits === 32 &&
    !first.type.signed &&
    !first.type.bigEndian &&
    key.size > 4 &&
    key.size <= 4 + 256;
  if (!ok)
    throw new CompileError(
      node,
      "an LpmTrie key is a struct of `prefixLen: u32` then 1 to 256 bytes of address (Ipv4Prefix, Ipv6Prefix from tsbpf/net)",
    );
}

export function stripParens(node: Node): Node {
  while (Node.isParenthesizedExpression(node) || Node.isSatisfiesExpression(node)) node = node.getExpression();
  return node;
}

/** A binary operator on constants, with BPF's division by zero (x / 0 = 0, x % 0 = x) and the
 *  same shifts as at run time (`big`: the left operand is a bigint); undefined for operators
 *  that are not integer arithmetic. */
export function foldBinary(op: SyntaxKind, a: bigint, b: bigint, big: boolean): bigint | undefined {
  switch (op) {
    case SyntaxKind.PlusToken:
      return a + b;
    case SyntaxKind.MinusToken:
      return a - b;
    case SyntaxKind.AsteriskToken:
      return a * b;
    case SyntaxKind.SlashToken:
      return b === 0n ? 0n : a / b;
    case SyntaxKind.PercentToken:
      return b === 0n ? a : a % b;
    case SyntaxKind.LessThanLessThanToken:
    case SyntaxKind.GreaterThanGreaterThanToken:
    case SyntaxKind.GreaterThanGreaterThanGreaterThanToken:
      return foldShift(op, a, b, literalType(a, big));
    case SyntaxKind.AmpersandToken:
      return a & b;
    case SyntaxKind.BarToken:
      return a | b;
    case SyntaxKind.CaretToken:
      return a ^ b;
  }
  return undefined;
}

/** A shift has the type of its left operand (a literal's default type), the count is taken
 *  modulo that width, and the result wraps at it: `1 << 33` is 2, `-1 >>> 28` is 15. */
function foldShift(op: SyntaxKind, a: bigint, b: bigint, type: IntT): bigint {
  const count = b & BigInt(type.bits - 1);
  const wrap = (v: bigint) => (type.signed ? BigInt.asIntN(type.bits, v) : BigInt.asUintN(type.bits, v));
  if (op === SyntaxKind.LessThanLessThanToken) return wrap(a << count);
  if (op === SyntaxKind.GreaterThanGreaterThanToken) return wrap(a) >> count;
  return BigInt.asUintN(type.bits, a) >> count; // >>> is logical and its result unsigned
}
