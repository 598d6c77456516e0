import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  connect,
  type Probe,
  type RunningOrchestrator,
  startOrchestrator,
  startProbe,
  structured,
  tempDir,
  waitUp,
} from './helpers.ts';
import { allToolNames } from './support.ts';

const ISSUER = 'https://issuer.test/realms/ops';
const RESOURCE = 'https://switchboard.test/mcp';
const METADATA = 'https://switchboard.test/.well-known/oauth-protected-resource/mcp';

interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function rsaKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

function ecKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'ES256' } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs an access token as the authorization server would (RFC 9068 shape). */
function signToken(key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: ISSUER, aud: RESOURCE, iat: now, exp: now + 300, sub: 'alice', ...claims };
  const input = `${b64({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header })}.${b64(payload)}`;
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * The orchestrator as an OAuth 2.1 resource server: RFC 9728 protected resource metadata, JWT access tokens checked
 * against a local JWKS server (signature, issuer, audience, expiry), keys rotated by kid, identities bound to roles
 * by scopes, claims and subjects, and the 401/403 challenges of the MCP authorization spec.
 */
describe('OAuth access tokens', () => {
  const dir = tempDir('orch-oauth-');
  const keyA = rsaKey('key-a');
  const keyB = rsaKey('key-b');
  const keyE = ecKey('key-ec');
  let published: TestKey[] = [keyA, keyE];
  let fetches = 0;
  let jwks: Server;
  let probe: Probe;
  let orch: RunningOrchestrator;
  const clients: Client[] = [];

  beforeAll(async () => {
    jwks = createServer((_req, res) => {
      fetches++;
      const body = JSON.stringify({ keys: published.map((k) => k.jwk) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;
    probe = await startProbe(`${dir.path}/probe.log`);
    orch = await startOrchestrator(
      {
        upstreams: [{ name: 'probe', namespace: 'probe', url: `${probe.url}/mcp` }],
        oauth: {
          issuer: ISSUER,
          jwksUrl,
          resource: RESOURCE,
          scopesSupported: ['switchboard:read', 'switchboard:admin'],
          jwksMinRefreshMs: 0,
        },
      },
      { SWITCHBOARD_AUTH: 'token', SWITCHBOARD_TOKENS: 'break-glass:bg-token-0c9e2a7d5f1b3e8a' },
      {
        policy: {
          firstParty: ['probe'],
          bindings: [
            { scopes: ['switchboard:admin'], roles: ['admin'] },
            { claims: { groups: 'sre' }, roles: ['operator'] },
            { subjects: ['viewer-*'], roles: ['viewer'] },
            { tokens: ['break-glass'], roles: ['admin'] },
          ],
        },
      },
    );
    await waitUp(orch, 'probe');
  }, 30_000);

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close().catch(() => {});
  });

  afterAll(async () => {
    await orch?.close();
    await probe?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
    dir.cleanup();
  });

  const initialize = (token?: string) =>
    fetch(`${orch.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    });

  async function as(token: string): Promise<Client> {
    const c = await connect(`${orch.url}/mcp`, { headers: { authorization: `Bearer ${token}` } });
    clients.push(c);
    return c;
  }

  test('the protected resource metadata names the resource and its authorization server (RFC 9728)', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${orch.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [ISSUER],
        bearer_methods_supported: ['header'],
        scopes_supported: ['switchboard:read', 'switchboard:admin'],
        resource_name: 'Switchboard orchestrator',
      });
    }
  });

  test('without a token: 401 whose challenge points at the metadata', async () => {
    const response = await initialize();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="orchestrator", scope="switchboard:read switchboard:admin", resource_metadata="${METADATA}"`,
    );
  });

  test('a valid token is a caller whose scopes, claims or subject give its roles', async () => {
    const admin = await as(signToken(keyA, { scope: 'switchboard:read switchboard:admin' }));
    expect(await allToolNames(admin)).toContain('orchestrator.getAuditLog');
    expect(structured(await admin.callTool({ name: 'probe.whoami', arguments: {} })).caller).toBe('anonymous');
    const operator = await as(signToken(keyE, { sub: 'olga', groups: ['dev', 'sre'] }));
    const names = await allToolNames(operator);
    expect(names).toContain('probe.append');
    expect(names).not.toContain('orchestrator.getAuditLog');
    const viewer = await as(signToken(keyA, { sub: 'viewer-vic' }));
    expect(await allToolNames(viewer)).not.toContain('probe.append');
    const audit = structured<{ items: Record<string, unknown>[] }>(
      await admin.callTool({ name: 'orchestrator.getAuditLog', arguments: { tool: 'whoami' } }),
    );
    expect(audit.items[0]).toMatchObject({ caller: 'oauth:alice', callerKind: 'oauth', roles: 'admin' });
  });

  test.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }, /expired/],
    ['for another audience', { aud: 'https://elsewhere.test/mcp' }, /not meant for this server/],
    ['from another issuer', { iss: 'https://evil.test' }, /not issued by/],
    ['without an expiry', { exp: undefined }, /no expiry/],
  ])('a token %s is 401 invalid_token', async (_what, claims, reason) => {
    const response = await initialize(signToken(keyA, { scope: 'switchboard:admin', ...claims }));
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') as string;
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toMatch(reason);
    expect(challenge).toContain(`resource_metadata="${METADATA}"`);
  });

  test('a forged signature, a symmetric or missing algorithm are refused', async () => {
    const good = signToken(keyA, { scope: 'switchboard:admin' });
    const [head, , sig] = good.split('.');
    const forged = `${head}.${b64({ iss: ISSUER, aud: RESOURCE, sub: 'mallory', scope: 'switchboard:admin', exp: 9e9 })}.${sig}`;
    const hs = `${b64({ alg: 'HS256', kid: 'key-a' })}.${b64({ iss: ISSUER, aud: RESOURCE, sub: 'm', exp: 9e9 })}.c2ln`;
    const none = `${b64({ alg: 'none' })}.${b64({ iss: ISSUER, aud: RESOURCE, sub: 'm', exp: 9e9 })}.AA`;
    for (const [token, reason] of [
      [forged, /signature/],
      [hs, /algorithm/],
      [none, /algorithm/],
    ] as const) {
      const response = await initialize(token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(reason);
    }
  });

  test('an unknown kid fetches the key set again; a rotated key works at once and the removed one stops', async () => {
    const before = fetches;
    const unknown = await initialize(signToken(keyB, { scope: 'switchboard:admin' }));
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('unknown key (kid \\"key-b\\")');
    expect(fetches).toBeGreaterThan(before);

    published = [keyB, keyE];
    const rotated = await as(signToken(keyB, { scope: 'switchboard:admin' }));
    expect(await allToolNames(rotated)).toContain('orchestrator.getAuditLog');
    const retired = await initialize(signToken(keyA, { sub: 'carol', scope: 'switchboard:admin' }));
    expect(retired.status).toBe(401);
    expect(retired.headers.get('www-authenticate')).toContain('unknown key');
    published = [keyA, keyE];
  });

  test('a valid token the policy grants nothing is 403 insufficient_scope', async () => {
    const response = await initialize(signToken(keyA, { sub: 'nobody', scope: 'email' }));
    expect(response.status).toBe(403);
    const challenge = response.headers.get('www-authenticate') as string;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="switchboard:admin"');
    expect(challenge).toContain(`resource_metadata="${METADATA}"`);
  });

  test('a session belongs to the caller that opened it, and a static token still works beside OAuth', async () => {
    const opened = await initialize(signToken(keyA, { scope: 'switchboard:admin' }));
    expect(opened.status).toBe(200);
    const session = opened.headers.get('mcp-session-id') as string;
    const other = await fetch(`${orch.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': session,
        authorization: `Bearer ${signToken(keyA, { sub: 'viewer-vic' })}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(other.status).toBe(404);
    const glass = await as('bg-token-0c9e2a7d5f1b3e8a');
    expect(await allToolNames(glass)).toContain('orchestrator.getAuditLog');
  });
});
