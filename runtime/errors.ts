/**
 * Root of every error the runtime throws on purpose. Callers (the CLI, tests)
 * can tell "the input or the kernel said no" (a TsbpfError) apart from a bug
 * in the runtime itself (anything else, e.g. a TypeError).
 */
export class TsbpfError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An object file is well-formed but cannot be loaded as asked (unknown map, bad rodata override, …). */
export class ObjectError extends TsbpfError {}
