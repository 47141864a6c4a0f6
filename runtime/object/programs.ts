/**
 * Programs: every entry point assembled with its callees and relocated
 * against the object's maps and global data by name (parse), then given
 * map fds and loaded (load). Assembly itself: program/assemble.ts.
 */
import { ObjectError } from "../errors.ts";
import type { BtfExt } from "../btf/ext.ts";
import { STT, type ElfFile, type ElfSection, type ElfSymbol } from "../elf/types.ts";
import {
  assembleProgram,
  bindReferences,
  listFunctions,
  type DataReference,
  type DataResolver,
} from "../program/assemble.ts";
import { loadProgram, type LogLevel } from "../program/load.ts";
import { Program } from "../program/program.ts";
import { programKindForSection } from "../program/section-types.ts";
import type { BpfObject } from "./object.ts";
import type { DataSectionSpec, MapSpec, ProgramSpec } from "./spec.ts";

export function parsePrograms(
  elf: ElfFile,
  btfExt: BtfExt | undefined,
  maps: readonly MapSpec[],
  globalData: readonly DataSectionSpec[],
): ProgramSpec[] {
  const functions = listFunctions(elf);
  const entries = functions.filter((f) => f.global && f.section.name !== ".text");
  const mapsSection = elf.sectionByName(".maps");
  const dataSections = new Set(globalData.map((d) => d.name));

  const resolveData: DataResolver = (sym: ElfSymbol, section: ElfSection, imm: number): DataReference => {
    if (section === mapsSection) {
      const at = sym.value + (sym.type === STT.SECTION ? imm : 0);
      const def = maps.find((d) => d.offset === at);
      if (!def)
        throw new ObjectError(
          `reference to "${sym.name || section.name}" at .maps+${at}, which is not the start of a map definition`,
        );
      return { kind: "map", map: def.name };
    }
    if (dataSections.has(section.name)) {
      const offset = sym.value + imm;
      if (offset < 0 || offset >= section.size)
        throw new ObjectError(
          `reference to "${sym.name || section.name}"+${imm} outside ${section.name} (${section.size} bytes)`,
        );
      return { kind: "value", section: section.name, offset };
    }
    throw new ObjectError(
      `reference to "${sym.name}" in section ${section.name}, which is neither a map nor global data`,
    );
  };

  const programs: ProgramSpec[] = [];
  for (const entry of entries) {
    if (programs.some((p) => p.name === entry.name)) throw new ObjectError(`two programs named "${entry.name}"`);
    const assembled = assembleProgram(elf, functions, entry, resolveData, btfExt);
    programs.push({
      name: entry.name,
      section: entry.section.name,
      kind: programKindForSection(entry.section.name),
      insns: new Uint8Array(assembled.insns.buffer, assembled.insns.byteOffset, assembled.insns.byteLength),
      references: assembled.references,
      funcInfo: assembled.funcInfo,
      lineInfo: assembled.lineInfo,
    });
  }
  return programs;
}

/** The programs named in `only` (all when undefined), checked before anything is created. */
export function selectPrograms(programs: readonly ProgramSpec[], only: readonly string[] | undefined): ProgramSpec[] {
  if (only === undefined) return [...programs];
  const wanted = new Set(only);
  const missing = [...wanted].filter((n) => !programs.some((p) => p.name === n));
  if (missing.length)
    throw new ObjectError(
      `no program(s) ${missing.join(", ")} in object (programs: ${programs.map((p) => p.name).join(", ")})`,
    );
  return programs.filter((p) => wanted.has(p.name));
}

export function loadPrograms(obj: BpfObject, programs: readonly ProgramSpec[], logLevel: LogLevel): void {
  const withBtf = obj.btfFd >= 0;
  for (const spec of programs) {
    const kind = spec.kind;
    if (!kind)
      throw new ObjectError(
        `program "${spec.name}" is in section "${spec.section}", which is not a known program type (xdp, xdp.frags, xdp/…, tc, socket)`,
      );
    const insns = bindReferences(
      spec.insns,
      spec.references,
      (ref) => obj.map(ref.kind === "map" ? ref.map : ref.section).fd,
    );
    // Without loaded BTF the kernel takes no func/line info (as libbpf).
    const lineInfo = withBtf ? spec.lineInfo : [];
    const { fd, log } = loadProgram({
      name: spec.name,
      type: kind.type,
      expectedAttachType: kind.expectedAttachType,
      flags: kind.flags,
      insns,
      license: obj.license,
      btfFd: obj.btfFd,
      funcInfo: withBtf ? spec.funcInfo : [],
      lineInfo,
      logLevel,
    });
    obj.programs.set(
      spec.name,
      new Program(fd, spec.name, spec.section, kind.type, kind.expectedAttachType, log, insns.length / 8, lineInfo),
    );
  }
}
