import { defineTool, z } from '@switchboard/shared';
import type { SecretsToolContext } from '../context.ts';
import { versionState } from '../lifecycle/version-state.ts';
import { previewOf } from '../model/preview.ts';
import { secretInput, targetOf, versionStateSchema } from './shared-schemas.ts';

export const handleOutput = z.object({
  handle: z.string().describe('Follows the current version: pass it to other tools (linux.runCommand env, workflow steps)'),
  pinnedHandle: z.string().describe('This exact version'),
  backend: z.string(),
  path: z.string(),
  version: z.string(),
  preview: z.string().describe('Masked: ab****yz for long values, fewer clear characters for short ones'),
  length: z.number().int(),
});

export const getSecret = defineTool({
  name: 'getSecret',
  title: 'Get a secret handle',
  description:
    'Returns a handle to the secret and a masked preview (ab****yz, length), never the value. Services that receive the handle resolve it server to server under the resolve policy; revealSecret shows the value to a human after approval.',
  input: z.object(secretInput),
  output: handleOutput.extend({ state: versionStateSchema, expiresAt: z.string().optional() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  handler: async (args, ctx: SecretsToolContext) => {
    const { manager } = ctx.clients;
    const target = {};
    return manager.audited(ctx, 'get', target, async () => {
      const ref = manager.ref(args.secret, args.version);
      Object.assign(target, targetOf(ref));
      const { value, record } = await manager.readResolvable(ref);
      return {
        handle: manager.handleOf(ref.backend, ref.path),
        pinnedHandle: manager.handleOf(ref.backend, ref.path, value.version),
        backend: ref.backend,
        path: ref.path,
        version: value.version,
        ...previewOf(value.value),
        state: versionState(record, value.version, manager.now()),
        ...(record.attributes.expiresAt ? { expiresAt: record.attributes.expiresAt } : {}),
      };
    });
  },
});
