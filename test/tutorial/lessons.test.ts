// The tutorial's checks (`tsbpf lesson check N file.ts`, docs/tutorial.md): every lesson's check
// passes on its reference solution (bin/lessons/solutions/), fails on its starter, and fails
// on a typical wrong program (test/tutorial/wrong/) naming the packet and what is wrong with it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LESSONS } from "../../bin/lessons/lessons.ts";
import { runLesson } from "../../bin/lessons/check.ts";
import { compile } from "../../compiler/index.ts";
import { loadObject } from "../../runtime/index.ts";
import { ROOT, tsbpfProcess } from "../cli/helpers.ts";
import { describeKernel } from "../support/kernel.ts";

/** Per lesson: what the check must say about the wrong program (each line a regex over the report). */
const WRONG: Record<number, RegExp[]> = {
  1: [
    /^lesson 1 \(pass\): 0 of 5 packets right$/,
    /^✗ packet 1 \(UDP to port 53\): IPv4 10\.0\.0\.1 → 10\.0\.0\.2 UDP/,
    /^ {4}returned XDP_DROP, expected XDP_PASS$/,
  ],
  2: [
    /^lesson 2 \(drop\): 4 of 5 packets right$/,
    /^✗ packet 2 \(a frame of exactly 1000 bytes\)/,
    /^ {4}returned XDP_DROP, expected XDP_PASS$/,
  ],
  3: [
    /^lesson 3 \(count with maps\): 5 of 5 packets right, 1 map problem$/,
    /^✗ stats\[0\]\.bytes is 5 after frames of 50 \+ 62 \+ 42 \+ 66 \+ 1001 bytes, expected 1221$/,
  ],
  4: [
    /^lesson 4 \(parse headers\): 9 of 10 packets right$/,
    /^✗ packet 8 \(UDP to port 9 behind 4 bytes of IPv4 options \(IHL 6\)\)/,
    /^ {4}returned XDP_PASS, expected XDP_DROP$/,
  ],
  5: [
    /^lesson 5 \(rewrite\): 4 of 7 packets right$/,
    /^✗ packet 1 \(UDP, TTL 64\)/,
    /^ {4}returned XDP_PASS as expected, but the frame is not the expected one: IPv4 checksum is 0x26c6, expected 0x27c6; IPv4 checksum 0x26c6 is wrong for the bytes the frame has \(correct: 0x27c6\)$/,
  ],
  6: [
    /^lesson 6 \(send it back \(XDP_TX\)\): 5 of 7 packets right$/,
    /^✗ packet 1 \(ICMP echo request\)/,
    /^ {4}returned XDP_TX as expected, but the frame is not the expected one: ICMP checksum is 0x\w+, expected 0x\w+; ICMP checksum 0x\w+ is wrong/,
  ],
  7: [
    /^lesson 7 \(tail calls\): 6 of 7 packets right$/,
    /^✗ packet 1 \(TCP to port 23 \(telnet\)\)/,
    /^ {4}returned XDP_PASS, expected XDP_DROP$/,
  ],
  8: [
    /^lesson 8 \(LB: parse and find the VIP\): 15 of 17 packets right$/,
    /^✗ packet 12 \(a first fragment \(MF set\) to the VIP\): IPv4 10\.0\.0\.1 → 10\.0\.0\.100 TCP TTL 64 DF,MF/,
    /^ {4}returned XDP_TX, expected XDP_DROP$/,
    /^✗ packet 13 \(a later fragment \(offset 185\) to the VIP\): IPv4 .* fragment offset 1480$/,
  ],
  9: [
    /^lesson 9 \(LB: hash and Maglev\): 11 of 15 packets right$/,
    /^✗ packet 6 \(UDP 10\.0\.0\.3:5353 → the VIP\)/,
    /^ {4}returned XDP_TX as expected, but the frame is not the expected one: Ethernet dst is 02:be:00:00:00:1\d, expected 02:be:00:00:00:15$/,
    /^✗ packet 8 \(TCP to 10\.0\.0\.100:443, whose slots name backend 3, an empty slot\)/,
    /^ {4}returned XDP_TX, expected XDP_DROP$/,
  ],
  10: [
    /^lesson 10 \(LB: rewrite \(DNAT\)\): 16 of 18 packets right$/,
    /^✗ packet 9 \(.*UDP checksum 0 \("none": stays 0\)\)/,
    /^ {4}returned XDP_TX as expected, but the frame is not the expected one: UDP checksum is 0x[0-9a-f]{4}, expected 0x0000/,
    /^✗ packet 10 \(.*whose UDP checksum after the rewrite is 0 \(sent as 0xffff\)\)/,
    /^ {4}returned XDP_TX as expected, but the frame is not the expected one: UDP checksum is 0x0000, expected 0xffff$/,
  ],
  11: [
    /^lesson 11 \(LB: connection tracking\): 12 of 13 packets right$/,
    /^✗ packet 4 \(TCP 10\.0\.0\.1:40001 → the VIP, a new connection from the same client\)/,
    /IPv4 dst is 10\.1\.0\.1\d, expected 10\.1\.0\.1\d/,
  ],
  12: [
    /^lesson 12 \(LB: reverse NAT\): 17 of 19 packets right$/,
    /^✗ packet 2 \(backend \d's reply to 10\.0\.0\.1:40000\)/,
    /^ {4}returned XDP_PASS, expected XDP_TX$/,
  ],
  13: [
    /^lesson 13 \(LB: when backends change\): 14 of 16 packets right$/,
    /^✗ packet 7 \(backend \d's reply to 10\.0\.0\.5:40500 \(a RST is not recorded\)\)/,
    /^ {4}returned XDP_TX, expected XDP_PASS$/,
    /^✗ packet 8 \(every slot of VIP 0 now names backend \d; TCP 10\.0\.0\.5:40500 → the VIP, ACK \(not tracked/,
  ],
};

async function report(lessonN: number, file: string, object?: Uint8Array) {
  const r = object ? { object, diagnostics: [] } : compile(file);
  expect(r.diagnostics, file).toEqual([]);
  const obj = await loadObject(r.object!);
  try {
    return runLesson(LESSONS.find((l) => l.n === lessonN)!, obj);
  } finally {
    obj.close();
  }
}

/** Each expected line matches some line of the report, in order. */
function expectLines(lines: string[], want: RegExp[]) {
  let at = 0;
  for (const re of want) {
    const i = lines.findIndex((l, k) => k >= at && re.test(l));
    expect(i, `${re} in\n${lines.join("\n")}`).toBeGreaterThanOrEqual(0);
    at = i + 1;
  }
}

describe("the lessons", () => {
  it("are numbered 1…n in the xdp-tutorial's order, each with a starter, a solution and a wrong program", () => {
    expect(LESSONS.map((l) => l.n)).toEqual(LESSONS.map((_, i) => i + 1));
    expect(LESSONS.slice(0, 7).map((l) => l.slug)).toEqual([
      "01-pass",
      "02-drop",
      "03-count",
      "04-parse",
      "05-rewrite",
      "06-redirect",
      "07-tail-calls",
    ]);
    expect(LESSONS.slice(7).map((l) => l.slug)).toEqual([
      "08-lb-parse",
      "09-lb-hash",
      "10-lb-rewrite",
      "11-lb-conntrack",
      "12-lb-reverse-nat",
      "13-lb-backend-changes",
    ]);
    for (const l of LESSONS) {
      for (const f of [
        `bin/lessons/starters/${l.slug}.ts`,
        `bin/lessons/solutions/${l.slug}.ts`,
        `test/tutorial/wrong/${l.slug}.ts`,
      ])
        expect(existsSync(join(ROOT, f)), f).toBe(true);
      expect(WRONG[l.n], `expected messages for lesson ${l.n}'s wrong program`).toBeDefined();
      // The starter says how to check it.
      expect(readFileSync(join(ROOT, `bin/lessons/starters/${l.slug}.ts`), "utf8")).toContain(
        `npx tsbpf lesson check ${l.n} src/${l.slug}.ts`,
      );
    }
  });
});

describe("the load balancer's lessons", () => {
  it("send flows to more than one backend, so a program that sends all to one is caught", () => {
    const l9 = LESSONS.find((l) => l.n === 9)!;
    const macs = new Set(
      l9
        .cases()
        .filter((c) => c.out)
        .map((c) => Buffer.from(c.out!.subarray(0, 6)).toString("hex")),
    );
    expect(macs.size).toBeGreaterThanOrEqual(4); // three backends for VIP 0, two for VIP 1
  });
});

describeKernel("each lesson's check", () => {
  for (const l of LESSONS) {
    it(`lesson ${l.n} (${l.title}): passes the solution, fails the starter and the wrong program`, async () => {
      const good = await report(l.n, join(ROOT, "bin/lessons/solutions", `${l.slug}.ts`));
      expect(good.lines.join("\n")).toMatch(new RegExp(`^lesson ${l.n} \\(.*\\): (\\d+) of \\1 packets right ✓$`));
      expect(good.ok).toBe(true);

      const starter = await report(l.n, join(ROOT, "bin/lessons/starters", `${l.slug}.ts`));
      expect(starter.ok).toBe(false);
      expect(starter.lines.some((x) => x.startsWith("✗ "))).toBe(true);

      const wrong = await report(l.n, join(ROOT, "test/tutorial/wrong", `${l.slug}.ts`));
      expect(wrong.ok).toBe(false);
      expectLines(wrong.lines, WRONG[l.n]!);
    }, 60_000);
  }

  it("lessons 10-13 describe the real load balancer: lb/lb.ts passes their checks", async () => {
    const lb = compile(join(ROOT, "lb/lb.ts")).object!;
    for (const n of [10, 11, 12, 13]) {
      const r = await report(n, "lb/lb.ts", lb);
      expect(r.lines.join("\n")).toMatch(new RegExp(`^lesson ${n} \\(.*\\): (\\d+) of \\1 packets right ✓$`));
    }
  }, 120_000);

  it("`tsbpf lesson start` writes the starter and `tsbpf lesson check` judges it: exit 1 and the report on stderr, exit 0 when right", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbpf-lesson-"));
    try {
      const file = join(dir, "src/04-parse.ts");
      const start = tsbpfProcess("lesson", "start", "4", file);
      expect(start.status).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(readFileSync(join(ROOT, "bin/lessons/starters/04-parse.ts"), "utf8"));
      expect(tsbpfProcess("lesson", "start", "4", file).stderr).toMatch(/exists: not overwriting it/);

      const bad = tsbpfProcess("lesson", "check", "4", join(ROOT, "test/tutorial/wrong/04-parse.ts"));
      expect(bad.status).toBe(1);
      expectLines(bad.stderr.split("\n"), WRONG[4]!);
      const good = tsbpfProcess("lesson", "check", "4", join(ROOT, "bin/lessons/solutions/04-parse.ts"));
      expect(good.status).toBe(0);
      expect(good.stdout).toBe("lesson 4 (parse headers): 10 of 10 packets right ✓\n");
      expect(tsbpfProcess("lesson", "check", "99", file).stderr).toMatch(/no lesson 99: lessons are 1 to \d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
