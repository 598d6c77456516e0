import { hasOption } from '../argv/parse-args.ts';
import type { CommandContext, CommandSpec } from '../handler.ts';
import { refuse } from '../refusal.ts';
import { gnu, noOperands, reader, readsOperands, textOperands, textual } from './common.ts';

/**
 * Commands that look at files and the system (GNU coreutils, procps, util-linux, file), with every option of the
 * installed versions that we let through. Options that read file lists, follow links while walking, run programs or
 * change the system are refused (`!tag`).
 */
export const READ_TOOLS: Readonly<Record<string, CommandSpec>> = {
  ls: reader(
    'a|all A|almost-all author b|escape block-size=T B|ignore-backups c C color[=T] d|directory D|dired f F|classify[=T] file-type format=T full-time g group-directories-first G|no-group h|human-readable si H|dereference-command-line dereference-command-line-symlink-to-dir hide=T hyperlink[=T] indicator-style=T i|inode I|ignore=T k|kibibytes l L|dereference!follow m n|numeric-uid-gid N|literal o p q|hide-control-chars show-control-chars Q|quote-name quoting-style=T r|reverse R|recursive s|size S sort=T time=T time-style=T t T|tabsize=T u U v w|width=T x X Z|context zero 1',
  ),
  cat: reader('A|show-all b|number-nonblank e E|show-ends n|number s|squeeze-blank t T|show-tabs u v|show-nonprinting'),
  head: reader('c|bytes=T n|lines=T q|quiet|silent v|verbose z|zero-terminated #=T', { numeric: true }),
  tail: reader(
    'c|bytes=T f|follow[=T] F max-unchanged-stats=T pid=T q|quiet|silent retry s|sleep-interval=T v|verbose z|zero-terminated n|lines=T #=T',
    { numeric: true },
  ),
  wc: reader('c|bytes m|chars l|lines files0-from=R!filelist L|max-line-length w|words'),
  stat: reader('L|dereference f|file-system cached=T c|format=T printf=T t|terse'),
  du: reader(
    '0|null a|all apparent-size B|block-size=T b|bytes c|total D|H|dereference-args d|max-depth=T files0-from=R!filelist k L|dereference!follow l|count-links m P|no-dereference S|separate-dirs si h|human-readable s|summarize t|threshold=T time[=T] time-style=T X|exclude-from=R exclude=T x|one-file-system inodes',
  ),
  df: reader(
    'a|all B|block-size=T h|human-readable H|si i|inodes k l|local no-sync output[=T] P|portability sync total t|type=T T|print-type x|exclude-type=T v',
  ),
  file: reader(
    'm|magic-file=R z|uncompress Z|uncompress-noreport b|brief c|checking-printout e|exclude=T exclude-quiet=T f|files-from=R!filelist F|separator=T i|mime apple extension mime-type mime-encoding k|keep-going l|list L|dereference h|no-dereference n|no-buffer N|no-pad 0|print0 p|preserve-date P|parameter=T r|raw s|special-files!device S|no-sandbox!unsupported C|compile!unsupported d|debug v|version',
  ),
  pwd: { syntax: gnu('L P'), apply: noOperands },
  uname: {
    syntax: gnu(
      'a|all s|kernel-name n|nodename r|kernel-release v|kernel-version m|machine p|processor i|hardware-platform o|operating-system',
    ),
    apply: noOperands,
  },
  hostname: {
    syntax: gnu(
      'a|alias A|all-fqdns b|boot!device d|domain f|fqdn|long F|file=R!device i|ip-address I|all-ip-addresses s|short y|yp|nis V|version h|help',
    ),
    apply: (ctx) => {
      if (ctx.parsed.operands.length > 0) ctx.raise('privileged', 'hostname with a name sets the host name');
    },
  },
  whoami: { syntax: gnu(''), apply: noOperands },
  id: textual('a Z|context g|group G|groups n|name r|real u|user z|zero'),
  uptime: { syntax: gnu('p|pretty h|help s|since V|version'), apply: noOperands },
  free: {
    syntax: gnu(
      'b|bytes kilo mega giga tera peta k|kibi m|mebi g|gibi tebi pebi h|human si l|lohi t|total v|committed s|seconds=T c|count=T w|wide V|version',
    ),
    apply: noOperands,
  },
  which: textual('a'),
  printenv: textual('0|null'),
  basename: textual('a|multiple s|suffix=T z|zero'),
  dirname: textual('z|zero'),
  realpath: reader(
    'e|canonicalize-existing m|canonicalize-missing L|logical P|physical q|quiet relative-to=R relative-base=R s|strip|no-symlinks z|zero',
  ),
  readlink: reader(
    'f|canonicalize e|canonicalize-existing m|canonicalize-missing n|no-newline q|quiet s|silent v|verbose z|zero',
  ),
  cut: reader(
    'b|bytes=T c|characters=T d|delimiter=T f|fields=T n complement s|only-delimited output-delimiter=T z|zero-terminated',
  ),
  tr: textual('c|C|complement d|delete s|squeeze-repeats t|truncate-set1'),
  sort: {
    syntax: gnu(
      'b|ignore-leading-blanks d|dictionary-order f|ignore-case g|general-numeric-sort i|ignore-nonprinting M|month-sort h|human-numeric-sort n|numeric-sort R|random-sort random-source=R r|reverse sort=T V|version-sort batch-size=T c|check[=T] C compress-program=T!exec debug files0-from=R!filelist k|key=T m|merge o|output=W s|stable S|buffer-size=T t|field-separator=T T|temporary-directory=T parallel=T u|unique z|zero-terminated',
    ),
    apply: (ctx) => {
      for (const option of ctx.parsed.options) {
        if (option.def.id === 'temporary-directory') ctx.path(option.values[0] ?? '', 'use');
      }
      readsOperands(ctx);
    },
  },
  uniq: {
    syntax: gnu(
      'c|count d|repeated D all-repeated[=T] f|skip-fields=T group[=T] i|ignore-case s|skip-chars=T u|unique z|zero-terminated w|check-chars=T #=T',
      { numeric: true },
    ),
    apply: (ctx) => {
      const [input, output, extra] = ctx.parsed.operands;
      if (extra) refuse('unexpected-operand', 'uniq takes at most an input and an output file', 'uniq');
      if (input) ctx.operandPaths([input], 'read');
      if (output) ctx.operandPaths([output], 'write');
    },
  },
  diff: reader(
    'normal q|brief s|report-identical-files c C=T context[=T] u U=T unified[=T] e|ed n|rcs y|side-by-side W|width=T left-column suppress-common-lines p|show-c-function F|show-function-line=T label=T t|expand-tabs T|initial-tab tabsize=T suppress-blank-empty l|paginate!exec r|recursive no-dereference N|new-file unidirectional-new-file ignore-file-name-case no-ignore-file-name-case x|exclude=T X|exclude-from=R S|starting-file=T from-file=R to-file=R i|ignore-case E|ignore-tab-expansion Z|ignore-trailing-space b|ignore-space-change w|ignore-all-space B|ignore-blank-lines I|ignore-matching-lines=T a|text strip-trailing-cr D|ifdef=T old-group-format=T new-group-format=T changed-group-format=T unchanged-group-format=T line-format=T old-line-format=T new-line-format=T unchanged-line-format=T d|minimal horizon-lines=T speed-large-files color[=T] palette=T v|version',
  ),
  cmp: reader('b|print-bytes i|ignore-initial=T l|verbose n|bytes=T s|quiet|silent v|version'),
  comm: reader('1 2 3 check-order nocheck-order output-delimiter=T total z|zero-terminated'),
  md5sum: reader('b|binary c|check tag t|text z|zero ignore-missing quiet status strict w|warn'),
  sha1sum: reader('b|binary c|check tag t|text z|zero ignore-missing quiet status strict w|warn'),
  sha256sum: reader('b|binary c|check tag t|text z|zero ignore-missing quiet status strict w|warn'),
  base64: reader('d|decode i|ignore-garbage w|wrap=T'),
  seq: textual('f|format=T s|separator=T w|equal-width #=T', { numeric: true }),
  tac: reader('b|before r|regex s|separator=T'),
  nl: reader(
    'b|body-numbering=T d|section-delimiter=T f|footer-numbering=T h|header-numbering=T i|line-increment=T l|join-blank-lines=T n|number-format=T p|no-renumber s|number-separator=T v|starting-line-number=T w|number-width=T',
  ),
  od: reader(
    'A|address-radix=T endian=T j|skip-bytes=T N|read-bytes=T S=T strings[=T] t|format=T v|output-duplicates w[=T] width[=T] traditional a b c d f i l o s x',
  ),
  column: reader(
    't|table n|table-name=T O|table-order=T N|table-columns=T l|table-columns-limit=T E|table-noextreme=T d|table-noheadings e|table-header-repeat H|table-hide=T R|table-right=T T|table-truncate=T W|table-wrap=T L|keep-empty-lines J|json r|tree=T i|tree-id=T p|tree-parent=T c|output-width=T o|output-separator=T s|separator=T x|fillrows h|help V|version',
  ),
  date: {
    syntax: gnu(
      'd|date=T debug f|file=R I[=T] iso-8601[=T] resolution R|rfc-email rfc-3339=T r|reference=R s|set=T u|utc|universal',
    ),
    apply: (ctx) => {
      if (hasOption(ctx.parsed, 'set')) ctx.raise('privileged', 'date -s sets the system clock');
      const setting = ctx.parsed.operands.find((operand) => !operand.value.startsWith('+'));
      if (setting) ctx.raise('privileged', `date ${setting.value} sets the system clock`);
    },
  },
  sleep: { syntax: gnu(''), apply: textOperands },
  ps: {
    syntax: gnu(
      'A|e a d N|deselect C=T G|Group=T g|group=T p|pid=T ppid=T q|quick-pid=T s|sid=T t|tty=T u|user=T U|User=T F f H j l M O=T o|format=T P y context headers no-headers cols|columns|width=T rows|lines=T L m T c w V',
    ),
    apply: (ctx: CommandContext) => {
      for (const operand of ctx.parsed.operands) {
        if (!/^[A-Za-z]+$/.test(operand.value) || /[eE]/.test(operand.value)) {
          refuse(
            'ps-operand',
            `ps ${operand.value}: BSD options are limited to letters without e (which prints other processes' environments)`,
            'ps',
          );
        }
      }
    },
  },
};
