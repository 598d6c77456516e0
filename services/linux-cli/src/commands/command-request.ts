import { isSecretHandle, type ResolvedSecret, ToolError, z } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { refuse } from '../validator/refusal.ts';

export const argvSchema = z
  .array(z.string().max(65_536))
  .min(1)
  .max(4096)
  .describe('The command and its arguments, run without a shell; argv[0] is looked up in the command PATH');

/** The inputs every command tool shares. */
export const commandInputShape = {
  argv: argvSchema,
  cwd: z.string().min(1).max(4096).optional().describe('Working directory inside the allowed roots (default: the first root)'),
  timeout_ms: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('Time limit in ms (default 30000, at most 300000); the process group is killed after it'),
  stdin: z
    .string()
    .max(1024 * 1024)
    .optional()
    .describe("Text written to the command's standard input (default: empty)"),
  env: z
    .record(z.string(), z.string().max(4096))
    .optional()
    .describe('Extra environment variables; only names allowed by envAllow (never PATH, LD_*, GIT_*, ...)'),
};

export interface CommandRequest {
  argv: string[];
  cwd?: string | undefined;
  timeout_ms?: number | undefined;
  stdin?: string | undefined;
  env?: Record<string, string> | undefined;
}

export function timeoutOf(ctx: LinuxCliToolContext, requested: number | undefined): number {
  const timeout = requested ?? ctx.config.defaultTimeoutMs;
  if (timeout > ctx.config.maxTimeoutMs) {
    throw new ToolError('INVALID_ARGUMENT', `timeout_ms ${timeout} is over the maximum of ${ctx.config.maxTimeoutMs}`);
  }
  return timeout;
}

/** Resolves a secret handle through the secrets service (ctx.resolveSecret); UNSUPPORTED where none is configured. */
export async function resolveHandle(ctx: LinuxCliToolContext, handle: string, purpose: string): Promise<ResolvedSecret> {
  if (!ctx.resolveSecret) throw new ToolError('UNSUPPORTED', 'secret handles cannot be resolved here (no secrets service)');
  return ctx.resolveSecret(handle, { purpose });
}

/** Refuses the call's environment variables that envAllow does not allow, or that hold a NUL byte. */
export function checkCallEnv(ctx: LinuxCliToolContext, env: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!ctx.clients.envAllowed(name)) {
      refuse(
        'env-name',
        `env.${name}: setting ${name} is not allowed (envAllow: ${ctx.config.envAllow.join(', ')}; PATH, LD_*, GIT_* and the like never are)`,
      );
    }
    if (value.includes('\0')) refuse('nul', `env.${name} contains a NUL byte`);
  }
}

/**
 * The call's environment variables (checked by checkCallEnv) as the command gets them. A value that is a secret
 * handle (`secret://backend/path`) is resolved server to server, only once the call has been validated and approved:
 * the command sees the value, while the result, the audit log (variable names only) and every log see at most the
 * handle, and the redactor, which learned the value, masks it should the command print it.
 */
export async function resolveCallEnv(
  ctx: LinuxCliToolContext,
  env: Record<string, string> | undefined,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env ?? {})) {
    out[name] = isSecretHandle(value) ? (await resolveHandle(ctx, value, `env:${name}`)).value : value;
  }
  return out;
}
