// Loads examples/count.ts's object, runs one frame through it, and reads the counter back
// with the program's own declarations:
//   npx tsbpf build examples/count.ts -o bpf-out/count.o && npx tsx examples/run-count.ts
import { loadObject } from "../runtime/index.ts";
import { counts, Class } from "./count.ts";

const frame = new Uint8Array(60);
frame.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]); // MACs, EtherType IPv4

const obj = await loadObject("bpf-out/count.o");
try {
  const result = obj.program("count").testRun({ data: frame });
  console.log("action", result.retval, "output bytes", result.data.length);
  const map = obj.typedMap(counts, "counts");
  console.log("IPv4:", map.lookup(Class.IPV4));
} finally {
  obj.close();
}
