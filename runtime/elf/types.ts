/** ELF64 structures as the runtime sees them (only what BPF objects use). */

export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
export const SHF = { WRITE: 0x1, ALLOC: 0x2, EXECINSTR: 0x4 } as const;
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const EM_BPF = 247;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** File offset of the contents. */
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** Contents (empty for SHT_NOBITS such as .bss: those are zero-filled, size bytes). */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  bind: number;
  type: number;
  visibility: number;
  /** Section index (st_shndx); SHN_UNDEF or a reserved index means no section. */
  shndx: number;
}

export interface ElfRelocation {
  /** Byte offset inside the target section. */
  offset: number;
  type: number;
  symbol: ElfSymbol;
  /** Explicit addend for SHT_RELA (0 for SHT_REL; BPF uses the instruction's imm). */
  addend: bigint;
}

export interface ElfFile {
  bytes: Uint8Array;
  machine: number;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** Relocations keyed by the index of the section they patch. */
  relocations: Map<number, ElfRelocation[]>;
  sectionByName(name: string): ElfSection | undefined;
}
