/**
 * A loaded program's code as the kernel keeps it after the verifier's rewrites ("xlated", what
 * `bpftool prog dump xlated linum` shows), with its line info, function names, maps by name and
 * helpers by kernel symbol — as disassembler input.
 */
import fs from "node:fs";
import { parseBtf } from "../btf/parse.ts";
import { Attr, BpfCmd, bpf, closeFd, fdById, getPinnedObject, kernelBuffer, objectInfo } from "../sys/index.ts";
import { addressOf } from "../sys/libc.ts";
import { helperName } from "./helpers.ts";
import type { LoadReference, ProgramCode, SourceLine } from "./listing.ts";
import { functionNames } from "./object.ts";

const PROG_INFO_SIZE = 232;
const MAP_INFO_SIZE = 96;
const BTF_INFO_SIZE = 32;

function getInfo(fd: number, info: Buffer): Buffer {
  bpf(BpfCmd.OBJ_GET_INFO_BY_FD, new Attr(16).u32(0, fd).u32(4, info.length).ptr(8, info), "object info");
  return info;
}

function mapName(id: number): string {
  try {
    const fd = fdById(BpfCmd.MAP_GET_FD_BY_ID, id);
    try {
      const info = objectInfo(fd, MAP_INFO_SIZE);
      const name = info.subarray(24, 40);
      const nul = name.indexOf(0);
      return name.subarray(0, nul < 0 ? 16 : nul).toString("utf8") || `id:${id}`;
    } finally {
      closeFd(fd);
    }
  } catch {
    return `id:${id}`;
  }
}

function programBtf(btfId: number) {
  if (btfId === 0) return undefined;
  const fd = fdById(BpfCmd.BTF_GET_FD_BY_ID, btfId);
  try {
    const size = getInfo(fd, kernelBuffer(BTF_INFO_SIZE)).readUInt32LE(8);
    const raw = kernelBuffer(size);
    const info = kernelBuffer(BTF_INFO_SIZE);
    info.writeBigUInt64LE(addressOf(raw), 0);
    info.writeUInt32LE(size, 8);
    getInfo(fd, info);
    return parseBtf(Uint8Array.from(raw));
  } finally {
    closeFd(fd);
  }
}

let kallsyms: Map<bigint, string> | undefined;
let callBase: bigint | undefined;

/** Kernel helpers in xlated code are calls to an address relative to __bpf_call_base: name them from /proc/kallsyms. */
function kernelHelperName(imm: number): string {
  if (kallsyms === undefined) {
    kallsyms = new Map();
    try {
      for (const line of fs.readFileSync("/proc/kallsyms", "utf8").split("\n")) {
        const [addr, type, name] = line.split(/\s+/);
        if (!addr || !name || !/^[tTwW]$/.test(type ?? "")) continue;
        const a = BigInt(`0x${addr}`);
        if (name === "__bpf_call_base") callBase = a;
        if (!kallsyms.has(a)) kallsyms.set(a, name);
      }
    } catch {
      // no kallsyms: ids only
    }
  }
  if (callBase === undefined || callBase === 0n) return helperName(imm);
  return kallsyms.get(callBase + BigInt(imm)) ?? `kernel@${imm}`;
}

/** The translated code of the program with this id (digits) or pinned at this path. */
export function xlatedCode(idOrPin: string): ProgramCode {
  const fd = /^\d+$/.test(idOrPin) ? fdById(BpfCmd.PROG_GET_FD_BY_ID, Number(idOrPin)) : getPinnedObject(idOrPin);
  try {
    const first = getInfo(fd, kernelBuffer(PROG_INFO_SIZE));
    const xlatedLen = first.readUInt32LE(20);
    const nrMaps = first.readUInt32LE(52);
    const btfId = first.readUInt32LE(128);
    const funcRec = first.readUInt32LE(132);
    const nrFunc = first.readUInt32LE(144);
    const nrLine = first.readUInt32LE(148);
    const lineRec = first.readUInt32LE(172);
    const nameBytes = first.subarray(64, 80);
    const nul = nameBytes.indexOf(0);
    const name = nameBytes.subarray(0, nul < 0 ? 16 : nul).toString("utf8") || `prog ${first.readUInt32LE(4)}`;
    if (xlatedLen === 0)
      throw new Error("the kernel did not give the translated code (needs CAP_SYS_ADMIN, or bpf_jit_harden off)");

    const insns = kernelBuffer(xlatedLen);
    const mapIds = kernelBuffer(Math.max(4, 4 * nrMaps));
    const funcInfo = kernelBuffer(Math.max(8, funcRec * nrFunc));
    const lineInfo = kernelBuffer(Math.max(16, lineRec * nrLine));
    const info = kernelBuffer(PROG_INFO_SIZE);
    info.writeUInt32LE(xlatedLen, 20);
    info.writeBigUInt64LE(addressOf(insns), 32);
    info.writeUInt32LE(nrMaps, 52);
    info.writeBigUInt64LE(addressOf(mapIds), 56);
    info.writeUInt32LE(funcRec, 132);
    info.writeBigUInt64LE(addressOf(funcInfo), 136);
    info.writeUInt32LE(nrFunc, 144);
    info.writeUInt32LE(nrLine, 148);
    info.writeBigUInt64LE(addressOf(lineInfo), 152);
    info.writeUInt32LE(lineRec, 172);
    getInfo(fd, info);

    const btf = programBtf(btfId);
    const str = (off: number) => {
      try {
        return btf?.string(off) ?? "";
      } catch {
        return "";
      }
    };
    const lines: SourceLine[] = [];
    for (let i = 0; i < nrLine; i++) {
      const o = i * lineRec;
      const lineCol = lineInfo.readUInt32LE(o + 12);
      lines.push({
        insn: lineInfo.readUInt32LE(o),
        file: str(lineInfo.readUInt32LE(o + 4)),
        text: str(lineInfo.readUInt32LE(o + 8)),
        line: lineCol >>> 10,
        col: lineCol & 0x3ff,
      });
    }
    const funcs = Array.from({ length: nrFunc }, (_, i) => ({
      insnOff: funcInfo.readUInt32LE(i * funcRec),
      typeId: funcInfo.readUInt32LE(i * funcRec + 4),
    }));

    // Map loads: the kernel reports ld_imm64 of maps with the map's id in imm (and the value offset in the next imm).
    const references: LoadReference[] = [];
    const names = new Map<number, string>();
    for (let i = 0; i + 1 < xlatedLen / 8; i++) {
      if (insns[i * 8] !== 0x18) continue;
      const src = insns[i * 8 + 1]! >> 4;
      const id = insns.readUInt32LE(i * 8 + 4);
      if (src === 1 || src === 2) {
        if (!names.has(id)) names.set(id, mapName(id));
        references.push(
          src === 1
            ? { insn: i, kind: "map", map: names.get(id)! }
            : { insn: i, kind: "value", section: names.get(id)!, offset: insns.readUInt32LE(i * 8 + 12) },
        );
      }
      i++;
    }
    return {
      name,
      insns: Uint8Array.from(insns),
      lineInfo: lines,
      functions: functionNames(name, funcs, btf),
      references,
      helperName: kernelHelperName,
    };
  } finally {
    closeFd(fd);
  }
}
