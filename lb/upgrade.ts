// Hitless upgrade: a running LB (started by `tsbpf lb start`, maps and link pinned) gets a new
// build of lb/lb.ts without losing a packet or a flow. The new object is loaded with the
// running LB's pinned maps in place of its own (the runtime refuses any map whose type,
// sizes, max_entries, flags or BTF key/value layout differ, saying which), then the pinned
// XDP link is switched to the new program in one step (BPF_LINK_UPDATE, only if the program
// it replaces is still the one attached). Maps the new build has and the running LB lacks
// are created and pinned. A refused upgrade changes nothing: the link and the maps are as
// they were.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  BpfMap,
  loadObject,
  parseObject,
  ProgType,
  XdpLink,
  type BpfObject,
  type ObjectSpec,
} from "../runtime/index.ts";
import type { LbPaths } from "./persist.ts";

/** The new build does not fit the running LB; `message` says why. Nothing was changed. */
export class UpgradeRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UpgradeRefusedError";
  }
}

export interface UpgradeReport {
  /** Kernel ids of the program replaced and of the one now attached. */
  oldProgId: number;
  newProgId: number;
  /** Pinned maps the new program took over, with their entries (and so every tracked flow). */
  kept: string[];
  /** Maps new in this build, created empty and pinned. */
  created: string[];
}

/** The running LB's pinned maps by name (every pin in its directory but the link). */
function pinnedMapNames(paths: LbPaths): string[] {
  return readdirSync(paths.pinDir).filter((f) => join(paths.pinDir, f) !== paths.link);
}

/** Replaces the running LB's program by the object at `objectPath` (see the top of this file). */
export async function upgradeLb(paths: LbPaths, objectPath: string, program = "lb"): Promise<UpgradeReport> {
  let spec: ObjectSpec;
  try {
    spec = parseObject(objectPath);
  } catch (e) {
    throw new UpgradeRefusedError(`${objectPath}: ${(e as Error).message}`);
  }
  const names = pinnedMapNames(paths);
  const inObject = new Set(spec.maps.map((m) => m.name));
  const dropped = names.filter((n) => !inObject.has(n));
  if (dropped.length)
    throw new UpgradeRefusedError(
      `the new build has no map ${dropped.map((n) => `"${n}"`).join(", ")}, which the running LB has: its state would be lost`,
    );
  const p = spec.programs.find((x) => x.name === program);
  if (!p) throw new UpgradeRefusedError(`the new build has no program "${program}"`);
  if (p.kind?.type !== ProgType.XDP) throw new UpgradeRefusedError(`program "${program}" of the new build is not XDP`);

  const pinned: Record<string, BpfMap> = {};
  let object: BpfObject;
  try {
    for (const n of names) pinned[n] = BpfMap.fromPinned(join(paths.pinDir, n));
    object = await loadObject(spec, { mapReplacements: pinned, programs: [program] });
  } catch (e) {
    for (const m of Object.values(pinned)) m.close();
    throw new UpgradeRefusedError((e as Error).message);
  }
  const link = XdpLink.fromPinned(paths.link);
  try {
    const created: string[] = [];
    for (const [name, map] of object.maps)
      if (!name.startsWith(".") && !(name in pinned)) {
        map.pin(join(paths.pinDir, name));
        created.push(name);
      }
    const oldProgId = link.progId;
    link.update(object.program(program).fd, { expected: oldProgId });
    return { oldProgId, newProgId: link.progId, kept: names.sort(), created: created.sort() };
  } finally {
    link.close();
    object.close();
  }
}
