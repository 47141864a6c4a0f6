// Where `tsbpf build` writes its object, and how: the build and the installed package's build
// cache (bin/build-cache.ts) write it the same way.
import fs from "node:fs";
import path from "node:path";

/** The object of `input` when no -o is given: bpf-out/<name>.o. */
export function defaultOutput(input: string): string {
  return path.join("bpf-out", path.basename(input).replace(/\.[cm]?tsx?$/, "") + ".o");
}

/** Written aside and renamed: a loader (or a watching test) never reads half an object. */
export function writeWhole(file: string, data: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, data);
  fs.renameSync(partial, file);
}
