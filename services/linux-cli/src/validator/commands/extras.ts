import { hasOption, optionValues } from '../argv/parse-args.ts';
import type { CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';
import { gnu, posix } from './common.ts';

/**
 * Commands that are not on the built-in allowlist but that a policy file may add, with the options we let through:
 * tar, jq, curl, and script interpreters.
 */
const TAR_OPTIONS =
  'A|catenate|concatenate c|create d|diff|compare delete r|append t|list test-label u|update x|extract|get f|file=T C|directory=T!chdir z|gzip|gunzip|ungzip j|bzip2 J|xz lzip lzma lzop zstd a|auto-compress Z|compress|uncompress I|use-compress-program=T!exec v|verbose p|preserve-permissions|same-permissions no-same-permissions same-owner no-same-owner numeric-owner k|keep-old-files skip-old-files keep-newer-files overwrite overwrite-dir no-overwrite-dir U|unlink-first recursive-unlink O|to-stdout to-command=T!exec checkpoint[=T] checkpoint-action=T!exec F|info-script|new-volume-script=T!exec rsh-command=T!exec rmt-command=T!exec h|dereference!follow hard-dereference!follow P|absolute-names!unsupported T|files-from=T!filelist X|exclude-from=R exclude=T exclude-vcs exclude-caches exclude-backups wildcards no-wildcards anchored no-anchored ignore-case strip-components=T transform|xform=T s|preserve-order|same-order m|touch no-recursion recursion one-file-system l|check-links totals[=T] W|verify b|blocking-factor=T B|read-full-records i|ignore-zeros ignore-failed-read occurrence[=T] sparse S null no-null show-transformed-names w|interactive|confirmation!interactive';

/** tar: the archive (-f) is read or written by the mode; extracting writes the cwd and replaces files unless -k. */
const tar: CommandSpec = {
  syntax: gnu(TAR_OPTIONS),
  // Old-style `tar xzf a.tgz`: the first word is a cluster without its dash.
  normalize: (args) => {
    const [first, ...rest] = args;
    return first && /^[A-Za-z]+$/.test(first.value) ? [{ ...first, value: `-${first.value}` }, ...rest] : args;
  },
  apply: (ctx) => {
    const archive = optionValues(ctx.parsed, 'file')[0];
    const creates = hasOption(ctx.parsed, 'create');
    const adds = hasOption(ctx.parsed, 'append', 'update', 'catenate', 'delete');
    const extracts = hasOption(ctx.parsed, 'extract');
    if (archive !== undefined && archive !== '-') ctx.path(archive, creates ? 'write' : adds ? 'rewrite' : 'read');
    if (extracts) {
      ctx.changesLinks('extracts files, which may be symbolic links');
      ctx.path('.', 'use');
      if (!hasOption(ctx.parsed, 'keep-old-files', 'skip-old-files', 'to-stdout')) {
        ctx.raise('destructive', 'tar -x overwrites existing files (use -k to keep them)');
      }
      return;
    }
    ctx.operandPaths(ctx.parsed.operands, 'read');
  },
};

/** jq: the filter (first operand, or -f) is jq code, which cannot run programs; the other operands are files read. */
const jq: CommandSpec = {
  syntax: gnu(
    'n|null-input r|raw-output raw-output0 j|join-output a|ascii-output s|slurp R|raw-input c|compact-output C|color-output M|monochrome-output S|sort-keys tab indent=T e|exit-status seq stream stream-errors unbuffered f|from-file=R L=R arg=TT argjson=TT slurpfile=TR rawfile=TR args jsonargs h|help V|version build-configuration',
  ),
  apply: (ctx) => {
    const fromFile = hasOption(ctx.parsed, 'from-file');
    const operands = fromFile ? ctx.parsed.operands : ctx.parsed.operands.slice(1);
    if (!fromFile && ctx.parsed.operands.length === 0 && !hasOption(ctx.parsed, 'help', 'version')) {
      refuse('missing-operand', 'jq needs a filter', 'jq');
    }
    if (hasOption(ctx.parsed, 'args', 'jsonargs')) return;
    ctx.operandPaths(operands, 'read');
  },
};

/** curl: writes only where -o/-D/-c say, reads only what -T, -d @file, -F name=@file and cookie files name. */
const curl: CommandSpec = {
  syntax: gnu(
    's|silent S|show-error f|fail fail-with-body L|location max-redirs=T o|output=W O|remote-name!unsupported J|remote-header-name!unsupported X|request=T H|header=T d|data=T data-ascii=T data-binary=T data-raw=T data-urlencode=T json=T F|form=T form-string=T T|upload-file=R u|user=T K|config=T!config w|write-out=T!unsupported m|max-time=T connect-timeout=T retry=T retry-delay=T retry-max-time=T k|insecure I|head i|include v|verbose compressed A|user-agent=T e|referer=T b|cookie=T c|cookie-jar=W x|proxy=T noproxy=T resolve=T connect-to=T url=T G|get 4|ipv4 6|ipv6 http1.1 http2 D|dump-header=W n|netrc netrc-file=R netrc-optional cacert=R capath=R E|cert=R key=R trace=T!unsupported trace-ascii=T!unsupported stderr=T!unsupported q|disable',
  ),
  apply: (ctx) => {
    for (const option of ctx.parsed.options) {
      const value = option.values[0] ?? '';
      if (['data', 'data-ascii', 'data-binary', 'json'].includes(option.def.id) && value.startsWith('@'))
        ctx.path(value.slice(1), 'read');
      if (option.def.id === 'data-urlencode' && /^[^=]*@/.test(value)) ctx.path(value.slice(value.indexOf('@') + 1), 'read');
      if (option.def.id === 'form' && /=[@<]/.test(value))
        ctx.path(value.slice(value.search(/=[@<]/) + 2).split(';')[0] as string, 'read');
      if (option.def.id === 'cookie' && !value.includes('=')) ctx.path(value, 'read');
    }
  },
};

/**
 * Interpreters run a script file inside the roots and nothing else: no options before the script (inline code,
 * modules, stdin and start-up hooks are all options), and the script's own arguments are its business.
 */
const interpreter: CommandSpec = {
  syntax: posix(''),
  apply: (ctx) => {
    const [script] = ctx.parsed.operands;
    if (!script || script.value === '-') {
      refuse(
        'interpreter-stdin',
        `${ctx.name} without a script file reads code from stdin, which the validator cannot see`,
        ctx.name,
      );
    }
    ctx.operandPaths([script], 'read');
  },
};

export const INTERPRETERS =
  /^(python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*|lua[0-9.]*|luajit|Rscript|tclsh[0-9.]*|wish|pwsh|deno|bun|julia|irb|guile|racket|ocaml)$/;

export const EXTRAS: Readonly<Record<string, CommandSpec>> = { tar, jq, curl };
export { interpreter };
