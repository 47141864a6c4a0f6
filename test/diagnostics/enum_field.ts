// Enums as struct-field types hold numbers that fit a u32 or an i32 (C's int).
import { xdp, XdpAction, ArrayMap, struct, u32 } from "tsbpf";

export enum Color {
  Red = "red",
  Green = "green",
}
export enum Huge {
  Low = -1,
  High = 0x80000000,
}

export const Paint = struct({ color: Color, n: u32 });
export const Range = struct({ h: Huge });
export const paints = new ArrayMap(Paint, { maxEntries: 1 });

export const prog = xdp(() => XdpAction.PASS);

// expect: 13:38 - error: enum 'Color' has a string member; an enum type holds numbers
// expect: 14:34 - error: the members of enum 'Huge' do not fit in a u32 or an i32
