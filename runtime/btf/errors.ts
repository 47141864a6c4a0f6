import { TsbpfError } from "../errors.ts";

/** `.BTF` / `.BTF.ext` is malformed or does not describe what the loader needs. */
export class BtfError extends TsbpfError {}
