import type { Arg } from '../analysis.ts';
import { optionTable } from '../argv/spec.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';
import { gnu, textOperands } from './common.ts';

/** systemctl: never on another machine or below another root; the verb is the subcommand the policy names. */
const systemctl: CommandSpec = {
  syntax: gnu(
    'h|help version system user H|host=T!remote M|machine=T!remote t|type=T state=T failed p|property=T P=T a|all l|full r|recursive reverse with-dependencies job-mode=T T|show-transaction show-types value check-inhibitors=T i kill-whom=T s|signal=T what=T now dry-run q|quiet wait no-block no-wall no-reload legend=T no-pager no-ask-password global runtime f|force preset-mode=T root=T!unsupported image=T!unsupported n|lines=T o|output=T firmware-setup!device boot-loader-menu=T!device boot-loader-entry=T!device plain timestamp=T read-only mkdir marked',
  ),
  subcommand: (parsed) => parsed.operands[0]?.value,
  apply: textOperands,
};

/** journalctl reads the journal; vacuuming, rotation and key set-up change it, and other roots or images are refused. */
const journalctl: CommandSpec = {
  syntax: gnu(
    'system user M|machine=T!remote m|merge D|directory=R file=R root=T!unsupported image=T!unsupported namespace=T S|since=T U|until=T c|cursor=T after-cursor=T cursor-file=W b|boot[=T] u|unit=T user-unit=T t|identifier=T p|priority=T facility=T g|grep=T case-sensitive[=T] k|dmesg o|output=T output-fields=T n|lines[=T] r|reverse show-cursor utc x|catalog no-hostname no-full a|all f|follow no-tail q|quiet no-pager e|pager-end!pager interval=T verify-key=T force N|fields F|field=T list-boots disk-usage vacuum-size=T vacuum-files=T vacuum-time=T verify sync relinquish-var!device smart-relinquish-var!device flush rotate header list-catalog dump-catalog update-catalog!device setup-keys!device',
  ),
  apply: (ctx) => {
    for (const option of ctx.parsed.options) {
      if (['vacuum-size', 'vacuum-files', 'vacuum-time'].includes(option.def.id)) {
        ctx.raise('destructive', `journalctl --${option.def.id} deletes journal files`);
      }
      if (['rotate', 'flush', 'sync'].includes(option.def.id))
        ctx.raise('modify', `journalctl --${option.def.id} changes the journal`);
    }
    textOperands();
  },
};

const SIGNAL = /^(?:\d{1,2}|(?:SIG)?[A-Z][A-Z0-9+-]*)$/;

/**
 * kill: `kill [-SIGNAL | -s SIGNAL | -n NUMBER] PID...`, `kill -l [SIGNAL]`, `kill -L`. A signal name in the
 * `-TERM` form is not getopt syntax, so kill has its own small reader; every process id is checked by the forbidden
 * list (init, -1 and process groups are refused).
 */
const kill: CommandSpec = {
  syntax: { options: optionTable(''), permute: true, none: true },
  apply: (ctx: CommandContext) => {
    const values = ctx.parsed.operands.map((operand) => operand.value);
    let i = 0;
    const first = values[0];
    if (first === '-l' || first === '-L' || first === '--list' || first === '--table') return;
    if (first === '-s' || first === '-n' || first === '--signal') {
      if (!SIGNAL.test(values[1] ?? '')) refuse('kill-syntax', `kill ${first} needs a signal`, 'kill');
      i = 2;
    } else if (first?.startsWith('-') && first !== '--') {
      if (!SIGNAL.test(first.slice(1))) refuse('kill-syntax', `kill ${first}: not a signal`, 'kill');
      i = 1;
    }
    if (values[i] === '--') i += 1;
    const pids = values.slice(i);
    if (pids.length === 0) refuse('kill-syntax', 'kill needs a process id', 'kill');
    for (const pid of pids) {
      if (!/^-?\d+$/.test(pid)) refuse('kill-syntax', `kill ${pid}: only numeric process ids are accepted`, 'kill');
    }
  },
};

/** The process ids a kill call names, for the forbidden list (after its signal). */
export function killTargets(args: readonly Arg[]): string[] {
  const values = args.map((arg) => arg.value);
  let i = 0;
  if (values[0] === '-s' || values[0] === '-n' || values[0] === '--signal') i = 2;
  else if (values[0]?.startsWith('-') && values[0] !== '--') i = 1;
  if (values[i] === '--') i += 1;
  return values.slice(i);
}

export const SYSTEM: Readonly<Record<string, CommandSpec>> = { systemctl, journalctl, kill };
