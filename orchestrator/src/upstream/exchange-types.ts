import type { Dispatcher } from 'undici';

/** One POST of an upstream session, as `exchange` sends it on either dispatcher. */
export interface ExchangeRequest {
  path: string;
  method: 'POST';
  /** Headers every request of the session carries (H1Client keeps their text per object: pass the same one). */
  headers: Record<string, string>;
  /** Headers of this request alone, sent after `headers`. */
  extraHeaders?: Record<string, string> | undefined;
  body: string;
}

/**
 * What carries an exchange: an undici dispatcher, or the lean HTTP/1.1 client (the same handler contract). A
 * dispatcher that `appendsExtraHeaders` sends a request's `extraHeaders` after its session's kept head itself; the
 * others get them merged into `headers`.
 */
export interface ExchangeDispatcher {
  readonly appendsExtraHeaders?: boolean;
  dispatch(request: ExchangeRequest, handler: Dispatcher.DispatchHandler): boolean;
}
