import { defineService } from '@switchboard/shared';
import { linuxCliConfig } from './config.ts';
import type { LinuxCliClients } from './context.ts';
import { SERVICE_VERSION, setupLinuxCli } from './setup.ts';
import { describePolicy } from './tools/describe-policy.ts';
import { fileInfo } from './tools/file-info.ts';
import { killJob } from './tools/kill-job.ts';
import { listBackups } from './tools/list-backups.ts';
import { listDirectory } from './tools/list-directory.ts';
import { listJobs } from './tools/list-jobs.ts';
import { readCommandOutput } from './tools/read-command-output.ts';
import { readFile } from './tools/read-file.ts';
import { readJobOutput } from './tools/read-job-output.ts';
import { restoreBackup } from './tools/restore-backup.ts';
import { runCommand } from './tools/run-command.ts';
import { runReadOnlyCommand } from './tools/run-read-only-command.ts';
import { searchFiles } from './tools/search-files.ts';
import { sshRunCommand } from './tools/ssh-run-command.ts';
import { startJob } from './tools/start-job.ts';
import { writeFile } from './tools/write-file.ts';

export const linuxCliService = defineService<typeof linuxCliConfig.schema, LinuxCliClients>({
  name: 'linux-cli',
  version: SERVICE_VERSION,
  title: 'Switchboard linux-cli',
  instructions:
    'Run commands and work with files on this machine and on SSH hosts, inside allowed roots, under a command allowlist. Commands run without a shell: pass argv. destructive and privileged commands ask a human for approval. describePolicy shows what is allowed.',
  defaultPort: 8001,
  config: linuxCliConfig,
  setup: setupLinuxCli,
  // Calls the kit refuses before a tool runs (unknown tool, read-only mode, invalid input) are audited here;
  // every call that reaches a tool is audited by the tool itself.
  onToolCall: (event) => {
    if (event.handled || !event.clients) return;
    void event.clients.audit
      .append({
        tool: event.tool,
        caller: event.caller,
        correlationId: event.correlationId,
        decision: 'refused',
        reason: event.message ?? event.outcome,
        errorCode: event.outcome.toUpperCase(),
        durationMs: event.durationMs,
      })
      .catch(() => {});
  },
  tools: [
    runCommand,
    runReadOnlyCommand,
    readCommandOutput,
    startJob,
    readJobOutput,
    listJobs,
    killJob,
    readFile,
    writeFile,
    restoreBackup,
    listBackups,
    listDirectory,
    searchFiles,
    fileInfo,
    sshRunCommand,
    describePolicy,
  ],
});
