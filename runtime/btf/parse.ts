/**
 * `.BTF` section parser. Validates the header, every record's length, kind
 * and string offsets, and that every type reference points at an existing
 * type, so later consumers can walk the graph without bounds checks.
 */
import { ByteReader } from "../elf/reader.ts";
import { BtfError } from "./errors.ts";
import { BtfKind, btfKindName, type BtfType, type BtfTypeOf } from "./types.ts";

export const BTF_MAGIC = 0xeb9f;
const HEADER_MIN = 24;
const MAX_RESOLVE_DEPTH = 32;

export interface BtfHeader {
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
}

export class Btf {
  /** Types indexed by id; index 0 is void. */
  readonly types: BtfType[];
  private readonly strings: ByteReader;

  constructor(
    /** The whole `.BTF` section as found in the file. */
    readonly raw: Uint8Array,
    readonly header: BtfHeader,
    types: BtfType[],
    strings: ByteReader,
  ) {
    this.types = types;
    this.strings = strings;
  }

  /** String at `offset` in the BTF string table. */
  string(offset: number): string {
    return this.strings.cstring(offset, "BTF string");
  }

  type(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined) throw new BtfError(`type id ${id} out of range (${this.types.length - 1} types)`);
    return t;
  }

  typeOfKind<K extends BtfKind>(id: number, kind: K): BtfTypeOf<K> {
    const t = this.type(id);
    if (t.kind !== kind) throw new BtfError(`type #${id} is ${btfKindName(t.kind)}, expected ${btfKindName(kind)}`);
    return t as BtfTypeOf<K>;
  }

  /** Follow typedef/const/volatile/restrict/type-tag to the underlying type. */
  skipQualifiers(id: number): BtfType {
    let t = this.type(id);
    for (let depth = 0; ; depth++) {
      if (depth > MAX_RESOLVE_DEPTH) throw new BtfError(`type #${id}: qualifier chain too long (loop?)`);
      if (
        t.kind === BtfKind.TYPEDEF ||
        t.kind === BtfKind.CONST ||
        t.kind === BtfKind.VOLATILE ||
        t.kind === BtfKind.RESTRICT ||
        t.kind === BtfKind.TYPE_TAG
      )
        t = this.type(t.type);
      else return t;
    }
  }

  /** Size in bytes of a value of type `id`. */
  sizeOf(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) throw new BtfError(`type #${id}: cannot size, nesting too deep (loop?)`);
    const t = this.skipQualifiers(id);
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.FLOAT:
      case BtfKind.DATASEC:
        return t.size;
      case BtfKind.PTR:
        return 8;
      case BtfKind.ARRAY:
        return t.nelems * this.sizeOf(t.elemType, depth + 1);
      case BtfKind.VAR:
        return this.sizeOf(t.type, depth + 1);
      default:
        throw new BtfError(`type #${t.id} (${btfKindName(t.kind)}) has no size`);
    }
  }

  /** First type with this name and kind. */
  find<K extends BtfKind>(name: string, kind: K): BtfTypeOf<K> | undefined {
    return this.types.find((t) => t.kind === kind && t.name === name) as BtfTypeOf<K> | undefined;
  }

  /** Human-readable name of a type, C-like ("struct stats", "__u32", "u8[6]"). */
  describe(id: number, depth = 0): string {
    if (id === 0) return "void";
    if (depth > MAX_RESOLVE_DEPTH) return "…";
    const t = this.type(id);
    switch (t.kind) {
      case BtfKind.STRUCT:
        return `struct ${t.name || "(anon)"}`;
      case BtfKind.UNION:
        return `union ${t.name || "(anon)"}`;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        return `enum ${t.name || "(anon)"}`;
      case BtfKind.PTR:
        return `${this.describe(t.type, depth + 1)} *`;
      case BtfKind.ARRAY:
        return `${this.describe(t.elemType, depth + 1)}[${t.nelems}]`;
      case BtfKind.CONST:
        return `const ${this.describe(t.type, depth + 1)}`;
      case BtfKind.VOLATILE:
        return `volatile ${this.describe(t.type, depth + 1)}`;
      default:
        return t.name || btfKindName(t.kind).toLowerCase();
    }
  }
}

export function parseBtf(bytes: Uint8Array): Btf {
  const r = new ByteReader(bytes, (what, offset) => new BtfError(`malformed .BTF: ${what} (offset ${offset})`));
  if (bytes.byteLength < HEADER_MIN)
    throw new BtfError(`malformed .BTF: ${bytes.byteLength} bytes, shorter than the ${HEADER_MIN}-byte header`);
  const magic = r.u16(0);
  if (magic !== BTF_MAGIC)
    throw new BtfError(
      `malformed .BTF: bad magic 0x${magic.toString(16)} (expected 0xeb9f; big-endian BTF is not supported)`,
    );
  const header: BtfHeader = {
    version: r.u8(2),
    flags: r.u8(3),
    hdrLen: r.u32(4),
    typeOff: r.u32(8),
    typeLen: r.u32(12),
    strOff: r.u32(16),
    strLen: r.u32(20),
  };
  if (header.version !== 1) throw new BtfError(`malformed .BTF: version ${header.version}, expected 1`);
  if (header.hdrLen < HEADER_MIN || header.hdrLen > bytes.byteLength)
    throw new BtfError(`malformed .BTF: header length ${header.hdrLen} out of range`);
  const typeStart = header.hdrLen + header.typeOff;
  const strStart = header.hdrLen + header.strOff;
  const inRange = (start: number, len: number) => start + len <= bytes.byteLength;
  if (!inRange(typeStart, header.typeLen))
    throw new BtfError(
      `malformed .BTF: type section (${header.typeLen} bytes at ${typeStart}) past end of ${bytes.byteLength}-byte section`,
    );
  if (!inRange(strStart, header.strLen))
    throw new BtfError(
      `malformed .BTF: string section (${header.strLen} bytes at ${strStart}) past end of ${bytes.byteLength}-byte section`,
    );
  if (header.typeOff % 4 !== 0)
    throw new BtfError(`malformed .BTF: type section offset ${header.typeOff} not 4-byte aligned`);
  const overlap = typeStart < strStart + header.strLen && strStart < typeStart + header.typeLen;
  if (overlap && header.typeLen > 0 && header.strLen > 0)
    throw new BtfError("malformed .BTF: type and string sections overlap");
  const strBytes = bytes.subarray(strStart, strStart + header.strLen);
  if (strBytes.byteLength === 0 || strBytes[0] !== 0 || strBytes[strBytes.byteLength - 1] !== 0) {
    throw new BtfError("malformed .BTF: string section must start and end with a NUL byte");
  }
  const strings = new ByteReader(
    strBytes,
    (what, offset) => new BtfError(`malformed .BTF: ${what} (string offset ${offset})`),
  );
  const types = parseTypes(
    new ByteReader(
      bytes.subarray(typeStart, typeStart + header.typeLen),
      (what, offset) => new BtfError(`malformed .BTF: ${what} (type section offset ${offset})`),
    ),
    strings,
  );
  return new Btf(bytes, header, types, strings);
}

function parseTypes(r: ByteReader, strings: ByteReader): BtfType[] {
  const types: BtfType[] = [{ id: 0, kind: BtfKind.UNKN, name: "", recordOffset: -1 }];
  let off = 0;
  const str = (o: number, what: string) => strings.cstring(o, what);
  while (off < r.length) {
    const id = types.length;
    const at = off;
    const name = str(r.u32(off, `type #${id} name_off`), `name of type #${id}`);
    const info = r.u32(off + 4, `type #${id} info`);
    const sizeOrType = r.u32(off + 8, `type #${id} size/type`);
    off += 12;
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    const kindFlag = info >>> 31 !== 0;
    const common = { id, name, recordOffset: at };
    const ctx = `type #${id} (${btfKindName(kind)})`;
    switch (kind) {
      case BtfKind.INT: {
        const data = r.u32(off, `${ctx} int data`);
        off += 4;
        types.push({
          ...common,
          kind,
          size: sizeOrType,
          encoding: (data >>> 24) & 0xf,
          bitOffset: (data >>> 16) & 0xff,
          bits: data & 0xff,
        });
        break;
      }
      case BtfKind.PTR:
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
        types.push({ ...common, kind, type: sizeOrType });
        break;
      case BtfKind.ARRAY:
        types.push({
          ...common,
          kind,
          elemType: r.u32(off, `${ctx} elem type`),
          indexType: r.u32(off + 4, `${ctx} index type`),
          nelems: r.u32(off + 8, `${ctx} nelems`),
        });
        off += 12;
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        r.check(off, vlen * 12, `${ctx} members`);
        const members = [];
        for (let i = 0; i < vlen; i++, off += 12) {
          const raw = r.u32(off + 8);
          members.push({
            name: str(r.u32(off), `${ctx} member ${i} name`),
            type: r.u32(off + 4),
            bitOffset: kindFlag ? raw & 0xffffff : raw,
            bitfieldSize: kindFlag ? raw >>> 24 : 0,
          });
        }
        types.push({ ...common, kind, size: sizeOrType, members });
        break;
      }
      case BtfKind.ENUM: {
        r.check(off, vlen * 8, `${ctx} values`);
        const values = [];
        for (let i = 0; i < vlen; i++, off += 8) {
          const value = kindFlag ? BigInt(r.i32(off + 4)) : BigInt(r.u32(off + 4));
          values.push({ name: str(r.u32(off), `${ctx} value ${i} name`), value });
        }
        types.push({ ...common, kind, size: sizeOrType, signed: kindFlag, values });
        break;
      }
      case BtfKind.ENUM64: {
        r.check(off, vlen * 12, `${ctx} values`);
        const values = [];
        for (let i = 0; i < vlen; i++, off += 12) {
          const u = (BigInt(r.u32(off + 8)) << 32n) | BigInt(r.u32(off + 4));
          values.push({ name: str(r.u32(off), `${ctx} value ${i} name`), value: kindFlag ? BigInt.asIntN(64, u) : u });
        }
        types.push({ ...common, kind, size: sizeOrType, signed: kindFlag, values });
        break;
      }
      case BtfKind.FWD:
        types.push({ ...common, kind, isUnion: kindFlag });
        break;
      case BtfKind.FUNC:
        types.push({ ...common, kind, type: sizeOrType, linkage: vlen });
        break;
      case BtfKind.FUNC_PROTO: {
        r.check(off, vlen * 8, `${ctx} params`);
        const params = [];
        for (let i = 0; i < vlen; i++, off += 8)
          params.push({ name: str(r.u32(off), `${ctx} param ${i} name`), type: r.u32(off + 4) });
        types.push({ ...common, kind, returnType: sizeOrType, params });
        break;
      }
      case BtfKind.VAR:
        types.push({ ...common, kind, type: sizeOrType, linkage: r.u32(off, `${ctx} linkage`) });
        off += 4;
        break;
      case BtfKind.DATASEC: {
        r.check(off, vlen * 12, `${ctx} variables`);
        const vars = [];
        for (let i = 0; i < vlen; i++, off += 12)
          vars.push({ type: r.u32(off), offset: r.u32(off + 4), size: r.u32(off + 8) });
        types.push({ ...common, kind, size: sizeOrType, vars });
        break;
      }
      case BtfKind.FLOAT:
        types.push({ ...common, kind, size: sizeOrType });
        break;
      case BtfKind.DECL_TAG:
        types.push({ ...common, kind, type: sizeOrType, componentIdx: r.i32(off, `${ctx} component_idx`) });
        off += 4;
        break;
      default:
        throw new BtfError(`malformed .BTF: type #${id} has unknown kind ${kind} (type section offset ${at})`);
    }
  }
  validateReferences(types);
  return types;
}

/** Every type id a record mentions must exist. */
function validateReferences(types: BtfType[]): void {
  const n = types.length;
  const check = (t: BtfType, ref: number, what: string) => {
    if (ref >= n)
      throw new BtfError(
        `malformed .BTF: type #${t.id} (${btfKindName(t.kind)}) ${what} refers to type #${ref}, but there are only ${n - 1} types`,
      );
  };
  for (const t of types) {
    switch (t.kind) {
      case BtfKind.PTR:
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
      case BtfKind.FUNC:
      case BtfKind.VAR:
      case BtfKind.DECL_TAG:
        check(t, t.type, "type");
        break;
      case BtfKind.ARRAY:
        check(t, t.elemType, "element type");
        check(t, t.indexType, "index type");
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        t.members.forEach((m, i) => check(t, m.type, `member ${i}`));
        break;
      case BtfKind.FUNC_PROTO:
        check(t, t.returnType, "return type");
        t.params.forEach((p, i) => check(t, p.type, `param ${i}`));
        break;
      case BtfKind.DATASEC:
        t.vars.forEach((v, i) => check(t, v.type, `variable ${i}`));
        break;
      default:
        break;
    }
  }
}
