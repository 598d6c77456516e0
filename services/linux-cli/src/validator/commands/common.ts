import { type ArgvSyntax, optionTable } from '../argv/spec.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';

/** A GNU tool's syntax: getopt_long with permutation, plus `--help` and `--version` unless the table has them. */
export function gnu(table: string, extra: Partial<ArgvSyntax> = {}): ArgvSyntax {
  const words = table.split(/\s+/);
  const has = (name: string) => words.some((word) => word.split(/[=[!]/)[0]?.split('|').includes(name));
  const standard = [has('help') ? '' : 'help', has('version') ? '' : 'version'].join(' ');
  return { options: optionTable(`${table} ${standard}`), permute: true, ...extra };
}

/** A POSIX-style syntax: the first operand ends the options (wrappers, shells). */
export function posix(table: string, extra: Partial<ArgvSyntax> = {}): ArgvSyntax {
  return { options: optionTable(table), permute: false, ...extra };
}

/** Operands are files the command reads. */
export function readsOperands(ctx: CommandContext): void {
  ctx.operandPaths(ctx.parsed.operands, 'read');
}

/** Operands are text (names, numbers, patterns), never files. */
export function textOperands(): void {}

/** Refuses operands: the command takes none, so any would be misread. */
export function noOperands(ctx: CommandContext): void {
  const first = ctx.parsed.operands[0];
  if (first) refuse('unexpected-operand', `${ctx.name} takes no operands (got ${JSON.stringify(first.value)})`, ctx.name);
}

/** A spec whose operands are files it reads. */
export function reader(table: string, extra: Partial<ArgvSyntax> = {}): CommandSpec {
  return { syntax: gnu(table, extra), apply: readsOperands };
}

/** A spec whose operands are text. */
export function textual(table: string, extra: Partial<ArgvSyntax> = {}): CommandSpec {
  return { syntax: gnu(table, extra), apply: textOperands };
}
