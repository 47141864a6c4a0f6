/**
 * Tests that need the kernel (bpf(2), network namespaces, XDP attach) run as
 * root; without root they are skipped, and the tests that need no kernel
 * (parsers, compiler output) still run.
 */
import { describe, it } from "vitest";

export const isRoot = process.getuid?.() === 0;

/** `describe` for a block that loads, attaches or runs BPF programs. */
export const describeKernel = describe.skipIf(!isRoot);
/** `it` for one test that needs the kernel inside a block that does not. */
export const itKernel = it.skipIf(!isRoot);
