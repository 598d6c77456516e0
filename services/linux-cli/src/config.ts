import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  defineConfig,
  envBytes,
  envInt,
  envJson,
  envList,
  isSecretHandle,
  mergeConfigSpecs,
  serviceEndpointConfig,
  z,
} from '@switchboard/shared';

export const APPROVAL_MODES = ['deny', 'ask', 'auto'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

const DEFAULT_CHILD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `NAME=value,NAME2=value2` (environment) or a mapping (YAML). */
function envMap() {
  return z.preprocess(
    (value) => {
      if (typeof value !== 'string') return value;
      const out: Record<string, string> = {};
      for (const part of value.split(',')) {
        const eq = part.indexOf('=');
        if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1);
      }
      return out;
    },
    z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), z.string()),
  );
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Credentials in configuration are secret handles, never values. */
const secretHandle = z
  .string()
  .refine(isSecretHandle, 'a secret:// handle (secret://<backend>/<path>[#version]); credentials are never written inline');

export const sshProfileSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'profile names are letters, digits, . _ -'),
  host: z.string().min(1).describe('address or DNS name'),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1),
  identityFile: z.string().min(1).optional().describe('private key file; the global sshIdentityFile when unset'),
  agent: z.boolean().default(false).describe('authenticate with the SSH agent (sshAgent socket) instead of a key file'),
  hostKeyFingerprint: z
    .string()
    .regex(FINGERPRINT, 'a host key fingerprint looks like SHA256:<43 base64 characters> (ssh-keygen -lf)')
    .optional()
    .describe('pins the host key; without it the key must be in the known_hosts file'),
  privateKey: secretHandle
    .optional()
    .describe('the private key (PEM) as a secret:// handle, resolved through the secrets service for each connection'),
  password: secretHandle
    .optional()
    .describe('the password as a secret:// handle, resolved for each connection (password authentication)'),
  roots: z.array(z.string().startsWith('/')).optional().describe('allowed remote roots; sshDefaultRoots when unset'),
  cwd: z.string().startsWith('/').optional().describe('default remote working directory; the first root when unset'),
});
export type SshProfile = z.infer<typeof sshProfileSchema>;

/** linux-cli's own settings; the kit's (port, auth, limits, SWITCHBOARD_DATA_DIR, SWITCHBOARD_READ_ONLY) come on top. */
const ownConfig = defineConfig({
  schema: z.object({
    roots: envList(z.string().min(1)).default([]),
    policyFile: z.string().min(1).optional(),
    approvalMode: z.enum(APPROVAL_MODES).default('ask'),
    auditLog: z.string().min(1).optional(),
    backupDir: z.string().min(1).optional(),
    maxBackupsPerFile: envInt({ min: 1, max: 1000 }).default(20),
    defaultTimeoutMs: envInt({ min: 100 }).default(30_000),
    maxTimeoutMs: envInt({ min: 100 }).default(300_000),
    killGraceMs: envInt({ min: 0, max: 60_000 }).default(2_000),
    maxOutputBytes: envBytes().default(1024 * 1024),
    pageBytes: envBytes().default(8 * 1024),
    outputRetentionMs: envInt({ min: 1000 }).default(15 * 60 * 1000),
    maxStoredOutputs: envInt({ min: 1, max: 10_000 }).default(64),
    maxJobs: envInt({ min: 1, max: 1000 }).default(8),
    jobMaxLifetimeMs: envInt({ min: 1000 }).default(60 * 60 * 1000),
    jobRetentionMs: envInt({ min: 1000 }).default(60 * 60 * 1000),
    maxReadBytes: envBytes().default(16 * 1024),
    maxWriteBytes: envBytes().default(1024 * 1024),
    searchMaxScanned: envInt({ min: 1 }).default(20_000),
    maxParallel: envInt({ min: 1, max: 64 }).default(4),
    sandbox: z.enum(['bwrap', 'off']).default('bwrap'),
    sandboxBwrap: z.string().startsWith('/').default('/usr/bin/bwrap'),
    sandboxUser: z
      .string()
      .regex(/^\d+(:\d+)?$/, 'a numeric uid or uid:gid such as 65534:65534')
      .default('65534:65534'),
    sandboxReadPaths: envList(z.string().startsWith('/')).default([]),
    sandboxMaxProcesses: envInt({ min: 8, max: 65_536 }).default(256),
    sandboxCpuSeconds: envInt({ min: 1 }).default(600),
    sandboxMaxFileBytes: envBytes().default(1024 * 1024 * 1024),
    sandboxMemoryBytes: envBytes().default(4 * 1024 * 1024 * 1024),
    sandboxTmpBytes: envBytes().default(256 * 1024 * 1024),
    sandboxMaxOpenFiles: envInt({ min: 64, max: 1_048_576 }).default(1024),
    childPath: z.string().min(1).default(DEFAULT_CHILD_PATH),
    childHome: z.string().min(1).optional(),
    childLang: z.string().min(1).default('C.UTF-8'),
    childEnv: envMap().default({}),
    envAllow: envList().default(['LANG', 'LC_*', 'TZ', 'TERM', 'NO_COLOR', 'COLUMNS']),
    sshProfiles: envJson(z.array(sshProfileSchema)).default([]),
    sshKnownHosts: z.string().min(1).optional(),
    sshIdentityFile: z.string().min(1).optional(),
    sshPrivateKey: secretHandle.optional(),
    sshAgent: z.string().min(1).optional(),
    sshDefaultRoots: envList(z.string().startsWith('/')).default([]),
    sshAllowedUsers: envList().default([]),
    sshConnectTimeoutMs: envInt({ min: 100 }).default(10_000),
    sshKeepaliveIntervalMs: envInt({ min: 0 }).default(10_000),
    sshKeepaliveCountMax: envInt({ min: 1 }).default(3),
    protectedPaths: envList(z.string().min(1)).default([]),
    configFile: z.string().min(1).optional(),
  }),
  env: {
    roots: 'LINUX_CLI_ROOTS',
    policyFile: 'LINUX_CLI_POLICY_FILE',
    approvalMode: 'LINUX_CLI_APPROVAL_MODE',
    auditLog: 'LINUX_CLI_AUDIT_LOG',
    backupDir: 'LINUX_CLI_BACKUP_DIR',
    maxBackupsPerFile: 'LINUX_CLI_MAX_BACKUPS_PER_FILE',
    defaultTimeoutMs: 'LINUX_CLI_DEFAULT_TIMEOUT_MS',
    maxTimeoutMs: 'LINUX_CLI_MAX_TIMEOUT_MS',
    killGraceMs: 'LINUX_CLI_KILL_GRACE_MS',
    maxOutputBytes: 'LINUX_CLI_MAX_OUTPUT',
    pageBytes: 'LINUX_CLI_PAGE_BYTES',
    outputRetentionMs: 'LINUX_CLI_OUTPUT_RETENTION_MS',
    maxStoredOutputs: 'LINUX_CLI_MAX_STORED_OUTPUTS',
    maxJobs: 'LINUX_CLI_MAX_JOBS',
    jobMaxLifetimeMs: 'LINUX_CLI_JOB_MAX_LIFETIME_MS',
    jobRetentionMs: 'LINUX_CLI_JOB_RETENTION_MS',
    maxReadBytes: 'LINUX_CLI_MAX_READ',
    maxWriteBytes: 'LINUX_CLI_MAX_WRITE',
    searchMaxScanned: 'LINUX_CLI_SEARCH_MAX_SCANNED',
    maxParallel: 'LINUX_CLI_MAX_PARALLEL',
    sandbox: 'LINUX_CLI_SANDBOX',
    sandboxBwrap: 'LINUX_CLI_SANDBOX_BWRAP',
    sandboxUser: 'LINUX_CLI_SANDBOX_USER',
    sandboxReadPaths: 'LINUX_CLI_SANDBOX_READ_PATHS',
    sandboxMaxProcesses: 'LINUX_CLI_SANDBOX_MAX_PROCESSES',
    sandboxCpuSeconds: 'LINUX_CLI_SANDBOX_CPU_SECONDS',
    sandboxMaxFileBytes: 'LINUX_CLI_SANDBOX_MAX_FILE_SIZE',
    sandboxMemoryBytes: 'LINUX_CLI_SANDBOX_MEMORY',
    sandboxTmpBytes: 'LINUX_CLI_SANDBOX_TMP_SIZE',
    sandboxMaxOpenFiles: 'LINUX_CLI_SANDBOX_MAX_OPEN_FILES',
    childPath: 'LINUX_CLI_CHILD_PATH',
    childHome: 'LINUX_CLI_CHILD_HOME',
    childLang: 'LINUX_CLI_CHILD_LANG',
    childEnv: 'LINUX_CLI_CHILD_ENV',
    envAllow: 'LINUX_CLI_ENV_ALLOW',
    sshProfiles: 'LINUX_CLI_SSH_PROFILES',
    sshKnownHosts: 'LINUX_CLI_SSH_KNOWN_HOSTS',
    sshIdentityFile: 'LINUX_CLI_SSH_IDENTITY_FILE',
    sshPrivateKey: 'LINUX_CLI_SSH_PRIVATE_KEY',
    sshAgent: 'LINUX_CLI_SSH_AGENT',
    sshDefaultRoots: 'LINUX_CLI_SSH_ROOTS',
    sshAllowedUsers: 'LINUX_CLI_SSH_ALLOWED_USERS',
    sshConnectTimeoutMs: 'LINUX_CLI_SSH_CONNECT_TIMEOUT_MS',
    sshKeepaliveIntervalMs: 'LINUX_CLI_SSH_KEEPALIVE_INTERVAL_MS',
    sshKeepaliveCountMax: 'LINUX_CLI_SSH_KEEPALIVE_COUNT_MAX',
    protectedPaths: 'LINUX_CLI_PROTECTED_PATHS',
    configFile: 'SWITCHBOARD_CONFIG',
  },
  finalize: (config, problems) => {
    const dataDir = (config as { dataDir?: string }).dataDir ?? './.data';
    const base = resolve(dataDir, 'linux-cli');
    if (config.maxTimeoutMs < config.defaultTimeoutMs) {
      problems.push('maxTimeoutMs (LINUX_CLI_MAX_TIMEOUT_MS) is below defaultTimeoutMs (LINUX_CLI_DEFAULT_TIMEOUT_MS)');
    }
    const names = new Set<string>();
    for (const profile of config.sshProfiles) {
      if (names.has(profile.name)) problems.push(`sshProfiles: the profile "${profile.name}" is defined twice`);
      names.add(profile.name);
    }
    return {
      ...config,
      roots: config.roots.length > 0 ? config.roots.map((root) => resolve(root)) : [join(base, 'workspace')],
      policyFile: config.policyFile ? resolve(config.policyFile) : undefined,
      auditLog: resolve(config.auditLog ?? join(base, 'audit.jsonl')),
      backupDir: resolve(config.backupDir ?? join(base, 'backups')),
      childHome: resolve(config.childHome ?? join(base, 'home')),
      sshKnownHosts: resolve(config.sshKnownHosts ?? join(homedir(), '.ssh', 'known_hosts')),
      sshIdentityFile: config.sshIdentityFile ? resolve(config.sshIdentityFile) : undefined,
      protectedPaths: config.protectedPaths.map((path) => resolve(path)),
      configFile: config.configFile ? resolve(config.configFile) : undefined,
    };
  },
});

/** linux-cli's settings, with cmdb's endpoint (`LINUX_CLI_CMDB_URL`, `_TOKEN` or `_TOKEN_FILE`, `_TIMEOUT_MS`). */
export const linuxCliConfig = mergeConfigSpecs(ownConfig, serviceEndpointConfig('cmdb', 'LINUX_CLI_CMDB', { timeoutMs: 5_000 }));

/** The configuration after finalize: paths resolved and defaults derived from the data directory filled in. */
export type LinuxCliConfig = z.infer<typeof linuxCliConfig.schema> & {
  auditLog: string;
  backupDir: string;
  childHome: string;
  sshKnownHosts: string;
};
