import { Writable } from 'node:stream';
import type { V1Status } from '@kubernetes/client-node';
import { defineTool, ToolError, z } from '@switchboard/shared';
import { callOptions, type K8sToolContext, target } from '../context.ts';
import { DESTRUCTIVE_TIER, requireApproval } from '../policy/approval.ts';
import { contextField, nameField, namespaceField } from './shared-schemas.ts';

/** Keeps the first `cap` bytes written and counts the rest. */
class Capture extends Writable {
  readonly #cap: number;
  readonly #chunks: Buffer[] = [];
  kept = 0;
  total = 0;
  constructor(cap: number) {
    super();
    this.#cap = cap;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.total += chunk.length;
    const room = this.#cap - this.kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.#chunks.push(part);
      this.kept += part.length;
    }
    done();
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (cause?.message !== undefined) return Number(cause.message);
  throw new ToolError('INVALID_ARGUMENT', status.message ?? 'the command could not be run in the container', {
    details: { reason: status.reason },
  });
}

export const execInPod = defineTool({
  name: 'execInPod',
  title: 'Run a command in a container',
  description:
    'Runs one command in a container over the exec WebSocket (admin mode, approved by a human through elicitation for exactly this argv). argv only: no shell string is built. Output is capped (K8S_EXEC_OUTPUT_CAP) and the values of Secrets in the namespace are masked in it; when a Secret the pod reads cannot be read, the call is refused.',
  input: z.object({
    context: contextField,
    namespace: namespaceField,
    name: nameField.describe('Pod name'),
    container: z.string().min(1).max(253).optional(),
    command: z.array(z.string().max(4096)).min(1).max(64).describe('argv, e.g. ["cat", "/etc/os-release"]'),
    timeoutSeconds: z.number().int().min(1).max(300).optional().describe('Default K8S_EXEC_TIMEOUT_MS'),
  }),
  output: z.object({
    container: z.string(),
    exitCode: z.number().int(),
    stdout: z.string(),
    stderr: z.string(),
    truncated: z.boolean(),
    stdoutBytes: z.number().int(),
    stderrBytes: z.number().int(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  ...DESTRUCTIVE_TIER,
  handler: async (args, ctx: K8sToolContext) => {
    const t = target(ctx, args, 'write');
    const pod = await t.call(`read pod ${args.name}`, () =>
      t.k.core.readNamespacedPod({ name: args.name, namespace: t.namespace }),
    );
    const containers = pod.spec?.containers ?? [];
    const container =
      args.container ?? pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ?? containers[0]?.name;
    if (!container || !containers.some((c) => c.name === container)) {
      throw new ToolError(
        'INVALID_ARGUMENT',
        `pod ${args.name} has no container ${container ?? ''} (containers: ${containers.map((c) => c.name).join(', ')})`,
      );
    }
    // A repeat of the same call (a workflow retry with its idempotency key) returns the first run's output.
    return ctx.idempotent(async () => {
      await requireApproval(ctx, {
        tool: 'execInPod',
        context: t.k.name,
        namespace: t.namespace,
        action: `run a command in pod ${t.namespace}/${args.name}, container ${container}`,
        detail: [`argv:      ${JSON.stringify(args.command)}`],
      });
      await ctx.clients.secrets.guardPod(t.k, pod as never, callOptions(ctx), 'execInPod');
      const cap = ctx.config.execOutputBytes;
      const errCap = Math.max(1024, Math.floor(cap / 4));
      // Twice the cap is captured, so a secret cut at the capture's edge lies beyond what is returned.
      const stdout = new Capture(cap * 2);
      const stderr = new Capture(errCap * 2);
      const timeoutMs = args.timeoutSeconds ? args.timeoutSeconds * 1000 : ctx.config.execTimeoutMs;
      const status = await new Promise<V1Status>((resolve, reject) => {
        let socket: { close(): void } | undefined;
        let finished = false;
        const end = (fn: () => void) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          ctx.signal.removeEventListener('abort', onAbort);
          socket?.close();
          fn();
        };
        const timer = setTimeout(
          () =>
            end(() =>
              reject(new ToolError('TIMEOUT', `the command did not finish within ${timeoutMs / 1000} s and was stopped`)),
            ),
          timeoutMs,
        );
        const onAbort = () => end(() => reject(new ToolError('CANCELLED', 'the call was cancelled')));
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        t.k.exec
          .exec(t.namespace, args.name, container, args.command, stdout, stderr, null, false, (s) => end(() => resolve(s)))
          .then(
            (ws) => {
              socket = ws;
              if (finished) ws.close();
              ws.on('close', () =>
                end(() =>
                  reject(
                    new ToolError('DEPENDENCY_UNAVAILABLE', 'the exec stream closed without reporting how the command ended'),
                  ),
                ),
              );
            },
            (error) =>
              end(() =>
                reject(
                  new ToolError(
                    'DEPENDENCY_UNAVAILABLE',
                    `exec in ${args.name} failed: ${(error as Error)?.message ?? String(error)}`,
                  ),
                ),
              ),
          );
      });
      // Redact the whole captured text before anything is cut, so no part of a secret survives at an edge.
      const cut = (text: string, bytes: number) =>
        Buffer.byteLength(text) <= bytes
          ? text
          : Buffer.from(text)
              .subarray(0, bytes)
              .toString('utf8')
              .replace(/\uFFFD$/, '');
      const out = cut(ctx.redactor.redactString(stdout.text()), cap);
      const err = cut(ctx.redactor.redactString(stderr.text()), errCap);
      return {
        container,
        exitCode: exitCodeOf(status),
        stdout: out,
        stderr: err,
        truncated: stdout.total > cap || stderr.total > errCap,
        stdoutBytes: stdout.total,
        stderrBytes: stderr.total,
      };
    });
  },
});
