import { posix } from 'node:path';
import type { CommandRule, Policy } from '../policy/policy.ts';
import { type Risk, riskRank } from '../policy/risk.ts';
import type { Analysis, Arg, InvocationSummary, PathEffect, PathUse } from './analysis.ts';
import { type ParsedArgs, type ParsedOption, parseArgs } from './argv/parse-args.ts';
import type { ArgvSyntax } from './argv/spec.ts';
import { specFor } from './commands/registry.ts';
import { checkForbidden, forbiddenName, opaqueReason } from './forbidden.ts';
import type { CommandContext } from './handler.ts';
import { optionMatches } from './policy-options.ts';
import { refuse } from './refusal.ts';
import { parseShellScript, type ShellCommand } from './shell/parse-script.ts';

export interface AnalyzerOptions {
  policy: Policy;
  /** Directories a command given by absolute path may live in (the child PATH). */
  trustedDirs: readonly string[];
  /** The child's HOME, for `~` and the forbidden list. */
  home: string;
  /** Whether a caller may set this environment variable (env NAME=value). */
  envAllowed(name: string): boolean;
  /** The largest number of processes one command may run at once (xargs -P). */
  maxParallel: number;
}

/** Commands whose arguments may come from a substitution or xargs: they touch no files. */
const DYNAMIC_SAFE = new Set(['echo', 'printf', 'true', 'false', ':', 'sleep', 'exit']);

/** Redirection targets that write no file. */
const DISCARDING_DEVICES = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

const COMMAND_NAME = /^[A-Za-z0-9_.+:@-][A-Za-z0-9_.+:@-]*$|^\[$/;
const MAX_INVOCATIONS = 256;

interface Frame {
  via: string[];
  dynamicTail: boolean;
  findExec: boolean;
}

/**
 * Walks a command line the way the system would run it: through wrappers, shells, find -exec and friends,
 * collecting every command (checked against the forbidden list and the allowlist, its arguments read against its
 * declared spec), the highest risk class, and every path with what the command does to it. Throws PolicyRefusal at
 * the first thing it refuses.
 */
export class CommandAnalyzer {
  readonly options: AnalyzerOptions;
  readonly invocations: InvocationSummary[] = [];
  readonly paths: PathUse[] = [];
  readonly riskReasons: string[] = [];
  risk: Risk = 'read_only';

  constructor(options: AnalyzerOptions) {
    this.options = options;
  }

  analyzeArgv(args: Arg[]): Analysis {
    this.invocation(args, { via: [], dynamicTail: false, findExec: false });
    this.checkLinksThenPaths();
    return { risk: this.risk, invocations: this.invocations, paths: this.paths, riskReasons: this.riskReasons };
  }

  private raise(risk: Risk, reason: string): void {
    if (riskRank(risk) > riskRank(this.risk)) this.risk = risk;
    if (risk !== 'read_only' && !this.riskReasons.includes(reason)) this.riskReasons.push(reason);
  }

  /**
   * Paths are checked before anything runs. A call that runs several commands, one of which creates links or renames
   * entries while another uses paths, could make a checked path lead somewhere else by the time it is used (a link
   * made, then moved into place, then read); such calls are refused. Run those commands in separate calls.
   */
  private checkLinksThenPaths(): void {
    if (this.invocations.length < 2) return;
    const changer = this.invocations.find((invocation) => invocation.changesLinks);
    if (!changer) return;
    const user = this.invocations.find((invocation) => invocation !== changer && invocation.pathCount > 0);
    if (user) {
      refuse(
        'links-then-paths',
        `${changer.name} ${changer.changesLinks}, and ${user.name} in the same call uses paths that were checked before it ran; run them in separate calls`,
        changer.name,
      );
    }
  }

  private script(script: string, frame: Frame, via: string): void {
    for (const command of parseShellScript(script)) this.shellCommand(command, frame, via);
  }

  private shellCommand(command: ShellCommand, frame: Frame, via: string): void {
    const inner: Frame = { via: [...frame.via, via], dynamicTail: false, findExec: false };
    const name = command.words[0]?.text ?? '(redirection)';
    const redirects: PathUse[] = [];
    for (const redirect of command.redirects) {
      const target = redirect.target;
      if (!target || target.processSubstitution) continue;
      if (target.dynamic)
        refuse('dynamic-argument', 'a redirection target comes from a command substitution and cannot be checked', name);
      const effect: PathEffect = !redirect.write ? 'read' : redirect.truncate ? 'write' : 'append';
      redirects.push({ raw: target.text, effect, command: name, redirect: true });
      if (redirect.write && !DISCARDING_DEVICES.has(target.text)) {
        this.raise('modify', `the shell redirection ${redirect.op} ${target.text} writes a file`);
      }
    }
    if (command.words.length === 0) {
      if (redirects.length > 0)
        refuse('shell-syntax', 'a redirection without a command is refused (it creates or truncates files)');
      return;
    }
    this.invocation(
      command.words.map((word) => ({
        value: word.text,
        dynamic: word.dynamic,
        special: word.processSubstitution,
        tilde: word.tilde,
      })),
      inner,
      redirects,
    );
  }

  private commandName(head: Arg, frame: Frame): string {
    if (head.dynamic) refuse('dynamic-command', 'the command name comes from a command substitution and cannot be checked');
    if (head.special) refuse('dynamic-command', 'a process substitution cannot be a command name');
    const raw = head.value;
    const name = raw.includes('/') ? posix.basename(raw) : raw;
    if (!COMMAND_NAME.test(name)) {
      refuse('command-name', `the command name ${JSON.stringify(raw)} contains characters no command on the allowlist has`);
    }
    const named = forbiddenName(name);
    if (named) refuse(named.rule, named.reason, name);
    const opaque = opaqueReason(name);
    if (opaque) refuse('opaque', `${name}: ${opaque}`, name);
    if (raw.includes('/')) {
      if (!raw.startsWith('/')) {
        refuse(
          'command-path',
          `${JSON.stringify(raw)}: commands run from the PATH only; relative command paths are refused`,
          name,
        );
      }
      const dir = posix.dirname(posix.normalize(raw));
      if (!this.options.trustedDirs.includes(dir)) {
        refuse(
          'command-path',
          `${JSON.stringify(raw)}: ${dir} is not a directory of the command PATH (${this.options.trustedDirs.join(':')})`,
          name,
        );
      }
    }
    if (frame.via.length > 32) refuse('too-complex', 'commands are nested more than 32 levels deep');
    return name;
  }

  private invocation(args: Arg[], frame: Frame, redirects: PathUse[] = []): void {
    if (this.invocations.length >= MAX_INVOCATIONS)
      refuse('too-complex', `the command line runs more than ${MAX_INVOCATIONS} commands`);
    const head = args[0];
    if (!head) refuse('empty', `${frame.via.length > 0 ? `${frame.via.at(-1)}: ` : ''}no command given`);
    for (const arg of args) if (arg.value.includes('\0')) refuse('nul', 'an argument contains a NUL byte');
    const name = this.commandName(head, frame);
    const rest = args.slice(1);
    const rule = this.options.policy.commands.get(name);
    if (!rule) refuse('not-allowed', `${name} is not on the allowlist`, name);
    const dynamic = rest.find((arg) => arg.dynamic);
    if (dynamic && !DYNAMIC_SAFE.has(name)) {
      refuse(
        'dynamic-argument',
        `${name}: an argument comes from a command substitution whose output cannot be checked (${JSON.stringify(dynamic.value || '$(...)')})`,
        name,
      );
    }
    if (frame.dynamicTail && !DYNAMIC_SAFE.has(name)) {
      refuse('dynamic-argument', `${name} would get arguments from xargs' input, which the validator cannot check`, name);
    }
    const spec = specFor(name, rule);
    const parsed = parseArgs(name, spec.normalize ? spec.normalize(rest) : rest, spec.syntax);
    checkForbidden(name, parsed, this.options.home);

    let risk: Risk = rule.risk;
    const reasons: string[] = [`${name} is ${rule.risk}`];
    const sub = spec.subcommand?.(parsed);
    if (rule.subcommands && sub !== undefined) {
      const subRisk = rule.subcommands[sub];
      if (!subRisk) refuse('subcommand-not-allowed', `${name} ${sub} is not on the allowlist`, name);
      risk = subRisk;
      reasons[0] = `${name} ${sub} is ${subRisk}`;
    }

    const summary: InvocationSummary = {
      name,
      argv: args.map((arg) => arg.value),
      risk,
      via: frame.via,
      network: rule.network === true,
      pathCount: 0,
    };
    this.invocations.push(summary);
    const record = (use: PathUse) => {
      summary.pathCount += 1;
      this.paths.push(use);
    };
    for (const use of redirects) record(use);
    const allOptions: ParsedOption[] = [];
    const raise = (raised: Risk, reason: string) => {
      if (riskRank(raised) > riskRank(summary.risk)) summary.risk = raised;
      this.raise(raised, reason);
    };
    const recordOptionValues = (parsedArgs: ParsedArgs) => {
      for (const option of parsedArgs.options) {
        allOptions.push(option);
        option.def.values.forEach((kind, index) => {
          const value = option.values[index];
          if (value === undefined || kind === 'text' || kind === 'code') return;
          record({ raw: value, effect: kind, command: name });
        });
      }
    };
    recordOptionValues(parsed);

    const ctx: CommandContext = {
      name,
      args: rest,
      parsed,
      ruleRisk: risk,
      maxParallel: this.options.maxParallel,
      envAllowed: (envName) => this.options.envAllowed(envName),
      nested: (inner, via, options) =>
        this.invocation(inner, {
          via: [...frame.via, via],
          dynamicTail: options?.dynamicTail ?? false,
          findExec: options?.findExec ?? false,
        }),
      script: (script, via) => this.script(script, frame, via),
      path: (pathRaw, effect, options) => {
        if (pathRaw === '') return;
        record({
          raw: pathRaw,
          effect,
          command: name,
          ...(options?.bases ? { bases: options.bases } : {}),
          ...(options?.intoDir ? { intoDir: options.intoDir } : {}),
        });
      },
      operandPaths: (operands, effect) => {
        for (const operand of operands) {
          if (operand.arg.special || (frame.findExec && operand.value === '{}') || operand.value === '-') continue;
          if (operand.value !== '') record({ raw: operand.value, effect, command: name });
        }
      },
      raise,
      changesLinks: (reason) => {
        summary.changesLinks ??= reason;
      },
      parseMore: (more: Arg[], syntax: ArgvSyntax) => {
        const inner = parseArgs(name, more, syntax);
        recordOptionValues(inner);
        return inner;
      },
    };
    if (spec.apply) spec.apply(ctx);
    else ctx.operandPaths(parsed.operands, risk === 'read_only' ? 'read' : 'use');

    this.applyRuleOptions(name, rule, allOptions, raise);
    for (const reason of reasons) raise(risk, reason);
  }

  /** The policy's denyOptions refuse, and its options raise the risk, matched against the options as parsed. */
  private applyRuleOptions(
    name: string,
    rule: CommandRule,
    options: readonly ParsedOption[],
    raise: (risk: Risk, reason: string) => void,
  ) {
    for (const denied of rule.denyOptions ?? []) {
      const hit = options.find((option) => optionMatches(option, denied));
      if (hit) refuse('denied-option', `${name} ${denied} is refused by the policy`, name);
    }
    for (const [written, optionRisk] of Object.entries(rule.options ?? {})) {
      if (options.some((option) => optionMatches(option, written))) raise(optionRisk, `${name} ${written} is ${optionRisk}`);
    }
  }
}
