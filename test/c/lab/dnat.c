// Static one-backend DNAT for proving the lab before the real LB exists
// (docs/xdp-on-veth.md). Same packet behaviour as LB_ABI.md steps 9 and 10,
// without Maglev or a connection table:
//   client -> VIP:port        becomes  client -> backend:port  (XDP_TX)
//   backend:port -> client    becomes  VIP:port -> client      (XDP_TX)
// Configured through `dnat_cfg[0]` (bpftool map update); the client's MAC is
// learned from its forward packets into `dnat_clients`.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct cfg {
	__be32 vip;
	__be32 backend;
	__u8 backend_mac[ETH_ALEN];
	__be16 port;
};

struct mac {
	__u8 addr[ETH_ALEN];
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cfg);
} dnat_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __be32);
	__type(value, struct mac);
} dnat_clients SEC(".maps");

// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for a 32-bit field m -> m'.
// One's-complement sums don't care about byte order, so network-order
// halves can be added as they are.
static __always_inline void csum_replace4(__sum16 *sum, __be32 from, __be32 to)
{
	__u32 s = (__u16)~*sum;
	s += (~from & 0xffff) + (~from >> 16);
	s += (to & 0xffff) + (to >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	*sum = (__u16)~s;
}

SEC("xdp")
int dnat(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct tcphdr *tcp = (void *)(ip + 1);
	__u32 zero = 0;

	if ((void *)(tcp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	struct cfg *c = bpf_map_lookup_elem(&dnat_cfg, &zero);
	if (!c || !c->vip)
		return XDP_PASS;

	if (ip->daddr == c->vip && tcp->dest == c->port) {
		struct mac m = {};
		__builtin_memcpy(m.addr, eth->h_source, ETH_ALEN);
		bpf_map_update_elem(&dnat_clients, &ip->saddr, &m, BPF_ANY);
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, c->backend_mac, ETH_ALEN);
		csum_replace4(&ip->check, ip->daddr, c->backend);
		csum_replace4(&tcp->check, ip->daddr, c->backend); // pseudo-header
		ip->daddr = c->backend;
		return XDP_TX;
	}
	if (ip->saddr == c->backend && tcp->source == c->port) {
		struct mac *m = bpf_map_lookup_elem(&dnat_clients, &ip->daddr);
		if (!m)
			return XDP_PASS;
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, m->addr, ETH_ALEN);
		csum_replace4(&ip->check, ip->saddr, c->vip);
		csum_replace4(&tcp->check, ip->saddr, c->vip);
		ip->saddr = c->vip;
		return XDP_TX;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
