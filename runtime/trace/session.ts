/**
 * A trace session: one object's program, the models of its maps (empty, from a saved state, or
 * reading through to a pinned program's live maps), and the packets run through it in order —
 * each packet sees the map changes of the ones before, as in the kernel.
 */
import { encodeBtfValue } from "../btf/encode.ts";
import { TsbpfError } from "../errors.ts";
import type { ObjectSpec, ProgramSpec } from "../object/spec.ts";
import { MapType } from "../maps/types.ts";
import type { TraceEvent, TraceOutcome } from "./events.ts";
import { Machine, type MachineOptions } from "./machine.ts";
import { AddressSpace } from "./memory.ts";
import { type MapShape, type MapSource, TraceMap } from "./maps.ts";
import { KernelFibLookup } from "./fib-lookup.ts";

export class TraceError extends TsbpfError {}

/**
 * Map contents to start from, by map name: the rows `tsbpf map dump --json` prints
 * (`key_hex`/`value_hex`, or BTF-typed `key`/`value`), and for program arrays and map-in-maps
 * `{ key, program }` / `{ key, map }`.
 */
export type MapState = Record<string, MapStateEntry[]>;
export interface MapStateEntry {
  key_hex?: string;
  key?: unknown;
  value_hex?: string;
  values_hex?: string[];
  value?: unknown;
  values?: unknown[];
  program?: string;
  map?: string;
}

export interface TraceRun {
  program: string;
  outcome: TraceOutcome;
  /** The program's return value (XDP action) when it returned. */
  action?: number;
  message?: string;
  before: Uint8Array;
  after: Uint8Array;
  /** The metadata in front of `after` (BPF_PROG_TEST_RUN returns it followed by the packet). */
  meta: Uint8Array;
  events: TraceEvent[];
  instructions: number;
}

export interface SessionOptions extends MachineOptions {
  /** The program to run (default: the object's only, or first, program). */
  program?: string;
  state?: MapState;
  /** Live maps to read through to, by map name (a pinned program's maps). */
  live?: ReadonlyMap<string, MapSource>;
}

export class TraceSession {
  readonly memory = new AddressSpace();
  readonly maps = new Map<string, TraceMap>();
  readonly program: ProgramSpec;
  private readonly programs: Map<string, ProgramSpec>;
  /** The loaded helper program bpf_fib_lookup is asked through, on first use; close() unloads it. */
  private fib: KernelFibLookup | undefined;

  constructor(
    readonly spec: ObjectSpec,
    private readonly options: SessionOptions = {},
  ) {
    this.programs = new Map(spec.programs.map((p) => [p.name, p]));
    const name = options.program ?? spec.programs[0]?.name;
    const program = name === undefined ? undefined : this.programs.get(name);
    if (!program)
      throw new TraceError(
        name === undefined
          ? "the object has no programs"
          : `no program "${name}" in the object (it has: ${spec.programs.map((p) => p.name).join(", ")})`,
      );
    this.program = program;
    for (const def of spec.maps) this.addMap(def, options.live?.get(def.name));
    for (const g of spec.globalData) {
      const m = this.addMap(
        {
          name: g.name,
          type: MapType.ARRAY,
          keySize: 4,
          valueSize: g.contents.length,
          maxEntries: 1,
          keyTypeId: 0,
          valueTypeId: g.datasecTypeId ?? 0,
        },
        options.live?.get(g.name),
      );
      if (!options.live?.get(g.name)) m.put(new Uint8Array(4), g.contents);
      // .rodata is frozen: the verifier refuses a program's writes to it.
      if (g.kind === "rodata") m.readOnly = true;
    }
    for (const outer of spec.maps)
      for (const { slot, map } of outer.values)
        this.maps.get(outer.name)!.setSlot(u32Key(slot), { map: this.map(map) });
    if (options.state) this.loadState(options.state);
  }

  private addMap(shape: MapShape, source: MapSource | undefined): TraceMap {
    const m = new TraceMap(shape, this.memory, source);
    this.maps.set(shape.name, m);
    return m;
  }

  map(name: string): TraceMap {
    const m = this.maps.get(name);
    if (!m) throw new TraceError(`no map "${name}" in the object (it has: ${[...this.maps.keys()].join(", ")})`);
    return m;
  }

  /** Puts a saved state's entries into the models. */
  loadState(state: MapState): void {
    for (const [name, rows] of Object.entries(state)) {
      const m = this.map(name);
      if (!Array.isArray(rows)) throw new TraceError(`map state of "${name}": expected a list of entries`);
      rows.forEach((row, i) => {
        const where = `map state of "${name}", entry ${i + 1}`;
        const key = this.encode(m.shape.keyTypeId, m.shape.keySize, row.key_hex, row.key, `${where}: key`);
        if (row.program !== undefined) {
          if (!this.programs.has(row.program))
            throw new TraceError(`${where}: no program "${row.program}" in the object`);
          m.setSlot(key, { program: row.program });
          return;
        }
        if (row.map !== undefined) {
          m.setSlot(key, { map: this.map(row.map) });
          return;
        }
        const valueHex = row.value_hex ?? row.values_hex?.[0];
        const valueJson = row.value ?? row.values?.[0];
        m.put(key, this.encode(m.shape.valueTypeId, m.shape.valueSize, valueHex, valueJson, `${where}: value`));
      });
    }
  }

  private encode(typeId: number, size: number, hexText: string | undefined, json: unknown, what: string): Uint8Array {
    let bytes: Uint8Array;
    if (hexText !== undefined) {
      if (!/^([0-9a-fA-F]{2})*$/.test(hexText.replace(/\s/g, "")))
        throw new TraceError(`${what}: "${hexText}" is not hex`);
      bytes = Buffer.from(hexText.replace(/\s/g, ""), "hex");
    } else if (json !== undefined) {
      if (!this.spec.btf || !typeId) throw new TraceError(`${what}: no BTF type to encode JSON with; give it as hex`);
      try {
        bytes = encodeBtfValue(this.spec.btf, typeId, json);
      } catch (e) {
        throw new TraceError(`${what}: ${(e as Error).message}`);
      }
    } else throw new TraceError(`${what}: missing (give key_hex/value_hex or key/value)`);
    if (bytes.length !== size) throw new TraceError(`${what}: ${bytes.length} bytes, the map's size is ${size}`);
    return bytes;
  }

  /** Runs the program on one packet. */
  run(packet: Uint8Array): TraceRun {
    const machine = new Machine(
      { spec: this.program, programs: this.programs, btf: this.spec.btf },
      this.memory,
      this.maps,
      packet,
      {
        ...this.options,
        fibLookup:
          this.options.fibLookup ??
          ((params, flags) => {
            this.fib ??= new KernelFibLookup();
            return this.fib.lookup(params, flags);
          }),
      },
    );
    const r = machine.run();
    return {
      program: this.program.name,
      outcome: r.outcome,
      ...(r.value !== undefined ? { action: r.value } : {}),
      ...(r.message !== undefined ? { message: r.message } : {}),
      before: Uint8Array.from(packet),
      after: r.packet,
      meta: r.meta,
      events: r.events,
      instructions: r.instructions,
    };
  }

  /** Unloads what the session loaded into the kernel (bpf_fib_lookup's helper program). */
  close(): void {
    this.fib?.close();
    this.fib = undefined;
  }
}

export function u32Key(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
