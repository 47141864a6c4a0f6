/**
 * Global data: which sections hold variables and their initial bytes
 * (parse), and one ARRAY map per section with `rodata` overrides applied
 * (load). How such a map is created: maps/global-data.ts.
 */
import { ObjectError } from "../errors.ts";
import type { Btf } from "../btf/parse.ts";
import { BtfKind } from "../btf/types.ts";
import { SHF, STT, type ElfFile } from "../elf/types.ts";
import { createGlobalDataMap, globalDataKind } from "../maps/global-data.ts";
import type { BpfObject } from "./object.ts";
import type { DataSectionSpec } from "./spec.ts";

/** Global data lives in one map value; the kernel caps array values far below this anyway. */
const MAX_GLOBAL_DATA = 1 << 28;

export function parseGlobalData(elf: ElfFile, btf: Btf | undefined): DataSectionSpec[] {
  const out: DataSectionSpec[] = [];
  for (const section of elf.sections) {
    const kind = globalDataKind(section.name);
    if (kind === undefined || (section.flags & SHF.ALLOC) === 0 || section.flags & SHF.EXECINSTR || section.size === 0)
      continue;
    if (section.size > MAX_GLOBAL_DATA)
      throw new ObjectError(
        `section ${section.name} is ${section.size} bytes; global data is limited to ${MAX_GLOBAL_DATA} bytes`,
      );
    const variables = elf.symbols
      .filter((s) => s.shndx === section.index && s.type === STT.OBJECT)
      // Symbol size is authoritative; BTF (if any) agrees after fixup.
      .map((s) => ({
        name: s.name,
        offset: s.value,
        size: s.size || (btf ? btfVarSize(btf, section.name, s.name) : 0),
      }));
    out.push({
      name: section.name,
      kind,
      contents: kind === "bss" ? new Uint8Array(section.size) : Uint8Array.from(section.data),
      variables,
      datasecTypeId: btf?.find(section.name, BtfKind.DATASEC)?.id,
    });
  }
  return out;
}

function btfVarSize(btf: Btf, section: string, name: string): number {
  const ds = btf.find(section, BtfKind.DATASEC);
  const v = ds?.vars.find((x) => btf.type(x.type).name === name);
  return v?.size ?? 0;
}

/** One map per section, named after it, in `obj.maps`; `rodata` replaces `.rodata` variables by name. */
export function createGlobalData(
  obj: BpfObject,
  sections: readonly DataSectionSpec[],
  rodata: Record<string, Uint8Array>,
): void {
  const pending = new Set(Object.keys(rodata));
  for (const section of sections) {
    const contents = Uint8Array.from(section.contents);
    if (section.kind === "rodata") applyRodataOverrides(section, contents, rodata, pending);
    const map = createGlobalDataMap({
      sectionName: section.name,
      kind: section.kind,
      contents,
      btfFd: obj.btfFd >= 0 && section.datasecTypeId !== undefined ? obj.btfFd : undefined,
      datasecTypeId: section.datasecTypeId,
    });
    obj.maps.set(section.name, map);
  }
  if (pending.size)
    throw new ObjectError(
      `rodata override for unknown variable(s): ${[...pending].join(", ")} (not in any .rodata section)`,
    );
}

function applyRodataOverrides(
  section: DataSectionSpec,
  contents: Uint8Array,
  rodata: Record<string, Uint8Array>,
  pending: Set<string>,
): void {
  for (const [name, bytes] of Object.entries(rodata)) {
    const variable = section.variables.find((v) => v.name === name);
    if (!variable) continue;
    if (bytes.byteLength !== variable.size)
      throw new ObjectError(
        `rodata override "${name}": ${bytes.byteLength} bytes given, variable is ${variable.size} bytes`,
      );
    contents.set(bytes, variable.offset);
    pending.delete(name);
  }
}
