// C twin of ipv6_exthdr.ts.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_EXT_HEADERS 6
#define BLOCKED_PORT 9

struct seen { __u32 l4_offset; __u32 ext_headers; __u32 port; };
struct opt_hdr { __u8 nexthdr; __u8 hdrlen; };
struct frag_hdr { __u8 nexthdr; __u8 reserved; __be16 frag_off; __be32 id; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct seen);
} last_seen SEC(".maps");

SEC("xdp")
int ipv6_exthdr(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > data_end)
		return XDP_DROP;
	__u32 next = ip6->nexthdr;
	__u32 off = sizeof(*eth) + sizeof(*ip6);
	__u32 count = 0;
	for (int i = 0; i < MAX_EXT_HEADERS; i++) {
		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
			if (off > 4095)
				return XDP_DROP;
			struct opt_hdr *opt = data + off;
			if ((void *)(opt + 1) > data_end)
				return XDP_DROP;
			next = opt->nexthdr;
			off += (opt->hdrlen + 1) * 8;
		} else if (next == IPPROTO_FRAGMENT) {
			if (off > 4095)
				return XDP_DROP;
			struct frag_hdr *frag = data + off;
			if ((void *)(frag + 1) > data_end)
				return XDP_DROP;
			next = frag->nexthdr;
			off += sizeof(*frag);
		} else {
			break;
		}
		count++;
	}
	if (next != IPPROTO_UDP)
		return XDP_PASS;
	if (off > 4095)
		return XDP_DROP;
	struct udphdr *udp = data + off;
	if ((void *)(udp + 1) > data_end)
		return XDP_DROP;
	__u32 zero = 0;
	struct seen *seen = bpf_map_lookup_elem(&last_seen, &zero);
	if (seen) {
		seen->l4_offset = off;
		seen->ext_headers = count;
		seen->port = bpf_ntohs(udp->dest);
	}
	return udp->dest == bpf_htons(BLOCKED_PORT) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
