export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

/** Incremental text/event-stream parser: feed chunks, get whole events. */
export class SseParser {
  #buffer = '';
  #onEvent: (event: SseEvent) => void;

  constructor(onEvent: (event: SseEvent) => void) {
    this.#onEvent = onEvent;
  }

  push(chunk: string): void {
    this.#buffer += chunk.includes('\r') ? chunk.replace(/\r\n?/g, '\n') : chunk;
    let end = this.#buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      this.#emit(block);
      end = this.#buffer.indexOf('\n\n');
    }
  }

  #emit(block: string): void {
    const event: SseEvent = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
    }
    event.data = data.join('\n');
    if (data.length > 0 || event.id !== undefined) this.#onEvent(event);
  }
}
