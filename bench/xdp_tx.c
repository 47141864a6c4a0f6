// SPDX-License-Identifier: MIT
/*
 * bench/xdp_tx.c — the floor for LB benchmarks: bounce every frame back out
 * unmodified (XDP_TX), so a measurement shows the cost of the driver and the
 * XDP hook alone.
 *
 *   clang-14 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu \
 *            -c bench/xdp_tx.c -o bpf-out/xdp_tx.o
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

char _license[] SEC("license") = "Dual MIT/GPL";
