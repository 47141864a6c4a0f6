/** BTF type records (include/uapi/linux/btf.h), decoded. Type id 0 is `void`. */

export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

export function btfKindName(kind: number): string {
  for (const [name, k] of Object.entries(BtfKind)) if (k === kind) return name;
  return `kind ${kind}`;
}

export const BtfVarLinkage = { STATIC: 0, GLOBAL_ALLOCATED: 1, GLOBAL_EXTERN: 2 } as const;

interface Common {
  id: number;
  name: string;
  /** Byte offset of this record inside the type section (for in-place fixups). */
  recordOffset: number;
}

export interface BtfMember {
  name: string;
  type: number /** in bits */;
  bitOffset: number;
  bitfieldSize: number;
}
export interface BtfParam {
  name: string;
  type: number;
}
export interface BtfEnumValue {
  name: string;
  value: bigint;
}
export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}

export type BtfType =
  | (Common & { kind: typeof BtfKind.UNKN })
  | (Common & { kind: typeof BtfKind.INT; size: number; encoding: number; bitOffset: number; bits: number })
  | (Common & {
      kind:
        | typeof BtfKind.PTR
        | typeof BtfKind.TYPEDEF
        | typeof BtfKind.VOLATILE
        | typeof BtfKind.CONST
        | typeof BtfKind.RESTRICT
        | typeof BtfKind.TYPE_TAG;
      type: number;
    })
  | (Common & { kind: typeof BtfKind.ARRAY; elemType: number; indexType: number; nelems: number })
  | (Common & { kind: typeof BtfKind.STRUCT | typeof BtfKind.UNION; size: number; members: BtfMember[] })
  | (Common & {
      kind: typeof BtfKind.ENUM | typeof BtfKind.ENUM64;
      size: number;
      signed: boolean;
      values: BtfEnumValue[];
    })
  | (Common & { kind: typeof BtfKind.FWD; isUnion: boolean })
  | (Common & { kind: typeof BtfKind.FUNC; type: number; linkage: number })
  | (Common & { kind: typeof BtfKind.FUNC_PROTO; returnType: number; params: BtfParam[] })
  | (Common & { kind: typeof BtfKind.VAR; type: number; linkage: number })
  | (Common & { kind: typeof BtfKind.DATASEC; size: number; vars: BtfVarSecinfo[] })
  | (Common & { kind: typeof BtfKind.FLOAT; size: number })
  | (Common & { kind: typeof BtfKind.DECL_TAG; type: number; componentIdx: number });

export type BtfTypeOf<K extends BtfKind> = Extract<BtfType, { kind: K }>;

/** INT encoding bits. */
export const BTF_INT_SIGNED = 1;
export const BTF_INT_CHAR = 2;
export const BTF_INT_BOOL = 4;
