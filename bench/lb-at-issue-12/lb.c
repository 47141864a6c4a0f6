// SPDX-License-Identifier: MIT
/*
 * A fixed workload of `npm run bench:build`: bench/lb.c as it was when issue 12 set the build
 * targets (commit da508b0 = 5738780~1), the C twin of lb.ts beside it; unchanged but for this paragraph.
 *
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
 *     value struct ct_value (4 B)  { backend u32 @0 }   backend id, 0..1023
 *
 *   rnat       LRU_HASH, 65536 entries. One entry per forward flow, written
 *              together with its conntrack entry; matched by backend replies.
 *     key   struct rnat_key (16 B) { client_addr u32 @0, backend_addr u32 @4,
 *                                    client_port u16 @8, vip_port u16 @10,
 *                                    proto u8 @12, pad u8[3] @13 }
 *           a reply (backend:vip_port -> client:client_port) looks up
 *           { daddr, saddr, dport, sport, proto }; pad = 0.
 *     value struct rnat_value (12 B) { vip_addr u32 @0, client_mac u8[6] @4,
 *                                      pad u16 @10 }
 *           the VIP the client talked to, and the client's MAC as seen as the
 *           Ethernet source of its forward packets; pad = 0.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAGLEV_M 65537
#define MAX_VIPS 16
#define MAX_BACKENDS 1024
#define FLOW_ENTRIES 65536

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
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_ENTRIES);
	__type(key, struct ct_key);
	__type(value, struct ct_value);
} conntrack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FLOW_ENTRIES);
	__type(key, struct rnat_key);
	__type(value, struct rnat_value);
} rnat SEC(".maps");

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
	__u8 rst;	/* TCP RST: forwarded, never recorded */
	__u16 *l4check;	/* TCP or UDP checksum field */
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
	set_macs(eth, r->client_mac);
	rewrite_addr(ip, &ip->saddr, r->vip_addr, f);
	return XDP_TX;
}

/* Step 8: the flow's backend id, or -1 to drop. Records new flows. */
static __always_inline int pick_backend(struct ethhdr *eth, struct iphdr *ip, const struct flow *f, __u32 index,
					struct backend **out)
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

		be = bpf_map_lookup_elem(&backends, &id);
		if (be && be->addr != 0) {
			*out = be;
			return 0;
		}
		/* Its backend was emptied: re-hash and re-record below. */
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
	if (!f->rst) {
		struct ct_value cv = { .backend = bid };
		struct rnat_key rk = {
			.client_addr = ip->saddr,
			.backend_addr = be->addr,
			.client_port = f->sport,
			.vip_port = f->dport,
			.proto = f->proto,
		};
		struct rnat_value rv = { .vip_addr = ip->daddr };

		__builtin_memcpy(rv.client_mac, eth->h_source, ETH_ALEN);
		bpf_map_update_elem(&rnat, &rk, &rv, BPF_ANY);
		bpf_map_update_elem(&conntrack, &ck, &cv, BPF_ANY);
	}
	*out = be;
	return 0;
}

SEC("xdp")
int lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	/* 1. Short frame. */
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	/* 2. Not IPv4 (ARP, IPv6, VLAN-tagged, ...). */
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	/* 3. IPv4 sanity; Ethernet padding after the packet is allowed. */
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	if (ip->version != 4 || ip->ihl < 5)
		return XDP_DROP;
	__u32 hlen = ip->ihl * 4;
	__u32 tot_len = bpf_ntohs(ip->tot_len);
	__u64 frame_len = data_end - data;

	if (tot_len < hlen || sizeof(*eth) + tot_len > frame_len)
		return XDP_DROP;
	/* 4. Fragments (MF or offset). */
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_DROP;

	/* 5./6. TCP or UDP, L4 header complete; it starts after any IP options. */
	void *l4 = (void *)ip + hlen;
	struct flow f = { .proto = ip->protocol };

	if (f.proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return XDP_DROP;
		f.sport = tcp->source;
		f.dport = tcp->dest;
		f.rst = tcp->rst;
		f.l4check = &tcp->check;
	} else if (f.proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return XDP_DROP;
		f.sport = udp->source;
		f.dport = udp->dest;
		f.l4check = &udp->check;
	} else {
		return XDP_PASS;
	}

	/* 7. VIP, or a backend's reply to be reverse-NATed. */
	struct vip_key vk = { .addr = ip->daddr, .port = f.dport, .proto = f.proto };
	struct vip_info *vip = bpf_map_lookup_elem(&vips, &vk);

	if (!vip)
		return reverse_nat(eth, ip, &f);
	__u32 index = vip->index;

	/* An index outside 0..15 names no Maglev table (and would wrap the key). */
	if (index >= MAX_VIPS)
		return XDP_DROP;

	/* 8. Backend. */
	struct backend *be;

	if (pick_backend(eth, ip, &f, index, &be) < 0)
		return XDP_DROP;

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
