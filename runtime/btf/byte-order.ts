// Integers declared through the kernel's `__be16`/`__be32`/`__be64` typedefs are in network byte
// order in the map: tsbpf's be16/be32/be64 compile to them, as C's __be32 does. Decoded and encoded
// values are host-order numbers (10.77.0.1 is 0x0a4d0001), as the typed map API reads them.
import type { Btf } from "./parse.ts";
import { BtfKind } from "./types.ts";

const BIG_ENDIAN_TYPEDEF = /^__be(16|32|64)$/;
const MAX_CHAIN = 32;

/** Whether type `typeId` reaches its integer through a `__be*` typedef. */
export function isBigEndian(btf: Btf, typeId: number): boolean {
  let t = btf.type(typeId);
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (t.kind === BtfKind.TYPEDEF && BIG_ENDIAN_TYPEDEF.test(t.name)) return true;
    if (
      t.kind !== BtfKind.TYPEDEF &&
      t.kind !== BtfKind.CONST &&
      t.kind !== BtfKind.VOLATILE &&
      t.kind !== BtfKind.RESTRICT &&
      t.kind !== BtfKind.TYPE_TAG
    )
      return false;
    t = btf.type(t.type);
  }
  return false;
}
