import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface MemoryEventStoreOptions {
  /** Events kept per stream; older ones cannot be replayed. */
  maxEventsPerStream?: number;
  /** Streams kept; the least recently written are dropped first. */
  maxStreams?: number;
}

interface Stream {
  next: number;
  events: { seq: number; message: JSONRPCMessage }[];
}

/**
 * A bounded in-memory event store for resumable Streamable HTTP: a client that lost its SSE stream reconnects
 * with Last-Event-ID and receives what it missed on that stream.
 */
export class MemoryEventStore implements EventStore {
  #streams = new Map<string, Stream>();
  #maxEvents: number;
  #maxStreams: number;

  constructor(options: MemoryEventStoreOptions = {}) {
    this.#maxEvents = options.maxEventsPerStream ?? 500;
    this.#maxStreams = options.maxStreams ?? 5000;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    let stream = this.#streams.get(streamId);
    if (stream) {
      this.#streams.delete(streamId);
    } else {
      stream = { next: 1, events: [] };
      if (this.#streams.size >= this.#maxStreams) {
        const oldest = this.#streams.keys().next().value;
        if (oldest !== undefined) this.#streams.delete(oldest);
      }
    }
    this.#streams.set(streamId, stream);
    const seq = stream.next++;
    stream.events.push({ seq, message });
    if (stream.events.length > this.#maxEvents) stream.events.splice(0, stream.events.length - this.#maxEvents);
    return `${streamId}|${seq}`;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    const bar = eventId.lastIndexOf('|');
    return bar > 0 ? eventId.slice(0, bar) : undefined;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const bar = lastEventId.lastIndexOf('|');
    const streamId = bar > 0 ? lastEventId.slice(0, bar) : '';
    const after = Number(lastEventId.slice(bar + 1));
    const stream = this.#streams.get(streamId);
    if (!stream || !Number.isInteger(after)) return streamId;
    for (const event of stream.events) {
      if (event.seq > after) await send(`${streamId}|${event.seq}`, event.message);
    }
    return streamId;
  }
}
