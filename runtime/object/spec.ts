/**
 * What an ELF object declares, parsed without touching the kernel (as
 * cilium/ebpf's CollectionSpec and aya-obj): its maps, global data,
 * programs (already assembled and relocated, map fds left to fill in) and
 * BTF. `parseObject()` makes one; `loadObject(spec)` creates it in the
 * kernel. A spec can be inspected and edited in between (a map's
 * `maxEntries`, a global variable's initial bytes); loading never changes it.
 */
import type { BtfExt } from "../btf/ext.ts";
import type { MapDefinition } from "../btf/map-defs.ts";
import type { Btf } from "../btf/parse.ts";
import type { ElfFile } from "../elf/types.ts";
import type { GlobalDataKind } from "../maps/global-data.ts";
import type { FuncInfo, LineInfo, ProgramReference } from "../program/assemble.ts";
import type { SectionProgramKind } from "../program/section-types.ts";

export interface ObjectSpec {
  /** Maps declared in `.maps`, in declaration order. */
  maps: MapSpec[];
  /** Global data sections (`.rodata*`, `.data*`, `.bss*`), each loaded as a one-entry ARRAY map named after the section. */
  globalData: DataSectionSpec[];
  /** Entry points (global functions outside `.text`), in symbol order. */
  programs: ProgramSpec[];
  license: string;
  /** The object's BTF with DATASEC sizes and offsets fixed up, and the bytes given to `BPF_BTF_LOAD`. */
  btf: Btf | undefined;
  kernelBtf: Uint8Array | undefined;
  btfExt: BtfExt | undefined;
  elf: ElfFile;
}

/** A `.maps` definition, plus for a map-in-map the maps its `values[]` initialiser puts in which slot. */
export interface MapSpec extends MapDefinition {
  values: Array<{ slot: number; map: string }>;
}

export interface DataSectionSpec {
  /** Section name, also the map's name (".rodata", ".data.counters", …). */
  name: string;
  kind: GlobalDataKind;
  /** Initial contents (zeros for `.bss`). */
  contents: Uint8Array;
  /** The section's variables (ELF object symbols), where `rodata` overrides may write. */
  variables: Array<{ name: string; offset: number; size: number }>;
  /** Type id of the section's BTF DATASEC, if BTF describes it. */
  datasecTypeId: number | undefined;
}

export interface ProgramSpec {
  /** Function name. */
  name: string;
  section: string;
  /** How the section name says to load it; undefined for a section tsbpf does not know (an error only if loaded). */
  kind: SectionProgramKind | undefined;
  /** The assembled program: entry function then its BPF-to-BPF callees, 8 bytes per instruction. */
  insns: Uint8Array;
  /** ld_imm64 instructions that need a map's fd at load. */
  references: ProgramReference[];
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
}
