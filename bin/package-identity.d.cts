// Declarations of package-identity.cjs (CommonJS, read by the bin before anything else is loaded).
import type { Hash } from "node:crypto";

/** Adds Node's version and architecture and ts-morph's and @ts-morph/common's files (path, size, time) to `hash`. */
export function hashDependencies(hash: Hash, packageDir: string): void;
/** Adds the path, size and time of each file of `dir`, in name order, to `hash`. */
export function hashFileStamps(hash: Hash, dir: string): void;
/** The directory of package `name` as Node finds it from `from`. */
export function resolvePackage(from: string, name: string): string;
