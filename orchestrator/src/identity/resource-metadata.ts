import type { OAuthConfig } from '../config.ts';

/** Where the protected resource metadata of a resource URL lives (RFC 9728 §3.1: the well-known path before its path). */
export function metadataUrlOf(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/** The well-known prefix the endpoint serves (the bare path and every path-suffixed form). */
export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The RFC 9728 document MCP clients read after a 401 to find the authorization server. */
export function protectedResourceMetadata(config: OAuthConfig): Record<string, unknown> {
  return {
    resource: config.resource,
    authorization_servers: config.authorizationServers,
    bearer_methods_supported: ['header'],
    ...(config.scopesSupported.length > 0 ? { scopes_supported: config.scopesSupported } : {}),
    resource_name: 'Switchboard orchestrator',
  };
}

export interface Challenge {
  error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request';
  description?: string;
  /** The scopes that would do (insufficient_scope). */
  scope?: readonly string[];
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A `WWW-Authenticate: Bearer` value (RFC 6750 §3) with the resource metadata URL (RFC 9728 §5.1) when OAuth is on. */
export function bearerChallenge(realm: string, challenge: Challenge, oauth: OAuthConfig | undefined): string {
  const parts = [`realm=${quoted(realm)}`];
  // A request without credentials gets no error attributes (RFC 6750 §3); the body still says what to send.
  if (challenge.error) parts.push(`error=${quoted(challenge.error)}`);
  if (challenge.error && challenge.description) parts.push(`error_description=${quoted(challenge.description)}`);
  const scope = challenge.scope ?? (oauth && oauth.scopesSupported.length > 0 ? oauth.scopesSupported : undefined);
  if (scope && scope.length > 0) parts.push(`scope=${quoted(scope.join(' '))}`);
  if (oauth) parts.push(`resource_metadata=${quoted(metadataUrlOf(oauth.resource))}`);
  return `Bearer ${parts.join(', ')}`;
}
