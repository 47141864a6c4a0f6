import { defineConfig } from "vitest/config";

// Tests drive the real kernel (maps, verifier, network namespaces): run files one at a time.
// `tsbpf`, `tsbpf/net`… resolve to the sources (the "tsbpf-source" condition of package.json's exports).
export default defineConfig({
  resolve: { conditions: ["tsbpf-source"] },
  ssr: { resolve: { conditions: ["tsbpf-source"] } },
  test: {
    include: ["test/**/*.test.ts", "compiler/**/*.test.ts", "runtime/**/*.test.ts", "lb/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
