/**
 * What the ring-buffer and perf-buffer readers share: waiting for records with epoll on a
 * worker thread (so the event loop runs), and the async iterator that yields records as they
 * come until close(). A reader says which fds to wait on and how to take the next record.
 */
import { Epoll } from "../sys/index.ts";

export abstract class EventReader<E> implements AsyncIterable<E> {
  protected closed = false;
  private epoll?: Epoll;
  private waiting?: Promise<number>;

  /** The fds that become readable when records arrive. */
  protected abstract waitFds(): readonly number[];
  /** The next record available now, or undefined (never waits). */
  protected abstract take(): E | undefined;

  /** Waits until records may be ready (or `timeoutMs` passes); true if an fd became readable. */
  async wait(timeoutMs: number): Promise<boolean> {
    if (!this.epoll) {
      this.epoll = new Epoll();
      for (const fd of this.waitFds()) this.epoll.add(fd);
    }
    this.waiting = this.epoll.wait(timeoutMs);
    try {
      return (await this.waiting) > 0;
    } finally {
      this.waiting = undefined;
    }
  }

  /** Records as they come, until close() (checked every 200 ms while idle). */
  async *[Symbol.asyncIterator](): AsyncIterator<E> {
    while (!this.closed) {
      const record = this.take();
      if (record !== undefined) yield record;
      else await this.wait(200);
    }
  }

  /** Marks the reader closed and closes the epoll fd (when a wait in progress on its worker thread ends). */
  protected closeWaiting(): void {
    this.closed = true;
    const epoll = this.epoll;
    if (this.waiting) void this.waiting.finally(() => epoll?.close());
    else epoll?.close();
  }
}
