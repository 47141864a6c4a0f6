/** epoll for waiting on kernel objects (a ring buffer's fd) without blocking Node's event loop. */
import { SyscallError } from "./bpf.ts";
import { closeFd } from "./fd.ts";
import { lastErrno, rawEpollCreate1, rawEpollCtl, rawEpollWait } from "./libc.ts";

const EPOLL_CLOEXEC = 0o2000000,
  EPOLL_CTL_ADD = 1,
  EPOLLIN = 1;

export class Epoll {
  private fd: number;
  constructor() {
    this.fd = rawEpollCreate1(EPOLL_CLOEXEC);
    if (this.fd < 0) throw new SyscallError("epoll_create1", lastErrno());
  }
  /** Watches `fd` for readability. */
  add(fd: number): void {
    const event = Buffer.alloc(16); // struct epoll_event: events (u32), then data
    event.writeUInt32LE(EPOLLIN, 0);
    if (rawEpollCtl(this.fd, EPOLL_CTL_ADD, fd, event) < 0) throw new SyscallError("epoll_ctl", lastErrno());
  }
  /** Resolves with the number of ready fds (0 on timeout), waiting on a worker thread. */
  wait(timeoutMs: number): Promise<number> {
    const events = Buffer.alloc(16 * 4);
    return new Promise((resolve, reject) => {
      (rawEpollWait as unknown as { async: (...a: unknown[]) => void }).async(
        this.fd,
        events,
        4,
        timeoutMs,
        (err: Error | null, n: number) => {
          // errno of a failed wait (EINTR) lives on the worker thread: a failure is a wakeup with nothing ready.
          if (err) reject(err);
          else resolve(Math.max(n, 0));
        },
      );
    });
  }
  close(): void {
    closeFd(this.fd);
    this.fd = -1;
  }
}
