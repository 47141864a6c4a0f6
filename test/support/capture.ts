// tcpdump in a lab namespace while a test sends traffic. It is awaited until it captures (its
// "listening on" line), not given a fixed head start: on a busy machine tcpdump can take longer
// to start than the traffic takes to pass, and then captured nothing.
import type { Lab } from "../../lb/lab/topology.ts";

export interface Capture {
  /** SIGTERM; resolves, once tcpdump has exited, with every line it printed. */
  stop(): Promise<string>;
}

/** Starts `tcpdump -l ARGS` in `ns`; resolves once it is capturing. */
export function startCapture(lab: Lab, ns: string, args: string[], timeoutMs = 30_000): Promise<Capture> {
  const child = lab.spawn(ns, ["tcpdump", "-l", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stop = async () => {
    child.kill("SIGTERM");
    await exited;
    return out;
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`tcpdump ${args.join(" ")} in ${ns}: ${why}: ${err.trim()}`));
    };
    const timer = setTimeout(() => fail(`not capturing after ${timeoutMs} ms`), timeoutMs);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      if (err.includes("listening on")) {
        clearTimeout(timer);
        resolve({ stop });
      }
    });
    child.once("exit", (code) => fail(`exited (${code})`)); // after resolve: no effect
  });
}
