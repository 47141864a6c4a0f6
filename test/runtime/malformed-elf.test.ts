/**
 * Malformed objects: every corruption must surface as a TsbpfError subclass
 * (ElfError, BtfError, ObjectError, or a kernel refusal), never a
 * TypeError/RangeError, and must not leak file descriptors.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { loadObject, openFdCount, parseBtf, parseElf, TsbpfError } from "../../runtime/index.ts";
import { compileC } from "./helpers.ts";

type Case = [label: string, bytes: Uint8Array];

interface Base {
  name: string;
  bytes: Uint8Array;
}

function patch(base: Uint8Array, offset: number, width: 1 | 2 | 4 | 8, value: number | bigint): Uint8Array {
  const copy = Buffer.from(base);
  if (width === 1) copy.writeUInt8(Number(value), offset);
  else if (width === 2) copy.writeUInt16LE(Number(value), offset);
  else if (width === 4) copy.writeUInt32LE(Number(value) >>> 0, offset);
  else copy.writeBigUInt64LE(BigInt(value), offset);
  return new Uint8Array(copy);
}

function cases(base: Base): Case[] {
  const { name, bytes } = base;
  const out: Case[] = [];
  const add = (label: string, b: Uint8Array) => out.push([`${name}: ${label}`, b]);
  const N = bytes.byteLength;
  const elf = parseElf(bytes);
  const shoff = Number(Buffer.from(bytes).readBigUInt64LE(40));
  const sh = (index: number) => shoff + index * 64;
  const sec = (n: string) => elf.sectionByName(n)!;
  const symtab = elf.sections.find((s) => s.type === 2)!;
  const strtab = elf.sections[symtab.link]!;

  // Truncation at many offsets.
  const cuts = new Set([0, 1, 3, 4, 15, 16, 17, 40, 63, 64, 65, N - 1, N - 63, N - 64, N - 65]);
  for (let i = 1; i < 30; i++) cuts.add(Math.floor((N * i) / 30));
  for (const cut of cuts) add(`truncated to ${cut} bytes`, bytes.subarray(0, cut));

  // ELF header.
  add("bad magic", patch(bytes, 0, 1, 0x7e));
  add("ELF32 class", patch(bytes, 4, 1, 1));
  add("big-endian", patch(bytes, 5, 1, 2));
  add("machine x86-64", patch(bytes, 18, 2, 62));
  add("e_shoff = file size", patch(bytes, 40, 8, N));
  add("e_shoff = 2^63", patch(bytes, 40, 8, 1n << 63n));
  add("e_shoff = 0", patch(bytes, 40, 8, 0));
  add("e_shoff misplaced by 8", patch(bytes, 40, 8, shoff + 8));
  add("e_shentsize 40", patch(bytes, 58, 2, 40));
  add("e_shnum 0xffff", patch(bytes, 60, 2, 0xffff));
  add("e_shnum + 1", patch(bytes, 60, 2, elf.sections.length + 1));
  add("e_shstrndx = e_shnum", patch(bytes, 62, 2, elf.sections.length));
  add("e_shstrndx = 0xfffe", patch(bytes, 62, 2, 0xfffe));
  add("e_shstrndx names a PROGBITS section", patch(bytes, 62, 2, sec("xdp").index));

  // Section headers of the sections the loader uses.
  const important = [
    "xdp",
    ".rodata",
    ".data",
    ".maps",
    "license",
    ".BTF",
    ".BTF.ext",
    ".relxdp",
    ".symtab",
    ".strtab",
  ].filter((n) => elf.sectionByName(n));
  for (const n of important) {
    const s = sec(n);
    add(`${n}: sh_offset past end`, patch(bytes, sh(s.index) + 24, 8, N + 8));
    add(`${n}: sh_offset 2^64-8`, patch(bytes, sh(s.index) + 24, 8, 0xfffffffffffffff8n));
    add(`${n}: sh_size twice the file`, patch(bytes, sh(s.index) + 32, 8, N * 2));
    add(`${n}: sh_name outside string table`, patch(bytes, sh(s.index), 4, 0xffffff));
  }
  const bss = elf.sectionByName(".bss");
  if (bss) add(".bss: sh_size 2^40", patch(bytes, sh(bss.index) + 32, 8, 1n << 40n));

  // sh_link / sh_info.
  add("symtab sh_link 0", patch(bytes, sh(symtab.index) + 40, 4, 0));
  add("symtab sh_link out of range", patch(bytes, sh(symtab.index) + 40, 4, 999));
  add("symtab sh_link names code", patch(bytes, sh(symtab.index) + 40, 4, sec("xdp").index));
  add("symtab sh_entsize 16", patch(bytes, sh(symtab.index) + 56, 8, 16));
  add("symtab sh_size not a multiple of 24", patch(bytes, sh(symtab.index) + 32, 8, symtab.size - 5));
  for (const rel of elf.sections.filter((s) => s.type === 9)) {
    add(`${rel.name}: sh_link out of range`, patch(bytes, sh(rel.index) + 40, 4, 999));
    add(`${rel.name}: sh_link names the string table`, patch(bytes, sh(rel.index) + 40, 4, strtab.index));
    add(`${rel.name}: sh_info 0`, patch(bytes, sh(rel.index) + 44, 4, 0));
    add(`${rel.name}: sh_info out of range`, patch(bytes, sh(rel.index) + 44, 4, 999));
    add(`${rel.name}: size not a multiple of 16`, patch(bytes, sh(rel.index) + 32, 8, rel.size - 3));
  }

  // Relocations of the program section.
  const relxdp = sec(".relxdp");
  for (let i = 0; i < relxdp.size / 16; i++) {
    const at = relxdp.offset + i * 16;
    const info = Buffer.from(bytes).readBigUInt64LE(at + 8);
    add(`.relxdp #${i}: symbol index 0xffffff`, patch(bytes, at + 8, 8, (0xffffffn << 32n) | (info & 0xffffffffn)));
    add(`.relxdp #${i}: r_offset past section`, patch(bytes, at, 8, sec("xdp").size + 8));
    add(`.relxdp #${i}: r_offset 2^62`, patch(bytes, at, 8, 1n << 62n));
    add(`.relxdp #${i}: r_offset misaligned`, patch(bytes, at, 8, Number(Buffer.from(bytes).readBigUInt64LE(at)) + 4));
    add(`.relxdp #${i}: symbol is the FILE symbol`, patch(bytes, at + 8, 8, (1n << 32n) | (info & 0xffffffffn)));
    add(`.relxdp #${i}: symbol is undefined`, patch(bytes, at + 8, 8, info & 0xffffffffn));
  }

  // Symbols.
  for (const sym of elf.symbols.filter((s) => s.type === 2 || (s.type === 1 && s.shndx !== 0))) {
    const at = symtab.offset + sym.index * 24;
    add(`symbol ${sym.name}: st_name outside string table`, patch(bytes, at, 4, 0xfffffff));
    add(`symbol ${sym.name}: st_shndx 500`, patch(bytes, at + 6, 2, 500));
    add(`symbol ${sym.name}: st_value past its section`, patch(bytes, at + 8, 8, elf.sections[sym.shndx]!.size + 64));
    if (sym.type === 2)
      add(`function ${sym.name}: st_size not whole instructions`, patch(bytes, at + 16, 8, sym.size - 3));
  }

  // BTF header and type records.
  const btfSec = sec(".BTF");
  const B = btfSec.offset;
  add("BTF magic", patch(bytes, B, 2, 0x9feb));
  add("BTF version 2", patch(bytes, B + 2, 1, 2));
  add("BTF hdr_len 0", patch(bytes, B + 4, 4, 0));
  add("BTF hdr_len huge", patch(bytes, B + 4, 4, 0xffffff00));
  add("BTF type_off huge", patch(bytes, B + 8, 4, 0xffffff00));
  add("BTF type_off misaligned", patch(bytes, B + 8, 4, 2));
  add("BTF type_len huge", patch(bytes, B + 12, 4, 0x7fffffff));
  add("BTF type_len cuts a record", patch(bytes, B + 12, 4, 17));
  add("BTF str_off huge", patch(bytes, B + 16, 4, 0xffffff00));
  add("BTF str_len huge", patch(bytes, B + 20, 4, 0x7fffffff));
  add("BTF str_len 0", patch(bytes, B + 20, 4, 0));
  const btf = parseBtf(btfSec.data);
  const typeBase = B + btf.header.hdrLen + btf.header.typeOff;
  for (const t of btf.types.slice(1)) {
    const at = typeBase + t.recordOffset;
    const info = Buffer.from(bytes).readUInt32LE(at + 4);
    add(`BTF type #${t.id}: unknown kind 31`, patch(bytes, at + 4, 4, (info & 0xe0ffffff) | (31 << 24)));
    add(`BTF type #${t.id}: name_off outside strings`, patch(bytes, at, 4, 0xfffffff));
    if ("members" in t || "vars" in t || "params" in t)
      add(`BTF type #${t.id}: vlen 0xffff`, patch(bytes, at + 4, 4, (info & 0xffff0000) | 0xffff));
    if (t.kind === 2 || t.kind === 8 || t.kind === 14 || t.kind === 12)
      add(`BTF type #${t.id}: refers to type 0x7fffffff`, patch(bytes, at + 8, 4, 0x7fffffff));
  }

  // BTF.ext.
  const ext = sec(".BTF.ext");
  const E = ext.offset;
  const extHdr = Buffer.from(bytes).readUInt32LE(E + 4);
  add("BTF.ext magic", patch(bytes, E, 2, 0));
  add("BTF.ext hdr_len huge", patch(bytes, E + 4, 4, 0xffffff));
  add("BTF.ext func_info_off huge", patch(bytes, E + 8, 4, 0xffffff00));
  add("BTF.ext func_info_len huge", patch(bytes, E + 12, 4, 0x7fffffff));
  add("BTF.ext line_info_len huge", patch(bytes, E + 20, 4, 0x7fffffff));
  const fiStart = E + extHdr + Buffer.from(bytes).readUInt32LE(E + 8);
  add("BTF.ext func_info record size 4", patch(bytes, fiStart, 4, 4));
  add("BTF.ext func_info section name outside strings", patch(bytes, fiStart + 4, 4, 0xfffffff));
  add("BTF.ext func_info count huge", patch(bytes, fiStart + 8, 4, 0x10000000));
  add("BTF.ext func_info type id out of range", patch(bytes, fiStart + 16, 4, 0xfffffff));
  const liStart = E + extHdr + Buffer.from(bytes).readUInt32LE(E + 16);
  add("BTF.ext line_info record size 12", patch(bytes, liStart, 4, 12));
  add("BTF.ext line_info count huge", patch(bytes, liStart + 8, 4, 0x10000000));
  add("BTF.ext line_info file name outside strings", patch(bytes, liStart + 16, 4, 0xfffffff));
  return out;
}

const bases: Base[] = [];
let fdsBefore = 0;

beforeAll(() => {
  for (const name of ["global_data", "two_progs", "bpf2bpf"])
    bases.push({ name, bytes: new Uint8Array(readFileSync(compileC(name))) });
  fdsBefore = openFdCount();
});

afterAll(() => {
  expect(openFdCount()).toBe(fdsBefore);
});

describeKernel("malformed ELF objects", () => {
  it("the unmodified objects load (control)", async () => {
    for (const b of bases) (await loadObject(b.bytes)).close();
  });

  it("generates at least 100 distinct corruptions per base object", () => {
    for (const b of bases) expect(cases(b).length).toBeGreaterThanOrEqual(100);
  });

  for (const baseName of ["global_data", "two_progs", "bpf2bpf"]) {
    it(`${baseName}: every corruption throws a TsbpfError and leaks no fd`, async () => {
      const base = bases.find((b) => b.name === baseName)!;
      const fds = openFdCount();
      const unclean: string[] = [];
      const loaded: string[] = [];
      let n = 0;
      for (const [label, bytes] of cases(base)) {
        n++;
        try {
          (await loadObject(bytes)).close();
          loaded.push(label);
        } catch (e) {
          if (!(e instanceof TsbpfError) || e.message.length === 0)
            unclean.push(`${label}: ${(e as Error)?.constructor?.name} ${(e as Error)?.message}`);
        }
      }
      expect(unclean).toEqual([]);
      expect(loaded).toEqual([]);
      expect(n).toBeGreaterThanOrEqual(100);
      expect(openFdCount()).toBe(fds);
    });
  }
});
