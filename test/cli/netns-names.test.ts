// `prog list --attached` and `detach --pin` name an interface of another network namespace by its
// name there and the namespace, not by whatever has the same ifindex here (lo is ifindex 1 in
// every namespace, so the old lookup named the root namespace's lo).
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bpffsDir } from "../runtime/helpers.ts";
import { buildCount, tsbpf, tsbpfJson } from "./helpers.ts";

const NS = `tsbpfnsname-${process.pid % 100000}`;
let pins: { dir: string; cleanup: () => void };
const linkPin = () => join(pins.dir, "link");

beforeAll(() => {
  pins = bpffsDir("cli-netns-names");
  execFileSync("ip", ["netns", "add", NS]);
  execFileSync("ip", ["-n", NS, "link", "set", "lo", "up"]);
});
afterAll(() => {
  pins?.cleanup();
  spawnSync("ip", ["netns", "del", NS]);
});

it("names the interface and its namespace in prog list --attached and detach --pin", async () => {
  const attach = await tsbpf(
    "attach",
    buildCount(),
    "--dev",
    "lo",
    "--netns",
    NS,
    "--mode",
    "generic",
    "--pin",
    linkPin(),
  );
  expect(attach.status, attach.stderr).toBe(0);

  type Listed = { id: number; attached: Array<{ ifname: string; netns?: string; mode: string; link_id?: number }> };
  const list = await tsbpfJson<Listed[]>("prog", "list", "--attached");
  const mine = list.find((p) => p.attached.some((a) => a.netns === NS));
  expect(mine?.attached).toEqual([
    { ifindex: 1, ifname: "lo", netns: NS, mode: "generic", link_id: expect.any(Number) },
  ]);
  const text = await tsbpf("prog", "list", "--attached");
  expect(text.stdout).toMatch(new RegExp(`^${mine!.id} .* xdp lo in ${NS} generic \\(link \\d+\\)$`, "m"));

  const detach = await tsbpf("detach", "--pin", linkPin());
  expect(detach.stdout).toMatch(
    new RegExp(`^detached link \\d+ \\(prog id ${mine!.id}\\) from lo in ${NS}; removed ${linkPin()}$`, "m"),
  );
});
