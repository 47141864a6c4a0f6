/** The XDP buffer as BPF_PROG_TEST_RUN builds it, which the interpreter reproduces. */

/** Headroom before the packet (XDP_PACKET_HEADROOM). */
export const XDP_HEADROOM = 256;
/** One page per frame... */
export const XDP_FRAME = 4096;
/** ...whose last bytes hold skb_shared_info (SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64). */
export const XDP_TAILROOM = 320;
/** sizeof(struct xdp_frame) at the frame's start: adjust_head/meta may not move the start below it. */
export const XDP_FRAME_HEADER = 40;

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
