/**
 * What the kernel needs that the compiler leaves out (libbpf does the same
 * before BPF_BTF_LOAD):
 *  - LLVM emits every DATASEC (.maps, .rodata, .data, .bss, license, …) with
 *    size 0 and each variable at offset 0, because final layout is the
 *    linker's business. We fill in the ELF section size and each variable's
 *    symbol value, and sort the variables by offset (the kernel requires it).
 *  - A variable whose symbol is hidden/internal is made `static`, which the
 *    kernel accepts for any data section.
 * The fixups are applied to the parsed types and to a patched copy of the
 * raw section, which is what gets loaded.
 */
import type { ElfFile } from "../elf/types.ts";
import { STT, STV } from "../elf/types.ts";
import { BtfError } from "./errors.ts";
import type { Btf } from "./parse.ts";
import { BtfKind, BtfVarLinkage } from "./types.ts";

export function fixupBtfForKernel(btf: Btf, elf: ElfFile): Uint8Array {
  const out = Uint8Array.from(btf.raw);
  const view = new DataView(out.buffer);
  const typeBase = btf.header.hdrLen + btf.header.typeOff;

  for (const t of btf.types) {
    if (t.kind === BtfKind.VAR && t.linkage === BtfVarLinkage.GLOBAL_EXTERN) {
      throw new BtfError(`variable "${t.name}" is extern; extern variables (kconfig/ksyms) are not supported`);
    }
    if (t.kind !== BtfKind.DATASEC) continue;
    const section = elf.sectionByName(t.name);
    if (section === undefined) {
      if (t.vars.length === 0) continue;
      throw new BtfError(`BTF DATASEC "${t.name}" has no matching ELF section`);
    }
    t.size = section.size;
    for (const v of t.vars) {
      const variable = btf.type(v.type);
      if (variable.kind !== BtfKind.VAR)
        throw new BtfError(`DATASEC "${t.name}" entry refers to type #${v.type}, a non-variable`);
      const sym = elf.symbols.find(
        (s) =>
          s.shndx === section.index && s.name === variable.name && (s.type === STT.OBJECT || s.type === STT.NOTYPE),
      );
      if (sym === undefined) throw new BtfError(`DATASEC "${t.name}": no ELF symbol for variable "${variable.name}"`);
      if (sym.value + v.size > section.size)
        throw new BtfError(
          `DATASEC "${t.name}": variable "${variable.name}" (${v.size} bytes at ${sym.value}) outside the ${section.size}-byte section`,
        );
      v.offset = sym.value;
      if (sym.visibility === STV.HIDDEN || sym.visibility === STV.INTERNAL) {
        variable.linkage = BtfVarLinkage.STATIC;
        view.setUint32(typeBase + variable.recordOffset + 12, BtfVarLinkage.STATIC, true);
      }
    }
    t.vars.sort((a, b) => a.offset - b.offset);
    view.setUint32(typeBase + t.recordOffset + 8, t.size, true);
    t.vars.forEach((v, i) => {
      const at = typeBase + t.recordOffset + 12 + i * 12;
      view.setUint32(at, v.type, true);
      view.setUint32(at + 4, v.offset, true);
      view.setUint32(at + 8, v.size, true);
    });
  }
  return out;
}
