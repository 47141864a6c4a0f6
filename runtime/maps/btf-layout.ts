/**
 * A map declaration's key or value type against the BTF of the object that created the map:
 * the same total size is not enough (`{ a: u32, b: u32 }` and `{ b: u32, a: u32 }` both have
 * 8 bytes), so struct members are compared by name, offset and size, arrays by length, nested
 * types recursively. The first difference is reported, by the member's path.
 */
import type { Btf } from "../btf/parse.ts";
import { BtfKind } from "../btf/types.ts";

/** The shape of a runtime/lang type descriptor that the comparison reads (all of it optional). */
export interface LayoutDescriptor {
  readonly size: number;
  readonly kind?: string;
  /** A struct's members, in declaration order. */
  readonly layout?: readonly { readonly name: string; readonly type: LayoutDescriptor; readonly offset: number }[];
  /** An array's element type and length. */
  readonly element?: LayoutDescriptor;
  readonly length?: number;
}

/**
 * The first difference between a declaration (`what`: "key" or "value") and the BTF type `id`,
 * in words, or undefined if they agree. Integers and bools are compared by size only.
 */
export function layoutDifference(btf: Btf, id: number, decl: LayoutDescriptor, what: string): string | undefined {
  const size = btf.sizeOf(id);
  if (size !== decl.size) return `${what} is ${size} bytes in the object's BTF, ${decl.size} in the declaration`;
  const t = btf.skipQualifiers(id);
  if (decl.kind === "struct" && decl.layout) {
    if (t.kind !== BtfKind.STRUCT)
      return `${what} is ${btf.describe(id)} in the object's BTF, a struct in the declaration`;
    for (let i = 0; i < Math.max(t.members.length, decl.layout.length); i++) {
      const member = t.members[i];
      const field = decl.layout[i];
      if (!member) return `${what} member '${field!.name}' is not in the object's BTF`;
      if (!field) return `${what} member '${member.name}' of the object's BTF is not declared`;
      if (member.name !== field.name)
        return `${what} member ${i + 1} is '${member.name}' in the object's BTF, '${field.name}' in the declaration`;
      const path = `${what} member '${field.name}'`;
      if (member.bitOffset !== field.offset * 8)
        return `${path} is at offset ${member.bitOffset / 8} in the object's BTF, ${field.offset} in the declaration`;
      const inner = layoutDifference(btf, member.type, field.type, path);
      if (inner) return inner;
    }
    return undefined;
  }
  if (decl.kind === "array" && decl.element && decl.length !== undefined) {
    if (t.kind !== BtfKind.ARRAY)
      return `${what} is ${btf.describe(id)} in the object's BTF, an array in the declaration`;
    if (t.nelems !== decl.length)
      return `${what} has ${t.nelems} elements in the object's BTF, ${decl.length} in the declaration`;
    return layoutDifference(btf, t.elemType, decl.element, `${what} element`);
  }
  return undefined;
}

/**
 * The first difference between two BTF types (`a` in the BTF of a map the kernel holds, `b` in
 * a new object's), in words, or undefined if their layouts agree: the test of whether a new
 * program may take over an existing map. Structs and unions by member name, offset and type,
 * arrays by length and element, everything else by kind and size.
 */
export function btfLayoutDifference(
  a: Btf,
  aId: number,
  b: Btf,
  bId: number,
  what: string,
  depth = 0,
): string | undefined {
  if (depth > 32) return undefined;
  const sizeA = a.sizeOf(aId);
  const sizeB = b.sizeOf(bId);
  if (sizeA !== sizeB) return `${what} is ${sizeA} bytes in the existing map, ${sizeB} in the new object`;
  const ta = a.skipQualifiers(aId);
  const tb = b.skipQualifiers(bId);
  if (ta.kind !== tb.kind)
    return `${what} is ${a.describe(aId)} in the existing map, ${b.describe(bId)} in the new object`;
  if (ta.kind === BtfKind.STRUCT || ta.kind === BtfKind.UNION) {
    const mb = (tb as typeof ta).members;
    for (let i = 0; i < Math.max(ta.members.length, mb.length); i++) {
      const x = ta.members[i];
      const y = mb[i];
      if (!x) return `${what} member '${y!.name}' of the new object is not in the existing map`;
      if (!y) return `${what} member '${x.name}' of the existing map is not in the new object`;
      if (x.name !== y.name)
        return `${what} member ${i + 1} is '${x.name}' in the existing map, '${y.name}' in the new object`;
      const path = `${what} member '${x.name}'`;
      if (x.bitOffset !== y.bitOffset)
        return `${path} is at offset ${x.bitOffset / 8} in the existing map, ${y.bitOffset / 8} in the new object`;
      const inner = btfLayoutDifference(a, x.type, b, y.type, path, depth + 1);
      if (inner) return inner;
    }
    return undefined;
  }
  if (ta.kind === BtfKind.ARRAY) {
    const ab = tb as typeof ta;
    if (ta.nelems !== ab.nelems)
      return `${what} has ${ta.nelems} elements in the existing map, ${ab.nelems} in the new object`;
    return btfLayoutDifference(a, ta.elemType, b, ab.elemType, `${what} element`, depth + 1);
  }
  return undefined;
}
