import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { connectInMemory, type TestClient } from '@switchboard/shared/testing';
import { cmdbService } from '../src/service.ts';
import { BACKENDS, type Backend } from './backends.ts';

type Structured = Record<string, unknown> & { error?: { code: string; message: string } };

describe.each(BACKENDS)('cmdb on $name', ({ make }) => {
  let backend: Backend;
  let env: Record<string, string>;
  let client: TestClient;

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<Structured> => {
    const result = await client.callTool({ name, arguments: args });
    return result.structuredContent as Structured;
  };
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const out = await call(name, args);
    if (out.error) throw new Error(`${name} failed: ${out.error.code} ${out.error.message}`);
    return out as Record<string, any>;
  };
  const upsert = (type: string, name: string, extra: Record<string, unknown> = {}) => ok('upsertItem', { type, name, ...extra });
  const relate = (s: [string, string], type: string, t: [string, string]) =>
    ok('addRelationship', { source: { type: s[0], name: s[1] }, type, target: { type: t[0], name: t[1] } });

  beforeEach(async () => {
    backend = make();
    env = await backend.create();
    client = await connectInMemory(cmdbService, { env });
  });
  afterEach(async () => {
    await client.close();
    await backend.destroy();
  });

  describe('upsertItem', () => {
    test('creates, then is idempotent on type + name, then reports a field diff', async () => {
      const created = await upsert('host', 'web-01', {
        environment: 'Prod',
        tags: ['web', 'web', 'edge'],
        attributes: { ip: '10.0.0.1' },
      });
      expect(created.action).toBe('created');
      expect(created.item).toMatchObject({
        type: 'host',
        name: 'web-01',
        environment: 'prod',
        tags: ['edge', 'web'],
        version: 1,
      });
      const again = await upsert('host', 'web-01', {
        environment: 'prod',
        tags: ['web', 'edge'],
        attributes: { ip: '10.0.0.1' },
      });
      expect(again).toMatchObject({ action: 'unchanged', changes: [] });
      expect(again.item.id).toBe(created.item.id);
      const changed = await upsert('host', 'web-01', { owner: 'team-web', attributes: { ip: '10.0.0.2', os: 'debian' } });
      expect(changed.action).toBe('updated');
      expect(changed.item.version).toBe(2);
      expect(changed.changes).toEqual([
        { field: 'owner', before: null, after: 'team-web' },
        { field: 'attributes.ip', before: '10.0.0.1', after: '10.0.0.2' },
        { field: 'attributes.os', after: 'debian' },
      ]);
    });

    test('dryRun returns the diff and writes nothing', async () => {
      await upsert('host', 'web-01', { environment: 'prod' });
      const dry = await upsert('host', 'web-01', { environment: 'staging', dryRun: true });
      expect(dry).toMatchObject({
        action: 'updated',
        dryRun: true,
        changes: [{ field: 'environment', before: 'prod', after: 'staging' }],
      });
      expect((await ok('getItem', { type: 'host', name: 'web-01' })).item.environment).toBe('prod');
      const dryCreate = await upsert('host', 'web-02', { dryRun: true });
      expect(dryCreate.action).toBe('created');
      expect((await call('getItem', { type: 'host', name: 'web-02' })).error?.code).toBe('NOT_FOUND');
    });

    test('null removes an attribute; replace mode replaces them all', async () => {
      await upsert('host', 'h', { attributes: { a: '1', b: '2', c: 3 } });
      expect((await upsert('host', 'h', { attributes: { a: null } })).item.attributes).toEqual({ b: '2', c: 3 });
      expect((await upsert('host', 'h', { attributes: { z: true }, attributesMode: 'replace' })).item.attributes).toEqual({
        z: true,
      });
    });

    test('the natural key taken under a different id is a CONFLICT', async () => {
      const a = await upsert('host', 'a');
      await upsert('host', 'b');
      const renamed = await upsert('host', 'a2', { id: a.item.id });
      expect(renamed.action).toBe('updated');
      const clash = await call('upsertItem', { type: 'host', name: 'b', id: a.item.id });
      expect(clash.error).toMatchObject({ code: 'CONFLICT' });
      expect(clash.error?.message).toContain('host/b already exists under id');
    });

    test('an unknown type is INVALID_ARGUMENT listing the valid ones', async () => {
      const out = await call('upsertItem', { type: 'router', name: 'r1' });
      expect(out.error?.code).toBe('INVALID_ARGUMENT');
      expect(out.error?.message).toMatch(/type.*host.*service.*database.*cluster/);
    });

    test('concurrent upserts of one new item create it once', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => call('upsertItem', { type: 'service', name: 'race', attributes: { n: i } })),
      );
      expect(results.every((r) => !r.error)).toBe(true);
      expect(results.filter((r) => r.action === 'created')).toHaveLength(1);
      expect((await ok('searchItems', { type: 'service' })).total).toBe(1);
    });
  });

  describe('searchItems', () => {
    beforeEach(async () => {
      for (let i = 0; i < 45; i++) {
        await upsert('host', `web-${String(i).padStart(2, '0')}`, {
          environment: i % 3 === 0 ? 'staging' : 'prod',
          tags: i % 2 === 0 ? ['web', 'even'] : ['web'],
          owner: i < 5 ? 'team-a' : 'team-b',
          attributes: { ssh_port: 22 + (i % 2), os: i % 5 === 0 ? 'alpine' : 'debian' },
        });
      }
      await upsert('service', 'payments', { environment: 'prod', attributes: { lang: 'go' } });
    });

    test('default limit 20 with total and a cursor that walks every page exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await ok('searchItems', { type: 'host', ...(cursor ? { cursor } : {}) });
        expect(page.total).toBe(45);
        seen.push(...page.items.map((i: { name: string }) => i.name));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(45);
      expect(new Set(seen).size).toBe(45);
      expect(seen).toEqual([...seen].sort());
    });

    test('filters combine: environment, tags, owner, attributes (number or string form), free text', async () => {
      expect((await ok('searchItems', { environment: 'staging' })).total).toBe(15);
      expect((await ok('searchItems', { tags: ['web', 'even'] })).total).toBe(23);
      expect((await ok('searchItems', { owner: 'team-a' })).total).toBe(5);
      expect((await ok('searchItems', { attributes: { ssh_port: 23 } })).total).toBe(22);
      expect((await ok('searchItems', { attributes: { ssh_port: '23' } })).total).toBe(22);
      expect((await ok('searchItems', { attributes: { os: 'alpine' }, environment: 'staging' })).total).toBe(3);
      const text = await ok('searchItems', { q: 'PAYM' });
      expect(text.items.map((i: { name: string }) => i.name)).toEqual(['payments']);
      expect((await ok('searchItems', { q: '100%_' })).total).toBe(0);
    });

    test('fields projects the output; identity fields stay', async () => {
      const page = await ok('searchItems', { type: 'service', fields: ['attributes.lang', 'environment'] });
      expect(page.items).toEqual([
        { id: expect.any(String), type: 'service', name: 'payments', environment: 'prod', attributes: { lang: 'go' } },
      ]);
    });

    test('limit is capped at 200 and a cursor cannot be reused for another query', async () => {
      expect((await call('searchItems', { limit: 201 })).error?.code).toBe('INVALID_ARGUMENT');
      const first = await ok('searchItems', { type: 'host', limit: 5 });
      const misuse = await call('searchItems', { type: 'service', cursor: first.nextCursor });
      expect(misuse.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(misuse.error?.message).toContain('different query');
    });
  });

  describe('relationships, delete and impact', () => {
    beforeEach(async () => {
      await upsert('cluster', 'k8s-prod');
      await upsert('host', 'node-1');
      await upsert('host', 'node-2');
      await upsert('database', 'pg-main');
      await upsert('service', 'api');
      await upsert('service', 'web');
      await upsert('service', 'billing');
      await relate(['host', 'node-1'], 'member_of', ['cluster', 'k8s-prod']);
      await relate(['host', 'node-2'], 'member_of', ['cluster', 'k8s-prod']);
      await relate(['service', 'api'], 'runs_on', ['host', 'node-1']);
      await relate(['service', 'api'], 'depends_on', ['database', 'pg-main']);
      await relate(['service', 'web'], 'depends_on', ['service', 'api']);
      await relate(['service', 'billing'], 'depends_on', ['service', 'web']);
    });

    test('adding a relationship twice changes nothing; a missing CI or a self-loop is refused', async () => {
      const again = await relate(['service', 'web'], 'depends_on', ['service', 'api']);
      expect(again.created).toBe(false);
      const missing = await call('addRelationship', {
        source: { type: 'service', name: 'api' },
        type: 'runs_on',
        target: { type: 'host', name: 'ghost' },
      });
      expect(missing.error).toMatchObject({ code: 'NOT_FOUND', message: 'relationship target host/ghost does not exist' });
      const self = await call('addRelationship', {
        source: { type: 'host', name: 'node-1' },
        type: 'depends_on',
        target: { type: 'host', name: 'node-1' },
      });
      expect(self.error?.code).toBe('INVALID_ARGUMENT');
    });

    test('getItem shows relationships both ways', async () => {
      const api = await ok('getItem', { type: 'service', name: 'api' });
      expect(api.relationships.outgoing.map((r: any) => `${r.type} ${r.target.name}`)).toEqual([
        'depends_on pg-main',
        'runs_on node-1',
      ]);
      expect(api.relationships.incoming.map((r: any) => `${r.type} ${r.source.name}`)).toEqual(['depends_on web']);
      expect((await call('getItem', { type: 'service', name: 'nope' })).error?.code).toBe('NOT_FOUND');
      expect((await call('getItem', { name: 'api' })).error?.code).toBe('INVALID_ARGUMENT');
    });

    test('impact up: everything affected when the cluster fails, with depth and path', async () => {
      const impact = await ok('getImpact', { type: 'cluster', name: 'k8s-prod' });
      expect(impact.items.map((e: any) => [e.ci.name, e.depth])).toEqual([
        ['node-1', 1],
        ['node-2', 1],
        ['api', 2],
        ['web', 3],
        ['billing', 4],
      ]);
      expect(impact.items[4].path).toEqual(['cluster/k8s-prod', 'host/node-1', 'service/api', 'service/web', 'service/billing']);
      expect(impact.countsByType).toEqual({ host: 2, service: 3 });
      expect(impact.truncatedAtDepth).toBe(false);
      const services = await ok('getImpact', { type: 'database', name: 'pg-main', types: ['service'] });
      expect(services.items.map((e: any) => e.ci.name)).toEqual(['api', 'web', 'billing']);
    });

    test('impact down, depth limit and cycle safety', async () => {
      const down = await ok('getImpact', { type: 'service', name: 'billing', direction: 'down' });
      expect(down.items.map((e: any) => e.ci.name)).toEqual(['web', 'api', 'pg-main', 'node-1', 'k8s-prod']);
      const shallow = await ok('getImpact', { type: 'service', name: 'billing', direction: 'down', maxDepth: 2 });
      expect(shallow.items.map((e: any) => e.ci.name)).toEqual(['web', 'api']);
      expect(shallow.truncatedAtDepth).toBe(true);
      await relate(['service', 'api'], 'depends_on', ['service', 'billing']);
      const cyclic = await ok('getImpact', { type: 'service', name: 'api' });
      expect(cyclic.items.map((e: any) => e.ci.name).sort()).toEqual(['billing', 'web']);
      expect((await call('getImpact', { type: 'service', name: 'api', maxDepth: 11 })).error?.code).toBe('INVALID_ARGUMENT');
    });

    test('impact pages with limit and cursor', async () => {
      const first = await ok('getImpact', { type: 'cluster', name: 'k8s-prod', limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.total).toBe(5);
      const second = await ok('getImpact', { type: 'cluster', name: 'k8s-prod', limit: 2, cursor: first.nextCursor });
      expect(second.items.map((e: any) => e.ci.name)).toEqual(['api', 'web']);
    });

    test('delete refuses while relationships point at it; cascade removes them; history survives', async () => {
      const refused = await call('deleteItem', { type: 'database', name: 'pg-main' });
      expect(refused.error).toMatchObject({ code: 'CONFLICT' });
      expect(refused.error?.message).toContain('service/api depends_on');
      expect((await ok('getItem', { type: 'database', name: 'pg-main' })).item.name).toBe('pg-main');
      const dry = await ok('deleteItem', { type: 'database', name: 'pg-main', cascade: true, dryRun: true });
      expect(dry).toMatchObject({ relationshipsRemoved: 1, dryRun: true });
      const deleted = await ok('deleteItem', { type: 'database', name: 'pg-main', cascade: true });
      expect(deleted.relationshipsRemoved).toBe(1);
      expect((await call('getItem', { type: 'database', name: 'pg-main' })).error?.code).toBe('NOT_FOUND');
      expect((await ok('getItem', { type: 'service', name: 'api' })).relationships.outgoing).toHaveLength(1);
      const history = await ok('getChangelog', { type: 'database', name: 'pg-main' });
      expect(history.items.map((e: any) => e.action)).toEqual(['delete', 'create']);
    });

    test('removeRelationship removes one edge, and NOT_FOUND for a missing one', async () => {
      const args = { source: { type: 'service', name: 'web' }, type: 'depends_on', target: { type: 'service', name: 'api' } };
      expect((await ok('removeRelationship', args)).removed).toBe(true);
      expect((await call('removeRelationship', args)).error?.code).toBe('NOT_FOUND');
      const log = await ok('getChangelog', { action: 'unrelate' });
      expect(log.items[0].relationship).toEqual({ source: 'service/web', type: 'depends_on', target: 'service/api' });
    });
  });

  describe('importCsv', () => {
    const csv = [
      'hostname,ip,os,environment,role,ssh_user,ssh_port,tags',
      'web-01,10.0.0.1,debian,prod,web,deploy,22,web;edge',
      'web-02,10.0.0.2,debian,prod,web,deploy,2222,web',
      '"db-01",10.0.0.3,"debian ""bookworm""",prod,db,deploy,22,db',
      'bad-01,10.0.0.4,debian,prod,web,deploy,22', // one field short
      '"broken,10.0.0.5,debian,prod,web,deploy,22,web', // unterminated quote
      'web-03,10.0.0.6,debian,prod,web,deploy,22,web',
      'web-01,10.0.0.9,debian,prod,web,deploy,22,web', // repeats line 2
      ',10.0.0.7,debian,prod,web,deploy,22,web', // empty name
    ].join('\n');

    test('imports the good rows and reports each bad one by line', async () => {
      const out = await ok('importCsv', { csv });
      expect(out).toMatchObject({ created: 4, updated: 0, unchanged: 0, failed: 4, dryRun: false });
      expect(out.errors.map((e: any) => e.line)).toEqual([5, 6, 8, 9]);
      expect(out.errors[1].message).toBe('malformed CSV at line 6: unterminated quoted field');
      expect(out.errors[0].message).toContain('expected 8 fields');
      expect(out.errors[2].message).toContain('repeats line 2');
      const web01 = await ok('getItem', { type: 'host', name: 'web-01' });
      expect(web01.item).toMatchObject({
        environment: 'prod',
        tags: ['edge', 'web'],
        attributes: { ip: '10.0.0.1', os: 'debian', role: 'web', ssh_user: 'deploy', ssh_port: 22 },
      });
      expect((await ok('getItem', { type: 'host', name: 'db-01' })).item.attributes.os).toBe('debian "bookworm"');
    });

    test('re-importing the same file changes nothing; dryRun writes nothing', async () => {
      const dry = await ok('importCsv', { csv, dryRun: true });
      expect(dry).toMatchObject({ created: 4, dryRun: true });
      expect((await ok('searchItems', {})).total).toBe(0);
      await ok('importCsv', { csv });
      const again = await ok('importCsv', { csv });
      expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
      expect((await ok('getChangelog', {})).total).toBe(4);
    });

    test('a file without a name column is refused as a whole', async () => {
      const out = await ok('importCsv', { csv: 'ip,os\n10.0.0.1,debian' });
      expect(out.created).toBe(0);
      expect(out.errors[0]).toEqual({ line: 1, message: 'the header needs a name or hostname column' });
    });
  });

  describe('getChangelog', () => {
    test('records actor, correlation id and before/after diffs, newest first, paged', async () => {
      await upsert('host', 'h1', { environment: 'dev' });
      await upsert('host', 'h1', { environment: 'prod' });
      await upsert('host', 'h2');
      const all = await ok('getChangelog', { limit: 2 });
      expect(all.total).toBe(3);
      expect(all.items.map((e: any) => `${e.action} ${e.ci.name}`)).toEqual(['create h2', 'update h1']);
      expect(all.items[1]).toMatchObject({
        actor: 'test',
        correlationId: expect.any(String),
        changes: [{ field: 'environment', before: 'dev', after: 'prod' }],
      });
      const rest = await ok('getChangelog', { limit: 2, cursor: all.nextCursor });
      expect(rest.items.map((e: any) => e.action)).toEqual(['create']);
      expect(rest.nextCursor).toBeUndefined();
      const snapshots = await ok('getChangelog', { type: 'host', name: 'h1', includeSnapshots: true, limit: 1 });
      expect(snapshots.items[0].before.environment).toBe('dev');
      expect(snapshots.items[0].after.environment).toBe('prod');
      expect((await ok('getChangelog', { since: '2999-01-01T00:00:00Z' })).total).toBe(0);
    });
  });

  describe('resources', () => {
    test('cmdb://ci/{type}/{name} is a template; CIs list and read as resources; names complete', async () => {
      await upsert('host', 'web 01', { environment: 'prod' });
      await upsert('host', 'web-02');
      const templates = await client.listResourceTemplates();
      expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['cmdb://ci/{type}/{name}']);
      const listed = await client.listResources();
      expect(listed.resources.map((r) => r.uri)).toEqual(['cmdb://ci/host/web%2001', 'cmdb://ci/host/web-02']);
      const read = await client.readResource({ uri: 'cmdb://ci/host/web%2001' });
      expect(JSON.parse((read.contents[0] as { text: string }).text).item).toMatchObject({ name: 'web 01', environment: 'prod' });
      await expect(client.readResource({ uri: 'cmdb://ci/host/missing' })).rejects.toThrow(/does not exist/);
      const names = await client.complete({
        ref: { type: 'ref/resource', uri: 'cmdb://ci/{type}/{name}' },
        argument: { name: 'name', value: 'web' },
        context: { arguments: { type: 'host' } },
      });
      expect(names.completion.values).toEqual(['web 01', 'web-02']);
    });
  });
});

describe('cmdb read-only mode', () => {
  test('hides and refuses every mutating tool', async () => {
    const backend = BACKENDS[0]?.make() as Backend;
    const env = await backend.create();
    const client = await connectInMemory(cmdbService, { env: { ...env, SWITCHBOARD_READ_ONLY: 'true' } });
    try {
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(['getChangelog', 'getImpact', 'getItem', 'searchItems']);
      const refused = await client.callTool({ name: 'upsertItem', arguments: { type: 'host', name: 'x' } });
      expect(refused.structuredContent).toMatchObject({ error: { code: 'READ_ONLY' } });
    } finally {
      await client.close();
      await backend.destroy();
    }
  });
});
