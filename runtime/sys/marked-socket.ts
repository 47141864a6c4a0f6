/**
 * A TCP or UDP socket whose packets carry a firewall mark (SO_MARK), for Node's own socket
 * classes: Node cannot set SO_MARK, so the socket is created here and handed over by its
 * descriptor — `new net.Socket({ fd })` then `connect()`, or `dgram.Socket.bind({ fd })`.
 * The kernel copies the mark into every packet the socket sends (tc programs read it as
 * skb->mark, routing rules and netfilter match it). Needs CAP_NET_ADMIN.
 */
import { isIPv4, isIPv6 } from "node:net";
import { TsbpfError } from "../errors.ts";
import { SyscallError } from "./bpf.ts";
import { closeFd } from "./fd.ts";
import { lastErrno, rawBind, rawSetsockopt, rawSocket } from "./libc.ts";

const AF_INET = 2,
  AF_INET6 = 10,
  SOCK_STREAM = 1,
  SOCK_DGRAM = 2,
  SOCK_NONBLOCK = 0o4000,
  SOCK_CLOEXEC = 0o2000000,
  SOL_SOCKET = 1,
  SO_MARK = 36;

export interface MarkedSocketOptions {
  /** 4: AF_INET, 6: AF_INET6. */
  family: 4 | 6;
  type: "tcp" | "udp";
  /** The mark, 1..2³²-1. */
  mark: number;
  /** A local address to bind (port 0: the kernel picks the port at connect); default none. */
  bindAddress?: string;
}

/** A new non-blocking socket with SO_MARK set (and bound, if asked); returns its descriptor,
 *  which the caller hands to a Node socket (that then owns and closes it). */
export function openMarkedSocket(options: MarkedSocketOptions): number {
  const { family, type, mark, bindAddress } = options;
  if (!Number.isInteger(mark) || mark < 1 || mark > 0xffffffff)
    throw new TsbpfError(`a socket mark is an integer 1..4294967295, not ${mark}`);
  if (bindAddress !== undefined && !(family === 4 ? isIPv4(bindAddress) : isIPv6(bindAddress)))
    throw new TsbpfError(`${bindAddress} is not an IPv${family} address`);
  const fd = rawSocket(
    family === 4 ? AF_INET : AF_INET6,
    (type === "tcp" ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
    0,
  );
  if (fd < 0) throw new SyscallError(`socket(${type}, IPv${family})`, lastErrno());
  try {
    const value = Buffer.alloc(4);
    value.writeUInt32LE(mark);
    if (rawSetsockopt(fd, SOL_SOCKET, SO_MARK, value, 4) !== 0)
      throw new SyscallError(`setsockopt(SO_MARK ${mark}) (needs CAP_NET_ADMIN)`, lastErrno());
    if (bindAddress !== undefined) {
      const addr = sockaddr(family, bindAddress);
      if (rawBind(fd, addr, addr.length) !== 0) throw new SyscallError(`bind(${bindAddress})`, lastErrno());
    }
    return fd;
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

/** struct sockaddr_in / sockaddr_in6 for `addr`, port 0. */
function sockaddr(family: 4 | 6, addr: string): Buffer {
  if (family === 4) {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    addr.split(".").forEach((x, i) => b.writeUInt8(Number(x), 4 + i));
    return b;
  }
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  ipv6Bytes(addr).copy(b, 8);
  return b;
}

function ipv6Bytes(addr: string): Buffer {
  if (addr.includes("."))
    throw new TsbpfError(`bind to ${addr}: an IPv6 address with an embedded IPv4 one is not supported`);
  const [head = "", tail] = addr.split("::");
  const words = (s: string) => (s ? s.split(":") : []);
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const b = Buffer.alloc(16);
  all.forEach((w, i) => b.writeUInt16BE(Number.parseInt(w, 16), i * 2));
  return b;
}
