export interface SseEvent {
  event?: string;
  id?: string;
  data: string;
}

const COLON = 58;
const SPACE = 32;
const LF = 10;
const CR = 13;

/**
 * The one text/event-stream reader of our own clients (the orchestrator's upstream transports, the benchmark
 * clients; the SDK client has its own): feed chunks as they arrive, get whole events. Handles \r, \n and \r\n line
 * ends (also split across chunks), comments, multi-line data, `event` and `id`.
 */
export class SseParser {
  #buffer = '';
  /** The last chunk ended in \r: a \n starting the next one belongs to the same line break. */
  #afterCr = false;
  #onEvent: (event: SseEvent) => void;

  constructor(onEvent: (event: SseEvent) => void) {
    this.#onEvent = onEvent;
  }

  push(chunk: string): void {
    let text = this.#afterCr && chunk.charCodeAt(0) === LF ? chunk.slice(1) : chunk;
    this.#afterCr = text.charCodeAt(text.length - 1) === CR;
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    this.#buffer += text;
    let start = 0;
    let end = this.#buffer.indexOf('\n\n');
    while (end >= 0) {
      this.#emit(this.#buffer, start, end);
      start = end + 2;
      end = this.#buffer.indexOf('\n\n', start);
    }
    if (start > 0) this.#buffer = this.#buffer.slice(start);
  }

  /** Emits the event in `text` between `from` and `to` (one block, lines separated by \n), reading it in place. */
  #emit(text: string, from: number, to: number): void {
    let data: string | undefined;
    let event: string | undefined;
    let id: string | undefined;
    let line = from;
    while (line < to) {
      let end = text.indexOf('\n', line);
      if (end < 0 || end > to) end = to;
      if (end > line && text.charCodeAt(line) !== COLON) {
        let colon = text.indexOf(':', line);
        if (colon < 0 || colon > end) colon = end;
        let value = colon + 1;
        if (value < end && text.charCodeAt(value) === SPACE) value++;
        const field = colon - line;
        if (field === 4 && text.startsWith('data', line)) {
          const part = value < end ? text.slice(value, end) : '';
          data = data === undefined ? part : `${data}\n${part}`;
        } else if (field === 5 && text.startsWith('event', line)) event = value < end ? text.slice(value, end) : '';
        else if (field === 2 && text.startsWith('id', line)) id = value < end ? text.slice(value, end) : '';
      }
      line = end + 1;
    }
    if (data === undefined && id === undefined) return;
    const parsed: SseEvent = { data: data ?? '' };
    if (event !== undefined) parsed.event = event;
    if (id !== undefined) parsed.id = id;
    this.#onEvent(parsed);
  }
}
