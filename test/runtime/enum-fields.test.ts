// Enums as struct-field types in userspace (runtime/lang/types.ts): stored as a u32, an i32
// if a member is negative (the compiler's rule, runtime/lang/layout.ts enumStorage), and
// refused with a plain message when they hold strings or do not fit. No kernel needed; the
// program side is test/programs/enum_types.ts (Summary) and test/diagnostics/enum_field.ts.
import { describe, expect, it } from "vitest";
import { enumOf, struct, u8, u16 } from "../../runtime/lang/index.ts";

enum TcpState {
  Closed = 0,
  SynSent = 1,
  Established = 4,
}
enum Offset {
  Back = -2,
  Here = 0,
}
enum Named {
  A = "a",
}
enum TooWide {
  Low = -1,
  High = 0x80000000,
}

describe("enum-typed struct fields", () => {
  it("store a u32 (an i32 with a negative member) at C's offsets, and decode to the enum's numbers", () => {
    const Conn = struct({ state: TcpState, port: u16, off: Offset, small: enumOf<TcpState>(u8) });
    expect(Conn.layout.map((f) => [f.name, f.offset, f.type.size])).toEqual([
      ["state", 0, 4],
      ["port", 4, 2],
      ["off", 8, 4],
      ["small", 12, 1],
    ]);
    expect(Conn.size).toBe(16);
    const bytes = Conn.encode({ state: TcpState.Established, port: 80, off: Offset.Back, small: TcpState.SynSent });
    expect(Buffer.from(bytes).toString("hex")).toBe("04000000" + "5000" + "0000" + "feffffff" + "01000000");
    const back = Conn.decode(bytes);
    expect(back).toEqual({ state: TcpState.Established, port: 80, off: Offset.Back, small: TcpState.SynSent });
    const state: TcpState = back.state; // typed as the enum
    expect(state).toBe(4);
    expect(Conn.zero()).toEqual({ state: 0, port: 0, off: 0, small: 0 });
  });

  it("refuses string members and members that fit neither a u32 nor an i32", () => {
    expect(() => struct({ n: Named })).toThrow(
      new TypeError("field n: enum member A is a string; a struct field holds a numeric enum"),
    );
    expect(() => struct({ w: TooWide })).toThrow(
      new TypeError("field w: the enum's members do not fit in a u32 or an i32"),
    );
    expect(() => struct({ x: {} as never })).toThrow(
      new TypeError("field x: expected a type (u32, bytes(6), a struct, an enum)"),
    );
  });
});
