// A variant of the load balancer for tests that need a build with other limits or layouts:
// lb/*.ts copied into a directory of its own inside lb/ (so the copies' relative imports
// resolve to each other), with `edit` applied to the copy of lb/maps.ts, where the ABI's
// constants and layouts are declared.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../runtime/helpers.ts";

export interface LbVariant {
  /** The variant's lb.ts, to compile. */
  entry: string;
  /** Removes the variant's directory. */
  remove(): void;
}

/** Throws if `edit` leaves maps.ts unchanged (the text it looks for has moved). */
export function lbVariant(name: string, edit: (mapsText: string) => string): LbVariant {
  const dir = join(ROOT, "lb", `.variant-${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(join(ROOT, "lb"))) {
    if (file.endsWith(".ts")) copyFileSync(join(ROOT, "lb", file), join(dir, file));
  }
  const text = readFileSync(join(dir, "maps.ts"), "utf8");
  const changed = edit(text);
  if (changed === text) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`lbVariant ${name}: the edit changed nothing in lb/maps.ts`);
  }
  writeFileSync(join(dir, "maps.ts"), changed);
  return { entry: join(dir, "lb.ts"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
