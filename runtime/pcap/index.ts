/** Reading and writing capture files (pcap, pcapng). */
export { CaptureError, type PcapPacket, parsePcap, parsePcapng, readPcap, writePcap } from "./capture.ts";
