// Global variables. In a program module:
//   export const config = rodata(Config, { port: 53, verdict: XdpAction.DROP });
//       read-only configuration in `.rodata`; the loader may replace it before load
//       (runtime: loadObject(file, { rodata: { config: Config.encode({...}) } })), and the
//       verifier then treats it as a constant.
//   export const stats = global(Stats);          // mutable, in `.bss` (zeroed)
//   export const table = global(array(u32, 4), [1, 2, 3, 4]);   // mutable, in `.data`
//   let packets: u64 = 0n;                       // a module-level `let` is a mutable scalar global
// Globals are shared by all CPUs: use atomicAdd() for counters updated concurrently.
import type { TypeDesc, Value } from "./types.ts";

/** Read-only configuration in `.rodata`, settable by the loader before load. */
export function rodata<D extends TypeDesc<any>>(type: D, value: Value<D>): Readonly<Value<D>> {
  void type;
  return value;
}

/** A mutable global in `.data` (`.bss` when it has no initial value). */
export function global<D extends TypeDesc<any>>(type: D, value?: Value<D>): Value<D> {
  return value ?? type.zero();
}
