// A generated block of a Markdown document (docs/benchmarks.md): the text between two markers
// is replaced and the rest kept, then the file is formatted as Biome formats Markdown, so that a
// benchmark run leaves the document as `npm run lint` wants it (the path must be inside the repository).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/** Put `md` between `begin` and `end` in the document at `path` (appended when the markers are absent). */
export function writeGeneratedBlock(path: string, begin: string, end: string, md: string, title = ""): void {
  const block = `${begin}\n${md}\n${end}`;
  let text: string;
  if (existsSync(path)) {
    const old = readFileSync(path, "utf8");
    const a = old.indexOf(begin);
    const b = old.indexOf(end);
    text = a >= 0 && b > a ? old.slice(0, a) + block + old.slice(b + end.length) : `${old.trimEnd()}\n\n${block}\n`;
  } else {
    text = `${title}${block}\n`;
  }
  writeFileSync(path, text);
  execFileSync(join(ROOT, "node_modules/.bin/biome"), ["format", "--write", path], { stdio: "pipe", cwd: ROOT });
}
