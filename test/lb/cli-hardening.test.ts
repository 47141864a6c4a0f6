// `tsbpf lb` under faults and misuse (issue 13): concurrent writers, kill -9 at every point of
// `lb start`, pin directories another user controls, state files per pin directory, strict
// input with the documented exit codes. The LB is attached in generic mode to a veth in a
// namespace of this test's own; no traffic is needed here (test/lb/cli.test.ts has traffic).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../runtime/helpers.ts";
import { scratchDir } from "../support/scratch.ts";
import { openRunningLb } from "../../bin/commands/lb.ts";
import { lbPaths, STATE_DIR } from "../../lb/persist.ts";
import { MAGLEV_M } from "../../lb/maps.ts";
import { checkConfig, LbInputError } from "../../lb/input.ts";

const NS = `tsbpf-lbh-${process.pid}`;
const BASE = `/sys/fs/bpf/tsbpf-lbh-${process.pid}`;
const VIP = "10.100.0.1:80/tcp";
const TMP = mkdtempSync(join(tmpdir(), "tsbpf-lbh-"));

interface Run {
  status: number | null;
  out: string;
}

/** The LB object these tests start: built into the test's scratch directory, never the user's bpf-out/. */
const LB_OBJECT = join(scratchDir(), "lb.o");

/** `lb start` gets the test's object; every other command its arguments as they are. */
function withObject(args: string[]): string[] {
  return args[0] === "lb" && args[1] === "start" ? [...args, "--object", LB_OBJECT] : args;
}

function tsbpf(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), ...withObject(args)], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

function tsbpfAsync(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/tsbpf.js"), ...withObject(args)], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

function config(dev: string, extra: object = {}): string {
  const file = join(TMP, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      dev,
      netns: NS,
      mode: "generic",
      vips: [{ vip: VIP, backends: [{ addr: "10.0.0.11", mac: "02:00:0a:00:00:0b" }] }],
      ...extra,
    }),
  );
  return file;
}

function xdpAttached(dev: string): boolean {
  return /xdp/.test(execFileSync("ip", ["-n", NS, "link", "show", dev], { encoding: "utf8" }));
}

/** Nothing of an LB is left: no pins, no state, no program on the interface. */
function expectNothingLeft(pinDir: string, dev = "v0") {
  expect(existsSync(pinDir), `${pinDir} exists`).toBe(false);
  expect(existsSync(lbPaths(pinDir).state), "state file exists").toBe(false);
  expect(xdpAttached(dev), `XDP still on ${dev}`).toBe(false);
  const tmp = readdirSync(STATE_DIR).filter((f) => f.startsWith(encodeURIComponent(pinDir)) && f.endsWith(".tmp"));
  expect(tmp).toEqual([]);
}

/** Backend ids in the `backends` map and Maglev slot counts of VIP index 0, read from the maps. */
function mapView(pinDir: string) {
  const lb = openRunningLb(pinDir);
  try {
    const ids = new Map<number, number>();
    for (const [id, b] of lb.maps.backends.entries()) if (b.addr !== 0) ids.set(id, b.addr);
    const slots = new Map<number, number>();
    for (let s = 0; s < MAGLEV_M; s++) {
      const id = lb.maps.maglev.lookup(s)!;
      slots.set(id, (slots.get(id) ?? 0) + 1);
    }
    return { ids, slots, report: lb.backends() };
  } finally {
    lb.close();
  }
}

describe("tsbpf lb: concurrency, crashes, pin directories, input (issue 13)", () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", "lb/lb.ts", "-o", LB_OBJECT], { cwd: ROOT });
    execFileSync("ip", ["netns", "add", NS]);
    execFileSync("ip", ["-n", NS, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    for (const d of ["v0", "v1"]) execFileSync("ip", ["-n", NS, "link", "set", d, "up"]);
    mkdirSync(BASE, { mode: 0o700 });
  }, 120_000);

  afterAll(() => {
    for (const dir of readdirSync(BASE, { recursive: true }) as string[])
      if (dir.endsWith("tsbpf-lb") || /^(lb|hijack)/.test(dir)) tsbpf(["lb", "stop", "--pin-dir", join(BASE, dir)]);
    spawnSync("ip", ["netns", "del", NS]);
    rmSync(BASE, { recursive: true, force: true });
    for (const f of readdirSync(STATE_DIR))
      if (f.startsWith(encodeURIComponent(BASE))) rmSync(join(STATE_DIR, f), { force: true });
    rmSync(TMP, { recursive: true, force: true });
  });

  it("ten concurrent `backend add` for one VIP: unique ids, all in the state, maps and stats agree", async () => {
    const pinDir = join(BASE, "lb-concurrent");
    expect(tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", pinDir]).status).toBe(0);
    const adds = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        tsbpfAsync([
          "lb",
          "backend",
          "add",
          VIP,
          `10.0.0.${20 + i}`,
          "--mac",
          `02:00:0a:00:00:${(20 + i).toString(16)}`,
          "--pin-dir",
          pinDir,
        ]),
      ),
    );
    for (const a of adds) expect(a.status, a.out).toBe(0);
    const ids = adds.map((a) => Number(/has id (\d+)/.exec(a.out)![1]));
    expect(new Set(ids).size).toBe(10);
    const state = JSON.parse(readFileSync(lbPaths(pinDir).state, "utf8"));
    const inState = state.vips[0].backends as { id: number; addr: string }[];
    expect(inState.length).toBe(11);
    expect(state.changing).toBeUndefined();
    const view = mapView(pinDir);
    expect([...view.ids.keys()].sort((a, b) => a - b)).toEqual(inState.map((b) => b.id).sort((a, b) => a - b));
    for (const b of view.report) expect(view.slots.get(b.id), `slots of ${b.addr}`).toBe(b.slots);
    expect([...view.slots.values()].reduce((a, b) => a + b, 0)).toBe(MAGLEV_M);
    expect(tsbpf(["lb", "stop", "--pin-dir", pinDir]).status).toBe(0);
    expectNothingLeft(pinDir);
  }, 600_000);

  it("kill -9 of `lb start` at every point: the next start or stop recovers", () => {
    const pinDir = join(BASE, "lb-crash");
    const cfg = config("v0");
    const points = ["attached", "maps-pinned", "link-pinned", "state-half-written"];
    points.forEach((point, i) => {
      const crashed = tsbpf(["lb", "start", "-c", cfg, "--pin-dir", pinDir], { TSBPF_LB_CRASH_AT: point });
      expect(crashed.status, `${point}: ${crashed.out}`).toBe(null); // killed by SIGKILL
      if (i % 2 === 0) {
        const stop = tsbpf(["lb", "stop", "--pin-dir", pinDir]);
        if (point === "attached") {
          // Nothing was pinned and the link died with the process: nothing to stop.
          expect(stop.status, stop.out).toBe(6);
        } else {
          expect(stop.status, stop.out).toBe(0);
          expect(stop.out).toContain("remains");
        }
      } else {
        const start = tsbpf(["lb", "start", "-c", cfg, "--pin-dir", pinDir]);
        expect(start.status, `${point}: ${start.out}`).toBe(0);
        expect(start.out).toContain("removed the remains");
        expect(tsbpf(["lb", "stats", "--pin-dir", pinDir]).status).toBe(0);
        expect(tsbpf(["lb", "stop", "--pin-dir", pinDir]).status).toBe(0);
      }
      expectNothingLeft(pinDir);
    });
  }, 600_000);

  it("kill -9 of a command changing the maps: the next command restores maps and state to agree", () => {
    const pinDir = join(BASE, "lb-crash-change");
    expect(tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", pinDir]).status).toBe(0);
    const before = mapView(pinDir);
    const add = ["lb", "backend", "add", VIP, "10.0.0.12", "--mac", "02:00:0a:00:00:0c", "--pin-dir", pinDir];
    expect(tsbpf(add, { TSBPF_LB_CRASH_AT: "maps-changed" }).status).toBe(null);
    const stats = tsbpf(["lb", "stats", "--pin-dir", pinDir]);
    expect(stats.status, stats.out).toBe(0);
    expect(stats.out).not.toContain("10.0.0.12");
    const after = mapView(pinDir);
    expect(after.ids).toEqual(before.ids);
    expect(after.slots).toEqual(before.slots);
    expect(JSON.parse(readFileSync(lbPaths(pinDir).state, "utf8")).changing).toBeUndefined();
    expect(tsbpf(add).status).toBe(0);
    expect(tsbpf(["lb", "stop", "--pin-dir", pinDir]).status).toBe(0);
  }, 600_000);

  it("refuses a pin directory another user owns or a symlink, and keeps its own 0700 with 0600 state", () => {
    const hijacked = join(BASE, "hijack");
    mkdirSync(hijacked, { mode: 0o777 });
    chownSync(hijacked, 65534, 65534);
    const r = tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", hijacked]);
    expect(r.status, r.out).toBe(8);
    expect(r.out).toContain("belongs to uid 65534");
    expect(xdpAttached("v0")).toBe(false);
    expect(readdirSync(hijacked)).toEqual([]);
    const stop = tsbpf(["lb", "stop", "--pin-dir", hijacked]);
    expect(stop.status, stop.out).toBe(8);

    const target = join(BASE, "hijack-target");
    mkdirSync(target);
    const link = join(BASE, "hijack-link");
    symlinkSync(target, link);
    const viaLink = tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", join(link, "tsbpf-lb")]);
    expect(viaLink.status, viaLink.out).toBe(8);
    expect(viaLink.out).toContain("symbolic link");
    expect(readdirSync(target)).toEqual([]);

    const own = join(BASE, "lb-own");
    mkdirSync(own, { mode: 0o755 });
    expect(tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", own]).status).toBe(0);
    expect(statSync(own).mode & 0o777).toBe(0o700);
    expect(statSync(STATE_DIR).mode & 0o777).toBe(0o700);
    expect(lstatSync(lbPaths(own).state).mode & 0o777).toBe(0o600);
    expect(tsbpf(["lb", "stop", "--pin-dir", own]).status).toBe(0);
  }, 600_000);

  it("two LBs whose pin directories end alike keep separate states", () => {
    const a = join(BASE, "a", "tsbpf-lb"),
      b = join(BASE, "b", "tsbpf-lb");
    expect(tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", a]).status).toBe(0);
    const cfgB = config("v1", { vips: [{ vip: "10.100.0.2:53/udp", backends: [] }] });
    expect(tsbpf(["lb", "start", "-c", cfgB, "--pin-dir", b]).status).toBe(0);
    expect(tsbpf(["lb", "stats", "--pin-dir", a]).out).toContain("10.100.0.1:80/tcp");
    expect(tsbpf(["lb", "stats", "--pin-dir", b]).out).toContain("10.100.0.2:53/udp");
    expect(tsbpf(["lb", "stop", "--pin-dir", b]).status).toBe(0);
    const stats = tsbpf(["lb", "stats", "--pin-dir", a]);
    expect(stats.status).toBe(0);
    expect(stats.out).toContain("10.100.0.1:80/tcp");
    expect(tsbpf(["lb", "stop", "--pin-dir", a]).status).toBe(0);
    expectNothingLeft(a);
    expectNothingLeft(b, "v1");
  }, 600_000);

  it("encapsulation VIPs from the config and the CLI: VIP flags, outer source, state, stats", () => {
    const pinDir = join(BASE, "lb-encap");
    const dsrVip = "10.100.0.2:80/tcp";
    const file = config("v0", {
      encapSource: "10.0.0.1",
      vips: [
        { vip: VIP, backends: [{ addr: "10.0.0.11", mac: "02:00:0a:00:00:0b" }] },
        { vip: dsrVip, encap: true, backends: [{ addr: "10.0.0.11", mac: "02:00:0a:00:00:0b" }] },
      ],
    });
    const started = tsbpf(["lb", "start", "-c", file, "--pin-dir", pinDir]);
    expect(started.status, started.out).toBe(0);
    const added = tsbpf(["lb", "vip", "add", "10.100.0.2:53/udp", "--encap", "--pin-dir", pinDir]);
    expect(added.status, added.out).toBe(0);
    const flags = () => {
      const lb = openRunningLb(pinDir);
      try {
        return Object.fromEntries(
          [...lb.maps.vips.entries()].map(([k, v]) => [`${k.addr.toString(16)}:${k.port}/${k.proto}`, v.flags]),
        );
      } finally {
        lb.close();
      }
    };
    expect(flags()).toEqual({ "a640001:80/6": 0, "a640002:80/6": 1, "a640002:53/17": 1 });
    const state = JSON.parse(readFileSync(lbPaths(pinDir).state, "utf8"));
    expect(state.encapSource).toBe("10.0.0.1");
    expect(state.vips.map((v: { encap?: boolean }) => v.encap === true)).toEqual([false, true, true]);
    expect(tsbpf(["lb", "encap-source", "--pin-dir", pinDir]).out.trim()).toBe("10.0.0.1");
    expect(tsbpf(["lb", "encap-source", "10.0.0.3", "--pin-dir", pinDir]).status).toBe(0);
    const lb = openRunningLb(pinDir);
    try {
      expect(lb.maps.encap.lookup(0)?.saddr).toBe(0x0a000003);
    } finally {
      lb.close();
    }
    const stats = tsbpf(["lb", "stats", "--pin-dir", pinDir]);
    expect(stats.out).toMatch(/10\.100\.0\.2:80\/tcp\s+0\s+0\s+encap/);
    expect(stats.out).toMatch(/10\.100\.0\.1:80\/tcp\s+0\s+0\s+dnat/);
    expect(tsbpf(["lb", "stop", "--pin-dir", pinDir]).status).toBe(0);
    expectNothingLeft(pinDir);
  }, 300_000);

  it("bad input exits 2 naming the field and changes nothing; running, absent, unprivileged exit 8, 6, 5", () => {
    const pinDir = join(BASE, "lb-input");
    const badConfigs: [object, string][] = [
      [{ vips: "x" }, "vips"],
      [{ mode: "bogus" }, "mode"],
      [{ netns: "../x" }, "netns"],
      [{ dev: "a/b" }, "dev"],
      [{ vips: [{ vip: "10.100.0.1:80", backends: [] }] }, "vips[0].vip"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "0.0.0.0", mac: "02:00:00:00:00:01" }] }] }, "vips[0].backends[0].addr"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "10.0.0.011", mac: "02:00:00:00:00:01" }] }] }, "backends[0].addr"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "10.100.0.1", mac: "02:00:00:00:00:01" }] }] }, "backends[0].addr"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "10.0.0.11", mac: "02:00:00:00:0b:zz" }] }] }, "backends[0].mac"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "10.0.0.11", mac: "0x2:00:00:00:00:0b" }] }] }, "backends[0].mac"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "10.0.0.11", mac: "ff:ff:ff:ff:ff:ff" }] }] }, "backends[0].mac"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "10.0.0.11", mac: "02:00:00:00:00:0b", weight: "3" }] }] }, "weight"],
      [{ vips: [{ vip: VIP, backends: [{ addr: "10.0.0.11" }] }] }, "backends[0].mac"],
      [
        {
          vips: [
            {
              vip: VIP,
              backends: [
                { addr: "10.0.0.11", mac: "02:00:00:00:00:0b" },
                { addr: "10.0.0.11", mac: "02:00:00:00:00:0c" },
              ],
            },
          ],
        },
        "backends[1].addr",
      ],
      [{ timeouts: { tcpClosing: 0 } }, "timeouts.tcpClosing"],
      [{ vips: [{ vip: VIP, encap: true, backends: [] }] }, "vips[0].encap"],
      [{ encapSource: "10.0.0.011", vips: [] }, "encapSource"],
      [{ encapSource: "10.0.0.1", vips: [{ vip: VIP, encap: "yes", backends: [] }] }, "vips[0].encap"],
    ];
    // Every case through checkConfig (what `lb start` runs first); a few through the CLI too.
    for (const [extra, field] of badConfigs) {
      const json = { dev: "v0", vips: [], ...extra };
      expect(() => checkConfig(json), JSON.stringify(extra)).toThrow(LbInputError);
      try {
        checkConfig(json);
      } catch (e) {
        expect((e as LbInputError).field, JSON.stringify(extra)).toContain(field);
      }
    }
    for (const [extra, field] of [badConfigs[0]!, badConfigs[1]!, badConfigs[5]!, badConfigs[11]!]) {
      const r = tsbpf(["lb", "start", "-c", config("v0", extra), "--pin-dir", pinDir]);
      expect(r.status, `${JSON.stringify(extra)}: ${r.out}`).toBe(2);
      expect(r.out, JSON.stringify(extra)).toContain(field);
      expect(r.out).not.toMatch(/internal error|\n\s+at /);
    }
    expectNothingLeft(pinDir);
    expect(tsbpf(["lb", "stats", "--pin-dir", pinDir]).status).toBe(6);

    expect(tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", pinDir]).status).toBe(0);
    expect(tsbpf(["lb", "start", "-c", config("v0"), "--pin-dir", pinDir]).status).toBe(8);
    const stateBefore = readFileSync(lbPaths(pinDir).state, "utf8");
    const viewBefore = mapView(pinDir);
    const badCommands: [string[], string][] = [
      [["backend", "add", VIP, "0.0.0.0", "--mac", "02:00:00:00:00:01"], "addr"],
      [["backend", "add", VIP, "10.0.0.12", "--mac", "02:00:00:00:00:0c", "--weight", "abc"], "--weight"],
      [["backend", "add", VIP, "10.0.0.12", "--mac", "01:00:5e:00:00:01"], "mac"],
      [["backend", "add", VIP, "10.100.0.1", "--mac", "02:00:00:00:00:0c"], "addr"],
      [["backend", "add", VIP, "10.0.0.11", "--mac", "02:00:00:00:00:0c"], "addr"],
      [["backend", "weight", VIP, "10.0.0.11", ""], "<weight>"],
      [["backend", "drain", VIP, "10.0.0.99"], "backend"],
      [["backend", "add", "10.100.0.1:99999/tcp", "10.0.0.12", "--mac", "02:00:00:00:00:0c"], "vip port"],
      [["vip", "add", VIP], "vip"],
      [["timeouts", "--udp", "0.5"], "timeouts.udp"],
      [["vip", "add", "10.100.0.2:80/tcp", "--encap"], "encap"],
      [["encap-source", "10.0.0"], "<addr>"],
    ];
    for (const [args, field] of badCommands) {
      const r = tsbpf(["lb", ...args, "--pin-dir", pinDir]);
      expect(r.status, `${args.join(" ")}: ${r.out}`).toBe(2);
      expect(r.out, args.join(" ")).toContain(field);
    }
    expect(readFileSync(lbPaths(pinDir).state, "utf8")).toBe(stateBefore);
    const viewAfter = mapView(pinDir);
    expect(viewAfter.ids).toEqual(viewBefore.ids);
    expect(viewAfter.slots).toEqual(viewBefore.slots);

    const nobody = spawnSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, join(ROOT, "bin/tsbpf.js"), "lb", "stats"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, HOME: TMP } },
    );
    expect(nobody.status, nobody.stdout + nobody.stderr).toBe(5);
    expect(tsbpf(["lb", "stop", "--pin-dir", pinDir]).status).toBe(0);
    expectNothingLeft(pinDir);
  }, 600_000);
});
