// Bad input to the CLI: a clear message naming the problem, a documented exit code, never a stack trace.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernel } from "../support/kernel.ts";
import { compileC, lineOf } from "../runtime/helpers.ts";
import { EXIT } from "../../bin/commands/common.ts";
import { writePcap } from "../../runtime/pcap/index.ts";
import { buildCount, ROOT, STACK_LINE, tsbpf, tsbpfProcess, type CliResult } from "./helpers.ts";
import { runAsNobody } from "../support/nobody.ts";

const tmp = mkdtempSync(join(tmpdir(), "tsbpf-cli-err-"));
let count = "";
const ETH = "02000000000202000000000108000000";

beforeAll(() => {
  count = buildCount();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectClean(r: CliResult, code: number, message: RegExp): void {
  expect(r.status, r.stderr).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/^tsbpf: |^error: /);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stderr).not.toMatch(/internal error/);
}

describeKernel("as a separate process (what a script sees)", () => {
  it("missing interface: names it, exit NOT_FOUND, nothing loaded", () => {
    expectClean(
      tsbpfProcess("attach", count, "--dev", "nosuchif0"),
      EXIT.NOT_FOUND,
      /no network interface named "nosuchif0"/,
    );
  });

  it("verifier rejection: the verifier's words, the C source line with a caret, the log tail; exit VERIFIER_REJECTED", () => {
    const r = tsbpfProcess("load", compileC("bad_oob"));
    expectClean(r, EXIT.VERIFIER_REJECTED, /the verifier rejected program "oob_read" \(EACCES\)/);
    const line = lineOf("bad_oob", "BAD_LINE");
    expect(r.stderr).toMatch(/invalid access to packet/);
    expect(r.stderr).toMatch(new RegExp(`--> .*bad_oob\\.c:${line}:\\d+ \\(instruction \\d+\\)`));
    const lines = r.stderr.split("\n");
    const src = lines.findIndex((l) => l.startsWith(` ${line} | `) && l.includes("data[22]"));
    expect(src).toBeGreaterThan(0);
    // The caret points at the column line info gives: the `data[22]` access.
    const caret = lines[src + 1]!;
    expect(caret).toMatch(/^ +\| +\^$/);
    expect(lines[src]![caret.indexOf("^")]).toBe("d");
    expect(r.stderr).toMatch(/verifier log \(last \d+ of \d+ lines\):/);
    expect(r.stderr).toMatch(/processed \d+ insns/);
  });

  it("no privilege: says root or CAP_BPF + CAP_NET_ADMIN, exit NO_PERMISSION", () => {
    const home = mkdtempSync(join(tmpdir(), "tsbpf-nopriv-"));
    chmodSync(home, 0o777);
    try {
      const obj = join(home, "count.o");
      writeFileSync(obj, readFileSync(count));
      chmodSync(obj, 0o644);
      const r = runAsNobody([process.execPath, join(ROOT, "bin/tsbpf.js"), "load", obj], home);
      expectClean({ status: r.status, stdout: r.stdout, stderr: r.stderr }, EXIT.NO_PERMISSION, /EPERM/);
      expect(r.stderr).toMatch(/root, or grant CAP_BPF and CAP_NET_ADMIN/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("malformed ELF: what and where, exit BAD_OBJECT", () => {
    const bad = join(tmp, "trunc.o");
    writeFileSync(bad, readFileSync(count).subarray(0, 200));
    expectClean(tsbpfProcess("load", bad), EXIT.BAD_OBJECT, /malformed ELF: .*(offset|section)/);
  });

  it("usage errors exit USAGE (2), including commander's", () => {
    expectClean(tsbpfProcess("run", count, "--packet", "zz"), EXIT.USAGE, /--packet: "z" is not a hex digit/);
    const unknown = tsbpfProcess("run", count, "--bogus");
    expect(unknown.status).toBe(EXIT.USAGE);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    expect(tsbpfProcess("map", "get").status).toBe(EXIT.USAGE);
  });
});

describeKernel("in process (same code path, faster)", () => {
  it("bad hex in every place hex is accepted", async () => {
    expectClean(await tsbpf("run", count, "--packet", "0a0"), EXIT.USAGE, /odd number of hex digits \(3\)/);
    expectClean(await tsbpf("run", count, "--packet", ""), EXIT.USAGE, /--packet: empty/);
    expectClean(await tsbpf("run", count, "--packet", "0a"), EXIT.USAGE, /1 bytes; an XDP test run needs at least 14/);
    expectClean(
      await tsbpf("map", "get", "/sys/fs/bpf", "--key", "00"),
      EXIT.USAGE,
      /\/sys\/fs\/bpf is a directory, not a pinned map/,
    );
    const pin = `/sys/fs/bpf/tsbpf-cli-err-${process.pid}`;
    try {
      expect((await tsbpf("load", count, "--pin", pin)).status).toBe(0);
      expectClean(
        await tsbpf("map", "get", `${pin}/counts`, "--key", "xyz"),
        EXIT.USAGE,
        /--key: "x" is not a hex digit/,
      );
      expectClean(
        await tsbpf("map", "update", `${pin}/counts`, "--key-json", "{", "--value", "00"),
        EXIT.USAGE,
        /--key-json: not valid JSON/,
      );
      expectClean(
        await tsbpf("map", "update", `${pin}/counts`, "--key", "00000000", "--value", "0g"),
        EXIT.USAGE,
        /--value: "g" is not a hex digit/,
      );
    } finally {
      rmSync(pin, { recursive: true, force: true });
    }
  });

  it("malformed objects, many ways: every one a clean BAD_OBJECT", async () => {
    const good = readFileSync(count);
    const cases: Array<[string, Uint8Array]> = [
      ["empty", new Uint8Array(0)],
      ["text", Buffer.from("this is not an object file\n")],
      ["not-elf64", Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]), Buffer.alloc(64)])],
      ["big-endian", Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 2, 1]), Buffer.alloc(64)])],
    ];
    for (const cut of [16, 63, 64, 500, good.length - 1]) cases.push([`cut-${cut}`, good.subarray(0, cut)]);
    const shoff = Buffer.from(good).readBigUInt64LE(0x28);
    const badShoff = Buffer.from(good);
    badShoff.writeBigUInt64LE(shoff + 0x100000n, 0x28);
    cases.push(["shoff", badShoff]);
    for (const [name, bytes] of cases) {
      const file = join(tmp, `${name}.o`);
      writeFileSync(file, bytes);
      const r = await tsbpf("load", file);
      expectClean(r, EXIT.BAD_OBJECT, /malformed|not an ELF|ELF/);
    }
  });

  it("missing files, programs, pins and ids are NOT_FOUND or USAGE with the name in the message", async () => {
    expectClean(await tsbpf("load", join(tmp, "nope.o")), EXIT.USAGE, /nope\.o: no such file/);
    expectClean(
      await tsbpf("run", count, "--prog", "nope", "--packet", ETH),
      EXIT.NOT_FOUND,
      /no program\(s\) nope in object \(programs: count\)/,
    );
    expectClean(await tsbpf("detach", "--dev", "nosuchif0"), EXIT.NOT_FOUND, /no network interface named "nosuchif0"/);
    expectClean(
      await tsbpf("detach", "--pin", "/sys/fs/bpf/tsbpf-no-such-link"),
      EXIT.NOT_FOUND,
      /no such pinned link/,
    );
    expectClean(await tsbpf("map", "dump", "id", "4000000000"), EXIT.NOT_FOUND, /no map with id 4000000000/);
    expectClean(await tsbpf("map", "dump", "4000000000"), EXIT.USAGE, /for a map id write: id 4000000000/);
    expectClean(await tsbpf("run", count, "--pcap", join(tmp, "none.pcap")), EXIT.USAGE, /none\.pcap: no such file/);
  });

  it("check and build given something that is not a TypeScript program: USAGE, saying what it is", async () => {
    const random = join(tmp, "random.out");
    writeFileSync(
      random,
      Uint8Array.from({ length: 256 }, (_, i) => (i * 97 + 13) & 0xff),
    );
    expectClean(
      await tsbpf("check", random),
      EXIT.USAGE,
      /random\.out: not a TypeScript program: expected a \.ts file/,
    );
    expectClean(await tsbpf("build", random, "-o", join(tmp, "r.o")), EXIT.USAGE, /not a TypeScript program/);
    expectClean(await tsbpf("check", count), EXIT.USAGE, /is an ELF object, not a TypeScript program \(`tsbpf load`/);
    expectClean(await tsbpf("check", tmp), EXIT.USAGE, /is a directory, expected a TypeScript program/);
  });

  it("argument combinations and values", async () => {
    expectClean(await tsbpf("run", count), EXIT.USAGE, /--packet HEX or --pcap FILE/);
    expectClean(
      await tsbpf("run", count, "--packet", ETH, "--repeat", "0"),
      EXIT.USAGE,
      /--repeat: expected a positive integer/,
    );
    expectClean(await tsbpf("detach"), EXIT.USAGE, /--dev INTERFACE or --pin PATH/);
    expectClean(await tsbpf("load", count, "--pin", tmp), EXIT.USAGE, /is not on a BPF filesystem/);
    expect((await tsbpf("attach", count, "--dev", "lo", "--mode", "sideways")).status).toBe(EXIT.USAGE);
  });

  it("pcap files: malformed pcapng, wrong link type, truncated records", async () => {
    const ng = join(tmp, "x.pcapng");
    writeFileSync(ng, Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, ...new Array(28).fill(0)]));
    expectClean(
      await tsbpf("run", count, "--pcap", ng),
      EXIT.USAGE,
      /x.pcapng: section at byte 0: byte-order magic 0x00000000 is not 0x1a2b3c4d/,
    );
    const raw = Buffer.from(writePcap([Buffer.from(ETH, "hex")]));
    raw.writeUInt32LE(101, 20); // LINKTYPE_RAW
    const rawFile = join(tmp, "raw.pcap");
    writeFileSync(rawFile, raw);
    expectClean(await tsbpf("run", count, "--pcap", rawFile), EXIT.USAGE, /link type 101 is not Ethernet/);
    const cut = join(tmp, "cut.pcap");
    writeFileSync(cut, writePcap([Buffer.from(ETH, "hex")]).subarray(0, 24 + 16 + 4));
    expectClean(
      await tsbpf("run", count, "--pcap", cut),
      EXIT.USAGE,
      /packet 1 at byte 24: 16 bytes announced, 4 left/,
    );
  });

  it("native XDP where the driver cannot: UNSUPPORTED, with the way out", async () => {
    // Loopback has no native XDP; nothing is attached afterwards.
    expectClean(
      await tsbpf("attach", count, "--dev", "lo", "--mode", "native", "--pin", "/sys/fs/bpf/tsbpf-cli-lo-test"),
      EXIT.UNSUPPORTED,
      /does not support native XDP .*--mode generic/,
    );
    expectClean(await tsbpf("detach", "--dev", "lo"), EXIT.NOT_FOUND, /nothing is attached to lo/);
  });
});
