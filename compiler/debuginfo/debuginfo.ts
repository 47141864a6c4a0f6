// Debug info from which LLVM's BPF backend writes .BTF and .BTF.ext: types of maps and
// functions, and a source location on every instruction so that the verifier's log and
// `bpftool prog dump` show TypeScript lines.
import path from "node:path";
import type { Node } from "ts-morph";
import {
  C,
  type ContextRef,
  type DIBuilderRef,
  type MetadataRef,
  type ModuleRef,
  type ValueRef,
} from "../llvm/capi.ts";
import {
  DIFlags,
  DWARFEmissionKind,
  DWARFSourceLanguage,
  DWARFTypeEncoding,
  type EnumValue,
  ModuleFlagBehavior,
} from "../llvm/enums.ts";
import { sizeOf, alignOf, type BType, type IntT } from "../types.ts";
import { FD_MAP_CLASSES, KEYLESS_MAP_CLASSES, type MapInfo } from "../frontend/declarations.ts";
import { startOf } from "../frontend/positions.ts";

export class DebugInfo {
  readonly builder: DIBuilderRef;
  readonly file: MetadataRef;
  readonly unit: MetadataRef;
  private readonly types = new Map<string, MetadataRef>();
  private readonly dbgKind: number;
  /** One DIFile per source file (absolute path): a program's functions and lines may come from
   *  the modules it imports. */
  private readonly files = new Map<string, MetadataRef>();
  /** The source file of each function's scope, and its lexical-block files for lines of other
   *  files (a location must name the file its line is in, or BTF line info says the wrong file). */
  private readonly scopeFiles = new Map<MetadataRef, string>();
  private readonly blockFiles = new Map<MetadataRef, Map<string, MetadataRef>>();
  private readonly mainPath: string;

  constructor(
    private readonly ctx: ContextRef,
    private readonly module: ModuleRef,
    sourcePath: string,
  ) {
    this.builder = C.LLVMCreateDIBuilder(module);
    this.mainPath = path.resolve(sourcePath);
    this.file = this.fileOf(this.mainPath);
    const producer = "tsbpf";
    this.unit = C.LLVMDIBuilderCreateCompileUnit(
      this.builder,
      DWARFSourceLanguage.C,
      this.file,
      producer,
      producer.length,
      1,
      "",
      0,
      0,
      "",
      0,
      DWARFEmissionKind.Full,
      0,
      0,
      0,
      "",
      0,
      "",
      0,
    );
    this.addFlag("Dwarf Version", 5);
    this.addFlag("Debug Info Version", 3);
    this.dbgKind = C.LLVMGetMDKindIDInContext(ctx, "dbg", 3);
  }

  private addFlag(key: string, value: number) {
    const md = C.LLVMValueAsMetadata(C.LLVMConstInt(C.LLVMInt32TypeInContext(this.ctx), value, 0));
    C.LLVMAddModuleFlag(this.module, ModuleFlagBehavior.Warning, key, key.length, md);
  }

  private basic(name: string, bits: number, encoding: EnumValue<typeof DWARFTypeEncoding>): MetadataRef {
    const key = `basic:${name}`;
    let t = this.types.get(key);
    if (!t) {
      t = C.LLVMDIBuilderCreateBasicType(this.builder, name, name.length, bits, encoding, 0);
      this.types.set(key, t);
    }
    return t;
  }

  /** `int`, for map definitions and program return types, as libbpf expects. */
  get int(): MetadataRef {
    return this.basic("int", 32, DWARFTypeEncoding.signed);
  }

  private intType(t: IntT): MetadataRef {
    const key = `int:${t.name}`;
    let d = this.types.get(key);
    if (d) return d;
    const cName =
      t.bits === 8
        ? t.signed
          ? "signed char"
          : "unsigned char"
        : t.bits === 16
          ? t.signed
            ? "short"
            : "unsigned short"
          : t.bits === 32
            ? t.signed
              ? "int"
              : "unsigned int"
            : t.signed
              ? "long long"
              : "unsigned long long";
    const enc =
      t.bits === 8
        ? t.signed
          ? DWARFTypeEncoding.signed_char
          : DWARFTypeEncoding.unsigned_char
        : t.signed
          ? DWARFTypeEncoding.signed
          : DWARFTypeEncoding.unsigned;
    const base = this.basic(cName, t.bits, enc);
    const name = t.bigEndian
      ? `__${t.name}`
      : t.name === "u8" || t.name === "u16" || t.name === "u32" || t.name === "u64"
        ? `__${t.name}`
        : t.name;
    d = C.LLVMDIBuilderCreateTypedef(this.builder, base, name, name.length, this.file, 0, this.unit, 0);
    this.types.set(key, d);
    return d;
  }

  typeOf(t: BType): MetadataRef {
    switch (t.kind) {
      case "int":
        return this.intType(t);
      case "bool":
        return this.basic("_Bool", 8, DWARFTypeEncoding.boolean);
      case "array":
        return this.arrayOf(this.typeOf(t.element), t.length, sizeOf(t) * 8, alignOf(t) * 8);
      case "struct": {
        const key = `struct:${t.name}:${t.size}:${t.fields.map((f) => f.name).join(",")}`;
        let d = this.types.get(key);
        if (d) return d;
        const members = t.fields.map((f) =>
          C.LLVMDIBuilderCreateMemberType(
            this.builder,
            this.unit,
            f.name,
            f.name.length,
            this.file,
            0,
            sizeOf(f.type) * 8,
            alignOf(f.type) * 8,
            f.offset * 8,
            0,
            this.typeOf(f.type),
          ),
        );
        d = C.LLVMDIBuilderCreateStructType(
          this.builder,
          this.unit,
          t.name,
          t.name.length,
          this.file,
          0,
          t.size * 8,
          t.align * 8,
          0,
          null,
          members,
          members.length,
          0,
          null,
          "",
          0,
        );
        this.types.set(key, d);
        return d;
      }
    }
  }

  private arrayOf(element: MetadataRef, length: number, bits: number, alignBits: number): MetadataRef {
    const range = C.LLVMDIBuilderGetOrCreateSubrange(this.builder, 0, length);
    return C.LLVMDIBuilderCreateArrayType(this.builder, bits, alignBits, element, [range], 1);
  }

  /** `const volatile T`, as C declares configuration that the loader may change. */
  constVolatile(t: MetadataRef): MetadataRef {
    const DW_TAG_const_type = 0x26,
      DW_TAG_volatile_type = 0x35;
    return C.LLVMDIBuilderCreateQualifiedType(
      this.builder,
      DW_TAG_const_type,
      C.LLVMDIBuilderCreateQualifiedType(this.builder, DW_TAG_volatile_type, t),
    );
  }

  pointerTo(t: MetadataRef): MetadataRef {
    return C.LLVMDIBuilderCreatePointerType(this.builder, t, 64, 64, 0, "", 0);
  }

  /** libbpf's `__uint(name, N)`: a member `int (*name)[N]`. */
  private uintMember(name: string, value: number, offsetBits: number): MetadataRef {
    const arr = this.arrayOf(this.int, value, value * 32, 32);
    return C.LLVMDIBuilderCreateMemberType(
      this.builder,
      this.unit,
      name,
      name.length,
      this.file,
      0,
      64,
      64,
      offsetBits,
      0,
      this.pointerTo(arr),
    );
  }

  /** libbpf's `__type(name, T)`: a member `T *name`. */
  private typeMember(name: string, t: BType, offsetBits: number): MetadataRef {
    return C.LLVMDIBuilderCreateMemberType(
      this.builder,
      this.unit,
      name,
      name.length,
      this.file,
      0,
      64,
      64,
      offsetBits,
      0,
      this.pointerTo(this.typeOf(t)),
    );
  }

  /** The BTF-defined map: an anonymous struct of `type`, `key`, `value`, `max_entries`, `map_flags`. */
  mapType(map: MapInfo): { type: MetadataRef; members: number } {
    const members: MetadataRef[] = [];
    const add = (m: (offset: number) => MetadataRef) => members.push(m(members.length * 64));
    add((o) => this.uintMember("type", map.type, o));
    if (map.className === "RingBuf") {
      // Ring buffers have no key or value.
    } else if (map.inner) {
      // libbpf's `__array(values, struct inner)`: a flexible array of pointers to the template.
      add((o) => this.typeMember("key", map.key, o));
    } else if (FD_MAP_CLASSES.includes(map.className) || map.className === "PerfEventArray") {
      add((o) => this.uintMember("key_size", 4, o));
      add((o) => this.uintMember("value_size", 4, o));
    } else if (KEYLESS_MAP_CLASSES.includes(map.className)) {
      add((o) => this.typeMember("value", map.value, o));
    } else {
      add((o) => this.typeMember("key", map.key, o));
      add((o) => this.typeMember("value", map.value, o));
    }
    add((o) => this.uintMember("max_entries", map.maxEntries, o));
    if (map.flags) add((o) => this.uintMember("map_flags", map.flags, o));
    if (map.extra) add((o) => this.uintMember("map_extra", map.extra, o));
    const sizeBits = members.length * 64;
    if (map.inner) {
      // `values` is a flexible array (no size), last.
      const inner = this.mapType(map.inner).type;
      const values = this.arrayOf(this.pointerTo(inner), -1, 0, 64);
      add((o) =>
        C.LLVMDIBuilderCreateMemberType(this.builder, this.unit, "values", 6, this.file, 0, 0, 64, o, 0, values),
      );
    }
    const type = C.LLVMDIBuilderCreateStructType(
      this.builder,
      this.unit,
      "",
      0,
      this.file,
      0,
      sizeBits,
      64,
      0,
      null,
      members,
      members.length,
      0,
      null,
      "",
      0,
    );
    return { type, members: sizeBits / 64 };
  }

  /** Attaches a DIGlobalVariable to a global, so it appears in BTF (maps, license). */
  describeGlobal(global: ValueRef, name: string, type: MetadataRef, line: number, alignBits: number): void {
    const expr = C.LLVMDIBuilderCreateExpression(this.builder, null, 0);
    const gve = C.LLVMDIBuilderCreateGlobalVariableExpression(
      this.builder,
      this.unit,
      name,
      name.length,
      "",
      0,
      this.file,
      line,
      type,
      0,
      expr,
      null,
      alignBits,
    );
    C.LLVMGlobalSetMetadata(global, this.dbgKind, gve);
  }

  get charType(): MetadataRef {
    return this.basic("char", 8, DWARFTypeEncoding.signed_char);
  }

  charArray(length: number): MetadataRef {
    return this.arrayOf(this.charType, length, length * 8, 8);
  }

  /** The DIFile of a source file (its absolute path), made once. */
  private fileOf(sourcePath: string): MetadataRef {
    let file = this.files.get(sourcePath);
    if (!file) {
      const name = path.basename(sourcePath);
      const dir = path.dirname(sourcePath);
      file = C.LLVMDIBuilderCreateFile(this.builder, name, name.length, dir, dir.length);
      this.files.set(sourcePath, file);
    }
    return file;
  }

  /** A DISubprogram for a function declared in `sourcePath` (default: the program's file);
   *  returns its scope for locations. */
  subprogram(
    fn: ValueRef,
    name: string,
    line: number,
    ret: MetadataRef | null,
    params: { name: string; type: MetadataRef }[],
    localToUnit: boolean,
    sourcePath = this.mainPath,
  ): MetadataRef {
    const file = this.fileOf(path.resolve(sourcePath));
    const sig = C.LLVMDIBuilderCreateSubroutineType(
      this.builder,
      file,
      [ret, ...params.map((p) => p.type)],
      params.length + 1,
      0,
    );
    const sp = C.LLVMDIBuilderCreateFunction(
      this.builder,
      file,
      name,
      name.length,
      name,
      name.length,
      file,
      line,
      sig,
      localToUnit ? 1 : 0,
      1,
      line,
      DIFlags.Prototyped,
      1,
    );
    C.LLVMSetSubprogram(fn, sp);
    // Named parameters: the kernel rejects BTF for a global function with anonymous arguments.
    params.forEach((p, i) => {
      C.LLVMDIBuilderCreateParameterVariable(this.builder, sp, p.name, p.name.length, i + 1, file, line, p.type, 1, 0);
    });
    this.scopeFiles.set(sp, path.resolve(sourcePath));
    return sp;
  }

  /** The location of `node` in a function whose scope is `scope`; a line of another file (a
   *  constant or type of an imported module) is placed in a lexical block of that file. */
  location(node: Node, scope: MetadataRef): MetadataRef {
    const { line, column } = startOf(node);
    const nodePath = node.getSourceFile().getFilePath();
    const scopePath = this.scopeFiles.get(scope);
    if (scopePath !== undefined && nodePath !== scopePath) scope = this.blockFile(scope, nodePath);
    return C.LLVMDIBuilderCreateDebugLocation(this.ctx, line, column, scope, null);
  }

  private blockFile(scope: MetadataRef, sourcePath: string): MetadataRef {
    let byFile = this.blockFiles.get(scope);
    if (!byFile) this.blockFiles.set(scope, (byFile = new Map()));
    let block = byFile.get(sourcePath);
    if (!block) {
      block = C.LLVMDIBuilderCreateLexicalBlockFile(this.builder, scope, this.fileOf(sourcePath), 0);
      byFile.set(sourcePath, block);
    }
    return block;
  }

  finalize(): void {
    C.LLVMDIBuilderFinalize(this.builder);
    C.LLVMDisposeDIBuilder(this.builder);
  }
}
