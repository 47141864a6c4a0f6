// SPDX-License-Identifier: MIT
/*
 * bench/lb.c — the C twin of the tsbpf XDP load balancer (lb/lb.ts).
 *
 * Same maps, same per-packet behaviour (/work/shared/LB_ABI.md), written the
 * way a libbpf user would, so that clang-14 -O2 sets the bar the TS compiler's
 * output is benchmarked against.
 *
 *   clang-14 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu \
 *            -c bench/lb.c -o bpf-out/lb_c.o
 *
 * Maps of the ABI: vips, backends, maglev, stats (layouts in LB_ABI.md).
 * Maps of this implementation (also in docs/lb-state.md; lb/lb.ts uses the
 * identical layouts). Addresses and ports in network byte order, as in the
 * packet; other integers host order; no implicit padding.
 *
 *   conntrack  LRU_HASH, 65536 entries. One entry per forward flow.
 *     key   struct ct_key   (16 B) { saddr u32 @0, daddr u32 @4, sport u16 @8,
 *                                    dport u16 @10, proto u8 @12, pad u8[3] @13 }
 *           the packet's 5-tuple: client addr/port -> VIP addr/port; pad = 0.
 *     value struct ct_value (24 B) { backend u32 @0, backend_addr u32 @4,
 *                                    seen u64 @8, state u8 @16, pad u8[7] @17 }
 *           backend id 0..1023 and the address it had when the flow was recorded
 *           (the flow is live only while backends[id] still has it), ktime of the
 *           flow's last packet, TCP state (CT_NEW, CT_ESTABLISHED, CT_CLOSING).
 *
 *   rnat       LRU_HASH, 131072 entries. One entry per forward flow, written
 *              together with its conntrack entry; matched by backend replies.
 *     key   struct rnat_key (16 B) { client_addr u32 @0, backend_addr u32 @4,
 *                                    client_port u16 @8, vip_port u16 @10,
 *                                    proto u8 @12, pad u8[3] @13 }
 *           a reply (backend:vip_port -> client:client_port) looks up
 *           { daddr, saddr, dport, sport, proto }; pad = 0.
 *     value struct rnat_value (12 B) { vip_addr u32 @0, client_mac u8[6] @4,
 *                                      backend u16 @10 }
 *           the VIP the client talked to, the client's MAC as seen as the
 *           Ethernet source of its forward packets, and the backend id.
 *
 *   config     ARRAY, 1 entry: struct timeouts (32 B) { tcp_new u64 @0,
 *              tcp_established u64 @8, tcp_closing u64 @16, udp u64 @24 }, idle
 *              timeouts in ns; 0 = the default.
 *
 *   encap      ARRAY, 1 entry: struct encap_config (4 B) { saddr u32 @0 }, the
 *              outer source of encapsulated packets (docs/lb-abi.md, "Encapsulation
 *              mode"); 0 = not configured.
 *
 * Each packet of a tracked flow, in either direction, touches both entries and
 * restores the other one if the LRU took it (docs/lb-state.md).
 *
 * IPv6 (docs/lb-abi.md, "IPv6"): the same model in maps of their own, IPv6 addresses as
 * 16 bytes in network order (struct in6_addr):
 *   vips6      HASH 64        key struct vip6_key (20 B) { addr @0, port @16, proto @18, pad @19 }
 *                             value struct vip_info (as vips)
 *   backends6  ARRAY 1024     value struct backend6 (24 B) { addr @0, mac u8[6] @16, pad u16 @22 }
 *   conntrack6 LRU_HASH 65536 key struct ct6_key (40 B) { saddr @0, daddr @16, sport @32,
 *                             dport @34, proto @36, pad u8[3] @37 }; value struct ct6_value
 *                             (32 B) { backend u32 @0, state u8 @4, pad u8[3] @5, seen u64 @8,
 *                             backend_addr @16 }
 *   rnat6      LRU_HASH 131072 key struct rnat6_key (40 B) { client_addr @0, backend_addr @16,
 *                             client_port @32, vip_port @34, proto @36, pad u8[3] @37 };
 *                             value struct rnat6_value (24 B) { vip_addr @0, client_mac @16,
 *                             backend u16 @22 }
 *   encap6     ARRAY 1        struct encap6_config (16 B) { saddr @0 }; :: = not configured.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * -DLB_FRAGS builds the multi-buffer twin (section xdp.frags), for links whose MTU is above a
 * page: a frame may then be a first buffer and fragments, and the frame's length is
 * bpf_xdp_get_buff_len()'s, as lb.ts's ctx.frameLen is in its frags build. Otherwise every
 * frame is one buffer and FRAME_LEN is the `data_end - data` it is given.
 */
#ifdef LB_FRAGS
#define LB_SECTION "xdp.frags"
#define FRAME_LEN(ctx, linear) bpf_xdp_get_buff_len(ctx)
#else
#define LB_SECTION "xdp"
#define FRAME_LEN(ctx, linear) (linear)
#endif

#define MAGLEV_M 65537
#define MAX_VIPS 16
#define MAX_BACKENDS 1024
#define FLOW_ENTRIES 65536

#define CT_NEW 0
#define CT_ESTABLISHED 1
#define CT_CLOSING 2
#define NS_PER_S 1000000000ULL
#define DEFAULT_TCP_NEW_S 30
#define DEFAULT_TCP_ESTABLISHED_S 3600
#define DEFAULT_TCP_CLOSING_S 10
#define DEFAULT_UDP_S 300

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

/* vip_info.flags: the VIP is served by IP-in-IP encapsulation (docs/lb-abi.md). */
#define VIP_F_ENCAP 1
#define ENCAP_TTL 64
/* IPv6: extension headers (hop-by-hop, destination options) skipped before TCP/UDP. */
#define MAX_EXT_HEADERS 4

/* ---- ABI maps (LB_ABI.md) ---- */

struct vip_key {
	__u32 addr;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct vip_info {
	__u32 index;
	__u32 flags;
};

struct backend {
	__u32 addr;
	__u8 mac[6];
	__u16 pad;
};

struct vip_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct vip_key);
	__type(value, struct vip_info);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAGLEV_M * MAX_VIPS);
	__type(key, __u32);
	__type(value, __u32);
} maglev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_VIPS);
	__type(key, __u32);
	__type(value, struct vip_stats);
} stats SEC(".maps");

/* ---- Implementation state (layouts documented above) ---- */

struct ct_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct ct_value {
	__u32 backend;
	__u32 backend_addr;
	__u64 seen;
	__u8 state;
	__u8 pad[7];
};

struct rnat_key {
	__u32 client_addr;
	__u32 backend_addr;
	__u16 client_port;
	__u16 vip_port;
	__u8 proto;
	__u8 pad[3];
};

struct rnat_value {
	__u32 vip_addr;
	__u8 client_mac[6];
	__u16 backend;
};

struct timeouts {
	__u64 tcp_new;
	__u64 tcp_established;
	__u64 tcp_closing;
	__u64 udp;
};

struct encap_config {
	__u32 saddr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_ENTRIES);
	__type(key, struct ct_key);
	__type(value, struct ct_value);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * FLOW_ENTRIES);
	__type(key, struct rnat_key);
	__type(value, struct rnat_value);
} rnat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct timeouts);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct encap_config);
} encap SEC(".maps");

/* ---- IPv6 maps (layouts above; docs/lb-abi.md, "IPv6") ---- */

struct addr6 {
	__u32 w[4];
};

struct vip6_key {
	struct addr6 addr;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct backend6 {
	struct addr6 addr;
	__u8 mac[6];
	__u16 pad;
};

struct ct6_key {
	struct addr6 saddr;
	struct addr6 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct ct6_value {
	__u32 backend;
	__u8 state;
	__u8 pad[3];
	__u64 seen;
	struct addr6 backend_addr;
};

struct rnat6_key {
	struct addr6 client_addr;
	struct addr6 backend_addr;
	__u16 client_port;
	__u16 vip_port;
	__u8 proto;
	__u8 pad[3];
};

struct rnat6_value {
	struct addr6 vip_addr;
	__u8 client_mac[6];
	__u16 backend;
};

struct encap6_config {
	struct addr6 saddr;
};

/* The IPv6 header with word-addressable addresses. */
struct ip6w {
	__u32 ver_tc_flow;
	__u16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	struct addr6 saddr;
	struct addr6 daddr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct vip6_key);
	__type(value, struct vip_info);
} vips6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend6);
} backends6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_ENTRIES);
	__type(key, struct ct6_key);
	__type(value, struct ct6_value);
} conntrack6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2 * FLOW_ENTRIES);
	__type(key, struct rnat6_key);
	__type(value, struct rnat6_value);
} rnat6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct encap6_config);
} encap6 SEC(".maps");

/* ---- ICMP (docs/lb-abi.md, "ICMP"; lb/icmp.ts) ---- */

/* vip_info.flags: on a vips/vips6 entry with proto ICMP/ICMPv6 and port 0, echo requests to
 * that address are answered; on a TCP/UDP VIP, "too big" errors about its flows go to their
 * backends and (encapsulation) packets too big for the backends' link are answered. */
#define VIP_F_ECHO 2
#define VIP_F_PMTU 4
#define REPLY_TTL 64
#define QUOTE4 84
#define QUOTE6 248

/* pmtu: ARRAY, 1 entry { mtu u32 }: the backends' link MTU; 0 = not configured. */
struct pmtu_config {
	__u32 mtu;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pmtu_config);
} pmtu SEC(".maps");

/* icmpStats: PERCPU_ARRAY, key 0 IPv4, 1 IPv6: what the ICMP paths did. */
struct icmp_stats {
	__u64 echo_replies;
	__u64 too_big_forwarded;
	__u64 too_big_sent;
	__u64 too_big_dropped;
};

#define ICMP_STATS_V4 0
#define ICMP_STATS_V6 1

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct icmp_stats);
} icmpStats SEC(".maps");

/* ICMP or ICMPv6 header: the last 4 bytes are the echo id/sequence, or unused + next-hop MTU
 * ("fragmentation needed"), or the MTU (ICMPv6 "packet too big"). */
struct icmp_hdr {
	__u8 type;
	__u8 code;
	__u16 check;
	__u32 rest;
};

/* The first 18 bytes of a TCP header: as far as its checksum. */
struct quoted_tcp {
	__u16 source;
	__u16 dest;
	__u32 seq;
	__u32 ack;
	__u16 off_flags;
	__u16 window;
	__u16 check;
};

/* ---- Connection state (docs/lb-state.md) ---- */

/* Whether an entry last seen at `seen` has outlived `timeout` at `now`, the age compared
 * signed: another CPU can refresh an entry between this packet's clock read and its look-up
 * (a flow's two directions on different CPUs), and now - seen is then negative, which unsigned
 * took the fresh entry for an expired one. */
static __always_inline int outlived(__u64 timeout, __u64 now, __u64 seen)
{
	return (__s64)(now - seen) > (__s64)timeout;
}

static __always_inline __u64 timeout_of(__u8 proto, __u8 state)
{
	__u32 zero = 0;
	struct timeouts *t = bpf_map_lookup_elem(&config, &zero);
	__u64 ns = 0;

	if (t) {
		if (proto == IPPROTO_UDP)
			ns = t->udp;
		else if (state == CT_ESTABLISHED)
			ns = t->tcp_established;
		else if (state == CT_CLOSING)
			ns = t->tcp_closing;
		else
			ns = t->tcp_new;
	}
	if (ns)
		return ns;
	if (proto == IPPROTO_UDP)
		return DEFAULT_UDP_S * NS_PER_S;
	if (state == CT_ESTABLISHED)
		return DEFAULT_TCP_ESTABLISHED_S * NS_PER_S;
	if (state == CT_CLOSING)
		return DEFAULT_TCP_CLOSING_S * NS_PER_S;
	return DEFAULT_TCP_NEW_S * NS_PER_S;
}

/* The state after a packet with these TCP flags (0 for UDP); reply: from the backend. */
static __always_inline __u8 next_state(__u8 state, __u8 flags, int reply)
{
	if (flags & (TH_FIN | TH_RST))
		return CT_CLOSING;
	if (!reply && (flags & (TH_SYN | TH_ACK)) == TH_SYN)
		return CT_NEW;	/* a reused source port starts a new connection */
	if (reply && state == CT_NEW)
		return CT_ESTABLISHED;
	return state;
}

/* Encapsulation mode sees only the client's packets: its ACK without SYN (the handshake's
 * third packet) proves the backend answered, as a reply does for DNAT. */
static __always_inline __u8 encap_state(__u8 state, __u8 flags)
{
	return next_state(state, flags, (flags & (TH_SYN | TH_ACK)) == TH_ACK);
}

/* ---- Flow hash: must equal lb/flowhash.ts bit for bit (host-order inputs) ---- */

static __always_inline __u32 rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static __always_inline __u32 flow_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = rotl32(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64;
}

static __always_inline __u32 flow_fmix(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* The IPv6 flow hash (= lb/flowhash.ts flowHash6): the addresses' words, host order, then as IPv4. */
static __always_inline __u32 flow_hash6(const struct ct6_key *k)
{
	__u32 h = 0;

	for (int i = 0; i < 4; i++)
		h = flow_mix(h, bpf_ntohl(k->saddr.w[i]));
	for (int i = 0; i < 4; i++)
		h = flow_mix(h, bpf_ntohl(k->daddr.w[i]));
	h = flow_mix(h, ((__u32)bpf_ntohs(k->sport) << 16) | bpf_ntohs(k->dport));
	h = flow_mix(h, k->proto);
	return flow_fmix(h);
}

static __always_inline __u32 flow_hash(__u32 saddr, __u32 daddr, __u16 sport, __u16 dport, __u8 proto)
{
	__u32 h = 0;

	h = flow_mix(h, saddr);
	h = flow_mix(h, daddr);
	h = flow_mix(h, ((__u32)sport << 16) | dport);
	h = flow_mix(h, proto);
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* ---- RFC 1624 incremental checksum update: HC' = ~(~HC + ~m + m') ----
 * One's-complement sums are byte-order independent, so the 32-bit field is
 * taken as two raw 16-bit words, exactly as they sit in the packet. */

static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from + (__u16)(~from >> 16);
	sum += (__u16)to + (__u16)(to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* A parsed TCP or UDP packet: what the rewrite needs, computed once while
 * the bounds are known (re-reading ip->protocol later would make the
 * verifier forget which header length was checked). */
struct flow {
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 flags;	/* TCP flags; 0 for UDP */
	__u16 *l4check;	/* TCP or UDP checksum field */
	__u64 now;	/* ktime of this packet */
};

/* Rewrite one IPv4 address (dst for forward, src for reverse NAT) and patch
 * the IPv4 and L4 checksums; the L4 checksum covers it via the pseudo-header. */
static __always_inline void rewrite_addr(struct iphdr *ip, __u32 *field, __u32 to, const struct flow *f)
{
	__u32 from = *field;

	*field = to;
	ip->check = csum_replace4(ip->check, from, to);
	if (f->proto == IPPROTO_TCP) {
		*f->l4check = csum_replace4(*f->l4check, from, to);
	} else if (*f->l4check != 0) {
		/* UDP checksum 0 means "none" and stays so; a computed 0 is sent as 0xffff. */
		__u16 c = csum_replace4(*f->l4check, from, to);

		*f->l4check = c ? c : 0xffff;
	}
}

static __always_inline void set_macs(struct ethhdr *eth, const __u8 *dst)
{
	/* Source := the frame's original destination (the LB's own MAC). */
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
}

/* Step 10: a backend's reply to a tracked client leaves as if from the VIP. */
static __always_inline int reverse_nat(struct ethhdr *eth, struct iphdr *ip, const struct flow *f)
{
	struct rnat_key key = {
		.client_addr = ip->daddr,
		.backend_addr = ip->saddr,
		.client_port = f->dport,
		.vip_port = f->sport,
		.proto = f->proto,
	};
	struct rnat_value *r = bpf_map_lookup_elem(&rnat, &key);

	if (!r)
		return XDP_PASS;
	/* The flow's forward entry: restore it if the LRU took it (both entries or
	 * none); if it expired or names another backend, this entry is stale. */
	struct ct_key ck = {
		.saddr = ip->daddr,
		.daddr = r->vip_addr,
		.sport = f->dport,
		.dport = f->sport,
		.proto = f->proto,
	};
	struct ct_value *ct = bpf_map_lookup_elem(&conntrack, &ck);

	if (!ct) {
		struct ct_value cv = {
			.backend = r->backend,
			.backend_addr = ip->saddr,
			.seen = f->now,
			.state = next_state(CT_NEW, f->flags, 1),
		};

		bpf_map_update_elem(&conntrack, &ck, &cv, BPF_ANY);
	} else if (ct->backend_addr != ip->saddr) {
		bpf_map_delete_elem(&rnat, &key);
		return XDP_PASS;
	} else if (outlived(timeout_of(f->proto, ct->state), f->now, ct->seen)) {
		bpf_map_delete_elem(&rnat, &key);
		bpf_map_delete_elem(&conntrack, &ck);
		return XDP_PASS;
	} else {
		ct->state = next_state(ct->state, f->flags, 1);
		ct->seen = f->now;
	}
	set_macs(eth, r->client_mac);
	rewrite_addr(ip, &ip->saddr, r->vip_addr, f);
	return XDP_TX;
}

/* Step 8: the flow's backend, or -1 to drop. Records new flows. */
static __always_inline int pick_backend(struct ethhdr *eth, struct iphdr *ip, const struct flow *f, __u32 index,
					int encap, struct backend **out)
{
	struct ct_key ck = {
		.saddr = ip->saddr,
		.daddr = ip->daddr,
		.sport = f->sport,
		.dport = f->dport,
		.proto = f->proto,
	};
	struct ct_value *ct = bpf_map_lookup_elem(&conntrack, &ck);
	struct backend *be;

	if (ct) {
		__u32 id = ct->backend;
		struct rnat_key rk = {
			.client_addr = ip->saddr,
			.backend_addr = ct->backend_addr,
			.client_port = f->sport,
			.vip_port = f->dport,
			.proto = f->proto,
		};

		be = 0;
		if (!outlived(timeout_of(f->proto, ct->state), f->now, ct->seen))
			be = bpf_map_lookup_elem(&backends, &id);
		if (be && be->addr == ct->backend_addr) {
			ct->state = encap ? encap_state(ct->state, f->flags) : next_state(ct->state, f->flags, 0);
			ct->seen = f->now;
			/* Both entries or none: restore the reverse entry if the LRU took it. */
			if (!encap && !bpf_map_lookup_elem(&rnat, &rk)) {
				struct rnat_value rv = { .vip_addr = ip->daddr, .backend = id };

				__builtin_memcpy(rv.client_mac, eth->h_source, ETH_ALEN);
				bpf_map_update_elem(&rnat, &rk, &rv, BPF_ANY);
			}
			*out = be;
			return 0;
		}
		/* Expired, or its backend is gone: forget both entries; re-hash below. */
		if (!encap)
			bpf_map_delete_elem(&rnat, &rk);
		bpf_map_delete_elem(&conntrack, &ck);
	}

	__u32 slot = flow_hash(bpf_ntohl(ip->saddr), bpf_ntohl(ip->daddr), bpf_ntohs(f->sport),
			       bpf_ntohs(f->dport), f->proto) % MAGLEV_M;
	__u32 mkey = index * MAGLEV_M + slot;
	__u32 *id = bpf_map_lookup_elem(&maglev, &mkey);

	if (!id || *id >= MAX_BACKENDS)
		return -1;
	__u32 bid = *id;

	be = bpf_map_lookup_elem(&backends, &bid);
	if (!be || be->addr == 0)
		return -1;

	/* A RST ends the flow: forward it, but don't start tracking it. */
	if (!(f->flags & TH_RST)) {
		struct ct_value cv = {
			.backend = bid,
			.backend_addr = be->addr,
			.seen = f->now,
			.state = encap ? encap_state(CT_NEW, f->flags) : next_state(CT_NEW, f->flags, 0),
		};
		struct rnat_key rk = {
			.client_addr = ip->saddr,
			.backend_addr = be->addr,
			.client_port = f->sport,
			.vip_port = f->dport,
			.proto = f->proto,
		};
		struct rnat_value rv = { .vip_addr = ip->daddr, .backend = bid };

		__builtin_memcpy(rv.client_mac, eth->h_source, ETH_ALEN);
		if (!encap)
			bpf_map_update_elem(&rnat, &rk, &rv, BPF_ANY);
		bpf_map_update_elem(&conntrack, &ck, &cv, BPF_ANY);
	}
	*out = be;
	return 0;
}

/* E3: the received IPv4 packet, untouched, inside an outer IPv4 header to the backend
 * (docs/lb-abi.md, "Encapsulation mode"). */
static __always_inline int encapsulate(struct xdp_md *ctx, const struct backend *be, __u32 saddr)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *inner = data + sizeof(struct ethhdr);

	if ((void *)(inner + 1) > data_end)
		return XDP_DROP;
	__u8 tos = inner->tos;
	__u16 tot_len = bpf_ntohs(inner->tot_len) + sizeof(struct iphdr);
	__u16 df = bpf_ntohs(inner->frag_off) & 0x4000;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *outer = data + sizeof(struct ethhdr);
	struct ethhdr *old = data + sizeof(struct iphdr);	/* the received Ethernet header */

	if ((void *)(old + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_source, old->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

	/* The header checksum over the values, in network order words (RFC 1071). */
	__u32 s = bpf_ntohl(saddr), d = bpf_ntohl(be->addr);
	__u32 sum = 0x4500 + tos + tot_len + df + ((ENCAP_TTL << 8) | IPPROTO_IPIP) + (s >> 16) + (s & 0xffff) +
		    (d >> 16) + (d & 0xffff);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = tos;
	outer->tot_len = bpf_htons(tot_len);
	outer->id = 0;
	outer->frag_off = bpf_htons(df);
	outer->ttl = ENCAP_TTL;
	outer->protocol = IPPROTO_IPIP;
	outer->check = bpf_htons(~sum & 0xffff);
	outer->saddr = saddr;
	outer->daddr = be->addr;
	return XDP_TX;
}

/* ---- IPv6 (docs/lb-abi.md, "IPv6"): steps V1-V10 ---- */

static __always_inline int same_addr6(const struct addr6 *a, const struct addr6 *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2] && a->w[3] == b->w[3];
}

static __always_inline int zero_addr6(const struct addr6 *a)
{
	return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* An L4 checksum after a 128-bit address change: RFC 1624 per word, chained. */
static __always_inline __u16 csum_replace16(__u16 check, const struct addr6 *from, const struct addr6 *to)
{
	for (int i = 0; i < 4; i++)
		check = csum_replace4(check, from->w[i], to->w[i]);
	return check;
}

/* Rewrite one IPv6 address (daddr forward, saddr reverse) and patch the L4 checksum
 * (IPv6 has no header checksum). UDP checksum 0 stays 0; a computed 0 is sent as 0xffff. */
static __always_inline void rewrite_addr6(struct addr6 *field, const struct addr6 *to, const struct flow *f)
{
	if (f->proto == IPPROTO_TCP) {
		*f->l4check = csum_replace16(*f->l4check, field, to);
	} else if (*f->l4check != 0) {
		__u16 c = csum_replace16(*f->l4check, field, to);

		*f->l4check = c ? c : 0xffff;
	}
	*field = *to;
}

/* V10: a backend's reply to a tracked IPv6 client leaves as if from the VIP. */
static __always_inline int reverse_nat6(struct ethhdr *eth, struct ip6w *ip, const struct flow *f)
{
	struct rnat6_key key = {
		.client_addr = ip->daddr,
		.backend_addr = ip->saddr,
		.client_port = f->dport,
		.vip_port = f->sport,
		.proto = f->proto,
	};
	struct rnat6_value *r = bpf_map_lookup_elem(&rnat6, &key);

	if (!r)
		return XDP_PASS;
	struct ct6_key ck = {
		.saddr = ip->daddr,
		.daddr = r->vip_addr,
		.sport = f->dport,
		.dport = f->sport,
		.proto = f->proto,
	};
	struct ct6_value *ct = bpf_map_lookup_elem(&conntrack6, &ck);

	if (!ct) {
		struct ct6_value cv = {
			.backend = r->backend,
			.state = next_state(CT_NEW, f->flags, 1),
			.seen = f->now,
			.backend_addr = ip->saddr,
		};

		bpf_map_update_elem(&conntrack6, &ck, &cv, BPF_ANY);
	} else if (!same_addr6(&ct->backend_addr, &ip->saddr)) {
		bpf_map_delete_elem(&rnat6, &key);
		return XDP_PASS;
	} else if (outlived(timeout_of(f->proto, ct->state), f->now, ct->seen)) {
		bpf_map_delete_elem(&rnat6, &key);
		bpf_map_delete_elem(&conntrack6, &ck);
		return XDP_PASS;
	} else {
		ct->state = next_state(ct->state, f->flags, 1);
		ct->seen = f->now;
	}
	set_macs(eth, r->client_mac);
	rewrite_addr6(&ip->saddr, &r->vip_addr, f);
	return XDP_TX;
}

/* V8: the IPv6 flow's backend, or NULL to drop. Records new flows. */
static __always_inline struct backend6 *pick_backend6(struct ethhdr *eth, struct ip6w *ip, const struct flow *f,
						      __u32 index, int encap)
{
	struct ct6_key ck = {
		.saddr = ip->saddr,
		.daddr = ip->daddr,
		.sport = f->sport,
		.dport = f->dport,
		.proto = f->proto,
	};
	struct rnat6_key rk = {
		.client_addr = ip->saddr,
		.client_port = f->sport,
		.vip_port = f->dport,
		.proto = f->proto,
	};
	struct ct6_value *ct = bpf_map_lookup_elem(&conntrack6, &ck);
	struct backend6 *be;

	if (ct) {
		__u32 id = ct->backend;

		rk.backend_addr = ct->backend_addr;
		be = 0;
		if (!outlived(timeout_of(f->proto, ct->state), f->now, ct->seen))
			be = bpf_map_lookup_elem(&backends6, &id);
		if (be && same_addr6(&be->addr, &ct->backend_addr)) {
			ct->state = encap ? encap_state(ct->state, f->flags) : next_state(ct->state, f->flags, 0);
			ct->seen = f->now;
			if (!encap && !bpf_map_lookup_elem(&rnat6, &rk)) {
				struct rnat6_value rv = { .vip_addr = ip->daddr, .backend = id };

				__builtin_memcpy(rv.client_mac, eth->h_source, ETH_ALEN);
				bpf_map_update_elem(&rnat6, &rk, &rv, BPF_ANY);
			}
			return be;
		}
		if (!encap)
			bpf_map_delete_elem(&rnat6, &rk);
		bpf_map_delete_elem(&conntrack6, &ck);
	}

	__u32 mkey = index * MAGLEV_M + flow_hash6(&ck) % MAGLEV_M;
	__u32 *id = bpf_map_lookup_elem(&maglev, &mkey);

	if (!id || *id >= MAX_BACKENDS)
		return 0;
	__u32 bid = *id;

	be = bpf_map_lookup_elem(&backends6, &bid);
	if (!be || zero_addr6(&be->addr))
		return 0;
	if (!(f->flags & TH_RST)) {
		struct ct6_value cv = {
			.backend = bid,
			.state = encap ? encap_state(CT_NEW, f->flags) : next_state(CT_NEW, f->flags, 0),
			.seen = f->now,
			.backend_addr = be->addr,
		};

		if (!encap) {
			struct rnat6_value rv = { .vip_addr = ip->daddr, .backend = bid };

			rk.backend_addr = be->addr;
			__builtin_memcpy(rv.client_mac, eth->h_source, ETH_ALEN);
			bpf_map_update_elem(&rnat6, &rk, &rv, BPF_ANY);
		}
		bpf_map_update_elem(&conntrack6, &ck, &cv, BPF_ANY);
	}
	return be;
}

/* VE3: the received IPv6 packet, untouched, inside an outer IPv6 header to the backend. */
static __always_inline int encapsulate6(struct xdp_md *ctx, const struct backend6 *be, const struct addr6 *saddr)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ip6w *inner = data + sizeof(struct ethhdr);

	if ((void *)(inner + 1) > data_end)
		return XDP_DROP;
	__u32 ver_tc_flow = inner->ver_tc_flow;
	__u32 payload_len = bpf_ntohs(inner->payload_len) + sizeof(struct ip6w);

	if (payload_len > 0xffff)
		return XDP_DROP;
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct ip6w)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ip6w *outer = data + sizeof(struct ethhdr);
	struct ethhdr *old = data + sizeof(struct ip6w);	/* the received Ethernet header */

	if ((void *)(old + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_source, old->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	outer->ver_tc_flow = ver_tc_flow;
	outer->payload_len = bpf_htons(payload_len);
	outer->nexthdr = IPPROTO_IPV6;
	outer->hop_limit = ENCAP_TTL;
	outer->saddr = *saddr;
	outer->daddr = be->addr;
	return XDP_TX;
}

/* ---- ICMP (docs/lb-abi.md, "ICMP"; lb/icmp.ts): opt-in by VIP flags ---- */

static __always_inline __u16 csum_replace2(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check + (__u16)~from + to;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* A UDP checksum after a change: 0 ("none") stays 0, a computed 0 is sent as 0xffff. */
static __always_inline __u16 udp_check(__u16 old, __u16 updated)
{
	if (!old)
		return 0;
	return updated ? updated : 0xffff;
}

static __always_inline struct icmp_stats *icmp_counts(__u32 family)
{
	return bpf_map_lookup_elem(&icmpStats, &family);
}

static __always_inline int echo_replied(struct icmp_stats *s)
{
	if (s)
		s->echo_replies++;
	return XDP_TX;
}

static __always_inline int too_big_forwarded(struct icmp_stats *s, int action)
{
	if (s && action == XDP_TX)
		s->too_big_forwarded++;
	return action;
}

static __always_inline int too_big_sent(struct icmp_stats *s)
{
	if (s)
		s->too_big_sent++;
	return XDP_TX;
}

static __always_inline int too_big_dropped(struct icmp_stats *s)
{
	if (s)
		s->too_big_dropped++;
	return XDP_DROP;
}

static __always_inline void bounce(struct ethhdr *eth)
{
	__u8 mac[ETH_ALEN];

	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	set_macs(eth, mac);
}

/* The backend of a live tracked flow, without touching its state; NULL: none. */
static __always_inline struct backend *flow_backend4(__u32 client, __u32 vip, __u16 cport, __u16 vport, __u8 proto)
{
	struct ct_key ck = { .saddr = client, .daddr = vip, .sport = cport, .dport = vport, .proto = proto };
	struct ct_value *ct = bpf_map_lookup_elem(&conntrack, &ck);

	if (!ct || outlived(timeout_of(proto, ct->state), bpf_ktime_get_ns(), ct->seen))
		return 0;
	__u32 id = ct->backend;
	struct backend *be = bpf_map_lookup_elem(&backends, &id);

	if (!be || be->addr != ct->backend_addr)
		return 0;
	return be;
}

/* I1-I3: an ICMP packet (IPv4 header sane, not a fragment; its ICMP header at l4). */
static __always_inline int icmp4(struct xdp_md *ctx, struct ethhdr *eth, struct iphdr *ip, void *l4, __u32 tot_len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct icmp_hdr *icmp = l4;
	__u32 icmp_off = l4 - (void *)ip;

	if ((void *)(icmp + 1) > data_end || icmp_off + sizeof(*icmp) > tot_len)
		return XDP_PASS;
	struct icmp_stats *counts = icmp_counts(ICMP_STATS_V4);
	/* I1. Echo request to an address whose ICMP entry has VIP_F_ECHO: the reply, in place. */
	if (icmp->type == 8) {
		if (icmp_off != sizeof(*ip))
			return XDP_PASS;
		struct vip_key vk = { .addr = ip->daddr, .port = 0, .proto = IPPROTO_ICMP };
		struct vip_info *v = bpf_map_lookup_elem(&vips, &vk);

		if (!v || !(v->flags & VIP_F_ECHO))
			return XDP_PASS;
		icmp->check = csum_replace2(icmp->check, bpf_htons(8 << 8 | icmp->code), bpf_htons(0 << 8 | icmp->code));
		icmp->type = 0;
		ip->check = csum_replace2(ip->check, bpf_htons(ip->ttl << 8 | IPPROTO_ICMP),
					  bpf_htons(REPLY_TTL << 8 | IPPROTO_ICMP));
		ip->ttl = REPLY_TTL;
		__u32 client = ip->saddr;

		ip->saddr = ip->daddr;
		ip->daddr = client;
		bounce(eth);
		return echo_replied(counts);
	}
	if (icmp->type != 3 || icmp->code != 4)
		return XDP_PASS;
	/* I2. "Fragmentation needed" about a packet the VIP sent, addressed to the VIP. */
	struct iphdr *q = (void *)(icmp + 1);
	struct udphdr *ports = (void *)(q + 1);

	if ((void *)(ports + 1) > data_end || icmp_off + sizeof(*icmp) + sizeof(*q) + sizeof(*ports) > tot_len)
		return XDP_PASS;
	__u8 proto = q->protocol;
	__u32 vip_addr = q->saddr;

	if (((__u8 *)q)[0] != 0x45 || (proto != IPPROTO_TCP && proto != IPPROTO_UDP) || vip_addr != ip->daddr)
		return XDP_PASS;
	struct vip_key vk = { .addr = vip_addr, .port = ports->source, .proto = proto };
	struct vip_info *vip = bpf_map_lookup_elem(&vips, &vk);

	if (!vip || !(vip->flags & VIP_F_PMTU))
		return XDP_PASS;
	struct backend *be = flow_backend4(q->daddr, vip_addr, ports->dest, ports->source, proto);

	if (!be)
		return XDP_PASS;
	/* I3. To the flow's backend: encapsulated ... */
	if (vip->flags & VIP_F_ENCAP) {
		__u32 zero = 0;
		struct encap_config *ec = bpf_map_lookup_elem(&encap, &zero);

		if (!ec || !ec->saddr)
			return XDP_PASS;
		return too_big_forwarded(counts, encapsulate(ctx, be, ec->saddr));
	}
	/* ... or translated back as the backend sent the quoted packet. */
	__u32 to = be->addr;

	set_macs(eth, be->mac);
	ip->check = csum_replace4(ip->check, vip_addr, to);
	ip->daddr = to;
	__u16 check = csum_replace4(icmp->check, vip_addr, to);
	__u16 qcheck = csum_replace4(q->check, vip_addr, to);

	check = csum_replace2(check, q->check, qcheck);
	q->check = qcheck;
	q->saddr = to;
	if (proto == IPPROTO_UDP) {
		__u16 u = udp_check(ports->check, csum_replace4(ports->check, vip_addr, to));

		check = csum_replace2(check, ports->check, u);
		ports->check = u;
	} else {
		struct quoted_tcp *t = (void *)(q + 1);

		if ((void *)(t + 1) <= data_end && icmp_off + sizeof(*icmp) + sizeof(*q) + sizeof(*t) <= tot_len) {
			__u16 c = csum_replace4(t->check, vip_addr, to);

			check = csum_replace2(check, t->check, c);
			t->check = c;
		}
	}
	icmp->check = check;
	return too_big_forwarded(counts, XDP_TX);
}

/* E1a: the MTU to announce for an encapsulation VIP's packet too big once encapsulated, or 0. */
static __always_inline __u32 path_mtu4(__u32 tot_len)
{
	__u32 zero = 0;
	struct pmtu_config *c = bpf_map_lookup_elem(&pmtu, &zero);

	if (!c || c->mtu <= sizeof(struct iphdr))
		return 0;
	if (tot_len + sizeof(struct iphdr) <= c->mtu || tot_len < QUOTE4)
		return 0;
	return c->mtu - sizeof(struct iphdr);
}

/* E1a: "fragmentation needed" from the VIP to the client, quoting QUOTE4 bytes; a packet
 * without DF is dropped (XDP cannot fragment it). */
static __always_inline int too_big4(struct xdp_md *ctx, __u32 mtu, __u16 frag_off)
{
	struct icmp_stats *counts = icmp_counts(ICMP_STATS_V4);
	int len = FRAME_LEN(ctx, ctx->data_end - ctx->data);

	if (!(frag_off & bpf_htons(0x4000)))
		return too_big_dropped(counts);
	if (bpf_xdp_adjust_tail(ctx, (int)(sizeof(struct ethhdr) + QUOTE4) - len))
		return too_big_dropped(counts);
	if (bpf_xdp_adjust_head(ctx, -(int)(sizeof(struct iphdr) + sizeof(struct icmp_hdr))))
		return too_big_dropped(counts);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct icmp_hdr *icmp = (void *)(ip + 1);
	struct ethhdr *received = data + sizeof(struct iphdr) + sizeof(struct icmp_hdr);
	struct iphdr *quoted = (void *)(icmp + 1);

	if ((void *)icmp + sizeof(*icmp) + QUOTE4 > data_end)
		return too_big_dropped(counts);
	__builtin_memcpy(eth->h_dest, received->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, received->h_dest, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(sizeof(*ip) + sizeof(*icmp) + QUOTE4);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = REPLY_TTL;
	ip->protocol = IPPROTO_ICMP;
	ip->check = 0;
	ip->saddr = quoted->daddr;
	ip->daddr = quoted->saddr;
	icmp->type = 3;
	icmp->code = 4;
	icmp->check = 0;
	icmp->rest = bpf_htonl(mtu);
	icmp->check = csum_fold(bpf_csum_diff(0, 0, (void *)icmp, sizeof(*icmp) + QUOTE4, 0));
	ip->check = csum_fold(bpf_csum_diff(0, 0, (void *)ip, sizeof(*ip), 0));
	return too_big_sent(counts);
}

/* The backend of a live tracked IPv6 flow, without touching its state; NULL: none. */
static __always_inline struct backend6 *flow_backend6(const struct addr6 *client, const struct addr6 *vip,
						      __u16 cport, __u16 vport, __u8 proto)
{
	struct ct6_key ck = { .saddr = *client, .daddr = *vip, .sport = cport, .dport = vport, .proto = proto };
	struct ct6_value *ct = bpf_map_lookup_elem(&conntrack6, &ck);

	if (!ct || outlived(timeout_of(proto, ct->state), bpf_ktime_get_ns(), ct->seen))
		return 0;
	__u32 id = ct->backend;
	struct backend6 *be = bpf_map_lookup_elem(&backends6, &id);

	if (!be || !same_addr6(&be->addr, &ct->backend_addr))
		return 0;
	return be;
}

/* I4-I6: an ICMPv6 packet (its header at off in the IPv6 packet of ip_len bytes). */
static __always_inline int icmp6(struct xdp_md *ctx, struct ethhdr *eth, struct ip6w *ip, __u32 off, __u32 ip_len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct icmp_hdr *icmp = data + sizeof(*eth) + off;

	if ((void *)(icmp + 1) > data_end || off + sizeof(*icmp) > ip_len)
		return XDP_PASS;
	struct icmp_stats *counts = icmp_counts(ICMP_STATS_V6);
	/* I4. Echo request to an address whose ICMPv6 entry has VIP_F_ECHO; no extension headers. */
	if (icmp->type == 128) {
		if (off != sizeof(*ip))
			return XDP_PASS;
		struct vip6_key vk = { .addr = ip->daddr, .port = 0, .proto = IPPROTO_ICMPV6 };
		struct vip_info *v = bpf_map_lookup_elem(&vips6, &vk);

		if (!v || !(v->flags & VIP_F_ECHO))
			return XDP_PASS;
		icmp->check = csum_replace2(icmp->check, bpf_htons(128 << 8 | icmp->code), bpf_htons(129 << 8 | icmp->code));
		icmp->type = 129;
		ip->hop_limit = REPLY_TTL;
		struct addr6 client = ip->saddr;

		ip->saddr = ip->daddr;
		ip->daddr = client;
		bounce(eth);
		return echo_replied(counts);
	}
	if (icmp->type != 2)
		return XDP_PASS;
	/* I5. "Packet too big" about a packet the VIP sent, addressed to the VIP. */
	struct ip6w *q = (void *)(icmp + 1);
	struct udphdr *ports = (void *)(q + 1);

	if ((void *)(ports + 1) > data_end || off + sizeof(*icmp) + sizeof(*q) + sizeof(*ports) > ip_len)
		return XDP_PASS;
	__u8 proto = q->nexthdr;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !same_addr6(&q->saddr, &ip->daddr))
		return XDP_PASS;
	struct vip6_key vk = { .addr = q->saddr, .port = ports->source, .proto = proto };
	struct vip_info *vip = bpf_map_lookup_elem(&vips6, &vk);

	if (!vip || !(vip->flags & VIP_F_PMTU))
		return XDP_PASS;
	struct backend6 *be = flow_backend6(&q->daddr, &q->saddr, ports->dest, ports->source, proto);

	if (!be)
		return XDP_PASS;
	/* I6. To the flow's backend: encapsulated ... */
	if (vip->flags & VIP_F_ENCAP) {
		__u32 zero = 0;
		struct encap6_config *ec = bpf_map_lookup_elem(&encap6, &zero);

		if (!ec || zero_addr6(&ec->saddr))
			return XDP_PASS;
		return too_big_forwarded(counts, encapsulate6(ctx, be, &ec->saddr));
	}
	/* ... or translated back: outer destination (pseudo-header) and quoted source := backend. */
	set_macs(eth, be->mac);
	__u16 check = csum_replace16(icmp->check, &ip->daddr, &be->addr);

	check = csum_replace16(check, &q->saddr, &be->addr);
	if (proto == IPPROTO_UDP) {
		__u16 u = udp_check(ports->check, csum_replace16(ports->check, &q->saddr, &be->addr));

		check = csum_replace2(check, ports->check, u);
		ports->check = u;
	} else {
		struct quoted_tcp *t = (void *)(q + 1);

		if ((void *)(t + 1) <= data_end && off + sizeof(*icmp) + sizeof(*q) + sizeof(*t) <= ip_len) {
			__u16 c = csum_replace16(t->check, &q->saddr, &be->addr);

			check = csum_replace2(check, t->check, c);
			t->check = c;
		}
	}
	icmp->check = check;
	ip->daddr = be->addr;
	q->saddr = be->addr;
	return too_big_forwarded(counts, XDP_TX);
}

/* VE2: the MTU to announce for an encapsulation VIP's IPv6 packet, or 0. */
static __always_inline __u32 path_mtu6(__u32 payload_len)
{
	__u32 zero = 0;
	struct pmtu_config *c = bpf_map_lookup_elem(&pmtu, &zero);

	if (!c || c->mtu <= 2 * sizeof(struct ip6w))
		return 0;
	__u32 len = sizeof(struct ip6w) + payload_len;

	if (len + sizeof(struct ip6w) <= c->mtu || len < QUOTE6)
		return 0;
	return c->mtu - sizeof(struct ip6w);
}

/* VE2: ICMPv6 "packet too big" from the VIP to the client, quoting QUOTE6 bytes. */
static __always_inline int too_big6(struct xdp_md *ctx, __u32 mtu)
{
	struct icmp_stats *counts = icmp_counts(ICMP_STATS_V6);
	int len = FRAME_LEN(ctx, ctx->data_end - ctx->data);

	if (bpf_xdp_adjust_tail(ctx, (int)(sizeof(struct ethhdr) + QUOTE6) - len))
		return too_big_dropped(counts);
	if (bpf_xdp_adjust_head(ctx, -(int)(sizeof(struct ip6w) + sizeof(struct icmp_hdr))))
		return too_big_dropped(counts);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ip6w *ip = (void *)(eth + 1);
	struct icmp_hdr *icmp = (void *)(ip + 1);
	struct ethhdr *received = data + sizeof(struct ip6w) + sizeof(struct icmp_hdr);
	struct ip6w *quoted = (void *)(icmp + 1);

	if ((void *)icmp + sizeof(*icmp) + QUOTE6 > data_end)
		return too_big_dropped(counts);
	__builtin_memcpy(eth->h_dest, received->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, received->h_dest, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	ip->saddr = quoted->daddr;
	ip->daddr = quoted->saddr;
	icmp->type = 2;
	icmp->code = 0;
	icmp->check = 0;
	icmp->rest = bpf_htonl(mtu);
	/* Pseudo-header and message in one pass: the header's first 8 bytes hold, for the moment,
	 * the pseudo-header's length and next-header words. */
	ip->ver_tc_flow = 0;
	ip->payload_len = bpf_htons(sizeof(*icmp) + QUOTE6);
	ip->nexthdr = 0;
	ip->hop_limit = IPPROTO_ICMPV6;
	icmp->check = csum_fold(bpf_csum_diff(0, 0, (void *)ip, sizeof(*ip) + sizeof(*icmp) + QUOTE6, 0));
	ip->ver_tc_flow = bpf_htonl(0x60000000);
	ip->nexthdr = IPPROTO_ICMPV6;
	ip->hop_limit = REPLY_TTL;
	return too_big_sent(counts);
}

/* Steps V1-V10: what the LB cannot parse is passed unmodified (the host's stack judges it). */
static __always_inline int lb6(struct xdp_md *ctx, struct ethhdr *eth)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ip6w *ip = (void *)(eth + 1);

	/* V1. */
	if ((void *)(ip + 1) > data_end || (bpf_ntohl(ip->ver_tc_flow) >> 28) != 6)
		return XDP_PASS;
	__u32 ip_len = sizeof(*ip) + bpf_ntohs(ip->payload_len);

	if (sizeof(*eth) + ip_len > (__u64)FRAME_LEN(ctx, data_end - data))
		return XDP_PASS;
	/* V2. Hop-by-hop and destination options skipped. */
	__u32 next = ip->nexthdr;
	__u32 off = sizeof(*ip);

	for (int i = 0; i < MAX_EXT_HEADERS; i++) {
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_DSTOPTS)
			break;
		struct ipv6_opt_hdr *opt = data + sizeof(*eth) + off;

		if ((void *)(opt + 1) > data_end)
			return XDP_PASS;
		next = opt->nexthdr;
		off += (opt->hdrlen + 1) * 8;
	}
	/* V3. TCP or UDP, complete inside the IPv6 packet. */
	void *l4 = data + sizeof(*eth) + off;
	struct flow f = { .proto = next };

	if (next == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end || off + sizeof(*tcp) > ip_len)
			return XDP_PASS;
		f.sport = tcp->source;
		f.dport = tcp->dest;
		f.flags = ((__u8 *)tcp)[13];
		f.l4check = &tcp->check;
	} else if (next == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end || off + sizeof(*udp) > ip_len)
			return XDP_PASS;
		f.sport = udp->source;
		f.dport = udp->dest;
		f.l4check = &udp->check;
	} else {
		/* ICMPv6: echo requests and "packet too big" of VIPs that opt in; else V3. */
		if (next == IPPROTO_ICMPV6)
			return icmp6(ctx, eth, ip, off, ip_len);
		return XDP_PASS;
	}
	f.now = bpf_ktime_get_ns();

	/* V4. */
	struct vip6_key vk = { .addr = ip->daddr, .port = f.dport, .proto = f.proto };
	struct vip_info *vip = bpf_map_lookup_elem(&vips6, &vk);

	if (!vip)
		return reverse_nat6(eth, ip, &f);
	__u32 index = vip->index;

	if (index >= MAX_VIPS)
		return XDP_DROP;
	int encap_vip = vip->flags & VIP_F_ENCAP;
	__u32 zero = 0;
	struct encap6_config *ec = bpf_map_lookup_elem(&encap6, &zero);

	if (encap_vip && (!ec || zero_addr6(&ec->saddr)))
		return XDP_DROP;
	if (encap_vip && (vip->flags & VIP_F_PMTU)) {
		__u32 mtu = path_mtu6(bpf_ntohs(ip->payload_len));

		if (mtu)
			return too_big6(ctx, mtu);	/* VE2 */
	}
	struct backend6 *be = pick_backend6(eth, ip, &f, index, encap_vip);

	if (!be)
		return XDP_DROP;
	struct vip_stats *st = bpf_map_lookup_elem(&stats, &index);

	if (st) {
		st->packets += 1;
		st->bytes += FRAME_LEN(ctx, data_end - data);
	}
	if (encap_vip && ec)
		return encapsulate6(ctx, be, &ec->saddr);
	/* V9. */
	set_macs(eth, be->mac);
	rewrite_addr6(&ip->daddr, &be->addr, &f);
	return XDP_TX;
}

SEC(LB_SECTION)
int lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	/* 1. Short frame; a group destination (multicast, broadcast) is not ours to forward. */
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_dest[0] & 1)
		return XDP_PASS;
	/* 2. Not IPv4 (ARP, VLAN-tagged, ...); IPv6 has its own steps (V1-V10). */
	if (eth->h_proto != bpf_htons(ETH_P_IP)) {
		if (eth->h_proto == bpf_htons(ETH_P_IPV6))
			return lb6(ctx, eth);
		return XDP_PASS;
	}

	/* 3. IPv4 sanity; Ethernet padding after the packet is allowed. */
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	if (ip->version != 4 || ip->ihl < 5)
		return XDP_DROP;
	__u32 hlen = ip->ihl * 4;
	__u32 tot_len = bpf_ntohs(ip->tot_len);
	__u64 frame_len = FRAME_LEN(ctx, data_end - data);

	if (tot_len < hlen || sizeof(*eth) + tot_len > frame_len)
		return XDP_DROP;
	/* 4. Fragments (MF or offset). */
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_DROP;

	/* 5./6. TCP or UDP, L4 header complete inside the IP packet; it starts after any IP options. */
	void *l4 = (void *)ip + hlen;
	struct flow f = { .proto = ip->protocol };

	if (f.proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end || hlen + sizeof(*tcp) > tot_len)
			return XDP_DROP;
		f.sport = tcp->source;
		f.dport = tcp->dest;
		f.flags = ((__u8 *)tcp)[13];
		f.l4check = &tcp->check;
	} else if (f.proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end || hlen + sizeof(*udp) > tot_len)
			return XDP_DROP;
		f.sport = udp->source;
		f.dport = udp->dest;
		f.l4check = &udp->check;
	} else {
		/* ICMP: echo requests and "fragmentation needed" of VIPs that opt in; else 5. */
		if (f.proto == IPPROTO_ICMP)
			return icmp4(ctx, eth, ip, l4, tot_len);
		return XDP_PASS;
	}
	f.now = bpf_ktime_get_ns();

	/* 7. VIP, or a backend's reply to be reverse-NATed. */
	struct vip_key vk = { .addr = ip->daddr, .port = f.dport, .proto = f.proto };
	struct vip_info *vip = bpf_map_lookup_elem(&vips, &vk);

	if (!vip)
		return reverse_nat(eth, ip, &f);
	__u32 index = vip->index;

	/* An index outside 0..15 names no Maglev table (and would wrap the key). */
	if (index >= MAX_VIPS)
		return XDP_DROP;

	/* 8. Backend (E2 for an encapsulation VIP). */
	struct backend *be;
	int encap_vip = vip->flags & VIP_F_ENCAP;
	__u32 encap_src = 0;

	if (encap_vip) {
		__u32 zero = 0;
		struct encap_config *ec = bpf_map_lookup_elem(&encap, &zero);

		/* E1. No outer source configured. */
		if (!ec || !ec->saddr)
			return XDP_DROP;
		encap_src = ec->saddr;
		if (vip->flags & VIP_F_PMTU) {
			__u32 mtu = path_mtu4(tot_len);

			if (mtu)
				return too_big4(ctx, mtu, ip->frag_off);	/* E1a */
		}
	}
	if (pick_backend(eth, ip, &f, index, encap_vip, &be) < 0)
		return XDP_DROP;
	if (encap_vip) {
		struct vip_stats *est = bpf_map_lookup_elem(&stats, &index);

		if (est) {
			est->packets += 1;
			est->bytes += frame_len;
		}
		return encapsulate(ctx, be, encap_src);
	}

	/* 9. Forward rewrite. */
	set_macs(eth, be->mac);
	rewrite_addr(ip, &ip->daddr, be->addr, &f);

	struct vip_stats *st = bpf_map_lookup_elem(&stats, &index);

	if (st) {
		st->packets += 1;
		st->bytes += frame_len;
	}
	return XDP_TX;
}

char _license[] SEC("license") = "Dual MIT/GPL";
