/**
 * An ELF object loaded into the kernel: parse (ELF, BTF), create maps and
 * global-data maps, assemble and load every program. If any step fails,
 * every fd opened so far is closed before the error propagates.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ObjectError, TsbpfError } from "./errors.ts";
import { parseElf } from "./elf/parse.ts";
import { SHF, STT, type ElfFile, type ElfSection, type ElfSymbol } from "./elf/types.ts";
import { type Btf, parseBtf } from "./btf/parse.ts";
import { parseBtfExt, type BtfExt } from "./btf/ext.ts";
import { fixupBtfForKernel } from "./btf/fixup.ts";
import { BtfLoadError, loadBtf } from "./btf/load.ts";
import { findMapDefinitions, LIBBPF_PIN_BY_NAME, type MapDefinition } from "./btf/map-defs.ts";
import { decodeBtfValue, type BtfValue } from "./btf/format.ts";
import { BtfKind } from "./btf/types.ts";
import { createMap } from "./maps/create.ts";
import { createGlobalDataMap, globalDataKind } from "./maps/global-data.ts";
import { BpfMap } from "./maps/map.ts";
import { MapType } from "./maps/types.ts";
import { TypedMap, type MapDescriptor } from "./maps/typed.ts";
import { assembleProgram, listFunctions, type DataReference } from "./program/assemble.ts";
import { loadProgram, type LogLevel } from "./program/load.ts";
import { Program } from "./program/program.ts";
import { programKindForSection } from "./program/section-types.ts";
import { closeFd, raiseMemlockLimit, SyscallError } from "./sys/index.ts";
import { ENOENT } from "./sys/errno.ts";

export interface LoadOptions {
  /** Verifier log level: 0 = log only on failure, 1 = log, 2 = verbose. */
  logLevel?: LogLevel;
  /** Replace `.rodata` variables before load, by variable name; sizes must match. */
  rodata?: Record<string, Uint8Array>;
  /** Directory for maps declared with `__uint(pinning, LIBBPF_PIN_BY_NAME)` (default /sys/fs/bpf). */
  pinMapsDir?: string;
  /** Load only these programs (by function name); default all. */
  programs?: string[];
}

export class BpfObject {
  readonly programs = new Map<string, Program>();
  /** `.maps` maps by name, plus global data maps by section name (".rodata", ".data", ".bss"). */
  readonly maps = new Map<string, BpfMap>();
  btfFd = -1;
  /** Why the kernel refused this object's BTF, if it did (loading continued without it, as libbpf does). */
  btfLoadError?: BtfLoadError;

  constructor(
    readonly elf: ElfFile,
    readonly btf: Btf | undefined,
    readonly btfExt: BtfExt | undefined,
    readonly license: string,
  ) {}

  program(name: string): Program {
    const p = this.programs.get(name);
    if (p === undefined)
      throw new ObjectError(
        `no program "${name}" in object (programs: ${[...this.programs.keys()].join(", ") || "none"})`,
      );
    return p;
  }

  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (m === undefined)
      throw new ObjectError(`no map "${name}" in object (maps: ${[...this.maps.keys()].join(", ") || "none"})`);
    return m;
  }

  /** Bind a map declaration (runtime/lang) to the loaded map `name`, for JS-valued access. */
  typedMap<K, V>(decl: MapDescriptor<K, V>, name: string): TypedMap<K, V> {
    return TypedMap.bind(this.map(name), decl);
  }

  /** Decode a map's entries through BTF (per-CPU maps give one value per CPU). */
  dumpMap(name: string): Array<{ key: BtfValue; value: BtfValue }> {
    const map = this.map(name);
    const btf = this.btf;
    const decode = (typeId: number, bytes: Uint8Array): BtfValue =>
      btf && typeId ? decodeBtfValue(btf, typeId, bytes) : Array.from(bytes);
    if (map.isPerCpu) {
      return map
        .entriesPerCpu()
        .map(([k, vs]) => ({ key: decode(map.btfKeyTypeId, k), value: vs.map((v) => decode(map.btfValueTypeId, v)) }));
    }
    return map.entries().map(([k, v]) => ({ key: decode(map.btfKeyTypeId, k), value: decode(map.btfValueTypeId, v) }));
  }

  /** Current values of the variables of a global data section (".data", ".bss", ".rodata"). */
  globals(section: string): Record<string, BtfValue> {
    const map = this.map(section);
    const bytes = map.lookup(new Uint8Array(4)) ?? new Uint8Array(map.valueSize);
    const datasec = this.btf?.find(section, BtfKind.DATASEC);
    if (!this.btf || !datasec) throw new ObjectError(`no BTF description of section ${section}`);
    return decodeBtfValue(this.btf, datasec.id, bytes) as Record<string, BtfValue>;
  }

  /** Pin every `.maps` map as dir/name. */
  pinMaps(dir: string): void {
    for (const [name, map] of this.maps) if (!name.startsWith(".")) map.pin(join(dir, name));
  }

  close(): void {
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    closeFd(this.btfFd);
    this.btfFd = -1;
  }
}

export async function loadObject(pathOrBytes: string | Uint8Array, options: LoadOptions = {}): Promise<BpfObject> {
  return loadObjectSync(pathOrBytes, options);
}

export function loadObjectSync(pathOrBytes: string | Uint8Array, options: LoadOptions = {}): BpfObject {
  const bytes = typeof pathOrBytes === "string" ? readObjectFile(pathOrBytes) : pathOrBytes;
  const elf = parseElf(bytes);
  const btfSection = elf.sectionByName(".BTF");
  const btf = btfSection ? parseBtf(btfSection.data) : undefined;
  const extSection = elf.sectionByName(".BTF.ext");
  const btfExt = btf && extSection ? parseBtfExt(extSection.data, btf) : undefined;
  const kernelBtf = btf ? fixupBtfForKernel(btf, elf) : undefined;
  if (elf.sectionByName("maps"))
    throw new ObjectError(
      'legacy "maps" section is not supported; declare maps in ".maps" with BTF (libbpf ≥ 1.0 style)',
    );
  const mapDefs = btf ? findMapDefinitions(btf) : [];
  if (!btf && elf.sectionByName(".maps"))
    throw new ObjectError('".maps" section without .BTF: BTF-defined maps need debug info (compile with -g)');

  raiseMemlockLimit();
  const obj = new BpfObject(elf, btf, btfExt, readLicense(elf));
  try {
    if (kernelBtf) {
      try {
        obj.btfFd = loadBtf(kernelBtf);
      } catch (e) {
        if (!(e instanceof BtfLoadError) || e.code === "EPERM") throw e;
        obj.btfLoadError = e;
      }
    }
    createDeclaredMaps(obj, elf, mapDefs, options.pinMapsDir ?? "/sys/fs/bpf");
    const dataMaps = createGlobalData(obj, elf, options.rodata ?? {});
    loadPrograms(obj, elf, mapDefs, dataMaps, options);
    return obj;
  } catch (e) {
    obj.close();
    throw e;
  }
}

function readObjectFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ObjectError(`cannot read object file ${path}: ${(e as Error).message}`);
  }
}

function readLicense(elf: ElfFile): string {
  const s = elf.sectionByName("license");
  if (!s) return "";
  const end = s.data.indexOf(0);
  return Buffer.from(s.data.subarray(0, end < 0 ? s.data.length : end)).toString("latin1");
}

function createDeclaredMaps(obj: BpfObject, elf: ElfFile, defs: MapDefinition[], pinDir: string): void {
  for (const def of defs) {
    const path = def.pinning === LIBBPF_PIN_BY_NAME ? join(pinDir, def.name) : undefined;
    if (path !== undefined) {
      const existing = openPinnedMap(path);
      if (existing) {
        obj.maps.set(def.name, existing);
        checkCompatible(existing, def, path);
        continue;
      }
    }
    const map = createMapFromDefinition(obj, def);
    obj.maps.set(def.name, map);
    if (path !== undefined) map.pin(path);
  }
  fillMapInMapValues(obj, elf, defs);
}

function createMapFromDefinition(obj: BpfObject, def: MapDefinition): BpfMap {
  let innerFd = -1;
  try {
    if (def.inner) {
      // The kernel needs a template of the inner map to check the outer map's values.
      innerFd = createMap({ ...definitionSpec(def.inner, obj.btfFd), name: `${def.name}.inner`.slice(0, 15) });
    }
    const spec = { ...definitionSpec(def, obj.btfFd), innerMapFd: innerFd >= 0 ? innerFd : undefined };
    // Map-in-map values are fds, not a BTF type; like libbpf, give the kernel no BTF ids for them.
    if (def.inner) {
      spec.btfKeyTypeId = 0;
      spec.btfValueTypeId = 0;
    }
    const fd = createMap(spec);
    return new BpfMap(fd, {
      name: def.name,
      type: def.type,
      keySize: def.keySize,
      valueSize: def.valueSize,
      maxEntries: def.maxEntries,
      flags: def.mapFlags,
      btfKeyTypeId: spec.btfKeyTypeId,
      btfValueTypeId: spec.btfValueTypeId,
    });
  } finally {
    closeFd(innerFd);
  }
}

function definitionSpec(def: MapDefinition, btfFd: number) {
  // Without a loaded BTF (or for maps whose value is a map/prog fd) type ids are meaningless to the kernel.
  const withBtf =
    btfFd >= 0 &&
    def.type !== MapType.PROG_ARRAY &&
    def.type !== MapType.DEVMAP &&
    def.type !== MapType.CPUMAP &&
    def.type !== MapType.XSKMAP;
  return {
    name: def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    flags: def.mapFlags,
    numaNode: def.numaNode,
    mapExtra: def.mapExtra,
    btfFd: withBtf ? btfFd : undefined,
    btfKeyTypeId: withBtf ? def.keyTypeId : 0,
    btfValueTypeId: withBtf ? def.valueTypeId : 0,
  };
}

function openPinnedMap(path: string): BpfMap | undefined {
  try {
    return BpfMap.fromPinned(path);
  } catch (e) {
    if (e instanceof SyscallError && e.errno === ENOENT) return undefined;
    throw e;
  }
}

function checkCompatible(map: BpfMap, def: MapDefinition, path: string): void {
  const diffs: string[] = [];
  if (map.type !== def.type) diffs.push(`type ${map.type} ≠ ${def.type}`);
  if (map.keySize !== def.keySize) diffs.push(`key size ${map.keySize} ≠ ${def.keySize}`);
  if (map.valueSize !== def.valueSize) diffs.push(`value size ${map.valueSize} ≠ ${def.valueSize}`);
  if (map.maxEntries !== def.maxEntries) diffs.push(`max_entries ${map.maxEntries} ≠ ${def.maxEntries}`);
  if (diffs.length)
    throw new ObjectError(
      `map "${def.name}" pinned at ${path} does not match the object's definition: ${diffs.join(", ")}`,
    );
}

/** `.rel.maps` entries fill the `values` array of a map-in-map with references to other maps. */
function fillMapInMapValues(obj: BpfObject, elf: ElfFile, defs: MapDefinition[]): void {
  const mapsSection = elf.sectionByName(".maps");
  if (!mapsSection) return;
  for (const r of elf.relocations.get(mapsSection.index) ?? []) {
    // `values` is a flexible array at the end of the definition: the initializer extends past the struct's BTF size.
    const outer = defs.find(
      (d) =>
        d.inner &&
        d.valuesOffset !== undefined &&
        r.offset >= d.offset + d.valuesOffset &&
        r.offset < d.offset + d.valuesOffset + 8 * d.maxEntries,
    );
    if (!outer || outer.valuesOffset === undefined)
      throw new ObjectError(`.maps relocation at ${r.offset} does not fall in a map-in-map "values" array`);
    const slot = (r.offset - outer.offset - outer.valuesOffset) / 8;
    if (!Number.isInteger(slot))
      throw new ObjectError(`.maps relocation at ${r.offset} is not on a "values" slot of map "${outer.name}"`);
    const innerDef = defs.find((d) => d.offset === r.symbol.value && r.symbol.shndx === mapsSection.index);
    if (!innerDef)
      throw new ObjectError(`map "${outer.name}" values[${slot}] refers to "${r.symbol.name}", which is not a map`);
    const key = Buffer.alloc(4);
    key.writeUInt32LE(slot);
    const value = Buffer.alloc(4);
    value.writeUInt32LE(obj.map(innerDef.name).fd);
    obj.map(outer.name).update(key, value);
  }
}

/** Global data lives in one map value; the kernel caps array values far below this anyway. */
const MAX_GLOBAL_DATA = 1 << 28;

function createGlobalData(obj: BpfObject, elf: ElfFile, rodata: Record<string, Uint8Array>): Map<number, BpfMap> {
  const bySection = new Map<number, BpfMap>();
  const pending = new Set(Object.keys(rodata));
  for (const section of elf.sections) {
    const kind = globalDataKind(section.name);
    if (kind === undefined || (section.flags & SHF.ALLOC) === 0 || section.flags & SHF.EXECINSTR || section.size === 0)
      continue;
    if (section.size > MAX_GLOBAL_DATA)
      throw new ObjectError(
        `section ${section.name} is ${section.size} bytes; global data is limited to ${MAX_GLOBAL_DATA} bytes`,
      );
    const contents = kind === "bss" ? new Uint8Array(section.size) : Uint8Array.from(section.data);
    if (kind === "rodata") applyRodataOverrides(obj.btf, elf, section, contents, rodata, pending);
    const datasec = obj.btf?.find(section.name, BtfKind.DATASEC);
    const map = createGlobalDataMap({
      sectionName: section.name,
      kind,
      contents,
      btfFd: obj.btfFd >= 0 && datasec ? obj.btfFd : undefined,
      datasecTypeId: datasec?.id,
    });
    obj.maps.set(section.name, map);
    bySection.set(section.index, map);
  }
  if (pending.size)
    throw new ObjectError(
      `rodata override for unknown variable(s): ${[...pending].join(", ")} (not in any .rodata section)`,
    );
  return bySection;
}

function applyRodataOverrides(
  btf: Btf | undefined,
  elf: ElfFile,
  section: ElfSection,
  contents: Uint8Array,
  rodata: Record<string, Uint8Array>,
  pending: Set<string>,
): void {
  for (const [name, bytes] of Object.entries(rodata)) {
    const sym = elf.symbols.find((s) => s.shndx === section.index && s.name === name && s.type === STT.OBJECT);
    if (!sym) continue;
    // Symbol size is authoritative; BTF (if any) agrees after fixup.
    const size = sym.size || (btf ? btfVarSize(btf, section.name, name) : 0);
    if (bytes.byteLength !== size)
      throw new ObjectError(`rodata override "${name}": ${bytes.byteLength} bytes given, variable is ${size} bytes`);
    contents.set(bytes, sym.value);
    pending.delete(name);
  }
}

function btfVarSize(btf: Btf, section: string, name: string): number {
  const ds = btf.find(section, BtfKind.DATASEC);
  const v = ds?.vars.find((x) => btf.type(x.type).name === name);
  return v?.size ?? 0;
}

function loadPrograms(
  obj: BpfObject,
  elf: ElfFile,
  mapDefs: MapDefinition[],
  dataMaps: Map<number, BpfMap>,
  options: LoadOptions,
): void {
  const functions = listFunctions(elf);
  const entries = functions.filter((f) => f.global && f.section.name !== ".text");
  const wanted = options.programs ? new Set(options.programs) : undefined;
  if (wanted) {
    const missing = [...wanted].filter((n) => !entries.some((f) => f.name === n));
    if (missing.length)
      throw new ObjectError(
        `no program(s) ${missing.join(", ")} in object (programs: ${entries.map((f) => f.name).join(", ")})`,
      );
  }
  const mapsSection = elf.sectionByName(".maps");

  const resolveData = (sym: ElfSymbol, section: ElfSection, imm: number): DataReference => {
    if (section === mapsSection) {
      const at = sym.value + (sym.type === STT.SECTION ? imm : 0);
      const def = mapDefs.find((d) => d.offset === at);
      if (!def)
        throw new ObjectError(
          `reference to "${sym.name || section.name}" at .maps+${at}, which is not the start of a map definition`,
        );
      return { kind: "map", fd: obj.map(def.name).fd };
    }
    const dataMap = dataMaps.get(section.index);
    if (dataMap) {
      const offset = sym.value + imm;
      if (offset < 0 || offset >= section.size)
        throw new ObjectError(
          `reference to "${sym.name || section.name}"+${imm} outside ${section.name} (${section.size} bytes)`,
        );
      return { kind: "value", fd: dataMap.fd, offset };
    }
    throw new ObjectError(
      `reference to "${sym.name}" in section ${section.name}, which is neither a map nor global data`,
    );
  };

  for (const entry of entries) {
    if (wanted && !wanted.has(entry.name)) continue;
    const kind = programKindForSection(entry.section.name);
    if (!kind)
      throw new ObjectError(
        `program "${entry.name}" is in section "${entry.section.name}", which is not a known program type (xdp, xdp.frags, xdp/…, tc, socket)`,
      );
    if (obj.programs.has(entry.name)) throw new ObjectError(`two programs named "${entry.name}"`);
    const assembled = assembleProgram(elf, functions, entry, resolveData, obj.btfFd >= 0 ? obj.btfExt : undefined);
    const { fd, log } = loadProgram({
      name: entry.name,
      type: kind.type,
      expectedAttachType: kind.expectedAttachType,
      flags: kind.flags,
      insns: assembled.insns,
      license: obj.license,
      btfFd: obj.btfFd,
      funcInfo: assembled.funcInfo,
      lineInfo: assembled.lineInfo,
      logLevel: options.logLevel ?? 0,
    });
    obj.programs.set(
      entry.name,
      new Program(
        fd,
        entry.name,
        entry.section.name,
        kind.type,
        kind.expectedAttachType,
        log,
        assembled.insns.length / 8,
        assembled.lineInfo,
      ),
    );
  }
}

export { TsbpfError };
