import type { UpstreamSession } from './upstream-session.ts';

/**
 * The per-client upstream sessions of one upstream (per-client mode): opened on a client's first call, found without
 * waiting once open, forgotten when they close or the client goes.
 */
export class ClientSessions<Link> {
  #opening = new Map<Link, Promise<UpstreamSession>>();
  #open = new Map<Link, UpstreamSession>();

  /** The client's session when it is open already (the common case: no promise). */
  openFor(link: Link): UpstreamSession | undefined {
    const session = this.#open.get(link);
    return session && !session.closed ? session : undefined;
  }

  /** The client's session, opened with `open` the first time. */
  sessionFor(link: Link, open: () => Promise<UpstreamSession>): Promise<UpstreamSession> {
    let session = this.#opening.get(link);
    if (!session) {
      session = open();
      this.#opening.set(link, session);
      session.then(
        (opened) => this.#open.set(link, opened),
        () => this.#opening.delete(link),
      );
    }
    return session;
  }

  /** The sessions opened for a client so far. */
  async of(link: Link): Promise<UpstreamSession[]> {
    const session = this.#opening.get(link);
    if (!session) return [];
    try {
      return [await session];
    } catch {
      return [];
    }
  }

  /** A session closed on its own. */
  forget(link: Link): void {
    this.#opening.delete(link);
    this.#open.delete(link);
  }

  /** Closes the client's session (it went away). */
  async drop(link: Link): Promise<void> {
    const session = this.#opening.get(link);
    this.forget(link);
    if (session) await session.then((s) => s.close()).catch(() => {});
  }

  /** Closes every session (the upstream stops). */
  async closeAll(): Promise<void> {
    const sessions = await Promise.allSettled([...this.#opening.values()]);
    this.#opening.clear();
    this.#open.clear();
    await Promise.all(sessions.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
  }
}
