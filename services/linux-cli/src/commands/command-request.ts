import { ToolError, z } from '@switchboard/shared';
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

/** The call's environment variables, each allowed by envAllow and free of NUL bytes. */
export function callEnv(ctx: LinuxCliToolContext, env: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env ?? {})) {
    if (!ctx.clients.envAllowed(name)) {
      refuse(
        'env-name',
        `env.${name}: setting ${name} is not allowed (envAllow: ${ctx.config.envAllow.join(', ')}; PATH, LD_*, GIT_* and the like never are)`,
      );
    }
    if (value.includes('\0')) refuse('nul', `env.${name} contains a NUL byte`);
    out[name] = value;
  }
  return out;
}
