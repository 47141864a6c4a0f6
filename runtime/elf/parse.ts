/**
 * ELF64 little-endian parser for BPF relocatable objects: section headers,
 * the symbol table and REL/RELA relocation sections. Every offset, size,
 * index and link read from the file is validated before use; problems raise
 * ElfError naming the field, the file offset and the section.
 */
import { ElfError } from "./errors.ts";
import { ByteReader } from "./reader.ts";
import {
  EM_BPF,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHT,
  type ElfFile,
  type ElfRelocation,
  type ElfSection,
  type ElfSymbol,
} from "./types.ts";

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const RELA_SIZE = 24;
const MAX_SECTIONS = 65535;

export function parseElf(input: Uint8Array): ElfFile {
  const bytes = input;
  const file = new ByteReader(bytes, (what, offset) => new ElfError(what, { offset }));

  if (bytes.byteLength < EHDR_SIZE)
    throw new ElfError(`file is ${bytes.byteLength} bytes, shorter than the 64-byte ELF header`, { offset: 0 });
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    throw new ElfError("bad magic, not an ELF file", { offset: 0 });
  if (bytes[4] !== 2) throw new ElfError(`EI_CLASS ${bytes[4]}: only ELF64 is supported`, { offset: 4 });
  if (bytes[5] !== 1) throw new ElfError(`EI_DATA ${bytes[5]}: only little-endian is supported`, { offset: 5 });

  const machine = file.u16(18, "e_machine");
  if (machine !== EM_BPF) throw new ElfError(`e_machine ${machine} is not EM_BPF (247)`, { offset: 18 });
  const shoff = file.u64n(40, "e_shoff");
  const shentsize = file.u16(58, "e_shentsize");
  let shnum = file.u16(60, "e_shnum");
  let shstrndx = file.u16(62, "e_shstrndx");

  if (shoff === 0) throw new ElfError("no section header table (e_shoff = 0)", { offset: 40 });
  if (shentsize !== SHDR_SIZE) throw new ElfError(`e_shentsize ${shentsize}, expected ${SHDR_SIZE}`, { offset: 58 });
  // Extended numbering: counts that do not fit 16 bits live in section header 0.
  if (shnum === 0) {
    file.check(shoff, SHDR_SIZE, "section header 0");
    shnum = file.u64n(shoff + 32, "section header 0 sh_size (extended e_shnum)");
  }
  if (shstrndx === 0xffff) {
    file.check(shoff, SHDR_SIZE, "section header 0");
    shstrndx = file.u32(shoff + 40, "section header 0 sh_link (extended e_shstrndx)");
  }
  if (shnum < 1 || shnum > MAX_SECTIONS) throw new ElfError(`e_shnum ${shnum} out of range`, { offset: 60 });
  if (shoff + shnum * SHDR_SIZE > bytes.byteLength) {
    throw new ElfError(
      `section header table (${shnum} × ${SHDR_SIZE} bytes at 0x${shoff.toString(16)}) extends past end of file (${bytes.byteLength} bytes)`,
      { offset: 40 },
    );
  }
  if (shstrndx >= shnum) throw new ElfError(`e_shstrndx ${shstrndx} ≥ e_shnum ${shnum}`, { offset: 62 });

  // Pass 1: raw headers (names unknown yet).
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * SHDR_SIZE;
    const where = `section header #${i}`;
    const type = file.u32(h + 4, `${where} sh_type`);
    const offset = file.u64n(h + 24, `${where} sh_offset`);
    const size = file.u64n(h + 32, `${where} sh_size`);
    let data: Uint8Array = new Uint8Array(0);
    if (i !== 0 && type !== SHT.NOBITS && type !== SHT.NULL) {
      if (offset + size > bytes.byteLength) {
        throw new ElfError(
          `contents (${size} bytes at 0x${offset.toString(16)}) extend past end of file (${bytes.byteLength} bytes)`,
          { offset: h + 24, section: `#${i}` },
        );
      }
      data = bytes.subarray(offset, offset + size);
    }
    sections.push({
      index: i,
      name: "",
      type,
      flags: Number(file.u64(h + 8, `${where} sh_flags`) & 0xffffffffn),
      offset,
      size,
      link: file.u32(h + 40, `${where} sh_link`),
      info: file.u32(h + 44, `${where} sh_info`),
      addralign: file.u64n(h + 48, `${where} sh_addralign`),
      entsize: file.u64n(h + 56, `${where} sh_entsize`),
      data,
    });
  }

  // Pass 2: names from the section header string table.
  const shstr = sections[shstrndx]!;
  if (shstr.type !== SHT.STRTAB)
    throw new ElfError(`e_shstrndx ${shstrndx} is not a string table (sh_type ${shstr.type})`, {
      offset: 62,
      section: `#${shstrndx}`,
    });
  const shstrReader = new ByteReader(
    shstr.data,
    (what, off) => new ElfError(what, { offset: shstr.offset + off, section: `#${shstrndx} (section names)` }),
  );
  for (const s of sections) {
    if (s.index === 0) continue;
    const nameOff = file.u32(shoff + s.index * SHDR_SIZE, "sh_name");
    s.name = shstrReader.cstring(nameOff, `name of section #${s.index}`);
  }

  const symbols = parseSymbols(sections);
  const relocations = parseRelocations(sections, symbols);
  const byName = new Map<string, ElfSection>();
  for (const s of sections) if (s.index !== 0 && !byName.has(s.name)) byName.set(s.name, s);

  return { bytes, machine, sections, symbols, relocations, sectionByName: (name) => byName.get(name) };
}

function sectionLabel(s: ElfSection): string {
  return s.name ? `${s.name} (#${s.index})` : `#${s.index}`;
}

function parseSymbols(sections: ElfSection[]): ElfSymbol[] {
  const symtabs = sections.filter((s) => s.type === SHT.SYMTAB);
  if (symtabs.length === 0) return [];
  if (symtabs.length > 1)
    throw new ElfError(`${symtabs.length} symbol tables, expected one`, { section: sectionLabel(symtabs[1]!) });
  const symtab = symtabs[0]!;
  const label = sectionLabel(symtab);
  if (symtab.entsize !== SYM_SIZE)
    throw new ElfError(`symbol table entry size ${symtab.entsize}, expected ${SYM_SIZE}`, { section: label });
  if (symtab.size % SYM_SIZE !== 0)
    throw new ElfError(`symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`, { section: label });
  if (symtab.link === 0 || symtab.link >= sections.length || sections[symtab.link]!.type !== SHT.STRTAB) {
    throw new ElfError(`symbol table sh_link ${symtab.link} does not name a string table`, { section: label });
  }
  const strtab = sections[symtab.link]!;
  const strs = new ByteReader(
    strtab.data,
    (what, off) => new ElfError(what, { offset: strtab.offset + off, section: sectionLabel(strtab) }),
  );
  const r = new ByteReader(
    symtab.data,
    (what, off) => new ElfError(what, { offset: symtab.offset + off, section: label }),
  );

  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
    const o = i * SYM_SIZE;
    const info = r.u8(o + 4);
    const shndx = r.u16(o + 6);
    if (shndx !== SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= sections.length) {
      throw new ElfError(`symbol #${i} st_shndx ${shndx} ≥ ${sections.length} sections`, {
        offset: symtab.offset + o + 6,
        section: label,
      });
    }
    symbols.push({
      index: i,
      name: strs.cstring(r.u32(o), `name of symbol #${i}`),
      value: r.u64n(o + 8, `symbol #${i} st_value`),
      size: r.u64n(o + 16, `symbol #${i} st_size`),
      bind: info >> 4,
      type: info & 0xf,
      visibility: r.u8(o + 5) & 0x3,
      shndx,
    });
  }
  return symbols;
}

function parseRelocations(sections: ElfSection[], symbols: ElfSymbol[]): Map<number, ElfRelocation[]> {
  const out = new Map<number, ElfRelocation[]>();
  for (const rs of sections) {
    if (rs.type !== SHT.REL && rs.type !== SHT.RELA) continue;
    const label = sectionLabel(rs);
    const entSize = rs.type === SHT.REL ? REL_SIZE : RELA_SIZE;
    if (rs.size % entSize !== 0)
      throw new ElfError(`relocation section size ${rs.size} is not a multiple of ${entSize}`, { section: label });
    if (rs.link >= sections.length || sections[rs.link]!.type !== SHT.SYMTAB) {
      throw new ElfError(`relocation section sh_link ${rs.link} does not name the symbol table`, { section: label });
    }
    if (rs.info === 0 || rs.info >= sections.length)
      throw new ElfError(`relocation section sh_info ${rs.info} is not a valid target section`, { section: label });
    const target = sections[rs.info]!;
    const r = new ByteReader(rs.data, (what, off) => new ElfError(what, { offset: rs.offset + off, section: label }));
    const list = out.get(target.index) ?? [];
    for (let i = 0; i < rs.size / entSize; i++) {
      const o = i * entSize;
      const offset = r.u64n(o, "r_offset");
      const info = r.u64(o + 8, "r_info");
      const symIndex = Number(info >> 32n);
      const type = Number(info & 0xffffffffn);
      if (symIndex >= symbols.length) {
        throw new ElfError(`relocation #${i} names symbol #${symIndex}, but the symbol table has ${symbols.length}`, {
          offset: rs.offset + o + 8,
          section: label,
        });
      }
      // Relocations patch an 8-byte instruction (or a 4/8-byte data word): the whole word must fit the target.
      if (target.type !== SHT.NOBITS && offset + 4 > target.size) {
        throw new ElfError(
          `relocation #${i} r_offset ${offset} outside target section ${sectionLabel(target)} (${target.size} bytes)`,
          { offset: rs.offset + o, section: label },
        );
      }
      list.push({ offset, type, symbol: symbols[symIndex]!, addend: rs.type === SHT.RELA ? r.u64(o + 16) : 0n });
    }
    out.set(target.index, list);
  }
  return out;
}
