/**
 * Kernel state two helpers depend on that a map's bytes do not show: the bpf_timer objects in map
 * values (user space reads a timer field as zeros) and the network devices bpf_check_mtu asks about.
 */
import { readdirSync, readFileSync } from "node:fs";

/** One bpf_timer as the kernel keeps it behind the map value's field. */
export interface TimerState {
  /** bpf_timer_set_callback was called (and no bpf_timer_cancel since, which drops the callback). */
  callback: bigint | undefined;
  /** When the started timer expires (CLOCK_MONOTONIC ns); undefined: not started or cancelled. */
  expires: bigint | undefined;
}

/** Timers per map, by entry key (hex) and offset of the field in the value; they live as long as the trace's map. */
const timers = new WeakMap<object, Map<string, TimerState>>();

export function timerState(map: object, key: Uint8Array, offset: number): TimerState | undefined {
  return timers.get(map)?.get(`${Buffer.from(key).toString("hex")}+${offset}`);
}

export function initTimer(map: object, key: Uint8Array, offset: number): TimerState {
  let byKey = timers.get(map);
  if (!byKey) timers.set(map, (byKey = new Map()));
  const state: TimerState = { callback: undefined, expires: undefined };
  byKey.set(`${Buffer.from(key).toString("hex")}+${offset}`, state);
  return state;
}

/** An entry's value was replaced or deleted: the kernel frees its timers (bpf_obj_free_fields). */
export function dropTimers(map: object, key: Uint8Array): void {
  const byKey = timers.get(map);
  const prefix = `${Buffer.from(key).toString("hex")}+`;
  for (const k of byKey?.keys() ?? []) if (k.startsWith(prefix)) byKey!.delete(k);
}

/** What bpf_check_mtu reads of a device: its MTU and its link-layer header length. */
export interface Device {
  name: string;
  mtu: number;
  /** dev->hard_header_len; undefined when sysfs does not tell it (not Ethernet or loopback). */
  hardHeaderLen: number | undefined;
}

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const ETH_HLEN = 14;

/**
 * The device with `ifindex` in the tracer's network namespace, read from /sys/class/net; 0 is the
 * device a BPF_PROG_TEST_RUN frame comes in on, the namespace's loopback.
 */
export function deviceByIfindex(ifindex: number): Device | undefined {
  const base = "/sys/class/net";
  try {
    for (const name of readdirSync(base)) {
      const read = (f: string) => Number(readFileSync(`${base}/${name}/${f}`, "latin1").trim());
      const type = read("type");
      if (ifindex === 0 ? type !== ARPHRD_LOOPBACK : read("ifindex") !== ifindex) continue;
      const ethernetHeader = type === ARPHRD_ETHER || type === ARPHRD_LOOPBACK;
      return { name, mtu: read("mtu"), hardHeaderLen: ethernetHeader ? ETH_HLEN : undefined };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
