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
