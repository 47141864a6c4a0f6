/** Network interface name → index. */
import { TsbpfError } from "../errors.ts";
import { errnoName } from "./errno.ts";
import { lastErrno, rawIfNameToIndex } from "./libc.ts";

export class InterfaceError extends TsbpfError {}

export function ifNameToIndex(name: string): number {
  if (name.length === 0 || name.length >= 16)
    throw new InterfaceError(`invalid interface name "${name}" (1..15 characters)`);
  const index = rawIfNameToIndex(name);
  if (index === 0) {
    const errno = lastErrno();
    throw new InterfaceError(`no network interface named "${name}" (${errnoName(errno)}); check \`ip link\``);
  }
  return index;
}
