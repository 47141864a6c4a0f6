// Flow state's idle timeouts (docs/lb-state.md): how long a conntrack entry in a given state
// lives, from the `config` map or the defaults. Used by lb/lb.ts and lb/icmp.ts.
import { type bool, i64, type u8, u64 } from "tsbpf";
import { IPPROTO_UDP } from "tsbpf/net";
import {
  config,
  CT_CLOSING,
  CT_ESTABLISHED,
  DEFAULT_TCP_CLOSING_S,
  DEFAULT_TCP_ESTABLISHED_S,
  DEFAULT_TCP_NEW_S,
  DEFAULT_UDP_S,
} from "./maps.ts";

const NS_PER_S = 1000000000n;

/** Whether an entry last seen at `seen` has outlived `timeout` at `now` (pass `timeoutOf(…)`
 *  first, see there). The age is compared signed: another CPU can refresh an entry between this
 *  packet's clock read and its look-up (a flow's two directions arrive on different CPUs: RSS
 *  queues, generic XDP), and `now - seen` is then negative — unsigned, an age of centuries, which
 *  took the fresh entry for an expired one and deleted it. Clocks and timeouts stay far below
 *  2^63 ns. */
export function outlived(timeout: u64, now: u64, seen: u64): bool {
  return i64(now - seen) > i64(timeout);
}

/** The idle timeout of an entry in `state` (configuration, or the default). Callers compare
 *  it with the entry's age written after it (`outlived(timeoutOf(…), now, seen)`): JavaScript evaluates
 *  left to right, and an age computed before the `config` look-up is held across the call
 *  (a spill, and more states for the verifier); the C twin's compiler reads it after. */
export function timeoutOf(proto: u8, state: u8): u64 {
  const t = config.lookup(0);
  let ns: u64 = 0n;
  if (t !== null) {
    if (proto === IPPROTO_UDP) ns = t.udp;
    else if (state === CT_ESTABLISHED) ns = t.tcpEstablished;
    else if (state === CT_CLOSING) ns = t.tcpClosing;
    else ns = t.tcpNew;
  }
  if (ns !== 0n) return ns;
  if (proto === IPPROTO_UDP) return u64(DEFAULT_UDP_S) * NS_PER_S;
  if (state === CT_ESTABLISHED) return u64(DEFAULT_TCP_ESTABLISHED_S) * NS_PER_S;
  if (state === CT_CLOSING) return u64(DEFAULT_TCP_CLOSING_S) * NS_PER_S;
  return u64(DEFAULT_TCP_NEW_S) * NS_PER_S;
}
