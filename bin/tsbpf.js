#!/usr/bin/env node
// The tsbpf command. Its sources are TypeScript, run through tsx's loader; TypeScript's own
// compiler is loaded from a V8 code cache (compiler/frontend/code-cache.cjs).
import { createRequire } from "node:module";
import { register } from "tsx/esm/api";

const require = createRequire(import.meta.url);
const { saveCodeCache } = require("../compiler/frontend/code-cache.cjs");
register();
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv);
saveCodeCache();
