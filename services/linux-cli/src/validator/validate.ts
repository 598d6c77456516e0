import type { Policy } from '../policy/policy.ts';
import { maxRisk, type Risk, riskRank } from '../policy/risk.ts';
import { type Analysis, type InvocationSummary, plainArgs } from './analysis.ts';
import { CommandAnalyzer } from './analyzer.ts';
import { type CheckedPath, checkPaths, type PathResolver } from './path-check.ts';

export interface CommandValidatorOptions {
  policy: Policy;
  /** Directories of the child PATH: where a command given by absolute path may live. */
  trustedDirs: readonly string[];
  envAllowed(name: string): boolean;
  /** The largest number of processes one command may run at once (xargs -P). */
  maxParallel: number;
}

export interface ValidationTarget {
  /** Allowed roots (real paths) and the working directory (a real path inside them). */
  roots: readonly string[];
  cwd: string;
  home: string | undefined;
  protectedPaths: readonly string[];
  resolver: PathResolver;
}

/** The validator's judgement of an allowed call. */
export interface Verdict {
  risk: Risk;
  invocations: InvocationSummary[];
  paths: CheckedPath[];
  riskReasons: string[];
  /** Existing files and directories the call replaces, truncates or deletes (real paths), for the approval prompt. */
  replaces: string[];
  /** Whether the sandbox may share the host's network: every command in the call was given network by the policy. */
  network: boolean;
}

export interface CommandValidator {
  /** The structural part (parsing, allowlist, forbidden list); no file system access. Throws PolicyRefusal. */
  analyze(argv: readonly string[], home: string): Analysis;
  /** Everything: the analysis, then every path resolved and checked. Throws PolicyRefusal. */
  validate(argv: readonly string[], target: ValidationTarget): Promise<Verdict>;
}

/**
 * Commands that never open network connections themselves, so a call may pair them with a command the policy gives
 * network (`curl ... | jq`); a call with any other command keeps the sandbox's network off.
 */
const NETWORK_INERT = new Set([
  'sh',
  'bash',
  'dash',
  'echo',
  'printf',
  'true',
  'false',
  ':',
  'cat',
  'head',
  'tail',
  'grep',
  'egrep',
  'fgrep',
  'wc',
  'sort',
  'uniq',
  'cut',
  'tr',
  'sed',
  'jq',
  'base64',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'tee',
  'timeout',
  'nice',
  'env',
  'exit',
  'test',
  '[',
]);

/** The security validator: judges a parsed argv, never a string, and refuses at the first rule it breaks. */
export function createCommandValidator(options: CommandValidatorOptions): CommandValidator {
  const analyze = (argv: readonly string[], home: string): Analysis =>
    new CommandAnalyzer({
      policy: options.policy,
      trustedDirs: options.trustedDirs,
      home,
      envAllowed: options.envAllowed,
      maxParallel: options.maxParallel,
    }).analyzeArgv(plainArgs(argv));
  return {
    analyze,
    validate: async (argv, target) => {
      const analysis = analyze(argv, target.home ?? '/nonexistent-home');
      const paths = await checkPaths(analysis.paths, target);
      let risk = analysis.risk;
      const riskReasons = [...analysis.riskReasons];
      for (const path of paths) {
        if (riskRank(path.risk) > riskRank('read_only') && path.reason && !riskReasons.includes(path.reason))
          riskReasons.push(path.reason);
        risk = maxRisk(risk, path.risk);
      }
      const replaces = [...new Set(paths.filter((path) => path.replaces).map((path) => path.real))];
      const network = analysis.invocations.every((invocation) => invocation.network || NETWORK_INERT.has(invocation.name));
      return {
        risk,
        invocations: analysis.invocations,
        paths,
        riskReasons,
        replaces,
        network: network && analysis.invocations.some((invocation) => invocation.network),
      };
    },
  };
}
