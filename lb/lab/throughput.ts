// Bulk throughput from the client to a backend through the LB in encapsulation mode, against
// the same transfer straight to the backend (issue 16's goal: ≥ 0.9×):
//   node --import tsx lb/lab/throughput.ts [MB] [rounds]      (root; defaults 200, 3)
// builds lb/lb.ts, starts the lab with direct server return (dsr.ts), a sink on be1:9000
// (bulk.ts), an encapsulation VIP DSR_VIP:9000 with be1 only, and alternates rounds of
// "via the LB" and "direct" (the backend's answers and ACKs then also go straight to the
// client). Prints the rounds and the ratio of medians as JSON.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLoadBalancedLab } from "./load-balanced.ts";
import { DSR_VIP, enableDirectServerReturn } from "./dsr.ts";
import { LAB_CWD, labScript, startServer } from "./servers.ts";

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, "../..");
const MB = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 3);
const PORT = 9000;

const dir = mkdtempSync(join(tmpdir(), "tsbpf-throughput-"));
const object = join(dir, "lb.o");
execFileSync(process.execPath, [join(ROOT, "bin/tsbpf.js"), "build", join(ROOT, "lb/lb.ts"), "-o", object]);
const env = await startLoadBalancedLab({ object, backends: 1 });
try {
  await enableDirectServerReturn(env);
  const { lab, lb } = env;
  const be = lab.backends[0]!;
  // The direct transfer's answers go straight to the client too, as the VIP's do.
  await lab.exec(be.name, ["ip", "rule", "add", "from", be.addr, "lookup", "100"]);
  await startServer(lab, be.name, labScript("bulk.ts", "sink", String(PORT)));
  const vip = { addr: DSR_VIP, port: PORT, proto: "tcp" as const };
  lb.addVip(vip, { encap: true });
  lb.addBackend(vip, { addr: be.addr, mac: be.mac });
  const send = async (host: string) => {
    const { stdout } = await lab.exec("client", labScript("bulk.ts", "send", host, String(PORT), String(MB)), {
      cwd: LAB_CWD,
      timeoutMs: 300_000,
    });
    return JSON.parse(stdout) as { bytes: number; seconds: number; mbitPerS: number };
  };
  const viaLb: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const v = await send(DSR_VIP);
    const d = await send(be.addr);
    if (v.bytes !== MB * 1_000_000 && v.bytes < MB * 1_000_000) throw new Error(`via the LB: ${v.bytes} bytes arrived`);
    viaLb.push(v.mbitPerS);
    direct.push(d.mbitPerS);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const stats = lb.stats().find((s) => s.vip === `${DSR_VIP}:${PORT}/tcp`)!;
  console.log(
    JSON.stringify({
      megabytes: MB,
      viaLbMbitPerS: viaLb.map((x) => Math.round(x)),
      directMbitPerS: direct.map((x) => Math.round(x)),
      ratioOfMedians: Number((median(viaLb) / median(direct)).toFixed(3)),
      lbPackets: Number(stats.packets),
    }),
  );
} finally {
  env.destroy();
  rmSync(dir, { recursive: true, force: true });
}
