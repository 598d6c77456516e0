import type { CommandHandler } from '../handler.ts';
import { hasOption, parseOptions } from '../options.ts';
import { refuse } from '../refusal.ts';

// systemctl: never on another machine.
export const systemctl: CommandHandler = {
  subcommand: (values) =>
    parseOptions(values, {
      shortValued: 'tpnosHM',
      longValued: ['--type', '--property', '--lines', '--output', '--signal', '--state', '--root'],
      permute: true,
    }).operands[0]?.value,
  handle: (ctx) => {
    for (const option of ['-H', '--host', '-M', '--machine']) {
      if (hasOption(ctx.values, option)) refuse('remote-option', `systemctl ${option} acts on another machine`, 'systemctl');
    }
    ctx.pathArgs();
  },
};

// Commands on the built-in list that can also change the system or write a file.
export const date: CommandHandler = {
  handle: (ctx) => {
    if (hasOption(ctx.values, '-s') || hasOption(ctx.values, '--set')) ctx.raise('privileged', 'date -s sets the system clock');
    ctx.pathArgs();
  },
};

export const hostname: CommandHandler = {
  handle: (ctx) => {
    const { operands } = parseOptions(ctx.values, { permute: true });
    if (operands.length > 0 || hasOption(ctx.values, '-F') || hasOption(ctx.values, '--file') || hasOption(ctx.values, '-b')) {
      ctx.raise('privileged', 'hostname with a name sets the host name');
    }
  },
};
