import type { Policy } from '../policy/policy.ts';
import { maxRisk, type Risk } from '../policy/risk.ts';
import { type Analysis, type InvocationSummary, plainArgs } from './analysis.ts';
import { CommandAnalyzer } from './analyzer.ts';
import { type CheckedPath, checkPaths, type PathResolver } from './path-check.ts';

export interface CommandValidatorOptions {
  policy: Policy;
  /** Directories of the child PATH: where a command given by absolute path may live. */
  trustedDirs: readonly string[];
  envAllowed(name: string): boolean;
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
}

export interface CommandValidator {
  /** The structural part (parsing, allowlist, forbidden list); no file system access. Throws PolicyRefusal. */
  analyze(argv: readonly string[], home: string): Analysis;
  /** Everything: the analysis, then every path resolved and checked. Throws PolicyRefusal. */
  validate(argv: readonly string[], target: ValidationTarget): Promise<Verdict>;
}

/** The security validator: judges a parsed argv, never a string, and refuses at the first rule it breaks. */
export function createCommandValidator(options: CommandValidatorOptions): CommandValidator {
  const analyze = (argv: readonly string[], home: string): Analysis =>
    new CommandAnalyzer({
      policy: options.policy,
      trustedDirs: options.trustedDirs,
      home,
      envAllowed: options.envAllowed,
    }).analyzeArgv(plainArgs(argv));
  return {
    analyze,
    validate: async (argv, target) => {
      const analysis = analyze(argv, target.home ?? '/nonexistent-home');
      const paths = await checkPaths(analysis.paths, target);
      let risk = analysis.risk;
      const riskReasons = [...analysis.riskReasons];
      for (const path of paths) {
        if (path.truncatesExisting) {
          risk = maxRisk(risk, 'destructive');
          riskReasons.push(`the redirection onto ${path.raw} overwrites an existing file`);
        }
      }
      return { risk, invocations: analysis.invocations, paths, riskReasons };
    },
  };
}
