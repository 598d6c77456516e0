import { posix } from 'node:path';
import type { Policy } from '../policy/policy.ts';
import { maxRisk, type Risk, riskRank } from '../policy/risk.ts';
import type { Analysis, Arg, InvocationSummary, PathUse } from './analysis.ts';
import { handlerFor, NO_PATH_ARGS } from './command-rules.ts';
import { checkForbidden, opaqueReason } from './forbidden.ts';
import type { CommandHandler, HandlerContext } from './handler.ts';
import { argMatchesOption, hasOption } from './options.ts';
import { refuse } from './refusal.ts';
import { parseShellScript, type ShellCommand } from './shell-parser.ts';

export interface AnalyzerOptions {
  policy: Policy;
  /** Directories a command given by absolute path may live in (the child PATH). */
  trustedDirs: readonly string[];
  /** The child's HOME, for `~` and the forbidden list. */
  home: string;
  /** Whether a caller may set this environment variable (env NAME=value). */
  envAllowed(name: string): boolean;
}

/** Commands whose arguments may come from a substitution or xargs: they touch no files. */
const DYNAMIC_SAFE = new Set(['echo', 'printf', 'true', 'false', ':', 'sleep', 'exit']);

/** Options that make a command follow symbolic links while it walks directories, past the path checks. */
const FOLLOW_OPTIONS: Record<string, readonly string[]> = {
  cp: ['-L', '--dereference'],
  grep: ['-R', '--dereference-recursive'],
  egrep: ['-R', '--dereference-recursive'],
  fgrep: ['-R', '--dereference-recursive'],
  chmod: ['-L'],
  chown: ['-L'],
  chgrp: ['-L'],
  du: ['-L', '--dereference'],
  tar: ['-h', '--dereference'],
  rsync: ['-L', '--copy-links', '-k', '--copy-dirlinks'],
  zip: ['-r'],
};

/** Options that change the directory relative paths are read from, past the cwd check. */
const CHDIR_OPTIONS: Record<string, readonly string[]> = {
  tar: ['-C', '--directory'],
  make: ['-C', '--directory'],
  env: ['-C', '--chdir'],
  sudo: ['-D', '--chdir'],
  rsync: ['--chdir'],
};

const COMMAND_NAME = /^[A-Za-z0-9_.+:@-][A-Za-z0-9_.+:@-]*$|^\[$/;
const MAX_INVOCATIONS = 256;

interface Frame {
  via: string[];
  fromShell: boolean;
  dynamicTail: boolean;
  findExec: boolean;
}

function genericSubcommand(values: readonly string[]): string | undefined {
  return values.find((value) => !value.startsWith('-'));
}

/** Path candidates in one argument: the argument itself, or the value of `--opt=value`, `-oVALUE`, `key=value`. */
export function pathCandidates(value: string, operandOnly: boolean): string[] {
  if (value === '' || value === '-') return [];
  if (operandOnly || !value.startsWith('-')) {
    const eq = value.indexOf('=');
    return eq > 0 ? [value, value.slice(eq + 1)].filter((v) => v !== '') : [value];
  }
  const eq = value.indexOf('=');
  if (eq >= 0) return value.slice(eq + 1) === '' ? [] : [value.slice(eq + 1)];
  if (value.startsWith('--') || value.length <= 2) return [];
  return [value.slice(2)];
}

/**
 * Walks a command line the way the system would run it: through wrappers, shells, find -exec and friends,
 * collecting every command (checked against the forbidden list and the allowlist), the highest risk class, and
 * every path to check. Throws PolicyRefusal at the first thing it refuses.
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
    this.invocation(args, { via: [], fromShell: false, dynamicTail: false, findExec: false });
    return { risk: this.risk, invocations: this.invocations, paths: this.paths, riskReasons: this.riskReasons };
  }

  private raise(risk: Risk, reason: string): void {
    if (riskRank(risk) > riskRank(this.risk)) this.risk = risk;
    if (risk !== 'read_only' && !this.riskReasons.includes(reason)) this.riskReasons.push(reason);
  }

  script(script: string, frame: Frame, via: string): void {
    const commands = parseShellScript(script);
    for (const command of commands) this.shellCommand(command, frame, via);
  }

  private shellCommand(command: ShellCommand, frame: Frame, via: string): void {
    const inner: Frame = { via: [...frame.via, via], fromShell: true, dynamicTail: false, findExec: false };
    const name = command.words[0]?.text ?? '(redirection)';
    for (const redirect of command.redirects) {
      const target = redirect.target;
      if (!target || target.processSubstitution) continue;
      if (target.dynamic)
        refuse('dynamic-argument', `a redirection target comes from a command substitution and cannot be checked`, name);
      this.paths.push({
        raw: target.text,
        access: redirect.write ? 'write' : 'read',
        command: name,
        ...(redirect.truncate ? { truncate: true } : {}),
      });
      if (redirect.write) this.raise('modify', `the shell redirection ${redirect.op} ${target.text} writes a file`);
    }
    if (command.words.length === 0) return;
    this.invocation(
      command.words.map((word) => ({
        value: word.text,
        dynamic: word.dynamic,
        special: word.processSubstitution,
        tilde: word.tilde,
      })),
      inner,
    );
  }

  private invocation(args: Arg[], frame: Frame): void {
    if (this.invocations.length >= MAX_INVOCATIONS)
      refuse('too-complex', `the command line runs more than ${MAX_INVOCATIONS} commands`);
    const head = args[0];
    if (!head) refuse('empty', `${frame.via.length > 0 ? `${frame.via.at(-1)}: ` : ''}no command given`);
    for (const arg of args) {
      if (arg.value.includes('\0')) refuse('nul', 'an argument contains a NUL byte');
    }
    if (head.dynamic) refuse('dynamic-command', 'the command name comes from a command substitution and cannot be checked');
    if (head.special) refuse('dynamic-command', 'a process substitution cannot be a command name');
    const raw = head.value;
    const name = raw.includes('/') ? posix.basename(raw) : raw;
    if (!COMMAND_NAME.test(name)) {
      refuse('command-name', `the command name ${JSON.stringify(raw)} contains characters no command on the allowlist has`);
    }
    const rest = args.slice(1);
    const values = rest.map((arg) => arg.value);

    checkForbidden(name, values, this.options.home);
    if (name === 'exec' && rest.length === 0) refuse('opaque', 'exec without a command changes the shell itself', name);
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

    const rule = this.options.policy.commands.get(name);
    if (!rule) refuse('not-allowed', `${name} is not on the allowlist`, name);
    for (const denied of rule.denyOptions ?? []) {
      if (hasOption(values, denied)) refuse('denied-option', `${name} ${denied} is refused by the policy`, name);
    }
    for (const option of FOLLOW_OPTIONS[name] ?? []) {
      if (hasOption(values, option)) {
        refuse('follow-symlinks', `${name} ${option} follows symbolic links past the path checks`, name);
      }
    }
    for (const option of CHDIR_OPTIONS[name] ?? []) {
      if (values.some((value) => argMatchesOption(value, option))) {
        refuse('chdir-option', `${name} ${option} changes directory past the cwd check; use cwd instead`, name);
      }
    }

    const handler: CommandHandler | undefined = handlerFor(name);
    let risk: Risk = rule.risk;
    const reasons: string[] = [`${name} is ${rule.risk}`];
    if (rule.subcommands) {
      const sub = (handler?.subcommand ?? genericSubcommand)(values);
      if (sub !== undefined) {
        const subRisk = rule.subcommands[sub];
        if (!subRisk) refuse('subcommand-not-allowed', `${name} ${sub} is not on the allowlist`, name);
        risk = subRisk;
        reasons[0] = `${name} ${sub} is ${subRisk}`;
      }
    }
    for (const [option, optionRisk] of Object.entries(rule.options ?? {})) {
      if (hasOption(values, option) && riskRank(optionRisk) > riskRank(risk)) {
        risk = optionRisk;
        reasons.push(`${name} ${option} is ${optionRisk}`);
      }
    }

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

    const summary: InvocationSummary = { name, argv: args.map((arg) => arg.value), risk, via: frame.via };
    this.invocations.push(summary);
    for (const reason of reasons) this.raise(risk, reason);

    const dashDash = values.indexOf('--');
    const ctx: HandlerContext = {
      name,
      args: rest,
      values,
      defaultAccess: risk === 'read_only' ? 'read' : 'write',
      envAllowed: (envName) => this.options.envAllowed(envName),
      nested: (inner, via, options) =>
        this.invocation(inner, {
          via: [...frame.via, via],
          fromShell: frame.fromShell,
          dynamicTail: options?.dynamicTail ?? false,
          findExec: options?.findExec ?? false,
        }),
      script: (script, via) => this.script(script, frame, via),
      path: (pathRaw, access, options) => {
        if (pathRaw === '') return;
        this.paths.push({ raw: pathRaw, access, command: name, ...(options?.bases ? { bases: options.bases } : {}) });
      },
      pathArgs: (indexes, access) => {
        const list = indexes ?? rest.map((_, i) => i);
        for (const i of list) {
          const arg = rest[i];
          if (!arg || arg.special || (frame.findExec && arg.value === '{}')) continue;
          for (const candidate of pathCandidates(arg.value, dashDash >= 0 && i > dashDash)) {
            this.paths.push({ raw: candidate, access: access ?? ctx.defaultAccess, command: name });
          }
        }
      },
      raise: (raised, reason) => {
        if (riskRank(raised) > riskRank(summary.risk)) summary.risk = raised;
        this.raise(raised, reason);
      },
    };
    if (handler) handler.handle(ctx);
    else if (!NO_PATH_ARGS.has(name)) ctx.pathArgs();
    summary.risk = maxRisk(summary.risk, risk);
  }
}
