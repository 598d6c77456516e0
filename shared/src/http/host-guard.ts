import { sendJsonRpcError } from './json-rpc-error.ts';
import type { RequestGuard } from './mcp-request.ts';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

export interface HostGuardOptions {
  /** The address the server listens on; a concrete non-wildcard address is allowed as a Host too. */
  listenHost: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(0, end + 1) : value;
  }
  const colon = value.lastIndexOf(':');
  return colon > 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}

/**
 * DNS-rebinding protection: the Host header must name this server (loopback names, the listen address, or an
 * allowed host), and a browser Origin must be loopback or explicitly allowed. Anything else gets 403.
 */
export function createHostGuard(options: HostGuardOptions): RequestGuard {
  const hosts = new Set<string>(LOOPBACK_HOSTS);
  const anyHost = options.allowedHosts.includes('*');
  for (const host of options.allowedHosts) hosts.add(host.toLowerCase());
  if (!['0.0.0.0', '::', ''].includes(options.listenHost)) hosts.add(hostnameOf(options.listenHost));
  const anyOrigin = options.allowedOrigins.includes('*');
  const origins = new Set(options.allowedOrigins.map((origin) => origin.toLowerCase().replace(/\/$/, '')));

  /** Host header values seen allowed (a client sends the same one on every request). */
  const allowedHeaders = new Set<string>();
  return (req, res) => {
    const host = req.headers.host;
    if (!anyHost && !(host !== undefined && allowedHeaders.has(host))) {
      if (!host || !hosts.has(hostnameOf(host))) {
        sendJsonRpcError(
          res,
          403,
          -32000,
          `Forbidden: Host "${host ?? ''}" is not allowed (DNS rebinding protection); add it to SWITCHBOARD_ALLOWED_HOSTS`,
        );
        return false;
      }
      if (allowedHeaders.size >= 64) allowedHeaders.clear();
      allowedHeaders.add(host);
    }
    const origin = req.headers.origin;
    if (origin && !anyOrigin) {
      const normalised = origin.toLowerCase().replace(/\/$/, '');
      let originHost = '';
      try {
        originHost = new URL(normalised).hostname;
      } catch {}
      const loopback = LOOPBACK_HOSTS.includes(originHost) || LOOPBACK_HOSTS.includes(`[${originHost}]`);
      if (!origins.has(normalised) && !loopback) {
        sendJsonRpcError(res, 403, -32000, `Forbidden: Origin "${origin}" is not allowed`);
        return false;
      }
    }
    return true;
  };
}
