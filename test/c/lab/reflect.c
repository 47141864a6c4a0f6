// XDP reflector for the veth experiments in docs/xdp-on-veth.md.
// Turns an ICMP echo request into an echo reply in place and XDP_TXes it
// (swap MACs, swap IPs, type 8 -> 0). Everything else is XDP_PASSed, so
// a successful ping through this program proves XDP_TX delivered a frame.
// `counts[0]` = frames seen, `counts[1]` = frames sent with XDP_TX.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &i);
	if (v)
		__sync_fetch_and_add(v, 1);
}

// <linux/icmp.h> drags in libc headers that do not build for -target bpf.
struct icmphdr {
	__u8 type, code;
	__sum16 checksum;
	__be32 rest;
};
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

SEC("xdp")
int reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	count(0);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_ICMP)
		return XDP_PASS;
	struct icmphdr *icmp = (void *)(ip + 1);
	if ((void *)(icmp + 1) > end || icmp->type != ICMP_ECHO)
		return XDP_PASS;

	unsigned char mac[ETH_ALEN];
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	__be32 a = ip->saddr;
	ip->saddr = ip->daddr; // swapping addresses leaves the IP checksum valid
	ip->daddr = a;
	icmp->type = ICMP_ECHOREPLY;
	// type is the high byte of the first word: it dropped by 8<<8, so the
	// one's-complement checksum rises by the same amount (RFC 1624).
	__u32 sum = (__u32)icmp->checksum + bpf_htons(ICMP_ECHO << 8);
	icmp->checksum = (__u16)(sum + (sum >> 16));
	count(1);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
