import type { RequestContext, ToolContext } from '@switchboard/shared';
import type { LinuxCliConfig } from './config.ts';
import type { JobManager } from './exec/job-manager.ts';
import type { OutputStore } from './exec/output-store.ts';
import type { BackupStore } from './fs/backup-store.ts';
import type { Policy } from './policy/policy.ts';
import type { AuditLog } from './safety/audit-log.ts';
import type { Sandbox } from './sandbox/sandbox.ts';
import type { HostResolver } from './ssh/host-resolver.ts';
import type { CommandValidator } from './validator/validate.ts';

/** What setup builds once per process; every tool reaches it as ctx.clients. */
export interface LinuxCliClients {
  policy: Policy;
  validator: CommandValidator;
  /** Allowed roots, as real paths. */
  roots: string[];
  /** The children's HOME (real path). */
  home: string;
  /** The directories of the children's PATH. */
  pathDirs: string[];
  /** The fixed extra variables of every command (childEnv), secret handles among them resolved at start. */
  childEnv: Readonly<Record<string, string>>;
  /** Real paths no tool may touch. */
  protectedPaths: string[];
  envAllowed(name: string): boolean;
  audit: AuditLog;
  outputs: OutputStore;
  jobs: JobManager;
  backups: BackupStore;
  hosts: HostResolver;
  /** Where local commands run: bubblewrap, or nothing when the operator turned it off. */
  sandbox: Sandbox;
}

export type LinuxCliToolContext = ToolContext<LinuxCliConfig, LinuxCliClients>;
export type LinuxCliRequestContext = RequestContext<LinuxCliConfig, LinuxCliClients>;
