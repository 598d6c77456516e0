import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  ConfigError,
  createServiceClient,
  type KitConfig,
  type Logger,
  type SetupInput,
  type SetupResult,
  serviceEndpoint,
  type z,
} from '@switchboard/shared';
import { createCmdbHosts } from './cmdb/cmdb-client.ts';
import type { LinuxCliConfig, linuxCliConfig } from './config.ts';
import type { LinuxCliClients } from './context.ts';
import { JobManager } from './exec/job-manager.ts';
import { OutputStore } from './exec/output-store.ts';
import { BackupStore } from './fs/backup-store.ts';
import { defaultWorkspace } from './fs/default-workspace.ts';
import { isInsideAny, realPathLoose } from './fs/real-path.ts';
import { loadPolicy } from './policy/load-policy.ts';
import { createAuditLog } from './safety/audit-log.ts';
import { hostUser, setupSandbox } from './sandbox/setup-sandbox.ts';
import { createHostResolver } from './ssh/host-resolver.ts';
import { createEnvMatcher } from './validator/env-names.ts';
import { createCommandValidator } from './validator/validate.ts';

export const SERVICE_VERSION = '0.1.0';

function realRoots(config: Readonly<LinuxCliConfig & KitConfig>, log: Logger, problems: string[]): string[] {
  const out: string[] = [];
  const isDefault = config.roots.length === 1 && config.roots[0] === resolve(config.dataDir, 'linux-cli', 'workspace');
  for (const configured of config.roots) {
    try {
      const root = isDefault ? defaultWorkspace(configured, config.dataDir, hostUser(config), log) : configured;
      if (!statSync(root).isDirectory()) {
        problems.push(`roots (LINUX_CLI_ROOTS): ${root} is not a directory`);
        continue;
      }
      out.push(realpathSync(root));
    } catch (error) {
      problems.push(`roots (LINUX_CLI_ROOTS): ${configured} cannot be used (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
  }
  return out;
}

/**
 * Everything linux-cli builds once at start: the frozen policy and validator, the real roots, the audit log
 * (checked writable), the backup store, output and job registries and the SSH host resolver.
 */
export async function setupLinuxCli(
  input: SetupInput<z.infer<typeof linuxCliConfig.schema>>,
): Promise<SetupResult<LinuxCliClients>> {
  const { log, redactor, secrets } = input;
  const config = input.config as Readonly<LinuxCliConfig & KitConfig>;
  const problems: string[] = [];
  const roots = realRoots(config, log, problems);
  const pathDirs = config.childPath.split(':').filter((dir) => isAbsolute(dir));
  if (pathDirs.length === 0) problems.push('childPath (LINUX_CLI_CHILD_PATH) has no absolute directory');
  if (problems.length > 0) throw new ConfigError('linux-cli', problems);
  const policy = loadPolicy(config.policyFile);

  mkdirSync(config.childHome, { recursive: true, mode: 0o700 });
  mkdirSync(config.backupDir, { recursive: true, mode: 0o700 });
  const home = realpathSync(config.childHome);

  const protectedRaw = [
    config.policyFile,
    config.auditLog,
    config.backupDir,
    config.configFile,
    config.tokensFile,
    config.sshKnownHosts,
    config.sshIdentityFile,
    config.sshAgent,
    ...config.sshProfiles.map((profile) => profile.identityFile),
    ...config.protectedPaths,
  ].filter((path): path is string => typeof path === 'string' && isAbsolute(path));
  const protectedPaths = [...new Set((await Promise.all(protectedRaw.map(realPathLoose))).map((p) => p.real))];
  for (const path of protectedPaths) {
    if (isInsideAny(path, roots))
      log.warn(
        { path },
        'a protected file lies inside an allowed root; keep policy, audit log, backups and keys outside the roots',
      );
  }

  const sandbox = setupSandbox({ config, roots, home, protectedPaths, log });
  // A childEnv value may be a secret handle (a token every command needs): resolved once, here.
  const childEnv = Object.freeze(
    (await secrets.resolveConfig(config.childEnv, {
      env: Object.fromEntries(Object.keys(config.childEnv).map((name) => [name, 'LINUX_CLI_CHILD_ENV'])),
    })) as Record<string, string>,
  );
  const audit = createAuditLog({ file: config.auditLog, redactor, log });
  const envAllowed = createEnvMatcher(config.envAllow);
  const validator = createCommandValidator({ policy, trustedDirs: pathDirs, envAllowed, maxParallel: config.maxParallel });
  const outputs = new OutputStore({
    maxOutputBytes: config.maxOutputBytes,
    retentionMs: config.outputRetentionMs,
    maxEntries: config.maxStoredOutputs,
  });
  const jobs = new JobManager({
    maxJobs: config.maxJobs,
    maxLifetimeMs: config.jobMaxLifetimeMs,
    retentionMs: config.jobRetentionMs,
    maxOutputBytes: config.maxOutputBytes,
    killGraceMs: config.killGraceMs,
    onEnd: (job, result) => {
      void audit.append({
        event: 'job-ended',
        tool: 'startJob',
        caller: job.caller,
        correlationId: '-',
        decision: 'allowed',
        jobId: job.id,
        argv: job.argv,
        cwd: job.cwd,
        risk: job.risk,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        durationMs: result.durationMs,
        ...(job.killedBy ? { reason: `killed by ${job.killedBy}` } : {}),
      });
    },
  });
  const cmdbEndpoint = serviceEndpoint(config, 'cmdb');
  const cmdb = cmdbEndpoint
    ? createServiceClient({ ...cmdbEndpoint, redactor, clientInfo: { name: 'switchboard-linux-cli', version: SERVICE_VERSION } })
    : undefined;
  const backups = new BackupStore({ dir: config.backupDir, maxPerFile: config.maxBackupsPerFile });
  const hosts = createHostResolver({
    profiles: config.sshProfiles,
    identityFile: config.sshIdentityFile,
    privateKey: config.sshPrivateKey,
    agent: config.sshAgent,
    defaultRoots: config.sshDefaultRoots,
    allowedUsers: config.sshAllowedUsers,
    cmdb: cmdb ? createCmdbHosts(cmdb) : undefined,
  });
  log.info(
    {
      roots,
      policy: policy.source,
      commands: policy.commands.size,
      approvalMode: config.approvalMode,
      audit: config.auditLog,
      sandbox: sandbox.describe(),
    },
    'linux-cli policy loaded',
  );
  return {
    clients: {
      policy,
      validator,
      roots,
      home,
      pathDirs,
      childEnv,
      protectedPaths,
      envAllowed,
      audit,
      outputs,
      jobs,
      backups,
      hosts,
      sandbox,
    },
    health: () =>
      sandbox.enabled
        ? { details: { sandbox: 'bwrap' } }
        : {
            status: 'degraded',
            warnings: [
              'LINUX_CLI_SANDBOX=off: commands run without the OS sandbox, as the service user; the validator is the only boundary',
            ],
            details: { sandbox: 'off' },
          },
    close: async () => {
      await jobs.close();
      await cmdb?.close();
    },
  };
}
