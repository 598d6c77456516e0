import { ToolError } from '@switchboard/shared';
import type { LinuxCliToolContext } from '../context.ts';
import { buildChildEnv } from '../exec/child-env.ts';
import { resolveExecutable } from '../exec/executable.ts';
import { type Launch, startProcess } from '../exec/run-process.ts';
import { resolveFilePath } from '../fs/file-paths.ts';
import { localResolver } from '../fs/local-resolver.ts';
import { requireApproval } from '../safety/approval.ts';
import type { ApprovalOutcome } from '../safety/audit-log.ts';
import type { AuditRecord } from '../safety/audited.ts';
import { refuse } from '../validator/refusal.ts';
import type { Verdict } from '../validator/validate.ts';
import { type CommandRequest, checkCallEnv, resolveCallEnv, timeoutOf } from './command-request.ts';
import { buildCommandResult, type CommandResult } from './command-result.ts';

export interface PreparedLocal {
  verdict: Verdict;
  cwd: string;
  env: Record<string, string>;
  launch: Launch;
  approval: ApprovalOutcome;
}

/** The working directory: inside the roots after every symbolic link, and a directory. */
export async function resolveCwd(ctx: LinuxCliToolContext, raw: string | undefined): Promise<string> {
  const { roots, protectedPaths } = ctx.clients;
  const cwd = await resolveFilePath(raw ?? (roots[0] as string), { roots, protectedPaths });
  if (!cwd.exists) throw new ToolError('NOT_FOUND', `the working directory ${raw} does not exist`);
  if (!cwd.stat?.isDirectory()) throw new ToolError('INVALID_ARGUMENT', `the working directory ${raw} is not a directory`);
  return cwd.path;
}

/**
 * Everything before a local command runs: environment names, cwd, the validator (allowlist, forbidden list,
 * wrappers and shells, every path), read-only enforcement, the approval, and the executable's location.
 */
export async function prepareLocal(
  ctx: LinuxCliToolContext,
  tool: string,
  request: CommandRequest,
  record: AuditRecord,
  options: { readOnlyOnly: boolean },
): Promise<PreparedLocal> {
  const { clients } = ctx;
  record.argv = request.argv;
  record.host = 'local';
  if (request.env) record.envNames = Object.keys(request.env);
  if (request.stdin !== undefined) record.stdinBytes = Buffer.byteLength(request.stdin);
  checkCallEnv(ctx, request.env);
  const cwd = await resolveCwd(ctx, request.cwd);
  record.cwd = cwd;
  const verdict = await clients.validator.validate(request.argv, {
    roots: clients.roots,
    cwd,
    home: clients.home,
    protectedPaths: clients.protectedPaths,
    resolver: localResolver,
  });
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
    host: 'local',
    reasons: verdict.riskReasons,
    replaces: verdict.replaces,
    mode: ctx.config.approvalMode,
  });
  record.approval = approval;
  const file = await resolveExecutable(request.argv[0] as string, clients.pathDirs);
  const launch = clients.sandbox.launch(
    { file, argv: request.argv, cwd },
    { writable: verdict.risk !== 'read_only' && !ctx.config.readOnly, network: verdict.network },
  );
  const callVariables = await resolveCallEnv(ctx, request.env);
  const env = buildChildEnv({
    path: clients.pathDirs.join(':'),
    home: clients.home,
    lang: ctx.config.childLang,
    fixed: clients.childEnv,
    call: callVariables,
  });
  return { verdict, cwd, env, launch, approval };
}

/** runCommand and runReadOnlyCommand (locally): validate, approve, run, capture, page. */
export async function runLocalCommand(
  ctx: LinuxCliToolContext,
  tool: string,
  request: CommandRequest,
  record: AuditRecord,
  options: { readOnlyOnly: boolean },
): Promise<CommandResult> {
  const timeoutMs = timeoutOf(ctx, request.timeout_ms);
  const prepared = await prepareLocal(ctx, tool, request, record, options);
  const output = ctx.clients.outputs.create(ctx.caller.id);
  const handle = await startProcess({
    launch: prepared.launch,
    argv: request.argv,
    cwd: prepared.cwd,
    env: prepared.env,
    timeoutMs,
    killGraceMs: ctx.config.killGraceMs,
    stdout: output.stdout,
    stderr: output.stderr,
    signal: ctx.signal,
    ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
  });
  record.ran = true;
  record.outputId = output.id;
  const result = await handle.done;
  record.exitCode = result.exitCode;
  record.signal = result.signal;
  record.timedOut = result.timedOut;
  if (result.timedOut) {
    throw new ToolError(
      'TIMEOUT',
      `${request.argv[0]} did not finish within ${timeoutMs} ms; its process group got SIGTERM, then ${
        prepared.launch.innerGroup ? 'its sandbox and everything in it' : 'the group'
      } SIGKILL after ${ctx.config.killGraceMs} ms. Partial output: readCommandOutput {"id":"${output.id}"}`,
      {
        details: {
          id: output.id,
          timeoutMs,
          signal: result.signal,
          stdoutBytes: output.stdout.total,
          stderrBytes: output.stderr.total,
        },
      },
    );
  }
  if (result.cancelled) throw new ToolError('CANCELLED', 'the call was cancelled and the command killed');
  return buildCommandResult({
    id: output.id,
    host: 'local',
    result,
    risk: prepared.verdict.risk,
    approval: prepared.approval,
    stdout: output.stdout,
    stderr: output.stderr,
    pageBytes: ctx.config.pageBytes,
    outputCapBytes: ctx.config.outputCapBytes,
  });
}
