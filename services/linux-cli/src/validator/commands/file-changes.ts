import { posix } from 'node:path';
import type { PathEffect } from '../analysis.ts';
import { hasOption, type Operand, optionValues } from '../argv/parse-args.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';
import { gnu } from './common.ts';

/**
 * Commands that create, change or remove files. Each path gets the effect the command has on it, so the risk follows
 * from what exists when the call is checked: cp, mv, tee, ln -f and truncate onto an existing file are destructive.
 */
function baseName(path: string): string {
  return posix.basename(path.replace(/\/+$/, '')) || path;
}

/** `SOURCE... DEST` or `-t DIR SOURCE...`: the sources, and the destination with the names written inside it. */
function sourcesAndDestination(ctx: CommandContext, effect: PathEffect, keepParents = false): Operand[] {
  const operands = ctx.parsed.operands;
  const targetDir = optionValues(ctx.parsed, 'target-directory')[0];
  const names = (sources: Operand[]) => sources.map((s) => (keepParents ? s.value.replace(/^\/+/, '') : baseName(s.value)));
  if (targetDir !== undefined) {
    if (operands.length === 0) refuse('missing-operand', `${ctx.name} -t needs a source`, ctx.name);
    ctx.path(targetDir, effect, { intoDir: names(operands) });
    return operands;
  }
  if (operands.length < 2) refuse('missing-operand', `${ctx.name} needs a source and a destination`, ctx.name);
  const sources = operands.slice(0, -1);
  const destination = operands.at(-1) as Operand;
  if (hasOption(ctx.parsed, 'no-target-directory')) ctx.operandPaths([destination], effect);
  else ctx.path(destination.value, effect, { intoDir: names(sources) });
  return sources;
}

function clobbers(ctx: CommandContext): boolean {
  if (hasOption(ctx.parsed, 'no-clobber')) return false;
  return !optionValues(ctx.parsed, 'update').includes('none');
}

const cp: CommandSpec = {
  syntax: gnu(
    'a|archive attributes-only backup[=T] b copy-contents d f|force i|interactive H l|link L|dereference!follow n|no-clobber P|no-dereference p preserve[=T] no-preserve=T parents R|r|recursive reflink[=T] remove-destination sparse=T strip-trailing-slashes s|symbolic-link S|suffix=T t|target-directory=T T|no-target-directory u|update[=T] v|verbose x|one-file-system Z context[=T]',
  ),
  apply: (ctx) => {
    const effect: PathEffect = !clobbers(ctx) ? 'create' : hasOption(ctx.parsed, 'remove-destination') ? 'replace' : 'write';
    const sources = sourcesAndDestination(ctx, effect, hasOption(ctx.parsed, 'parents'));
    ctx.operandPaths(sources, 'read');
    if (hasOption(ctx.parsed, 'symbolic-link', 'link')) ctx.changesLinks('makes links');
    if (hasOption(ctx.parsed, 'recursive', 'archive', 'd', 'no-dereference'))
      ctx.changesLinks('copies symbolic links into a new place');
  },
};

const mv: CommandSpec = {
  syntax: gnu(
    'backup[=T] b f|force i|interactive n|no-clobber strip-trailing-slashes S|suffix=T t|target-directory=T T|no-target-directory u|update[=T] v|verbose Z|context',
  ),
  apply: (ctx) => {
    const sources = sourcesAndDestination(ctx, clobbers(ctx) ? 'replace' : 'create');
    ctx.operandPaths(sources, 'move');
    ctx.changesLinks('renames entries');
  },
};

const ln: CommandSpec = {
  syntax: gnu(
    'backup[=T] b d|F|directory!device f|force i|interactive L|logical n|no-dereference P|physical r|relative s|symbolic S|suffix=T t|target-directory=T T|no-target-directory v|verbose',
  ),
  apply: (ctx) => {
    ctx.changesLinks('makes links');
    const symbolic = hasOption(ctx.parsed, 'symbolic');
    const effect: PathEffect = hasOption(ctx.parsed, 'force') ? 'replace' : 'create';
    const operands = ctx.parsed.operands;
    const targetDir = optionValues(ctx.parsed, 'target-directory')[0];
    let targets: Operand[];
    let linkDirs: string[];
    if (targetDir !== undefined) {
      targets = operands;
      linkDirs = [targetDir];
      ctx.path(targetDir, effect, { intoDir: targets.map((t) => baseName(t.value)) });
    } else if (operands.length >= 2) {
      targets = operands.slice(0, -1);
      const last = (operands.at(-1) as Operand).value;
      linkDirs = hasOption(ctx.parsed, 'no-target-directory') ? [posix.dirname(last)] : [last, posix.dirname(last)];
      ctx.path(
        last,
        effect,
        hasOption(ctx.parsed, 'no-target-directory') ? {} : { intoDir: targets.map((t) => baseName(t.value)) },
      );
    } else {
      targets = operands;
      linkDirs = ['.'];
      for (const target of targets) ctx.path(baseName(target.value), effect);
    }
    if (targets.length === 0) refuse('missing-operand', 'ln needs a target', 'ln');
    for (const target of targets) {
      // A relative symbolic link's target is read from the link's directory, not from the cwd.
      if (symbolic && !target.value.startsWith('/')) ctx.path(target.value, 'read', { bases: linkDirs });
      else ctx.operandPaths([target], 'read');
    }
  },
};

const SETUID_MODE = /^[0-7]*[2-7][0-7]{3}$/;

/** chmod MODE FILE...: the mode is text; setting setuid or setgid bits is privileged. */
const chmod: CommandSpec = {
  syntax: gnu('c|changes f|silent|quiet v|verbose no-preserve-root preserve-root reference=R R|recursive'),
  apply: (ctx) => {
    const operands = ctx.parsed.operands;
    const files = hasOption(ctx.parsed, 'reference') ? operands : operands.slice(1);
    const mode = hasOption(ctx.parsed, 'reference') ? '' : (operands[0]?.value ?? '');
    if (SETUID_MODE.test(mode) || /[ugoa]*[-+=][rwxXt]*s/.test(mode))
      ctx.raise('privileged', 'chmod setting the setuid or setgid bit');
    ctx.operandPaths(files, 'meta');
  },
};

function owner(table: string): CommandSpec {
  return {
    syntax: gnu(table),
    apply: (ctx) => {
      const operands = ctx.parsed.operands;
      ctx.operandPaths(hasOption(ctx.parsed, 'reference') ? operands : operands.slice(1), 'meta');
    },
  };
}

const OWNER_OPTIONS =
  'c|changes f|silent|quiet v|verbose dereference h|no-dereference from=T no-preserve-root preserve-root reference=R R|recursive H L!follow P';

function effectOf(effect: PathEffect, table: string): CommandSpec {
  return { syntax: gnu(table), apply: (ctx) => ctx.operandPaths(ctx.parsed.operands, effect) };
}

export const FILE_CHANGES: Readonly<Record<string, CommandSpec>> = {
  cp,
  mv,
  ln,
  chmod,
  chown: owner(OWNER_OPTIONS),
  chgrp: owner(OWNER_OPTIONS),
  mkdir: effectOf('create', 'm|mode=T p|parents v|verbose Z context[=T]'),
  touch: effectOf('meta', 'a c|no-create d|date=T f h|no-dereference m r|reference=R t=T time=T'),
  tee: {
    syntax: gnu('a|append i|ignore-interrupts p output-error[=T]'),
    apply: (ctx) => ctx.operandPaths(ctx.parsed.operands, hasOption(ctx.parsed, 'append') ? 'append' : 'write'),
  },
  rm: effectOf(
    'delete',
    'f|force i I interactive[=T] one-file-system no-preserve-root preserve-root[=T] r|R|recursive d|dir v|verbose',
  ),
  rmdir: effectOf('delete', 'ignore-fail-on-non-empty p|parents v|verbose'),
  truncate: effectOf('rewrite', 'c|no-create o|io-blocks r|reference=R s|size=T'),
  dd: {
    syntax: gnu(''),
    apply: (ctx) => {
      for (const operand of ctx.parsed.operands) {
        const [key, ...rest] = operand.value.split('=');
        const value = rest.join('=');
        if (key === 'if') ctx.path(value, 'read');
        else if (key === 'of') ctx.path(value, 'write');
        else if (
          !['bs', 'cbs', 'conv', 'count', 'ibs', 'iflag', 'obs', 'oflag', 'seek', 'oseek', 'skip', 'iseek', 'status'].includes(
            key as string,
          ) ||
          rest.length === 0
        ) {
          refuse('unknown-operand', `dd ${operand.value}: not an operand the validator knows`, 'dd');
        }
      }
    },
  },
};
