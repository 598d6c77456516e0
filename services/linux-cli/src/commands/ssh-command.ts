import { posix } from 'node:path';
import { ToolError } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { isInsideAny } from '../fs/real-path.ts';
import { requireApproval } from '../safety/approval.ts';
import type { AuditRecord } from '../safety/audited.ts';
import { remoteCommandLine, remotePathResolver } from '../ssh/remote-command.ts';
import { connectSsh } from '../ssh/ssh-session.ts';
import { refuse } from '../validator/refusal.ts';
import { type CommandRequest, checkCallEnv, resolveCallEnv, resolveHandle, timeoutOf } from './command-request.ts';
import { buildCommandResult, type CommandResult } from './command-result.ts';

/**
 * A command on a remote host over SSH, under the same validator and limits: the argv is judged before we connect,
 * the roots, cwd and every path are resolved on the host (realpath -m) and checked, approval shows the host, and
 * the argv is sent single-quoted with a minimal environment and a remote timeout backstop.
 */
export async function runSshCommand(
  ctx: LinuxCliToolContext,
  tool: string,
  request: CommandRequest & { host: string },
  record: AuditRecord,
  options: { readOnlyOnly: boolean },
): Promise<CommandResult> {
  const { clients, config } = ctx;
  record.argv = request.argv;
  record.host = request.host;
  if (request.env) record.envNames = Object.keys(request.env);
  if (request.stdin !== undefined) record.stdinBytes = Buffer.byteLength(request.stdin);
  const timeoutMs = timeoutOf(ctx, request.timeout_ms);
  checkCallEnv(ctx, request.env);
  clients.validator.analyze(request.argv, '');
  const target = await clients.hosts.resolve(request.host, { signal: ctx.signal, correlationId: ctx.correlationId });
  if (target.roots.length === 0) {
    refuse('no-roots', `no allowed roots are configured for host ${request.host} (the profile's roots, or sshDefaultRoots)`);
  }
  const cwdRaw = request.cwd ?? target.cwd ?? (target.roots[0] as string);
  if (!cwdRaw.startsWith('/')) throw new ToolError('INVALID_ARGUMENT', 'over SSH, cwd must be an absolute path');
  const session = await connectSsh(target, {
    knownHostsFile: config.sshKnownHosts,
    resolveSecret: async (handle, purpose) => (await resolveHandle(ctx, handle, purpose)).value,
    connectTimeoutMs: config.sshConnectTimeoutMs,
    keepaliveIntervalMs: config.sshKeepaliveIntervalMs,
    keepaliveCountMax: config.sshKeepaliveCountMax,
  });
  try {
    const resolver = remotePathResolver(session, config.childPath);
    const resolvedRoots = await resolver.resolve(target.roots.map((root) => posix.normalize(root)));
    const roots = resolvedRoots.map((r) => r.real);
    const [cwdResolved] = await resolver.resolve([posix.normalize(cwdRaw)]);
    const cwd = cwdResolved?.real ?? cwdRaw;
    record.cwd = cwd;
    if (!isInsideAny(posix.normalize(cwdRaw), roots.concat(target.roots)) || !isInsideAny(cwd, roots)) {
      refuse(
        'outside-roots',
        `cwd ${cwdRaw} on ${request.host} resolves to ${cwd}, outside the allowed roots (${target.roots.join(', ')})`,
      );
    }
    const verdict = await clients.validator.validate(request.argv, { roots, cwd, home: undefined, protectedPaths: [], resolver });
    record.risk = verdict.risk;
    if (options.readOnlyOnly && verdict.risk !== 'read_only') {
      refuse(
        'read-only',
        `${tool} runs read_only commands only, and this one is ${verdict.risk} (${verdict.riskReasons.join('; ')})`,
      );
    }
    const approval = await requireApproval(ctx, {
      tool,
      risk: verdict.risk,
      argv: request.argv,
      cwd,
      host: `${request.host} (${target.user}@${target.host}:${target.port})`,
      reasons: verdict.riskReasons,
      replaces: verdict.replaces,
      mode: config.approvalMode,
    });
    record.approval = approval;
    const variables = await resolveCallEnv(ctx, request.env);
    const output = clients.outputs.create(ctx.caller.id);
    record.ran = true;
    record.outputId = output.id;
    const result = await session.exec(
      remoteCommandLine({
        argv: request.argv,
        cwd,
        path: config.childPath,
        lang: config.childLang,
        env: { ...clients.childEnv, ...variables },
        timeoutMs,
        killGraceMs: config.killGraceMs,
      }),
      {
        stdout: output.stdout,
        stderr: output.stderr,
        timeoutMs,
        signal: ctx.signal,
        ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
      },
    );
    record.exitCode = result.exitCode;
    record.signal = result.signal;
    record.timedOut = result.timedOut;
    if (result.timedOut) {
      throw new ToolError(
        'TIMEOUT',
        `${request.argv[0]} on ${request.host} did not finish within ${timeoutMs} ms; the channel was closed and the remote process group killed. Partial output: readCommandOutput {"id":"${output.id}"}`,
        {
          details: { id: output.id, timeoutMs, host: request.host },
        },
      );
    }
    if (result.cancelled) throw new ToolError('CANCELLED', 'the call was cancelled and the remote command stopped');
    return buildCommandResult({
      id: output.id,
      host: request.host,
      result,
      risk: verdict.risk,
      approval,
      stdout: output.stdout,
      stderr: output.stderr,
      pageBytes: config.pageBytes,
      outputCapBytes: config.outputCapBytes,
    });
  } finally {
    session.close();
  }
}
