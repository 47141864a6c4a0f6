// A fleet of three LBs behind a router's ECMP route (issue 17): one `tsbpf lb fleet start`,
// backends in direct server return; under HTTP load, the LB carrying the most long-lived
// connections is withdrawn (its nexthop removed) and added back. No connection breaks: the
// other LBs pick the same backends for the flows they take over.
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createFleetLab, type FleetLab } from "../../lb/lab/fleet.ts";
import { fleetScenario } from "../../lb/fleet-demo.ts";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";

describeKernel("a fleet of LBs behind ECMP: withdrawal and re-add under load", () => {
  let lab: FleetLab;
  let object: string;

  beforeAll(() => {
    object = join(scratchDir(), "lb.o");
    const r = spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", "lb/lb.ts", "-o", object], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    lab = createFleetLab({ lbs: 3, backends: 3 });
  }, 120_000);
  afterAll(() => lab?.destroy());

  it("breaks no established connection and fails no request", async () => {
    const f = await fleetScenario(lab, { object, connections: 60 });
    console.log(JSON.stringify({ ...f, load: { ...f.load, failures: undefined } }));
    // The router spread the flows over all three LBs, and the route changed as told.
    for (const l of lab.lbs) expect(f.trackedBy[l.name], l.name).toBeGreaterThan(0);
    for (const l of lab.lbs) expect(f.packetsBy[l.name], l.name).toBeGreaterThan(0);
    expect(f.route.withdrawn).not.toContain(lab.lbs.find((l) => l.name === f.withdrawn)!.addr);
    expect(f.route.readded).toContain(lab.lbs.find((l) => l.name === f.withdrawn)!.addr);
    // The withdrawn LB's connections went on through the others, with their backends.
    expect(f.takenOver).toBe(f.trackedBy[f.withdrawn]);
    expect(f.broken).toEqual([]);
    expect(f.sameAfterWithdrawal).toBe(60);
    expect(f.sameAfterReadd).toBe(60);
    expect(f.load.errors).toEqual({});
    expect(f.load.ok).toBe(f.load.requests);
    expect(f.load.ok).toBeGreaterThan(100);
    expect(Object.keys(f.load.byBackend).sort()).toEqual(["be1", "be2", "be3"]);
  }, 180_000);
});
