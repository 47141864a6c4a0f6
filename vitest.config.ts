import { defineConfig } from "vitest/config";

// Tests drive the real kernel (maps, verifier, network namespaces): run files one at a time.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "compiler/**/*.test.ts", "runtime/**/*.test.ts", "lb/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
