/** `parseObject()`: an ELF object's maps, global data, programs and BTF, without the kernel. */
import { readFileSync } from "node:fs";
import { ObjectError } from "../errors.ts";
import { parseBtfExt } from "../btf/ext.ts";
import { fixupBtfForKernel } from "../btf/fixup.ts";
import { parseBtf } from "../btf/parse.ts";
import { parseElf } from "../elf/parse.ts";
import type { ElfFile } from "../elf/types.ts";
import { parseGlobalData } from "./global-data.ts";
import { parseMaps } from "./maps.ts";
import { parsePrograms } from "./programs.ts";
import type { ObjectSpec } from "./spec.ts";

/** Parse an object file (path or bytes) into a spec; throws `TsbpfError`s for anything malformed or unsupported. */
export function parseObject(pathOrBytes: string | Uint8Array): ObjectSpec {
  const bytes = typeof pathOrBytes === "string" ? readObjectFile(pathOrBytes) : pathOrBytes;
  const elf = parseElf(bytes);
  const btfSection = elf.sectionByName(".BTF");
  const btf = btfSection ? parseBtf(btfSection.data) : undefined;
  const extSection = elf.sectionByName(".BTF.ext");
  const btfExt = btf && extSection ? parseBtfExt(extSection.data, btf) : undefined;
  // Also fixes up `btf`'s DATASEC sizes and offsets, which the rest reads.
  const kernelBtf = btf ? fixupBtfForKernel(btf, elf) : undefined;
  if (elf.sectionByName("maps"))
    throw new ObjectError(
      'legacy "maps" section is not supported; declare maps in ".maps" with BTF (libbpf ≥ 1.0 style)',
    );
  if (!btf && elf.sectionByName(".maps"))
    throw new ObjectError('".maps" section without .BTF: BTF-defined maps need debug info (compile with -g)');
  const maps = parseMaps(elf, btf);
  const globalData = parseGlobalData(elf, btf);
  const programs = parsePrograms(elf, btfExt, maps, globalData);
  return { maps, globalData, programs, license: readLicense(elf), btf, kernelBtf, btfExt, elf };
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
