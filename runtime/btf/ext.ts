/**
 * `.BTF.ext` parser: per-section func_info and line_info records. Offsets in
 * the file are byte offsets into the ELF section; consumers rebase them to
 * instruction indexes of the program they build. Line records carry the
 * file name and the source line text as BTF strings, resolved here.
 */
import { ByteReader } from "../elf/reader.ts";
import { BtfError } from "./errors.ts";
import type { Btf } from "./parse.ts";

export interface FuncInfoRecord {
  /** Byte offset of the function's first instruction in its ELF section. */
  insnOff: number;
  typeId: number;
}

export interface LineInfoRecord {
  /** Byte offset of the instruction in its ELF section. */
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  fileName: string;
  lineText: string;
  line: number;
  col: number;
}

export interface BtfExt {
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  /** Keyed by ELF section name. */
  funcInfo: Map<string, FuncInfoRecord[]>;
  lineInfo: Map<string, LineInfoRecord[]>;
}

const EXT_HEADER_MIN = 24;

export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  const fail = (what: string, offset?: number) =>
    new BtfError(`malformed .BTF.ext: ${what}${offset !== undefined ? ` (offset ${offset})` : ""}`);
  const r = new ByteReader(bytes, fail);
  if (bytes.byteLength < EXT_HEADER_MIN)
    throw fail(`${bytes.byteLength} bytes, shorter than the ${EXT_HEADER_MIN}-byte header`);
  if (r.u16(0) !== 0xeb9f) throw fail(`bad magic 0x${r.u16(0).toString(16)}`, 0);
  if (r.u8(2) !== 1) throw fail(`version ${r.u8(2)}, expected 1`, 2);
  const hdrLen = r.u32(4);
  if (hdrLen < EXT_HEADER_MIN || hdrLen > bytes.byteLength) throw fail(`header length ${hdrLen} out of range`, 4);

  const subsection = (offField: number, what: string) => {
    const off = r.u32(offField);
    const len = r.u32(offField + 4);
    const start = hdrLen + off;
    r.check(start, len, `${what} subsection`);
    return new ByteReader(bytes.subarray(start, start + len), (w, o) => fail(`${what}: ${w}`, start + o));
  };
  const str = (off: number, what: string) => {
    try {
      return btf.string(off);
    } catch (e) {
      throw fail(`${what}: ${(e as Error).message.replace(/^malformed \.BTF: /, "")}`);
    }
  };

  const funcInfo = new Map<string, FuncInfoRecord[]>();
  const fi = subsection(8, "func_info");
  const funcInfoRecSize = readSections(fi, "func_info", 8, str, (sec, rr, o) => {
    const rec = { insnOff: rr.u32(o), typeId: rr.u32(o + 4) };
    if (rec.typeId >= btf.types.length) throw fail(`func_info in ${sec} names type #${rec.typeId}, out of range`);
    (funcInfo.get(sec) ?? funcInfo.set(sec, []).get(sec)!).push(rec);
  });

  const lineInfo = new Map<string, LineInfoRecord[]>();
  const li = subsection(16, "line_info");
  const lineInfoRecSize = readSections(li, "line_info", 16, str, (sec, rr, o) => {
    const fileNameOff = rr.u32(o + 4);
    const lineOff = rr.u32(o + 8);
    const lineCol = rr.u32(o + 12);
    (lineInfo.get(sec) ?? lineInfo.set(sec, []).get(sec)!).push({
      insnOff: rr.u32(o),
      fileNameOff,
      lineOff,
      fileName: str(fileNameOff, "line_info file name"),
      lineText: str(lineOff, "line_info source line"),
      line: lineCol >>> 10,
      col: lineCol & 0x3ff,
    });
  });

  return { funcInfoRecSize, lineInfoRecSize, funcInfo, lineInfo };
}

/**
 * A func_info/line_info subsection: u32 record size, then for each ELF
 * section { u32 name_off, u32 count, count × record }.
 */
function readSections(
  r: ByteReader,
  what: string,
  minRecSize: number,
  str: (off: number, what: string) => string,
  onRecord: (section: string, r: ByteReader, offset: number) => void,
): number {
  if (r.length === 0) return minRecSize;
  const recSize = r.u32(0, `${what} record size`);
  if (recSize < minRecSize || recSize % 4 !== 0 || recSize > 1024)
    throw new BtfError(
      `malformed .BTF.ext: ${what} record size ${recSize} invalid (at least ${minRecSize}, multiple of 4)`,
    );
  let off = 4;
  while (off < r.length) {
    const section = str(r.u32(off, `${what} section name`), `${what} section name`);
    const count = r.u32(off + 4, `${what} record count`);
    off += 8;
    r.check(off, count * recSize, `${what} records of section ${section}`);
    for (let i = 0; i < count; i++, off += recSize) onRecord(section, r, off);
  }
  return recSize;
}
