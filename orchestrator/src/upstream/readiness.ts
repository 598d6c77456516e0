import type { Pool } from 'undici';
import type { UpstreamConfig } from '../config.ts';

export interface Readiness {
  ok: boolean;
  detail: string;
}

/** The upstream's `/ready` (next to its MCP path), or its configured readyUrl; none for stdio upstreams. */
export function readyUrlOf(config: UpstreamConfig): string | undefined {
  if (config.readyUrl) return config.readyUrl;
  if (!config.url) return undefined;
  const url = new URL(config.url);
  url.pathname = `${url.pathname.replace(/\/(mcp|sse)\/?$/, '')}/ready`;
  url.search = '';
  return url.href;
}

/**
 * Reads an upstream's `/ready`: a 503 is "degraded" with the failing checks it names; anything else (or no answer,
 * or a server without the route) counts as ready, since the MCP ping decides whether it is up.
 */
export async function checkReady(pool: Pool, url: string, timeoutMs: number): Promise<Readiness> {
  try {
    const target = new URL(url);
    const response = await pool.request({ path: target.pathname, method: 'GET', headersTimeout: timeoutMs });
    const text = await response.body.text();
    if (response.statusCode !== 503) return { ok: true, detail: '' };
    let detail = 'not ready';
    try {
      const body = JSON.parse(text) as { failing?: string[]; status?: string };
      detail = body.failing?.length ? `not ready: ${body.failing.join(', ')} failing` : `not ready: ${body.status ?? ''}`;
    } catch {}
    return { ok: false, detail };
  } catch {
    return { ok: true, detail: '' };
  }
}
