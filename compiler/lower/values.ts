// What a lowered expression is: a value in a register, a reference to memory, or a
// compile-time entity (a map, the context, a constant not yet given a width).
import type { Node } from "ts-morph";
import type { ValueRef } from "../llvm/capi.ts";
import type { BType, IntT, ProgramKind } from "../types.ts";
import type { MapInfo } from "../frontend/declarations.ts";

/**
 * Which memory a reference points into, where it is known for certain. Packet, map values
 * and the stack never overlap, and LLVM is told so (TBAA), so a store to the packet does not
 * force a reload of a map value. Unknown (undefined) is always safe.
 */
export type Memory = "packet" | "map" | "stack";

/** A call that moves the packet (ctx.adjustHead/Tail/Meta), directly or in a called function. */
export interface PacketMove {
  call: Node;
  method: string;
  /** The function whose call moved the packet, when it was not the program's own call. */
  via?: { name: string; call: Node };
}
/**
 * A loop's mark in the packet state of every point inside it: the moves its back edge brings
 * back to the loop's start (from the end of one iteration into the next). They are known only
 * once the loop's body is lowered (`moves`); uses inside the loop of views taken before it wait
 * in `pending` until then.
 */
export interface LoopBack {
  readonly loop: true;
  /** The moves that may have happened before the loop. */
  readonly before: ReadonlySet<PacketMove>;
  moves?: ReadonlySet<PacketMove>;
  readonly pending: { view: RefTemplate; name: string; node: Node }[];
}
/** The packet moves (and loops whose back edges may bring more) on the way to a point of the program. */
export type PacketState = ReadonlySet<PacketMove | LoopBack>;
/** A use, in a function, of a reference parameter after a packet move: an error where a call passes a packet view. */
export interface StaleParameterUse {
  name: string;
  node: Node;
  move: PacketMove;
  type: BType;
  /** The move came around a loop's back edge. */
  earlierIteration: boolean;
}

export type Val =
  /**
   * An integer in a register; `type` is never big-endian (values are host-order numbers).
   * `swapped`: `v` holds the value byte-swapped, as read from a big-endian field. The swap to
   * host order is made only where a host-order operation needs it (toInt), so a field copied
   * to another big-endian field, compared for equality or checksummed is never swapped.
   */
  | { kind: "int"; type: IntT; v: ValueRef; swapped?: boolean }
  /** An i1. */
  | { kind: "bool"; v: ValueRef }
  /** An integer constant with no width yet: it takes the width of what it meets. */
  | { kind: "const"; value: bigint; big: boolean }
  /**
   * Memory holding a value of `type`: a stack slot, a packet header, a map value.
   * `p` is an i8*; `nullable` for header() and lookup() results not yet checked.
   * Packet views carry `present` (an i1) instead of a null `p`: the bounds check itself.
   */
  | {
      kind: "ref";
      type: BType;
      p: ValueRef;
      nullable: boolean;
      align: number;
      packet: boolean;
      present?: ValueRef;
      memory?: Memory;
      /** For packet views: the packet moves (xdp_adjust_*) that may have happened before it was taken. */
      takenAt?: PacketState;
      /** For a function's reference parameter: its index (it may be a packet view, taken before the call). */
      param?: number;
    }
  | { kind: "null" }
  /** A map; `p` is set for an inner map found by a map-in-map lookup (may be null). */
  | { kind: "map"; map: MapInfo; p?: ValueRef }
  | { kind: "ctx"; program: ProgramKind }
  | { kind: "type"; type: BType }
  | { kind: "table"; element: BType; values: bigint[] }
  | { kind: "void" };

/** A reference without its pointer: what a reference variable or parameter will hold. */
export type RefTemplate = Omit<Extract<Val, { kind: "ref" }>, "p">;

export function describe(v: Val): string {
  switch (v.kind) {
    case "int":
      return v.type.name;
    case "bool":
      return "bool";
    case "const":
      return "integer constant";
    case "ref":
      return v.type.kind === "struct" ? `struct ${v.type.name}` : v.type.kind;
    case "null":
      return "null";
    case "map":
      return `map ${v.map.name}`;
    case "ctx":
      return "the XDP context";
    case "type":
      return "a type";
    case "table":
      return "a constant table";
    case "void":
      return "void";
  }
}
