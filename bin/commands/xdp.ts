// tsbpf attach | detach: XDP programs (and, with --tcx, tc programs) on interfaces through pinned
// BPF links.
import fs from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import {
  attachTcx,
  attachXdp,
  linkInfo,
  listXdpLinks,
  openPinnedLink,
  TcxLink,
  XdpLink,
  type TcxDirection,
  type XdpMode,
} from "../../runtime/link/index.ts";
import { ProgType, progTypeName } from "../../runtime/program/types.ts";
import { programInfo } from "../../runtime/program/info.ts";
import { BpfMap } from "../../runtime/maps/map.ts";
import type { BpfObject } from "../../runtime/object/index.ts";
import {
  BpfCmd,
  bpfObjectKind,
  closeFd,
  fdById,
  getPinnedObject,
  ifNameToIndex,
  inNetns,
  SyscallError,
} from "../../runtime/sys/index.ts";
import { action, CliError, EXIT, loadObjectFile, toJson } from "./common.ts";
import { bpffsMounts, ensurePinDir, isOnBpffs, pinObjectTo, xdpAttachments } from "./prog.ts";
import { describeLocation, locateXdp } from "./xdp-devices.ts";

/** Where `attach` pins a link when no --pin is given. */
export const DEFAULT_LINK_DIR = "/sys/fs/bpf/tsbpf";
/** `xdp-<if>`, or `tcx-ingress-<if>` / `tcx-egress-<if>`, with the namespace before the interface. */
export const defaultLinkPin = (ifname: string, netns?: string, tcx?: TcxDirection) => {
  const hook = tcx ? `tcx-${tcx}` : "xdp";
  return path.join(DEFAULT_LINK_DIR, netns ? `${hook}-${netns}-${ifname}` : `${hook}-${ifname}`);
};

function attachWithMode(
  progFd: number,
  ifname: string,
  mode: XdpMode,
): { link: XdpLink; mode: "native" | "generic" | "auto"; note?: string } {
  if (mode === "native") {
    try {
      return { link: attachXdp(progFd, ifname, { mode }), mode };
    } catch (e) {
      if (e instanceof SyscallError && (e.code === "EOPNOTSUPP" || e.code === "ENOTSUPP")) {
        throw new CliError(
          `the driver of ${ifname} does not support native XDP (${e.code}); use --mode generic, or --mode auto to fall back`,
          EXIT.UNSUPPORTED,
        );
      }
      throw e;
    }
  }
  if (mode === "generic") return { link: attachXdp(progFd, ifname, { mode }), mode };
  // auto: native if the driver can, else generic — and say which.
  try {
    return { link: attachXdp(progFd, ifname, { mode: "native" }), mode: "native" };
  } catch (e) {
    if (!(e instanceof SyscallError) || !["EOPNOTSUPP", "ENOTSUPP", "EINVAL"].includes(e.code)) throw e;
    const link = attachXdp(progFd, ifname, { mode: "generic" });
    return { link, mode: "generic", note: `native XDP refused on ${ifname} (${e.code}); fell back to generic mode` };
  }
}

interface AttachTarget {
  fd: number;
  name: string;
  obj?: BpfObject;
  close(): void;
}

/** The kind of program a hook takes: XDP, or tc (SCHED_CLS) for a tcx link. */
interface ProgKind {
  type: number;
  name: string;
}
const XDP_KIND: ProgKind = { type: ProgType.XDP, name: "XDP" };
const TC_KIND: ProgKind = { type: ProgType.SCHED_CLS, name: "tc" };

/** The program to attach: from an object file (loaded now), or already loaded and pinned in bpffs. */
async function openAttachTarget(
  file: string,
  opts: { prog?: string; pinMaps?: string },
  kind: ProgKind,
): Promise<AttachTarget> {
  if (isOnBpffs(file)) {
    if (opts.prog || opts.pinMaps)
      throw new CliError(`--prog and --pin-maps are for object files; ${file} is a pinned program`);
    if (!fs.existsSync(file)) throw new CliError(`${file}: no such pinned program`, EXIT.NOT_FOUND);
    const fd = getPinnedObject(file);
    try {
      const info = programInfo(fd);
      if (info.type !== kind.type)
        throw new CliError(`${file} is a ${progTypeName(info.type).toLowerCase()} program, not ${kind.name}`);
      return { fd, name: info.name, close: () => closeFd(fd) };
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }
  const obj = await loadObjectFile(file, opts.prog ? { programs: [opts.prog] } : {});
  const progs = [...obj.programs.values()].filter((p) => p.type === kind.type);
  const fail = (message: string) => {
    obj.close();
    return new CliError(message);
  };
  if (opts.prog && progs[0]?.name !== opts.prog) throw fail(`program "${opts.prog}" is not a ${kind.name} program`);
  if (progs.length !== 1)
    throw fail(
      `${file} has ${progs.length} ${kind.name} programs (${progs.map((p) => p.name).join(", ") || "none"}): choose one with --prog NAME`,
    );
  return { fd: progs[0]!.fd, name: progs[0]!.name, obj, close: () => obj.close() };
}

function mapNameById(id: number): string {
  try {
    const m = BpfMap.fromId(id);
    const name = m.name;
    m.close();
    return name;
  } catch {
    return "?";
  }
}

export function attachCommand(): Command {
  return new Command("attach")
    .description(
      "attach an XDP program (or with --tcx a tc program) to an interface through a BPF link, pinned so it stays after tsbpf exits",
    )
    .argument("<object>", "BPF ELF object (.o), or a program pinned in bpffs (e.g. by tsbpf load --pin)")
    .requiredOption("--dev <interface>", "network interface (in this network namespace, or in --netns)")
    .option("--netns <name>", "network namespace of the interface (as in `ip netns`)")
    .option("--prog <name>", "program to attach (needed when the object has several XDP programs)")
    .addOption(
      new Option("--mode <mode>", "native (driver), generic (skb), or auto: native, falling back to generic")
        .choices(["native", "generic", "auto"])
        .default("auto"),
    )
    .addOption(
      new Option(
        "--tcx <direction>",
        "attach a tc program to the interface's ingress or egress through a tcx link instead (--mode does not apply)",
      ).choices(["ingress", "egress"]),
    )
    .option(
      "--pin <path>",
      `bpffs path for the link (default ${DEFAULT_LINK_DIR}/xdp-<interface>, or tcx-<direction>-<interface>)`,
    )
    .option(
      "--pin-maps <dir>",
      "also pin the object's programs and maps under this bpffs directory (read them with tsbpf map dump DIR/NAME)",
    )
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      "\nDetach with: tsbpf detach --dev IF  (or --pin PATH). Maps stay reachable by id (tsbpf map dump id N).\n\nExit codes: 0 ok, 2 usage, 4 verifier rejected, 5 no privilege, 6 no such interface,\n8 something already attached (or the pin exists), 9 mode not supported by the driver.",
    )
    .action(
      action(
        async (
          file: string,
          opts: {
            dev: string;
            netns?: string;
            prog?: string;
            mode: XdpMode;
            pin?: string;
            pinMaps?: string;
            tcx?: TcxDirection;
            json?: boolean;
          },
        ) => {
          // Interface names and indexes belong to a network namespace: resolve and attach in it.
          const ifindex = inNetns(opts.netns, () => ifNameToIndex(opts.dev)); // a missing interface fails before anything is loaded
          const pinPath = opts.pin ?? defaultLinkPin(opts.dev, opts.netns, opts.tcx);
          ensurePinDir(path.dirname(pinPath));
          if (fs.existsSync(pinPath))
            throw new CliError(
              `${pinPath} already exists (a link pinned by an earlier attach?); detach it first (tsbpf detach --pin ${pinPath}) or choose --pin`,
              EXIT.BUSY,
            );
          if (opts.pinMaps) ensurePinDir(opts.pinMaps);
          const target = await openAttachTarget(file, opts, opts.tcx ? TC_KIND : XDP_KIND);
          try {
            const tcx = opts.tcx;
            const { link, mode, note } = inNetns(opts.netns, () =>
              tcx
                ? { link: attachTcx(target.fd, opts.dev, tcx), mode: `tcx ${tcx}`, note: undefined }
                : attachWithMode(target.fd, opts.dev, opts.mode),
            );
            try {
              link.pin(pinPath);
            } catch (e) {
              link.close(); // not pinned: closing the only reference detaches
              throw e;
            }
            const info = linkInfo(link.fd);
            link.close(); // the pin keeps it attached
            const progInfo = programInfo(target.fd);
            const pins = target.obj && opts.pinMaps ? pinObjectTo(target.obj, opts.pinMaps) : undefined;
            const maps = target.obj
              ? [...target.obj.maps].map(([name, m]) => ({
                  name,
                  id: m.id,
                  ...(pins?.get(`map:${name}`) ? { pinned: pins.get(`map:${name}`) } : {}),
                }))
              : progInfo.mapIds.map((id) => ({ name: mapNameById(id), id }));
            const result = {
              interface: opts.dev,
              ...(opts.netns ? { netns: opts.netns } : {}),
              ifindex,
              mode,
              link_id: info.id,
              link_pin: pinPath,
              prog_id: progInfo.id,
              prog: target.name,
              maps,
              ...(note ? { note } : {}),
            };
            if (opts.json) return void console.log(toJson(result, 2));
            if (note) console.log(`note: ${note}`);
            console.log(
              `attached ${target.name} (prog id ${progInfo.id}) to ${opts.dev}${opts.netns ? ` in ${opts.netns}` : ""} (ifindex ${ifindex}) ${opts.tcx ? `on ${opts.tcx} through a tcx link` : `in ${mode} mode`}`,
            );
            console.log(`link id ${info.id}, pinned at ${pinPath}`);
            if (maps.length)
              console.log(
                `maps: ${maps.map((m) => `${m.name} (id ${m.id}${"pinned" in m ? `, ${m.pinned}` : ""})`).join(", ")}`,
              );
          } finally {
            target.close();
          }
        },
      ),
    );
}

/** Files in bpffs (depth-limited) that hold XDP link `linkId`. */
function findLinkPins(linkId: number): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) {
        let fd = -1;
        try {
          fd = getPinnedObject(p);
          if (bpfObjectKind(fd) === "link" && linkInfo(fd).id === linkId) found.push(p);
        } catch {
          // not ours to read, or not a BPF object
        } finally {
          if (fd >= 0) closeFd(fd);
        }
      }
    }
  };
  for (const m of bpffsMounts()) walk(m, 0);
  return found;
}

export function detachCommand(): Command {
  return new Command("detach")
    .description(
      "detach the XDP program from an interface (its BPF link), or the link pinned at --pin (XDP or tcx), and remove the pin",
    )
    .option("--dev <interface>", "interface to detach from")
    .option(
      "--netns <name>",
      "with --dev: the interface is in this network namespace (detaches the link tsbpf attach --netns pinned)",
    )
    .option("--pin <path>", "pinned link to detach, XDP or tcx (as printed by tsbpf attach)")
    .option("-j, --json", "machine-readable output")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 2 usage, 5 no privilege, 6 no such interface / nothing attached / no such pin.",
    )
    .action(
      action((opts: { dev?: string; netns?: string; pin?: string; json?: boolean }) => {
        if (!opts.dev === !opts.pin)
          throw new CliError("say what to detach: --dev INTERFACE or --pin PATH (one of them)");
        // Link info carries an ifindex but no namespace, and indexes repeat across namespaces:
        // in another namespace, the link is found by the pin `attach --netns` made.
        if (opts.netns) {
          if (!opts.dev) throw new CliError("--netns goes with --dev");
          opts = { ...opts, pin: defaultLinkPin(opts.dev, opts.netns) };
          if (!fs.existsSync(opts.pin!))
            throw new CliError(
              `no link pinned at ${opts.pin} (attached with tsbpf attach --netns ${opts.netns}?)`,
              EXIT.NOT_FOUND,
            );
        }
        const detached: Array<{
          link_id: number;
          prog_id: number;
          ifindex: number;
          /** Where it was, for --pin (whose link may be in another network namespace). */
          where?: string;
          unpinned: string[];
        }> = [];
        if (opts.pin) {
          if (!fs.existsSync(opts.pin)) throw new CliError(`${opts.pin}: no such pinned link`, EXIT.NOT_FOUND);
          const link = openPinnedLink(opts.pin);
          const info = link.info();
          const where = opts.dev
            ? `${opts.dev}${opts.netns ? ` in ${opts.netns}` : ""}`
            : link instanceof TcxLink
              ? `ifindex ${info.ifindex} (tcx ${link.direction})`
              : describeLocation(info.ifindex, locateXdp(info.progId, info.ifindex));
          if (info.ifindex === 0) {
            // Already detached (e.g. the interface went away): only the pin is left.
            link.close();
            fs.rmSync(opts.pin, { force: true });
          } else link.detach(); // also removes the pin
          detached.push({ link_id: info.id, prog_id: info.progId, ifindex: info.ifindex, where, unpinned: [opts.pin] });
        } else {
          const ifindex = ifNameToIndex(opts.dev!);
          const links = listXdpLinks(ifindex);
          if (links.length === 0) {
            const other = [...xdpAttachments().values()]
              .flat()
              .find((a) => a.ifindex === ifindex && a.netns === undefined);
            if (other)
              throw new CliError(
                `the XDP program on ${opts.dev} is attached without a BPF link (netlink); remove it with: ip link set dev ${opts.dev} xdp off`,
                EXIT.NOT_FOUND,
              );
            throw new CliError(`nothing is attached to ${opts.dev}`, EXIT.NOT_FOUND);
          }
          for (const l of links) {
            const pins = findLinkPins(l.id);
            const link = new XdpLink(fdById(BpfCmd.LINK_GET_FD_BY_ID, l.id), l.ifindex);
            link.detach();
            for (const p of pins) fs.rmSync(p, { force: true });
            detached.push({ link_id: l.id, prog_id: l.progId, ifindex: l.ifindex, unpinned: pins });
          }
        }
        if (opts.json) return void console.log(toJson(detached, 2));
        for (const d of detached) {
          console.log(
            `detached link ${d.link_id} (prog id ${d.prog_id}) from ${d.where ?? opts.dev}${d.unpinned.length ? `; removed ${d.unpinned.join(", ")}` : ""}`,
          );
        }
      }),
    );
}

export function xdpCommands(): Command[] {
  return [attachCommand(), detachCommand()];
}
