// The C layout of a struct, the one rule both sides use: runtime/lang/types.ts lays out
// `struct({...})` descriptors for userspace with it, and the compiler (compiler/types.ts) lays
// out the same declarations for the kernel program. Not exported from the language's index.

export interface Layout {
  /** Each member's offset in bytes, in declaration order. */
  offsets: number[];
  size: number;
  align: number;
}

/**
 * Natural C alignment: each member at a multiple of its alignment, the size rounded up to
 * the largest alignment. Packed structs have neither padding nor alignment.
 */
export function layOutStruct(members: readonly { size: number; align: number }[], packed: boolean): Layout {
  let offset = 0;
  let align = 1;
  const offsets: number[] = [];
  for (const m of members) {
    const a = packed ? 1 : m.align;
    offset = Math.ceil(offset / a) * a;
    offsets.push(offset);
    offset += m.size;
    align = Math.max(align, a);
  }
  return { offsets, size: Math.ceil(offset / align) * align, align };
}

/**
 * The integer type of an enum, for variables and struct fields alike (C gives enums an int):
 * `u32`, or `i32` if a member is negative; undefined if the members do not fit one of them
 * (a member above 2³¹−1 with a negative one, outside 32 bits, or not an integer).
 */
export function enumStorage(values: readonly number[]): "u32" | "i32" | undefined {
  if (!values.every((v) => Number.isInteger(v))) return undefined;
  if (values.some((v) => v < 0)) return values.every((v) => v >= -(2 ** 31) && v < 2 ** 31) ? "i32" : undefined;
  return values.every((v) => v < 2 ** 32) ? "u32" : undefined;
}
