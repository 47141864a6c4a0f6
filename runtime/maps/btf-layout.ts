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
