/**
 * Assemble one loadable program from an ELF object: the entry function,
 * then every BPF-to-BPF callee it reaches (from `.text` or any other
 * executable section), each appended once, as libbpf does. Relocations are
 * applied on the copy: map references and global data become ld_imm64 with
 * BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_VALUE, calls get their final relative
 * offsets, and .BTF.ext func/line info is rebased to instruction indexes of
 * the assembled program.
 */
import { ObjectError } from "../errors.ts";
import type { BtfExt, LineInfoRecord } from "../btf/ext.ts";
import type { ElfFile, ElfRelocation, ElfSection, ElfSymbol } from "../elf/types.ts";
import { SHF, SHN_LORESERVE, SHN_UNDEF, STT } from "../elf/types.ts";
import {
  INSN_SIZE,
  Instructions,
  OP_CALL,
  OP_LD_IMM64,
  PSEUDO_CALL,
  PSEUDO_FUNC,
  PSEUDO_MAP_FD,
  PSEUDO_MAP_VALUE,
} from "./insn.ts";

/** A function symbol in an executable section. */
export interface ElfFunction {
  name: string;
  section: ElfSection;
  /** Byte range inside the section. */
  start: number;
  end: number;
  global: boolean;
}

/**
 * What a relocation against a data symbol refers to (decided by the object, which owns the maps):
 * a `.maps` map by name, or a byte offset inside a global data section's map.
 */
export type DataReference = { kind: "map"; map: string } | { kind: "value"; section: string; offset: number };
export type DataResolver = (symbol: ElfSymbol, section: ElfSection, insnImm: number) => DataReference;
/** An ld_imm64 at instruction index `insn` that needs the fd of `ref`'s map. */
export type ProgramReference = DataReference & { insn: number };

export interface FuncInfo {
  insnOff: number;
  typeId: number;
}
/** Line info rebased to instruction indexes of the final program. */
export interface LineInfo extends Omit<LineInfoRecord, "insnOff"> {
  insnOff: number;
}

export interface AssembledProgram {
  insns: Buffer;
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  /** ld_imm64 instructions waiting for a map fd, in instruction order. */
  references: ProgramReference[];
  /** Functions in placement order with their first instruction index. */
  layout: Array<{ fn: ElfFunction; base: number }>;
}

/** All function symbols of executable sections, with validated ranges. */
export function listFunctions(elf: ElfFile): ElfFunction[] {
  const out: ElfFunction[] = [];
  for (const sym of elf.symbols) {
    if (sym.type !== STT.FUNC || sym.shndx === SHN_UNDEF || sym.shndx >= SHN_LORESERVE) continue;
    const section = elf.sections[sym.shndx]!;
    if ((section.flags & SHF.EXECINSTR) === 0) continue;
    if (
      sym.value % INSN_SIZE !== 0 ||
      sym.size % INSN_SIZE !== 0 ||
      sym.size === 0 ||
      sym.value + sym.size > section.size
    ) {
      throw new ObjectError(
        `function "${sym.name}" (${sym.size} bytes at ${sym.value}) does not fit section ${section.name} (${section.size} bytes) in whole instructions`,
      );
    }
    out.push({ name: sym.name, section, start: sym.value, end: sym.value + sym.size, global: sym.bind !== 0 });
  }
  return out;
}

export function assembleProgram(
  elf: ElfFile,
  functions: ElfFunction[],
  entry: ElfFunction,
  resolveData: DataResolver,
  ext?: BtfExt,
): AssembledProgram {
  const placed = new Map<ElfFunction, number>();
  const layout: Array<{ fn: ElfFunction; base: number }> = [];
  const chunks: Buffer[] = [];
  let total = 0;
  const calls: Array<{ at: number; target: ElfFunction; targetOff: number }> = [];
  const references: ProgramReference[] = [];

  const functionAt = (section: ElfSection, byteOff: number, from: string): ElfFunction => {
    const fn = functions.find((f) => f.section === section && f.start <= byteOff && byteOff < f.end);
    if (fn === undefined) throw new ObjectError(`${from}: no function at offset ${byteOff} of section ${section.name}`);
    if ((byteOff - fn.start) % INSN_SIZE !== 0)
      throw new ObjectError(`${from}: target offset ${byteOff} is not on an instruction boundary`);
    return fn;
  };

  const place = (fn: ElfFunction) => {
    if (placed.has(fn)) return;
    const base = total / INSN_SIZE;
    placed.set(fn, base);
    layout.push({ fn, base });
    const code = Buffer.from(fn.section.data.subarray(fn.start, fn.end));
    chunks.push(code);
    total += code.length;
    const insns = new Instructions(code);
    const relocs = new Map<number, ElfRelocation>();
    for (const r of elf.relocations.get(fn.section.index) ?? []) {
      if (r.offset >= fn.start && r.offset < fn.end) {
        if ((r.offset - fn.start) % INSN_SIZE !== 0)
          throw new ObjectError(`relocation at ${fn.section.name}+${r.offset} is not on an instruction boundary`);
        relocs.set((r.offset - fn.start) / INSN_SIZE, r);
      }
    }
    for (let i = 0; i < insns.count; i++) {
      const where = `${fn.name}+${i} (${fn.section.name}+${fn.start + i * INSN_SIZE})`;
      const reloc = relocs.get(i);
      const code = insns.code(i);
      if (code === OP_LD_IMM64) {
        if (i + 1 >= insns.count) throw new ObjectError(`${where}: ld_imm64 is missing its second half`);
        if (reloc !== undefined)
          applyLoadReloc(
            elf,
            insns,
            i,
            reloc,
            where,
            resolveData,
            (ref) => references.push({ ...ref, insn: base + i }),
            (target, off) => calls.push({ at: base + i, target, targetOff: off }),
            functionAt,
          );
        i++; // second slot of ld_imm64
      } else if (code === OP_CALL && insns.src(i) === PSEUDO_CALL) {
        let section = fn.section;
        let targetOff: number;
        if (reloc !== undefined) {
          const sym = reloc.symbol;
          if (sym.shndx === SHN_UNDEF)
            throw new ObjectError(
              `${where}: call to undefined function "${sym.name}" (kfuncs and externs are not supported)`,
            );
          if (sym.shndx >= SHN_LORESERVE) throw new ObjectError(`${where}: call target "${sym.name}" has no section`);
          section = elf.sections[sym.shndx]!;
          // As libbpf: the callee is at symbol value + (imm + 1) instructions.
          targetOff = sym.value + (insns.imm(i) + 1) * INSN_SIZE;
        } else {
          targetOff = fn.start + (i + insns.imm(i) + 1) * INSN_SIZE;
        }
        const target = functionAt(section, targetOff, where);
        calls.push({ at: base + i, target, targetOff });
      } else if (reloc !== undefined) {
        throw new ObjectError(
          `${where}: relocation against "${reloc.symbol.name}" on an instruction that is neither ld_imm64 nor a call (opcode 0x${code.toString(16)})`,
        );
      }
    }
  };

  place(entry);
  // Placing a function can discover more callees; iterate until closed.
  for (let done = 0; done < calls.length; done++) place(calls[done]!.target);

  const insns = Buffer.concat(chunks, total);
  const all = new Instructions(insns);
  for (const c of calls) {
    const targetIdx = placed.get(c.target)! + (c.targetOff - c.target.start) / INSN_SIZE;
    all.setImm(c.at, targetIdx - c.at - 1);
  }

  const { funcInfo, lineInfo } = rebaseDebugInfo(layout, ext);
  return { insns, funcInfo, lineInfo, references, layout };
}

/** A copy of `insns` with each reference's map fd in place. */
export function bindReferences(
  insns: Uint8Array,
  references: readonly ProgramReference[],
  fdOf: (ref: DataReference) => number,
): Buffer {
  const out = Buffer.from(insns);
  const view = new Instructions(out);
  for (const ref of references) view.setImm(ref.insn, fdOf(ref));
  return out;
}

function applyLoadReloc(
  elf: ElfFile,
  insns: Instructions,
  i: number,
  reloc: ElfRelocation,
  where: string,
  resolveData: DataResolver,
  addReference: (ref: DataReference) => void,
  addCall: (target: ElfFunction, targetOff: number) => void,
  functionAt: (section: ElfSection, off: number, from: string) => ElfFunction,
): void {
  const sym = reloc.symbol;
  if (sym.shndx === SHN_UNDEF)
    throw new ObjectError(`${where}: reference to undefined symbol "${sym.name}" (extern variables are not supported)`);
  if (sym.shndx >= SHN_LORESERVE) throw new ObjectError(`${where}: reference to "${sym.name}" with no section`);
  const section = elf.sections[sym.shndx]!;
  if (section.flags & SHF.EXECINSTR) {
    // Address of a function (callbacks for bpf_loop & co).
    const targetOff = sym.value + insns.imm(i);
    const target = functionAt(section, targetOff, where);
    insns.setSrc(i, PSEUDO_FUNC);
    addCall(target, targetOff);
    return;
  }
  const ref = resolveData(sym, section, insns.imm(i));
  // The fd goes in later (bindReferences); the value offset is known now.
  insns.setSrc(i, ref.kind === "map" ? PSEUDO_MAP_FD : PSEUDO_MAP_VALUE);
  insns.setImm(i, 0);
  insns.setImm(i + 1, ref.kind === "map" ? 0 : ref.offset);
  addReference(ref);
}

function rebaseDebugInfo(
  layout: Array<{ fn: ElfFunction; base: number }>,
  ext: BtfExt | undefined,
): { funcInfo: FuncInfo[]; lineInfo: LineInfo[] } {
  const funcInfo: FuncInfo[] = [];
  const lineInfo: LineInfo[] = [];
  if (ext === undefined) return { funcInfo, lineInfo };
  for (const { fn, base } of layout) {
    const rebase = (off: number) => {
      if ((off - fn.start) % INSN_SIZE !== 0)
        throw new ObjectError(`.BTF.ext record at ${fn.section.name}+${off} is not on an instruction boundary`);
      return base + (off - fn.start) / INSN_SIZE;
    };
    for (const rec of ext.funcInfo.get(fn.section.name) ?? []) {
      if (rec.insnOff >= fn.start && rec.insnOff < fn.end)
        funcInfo.push({ insnOff: rebase(rec.insnOff), typeId: rec.typeId });
    }
    for (const rec of ext.lineInfo.get(fn.section.name) ?? []) {
      if (rec.insnOff >= fn.start && rec.insnOff < fn.end) lineInfo.push({ ...rec, insnOff: rebase(rec.insnOff) });
    }
  }
  return { funcInfo, lineInfo };
}
