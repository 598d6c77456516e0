import { mergeTables, type OptionTable, optionTable } from '../../argv/spec.ts';

/**
 * The options of git's subcommands that the validator lets through, as git 2.39 spells them. Options that run
 * programs (external diff, textconv, pagers, gpg, editors), read their arguments from a file or stdin, or point git at
 * another repository are refused; anything not listed is refused by the parser.
 */
export const GIT_GLOBAL = optionTable(
  'v|version h|help C=T!chdir c=T!config config-env=T!config exec-path[=T]!exec html-path man-path info-path p|paginate!pager P|no-pager git-dir=T!repository work-tree=T!repository namespace=T bare!repository no-replace-objects no-lazy-fetch no-optional-locks literal-pathspecs glob-pathspecs noglob-pathspecs icase-pathspecs list-cmds=T attr-source=T super-prefix=T!unsupported',
);

/** Diff output options, shared by diff, log and show. */
const DIFF = optionTable(
  'p|u|patch s|no-patch U|unified=T output=W raw patch-with-raw stat[=T] compact-summary numstat shortstat dirstat[=T] cumulative dirstat-by-file[=T] summary patch-with-stat z name-only name-status check submodule[=T] color[=T] no-color color-moved[=T] no-color-moved color-moved-ws=T word-diff[=T] word-diff-regex=T color-words[=T] no-renames rename-empty no-rename-empty M|find-renames[=T] C|find-copies[=T] find-copies-harder D|irreversible-delete B|break-rewrites[=T] l=T S=T G=T find-object=T pickaxe-all pickaxe-regex O=R skip-to=T rotate-to=T R relative[=T] no-relative a|text ignore-cr-at-eol ignore-space-at-eol b|ignore-space-change w|ignore-all-space ignore-blank-lines I|ignore-matching-lines=T inter-hunk-context=T W|function-context exit-code quiet ext-diff!exec no-ext-diff textconv!exec no-textconv ignore-submodules[=T] src-prefix=T dst-prefix=T no-prefix default-prefix line-prefix=T ita-invisible-in-index abbrev[=T] no-abbrev full-index binary diff-filter=T minimal patience histogram diff-algorithm=T anchored=T indent-heuristic no-indent-heuristic',
);

/** Revision walking and log formatting, shared by log, show and shortlog. */
const REVISIONS = optionTable(
  'n|max-count=T #=T skip=T since|after=T until|before=T since-as-filter=T author=T committer=T grep-reflog=T grep=T all-match invert-grep i|regexp-ignore-case basic-regexp E|extended-regexp F|fixed-strings P|perl-regexp remove-empty merges no-merges min-parents=T max-parents=T no-min-parents no-max-parents first-parent exclude-first-parent-only not all branches[=T] tags[=T] remotes[=T] glob=T exclude=T reflog single-worktree ignore-missing stdin!filelist cherry-mark cherry-pick left-only right-only cherry g|walk-reflogs merge boundary simplify-by-decoration full-history dense sparse simplify-merges ancestry-path[=T] show-pulls date-order author-date-order topo-order reverse no-walk[=T] do-walk format=T pretty[=T] oneline abbrev-commit no-abbrev-commit encoding=T expand-tabs[=T] no-expand-tabs notes[=T] no-notes show-signature!exec relative-date date=T parents children left-right graph show-linear-break[=T] decorate[=T] no-decorate decorate-refs=T decorate-refs-exclude=T clear-decorations source use-mailmap mailmap no-mailmap full-diff log-size L=T follow m c cc dd diff-merges=T no-diff-merges remerge-diff combined-all-paths t',
);

function table(source: string, ...shared: OptionTable[]): OptionTable {
  return mergeTables(optionTable(source), ...shared);
}

export const GIT_SUBCOMMANDS: Readonly<Record<string, OptionTable>> = {
  status: optionTable(
    's|short b|branch show-stash porcelain[=T] long v|verbose u|untracked-files[=T] ignore-submodules[=T] ignored[=T] z column[=T] no-column ahead-behind no-ahead-behind renames no-renames find-renames[=T]',
  ),
  log: table('', DIFF, REVISIONS),
  show: table('', DIFF, REVISIONS),
  diff: table('cached staged merge-base no-index base|1 ours|2 theirs|3 0', DIFF),
  shortlog: table('s|summary e|email group=T w[=T]', REVISIONS),
  'rev-parse': optionTable(
    'git-dir show-toplevel show-prefix show-cdup abbrev-ref[=T] short[=T] verify q|quiet symbolic symbolic-full-name all branches[=T] tags[=T] remotes[=T] glob=T exclude=T is-inside-work-tree is-inside-git-dir is-bare-repository is-shallow-repository absolute-git-dir git-common-dir show-superproject-working-tree shared-index-path local-env-vars resolve-git-dir=T git-path=T default=T prefix=T revs-only no-revs flags no-flags sq sq-quote not since|after=T until|before=T show-object-format[=T] path-format=T disambiguate=T show-ref-format',
  ),
  'ls-files': optionTable(
    'c|cached d|deleted m|modified o|others i|ignored s|stage directory no-empty-directory u|unmerged k|killed z t v f full-name recurse-submodules abbrev[=T] debug eol deduplicate x|exclude=T X|exclude-from=R exclude-per-directory=T exclude-standard error-unmatch with-tree=T format=T sparse',
  ),
  blame: optionTable(
    'b root show-stats score-debug f|show-name n|show-number p|porcelain line-porcelain incremental c t l s e|show-email w M[=T] C[=T] L=T S=R!filelist reverse=T first-parent contents=R date=T progress no-progress abbrev[=T] ignore-rev=T ignore-revs-file=R color-lines color-by-age minimal since=T',
  ),
  grep: optionTable(
    'cached no-index untracked no-exclude-standard exclude-standard recurse-submodules a|text textconv!exec no-textconv i|ignore-case I max-depth=T r|recursive no-recursive w|word-regexp v|invert-match h H full-name E|extended-regexp G|basic-regexp P|perl-regexp F|fixed-strings n|line-number column l|files-with-matches name-only L|files-without-match O|open-files-in-pager[=T]!pager z|null o|only-matching c|count color[=T] no-color break heading p|show-function A|after-context=T B|before-context=T C|context=T #=T W|function-context m|max-count=T threads=T f=R e=T and or not all-match q|quiet',
  ),
  describe: optionTable(
    'all tags contains abbrev[=T] candidates=T exact-match debug long match=T exclude=T always first-parent dirty[=T] broken[=T]',
  ),
  add: optionTable(
    'n|dry-run v|verbose f|force i|interactive!interactive p|patch!interactive e|edit!interactive u|update A|all no-all ignore-removal no-ignore-removal N|intent-to-add refresh ignore-errors ignore-missing sparse chmod=T renormalize pathspec-from-file=T!filelist pathspec-file-nul',
  ),
  commit: optionTable(
    'a|all p|patch!interactive interactive!interactive C|reuse-message=T c|reedit-message=T!interactive fixup=T squash=T reset-author short branch porcelain long z|null F|file=R author=T date=T m|message=T t|template=R s|signoff no-signoff trailer=T n|no-verify verify allow-empty allow-empty-message cleanup=T e|edit!interactive no-edit amend no-post-rewrite i|include o|only pathspec-from-file=T!filelist pathspec-file-nul u|untracked-files[=T] v|verbose q|quiet dry-run status no-status S|gpg-sign[=T]!exec no-gpg-sign',
  ),
  mv: optionTable('v|verbose f|force k n|dry-run sparse'),
  restore: optionTable(
    's|source=T p|patch!interactive W|worktree S|staged q|quiet progress no-progress ours theirs m|merge conflict=T ignore-unmerged ignore-skip-worktree-bits recurse-submodules no-recurse-submodules overlay no-overlay pathspec-from-file=T!filelist pathspec-file-nul',
  ),
  switch: optionTable(
    'c|create=T C|force-create=T d|detach guess no-guess f|force|discard-changes m|merge conflict=T q|quiet progress no-progress t|track[=T] no-track orphan=T ignore-other-worktrees recurse-submodules no-recurse-submodules',
  ),
  checkout: optionTable(
    'q|quiet progress no-progress f|force ours theirs b=T B=T t|track[=T] no-track guess no-guess l detach orphan=T ignore-skip-worktree-bits m|merge conflict=T p|patch!interactive ignore-other-worktrees overwrite-ignore no-overwrite-ignore recurse-submodules no-recurse-submodules overlay no-overlay pathspec-from-file=T!filelist pathspec-file-nul',
  ),
  stash: optionTable(
    'p|patch!interactive S|staged k|keep-index no-keep-index q|quiet u|include-untracked a|all m|message=T index pathspec-from-file=T!filelist pathspec-file-nul',
  ),
  merge: optionTable(
    'commit no-commit edit!interactive e no-edit cleanup=T ff no-ff ff-only log[=T] no-log signoff no-signoff stat n no-stat squash no-squash verify no-verify s|strategy=T X|strategy-option=T verify-signatures!exec no-verify-signatures q|quiet v|verbose progress no-progress autostash no-autostash allow-unrelated-histories S|gpg-sign[=T]!exec no-gpg-sign m=T F|file=R into-name=T rerere-autoupdate no-rerere-autoupdate overwrite-ignore no-overwrite-ignore abort quit continue',
  ),
  init: optionTable(
    'q|quiet bare!repository template=T!config separate-git-dir=T!repository object-format=T b|initial-branch=T shared[=T]',
  ),
  fetch: optionTable(
    'all a|append atomic depth=T deepen=T shallow-since=T shallow-exclude=T unshallow update-shallow negotiation-tip=T negotiate-only dry-run write-fetch-head no-write-fetch-head f|force k|keep multiple auto-maintenance no-auto-maintenance auto-gc no-auto-gc write-commit-graph no-write-commit-graph prefetch p|prune P|prune-tags n no-tags refetch refmap=T t|tags recurse-submodules[=T]!unsupported no-recurse-submodules j|jobs=T set-upstream upload-pack=T!exec q|quiet v|verbose progress no-progress o|server-option=T show-forced-updates no-show-forced-updates 4|ipv4 6|ipv6',
  ),
  pull: optionTable(
    'q|quiet v|verbose recurse-submodules[=T]!unsupported no-recurse-submodules commit no-commit edit!interactive e no-edit cleanup=T ff no-ff ff-only log[=T] no-log signoff no-signoff stat n no-stat squash no-squash verify no-verify s|strategy=T X|strategy-option=T verify-signatures!exec no-verify-signatures summary no-summary autostash no-autostash allow-unrelated-histories r|rebase[=T] no-rebase all a|append depth=T deepen=T shallow-since=T shallow-exclude=T unshallow update-shallow negotiation-tip=T f|force k|keep prefetch p|prune no-tags t|tags j|jobs=T set-upstream upload-pack=T!exec progress no-progress o|server-option=T 4|ipv4 6|ipv6 S|gpg-sign[=T]!exec no-gpg-sign',
  ),
  push: optionTable(
    'all branches prune mirror n|dry-run porcelain d|delete tags follow-tags no-follow-tags signed[=T]!exec no-signed atomic no-atomic o|push-option=T receive-pack=T!exec exec=T!exec force-with-lease[=T] no-force-with-lease f|force force-if-includes no-force-if-includes repo=T u|set-upstream thin no-thin q|quiet v|verbose progress no-progress recurse-submodules=T!unsupported no-recurse-submodules verify no-verify 4|ipv4 6|ipv6',
  ),
  rm: optionTable('f|force n|dry-run r cached ignore-unmatch sparse q|quiet pathspec-from-file=T!filelist pathspec-file-nul'),
  reset: optionTable(
    'q|quiet no-quiet refresh no-refresh soft mixed N hard merge keep recurse-submodules no-recurse-submodules p|patch!interactive pathspec-from-file=T!filelist pathspec-file-nul',
  ),
  clean: optionTable('d f|force i|interactive!interactive n|dry-run q|quiet e|exclude=T x X'),
  branch: optionTable(
    'd|delete D f|force m|move M c|copy C color[=T] no-color i|ignore-case omit-empty column[=T] no-column r|remotes a|all l|list show-current v|verbose q|quiet abbrev[=T] no-abbrev t|track[=T] no-track set-upstream-to=T u=T unset-upstream edit-description!interactive contains[=T] no-contains[=T] merged[=T] no-merged[=T] sort=T points-at=T format=T create-reflog recurse-submodules!unsupported',
  ),
  tag: optionTable(
    'a|annotate s|sign!exec u|local-user=T!exec f|force d|delete v|verify!exec n[=T] l|list sort=T color[=T] i|ignore-case omit-empty column[=T] no-column contains[=T] no-contains[=T] merged[=T] no-merged[=T] points-at[=T] m|message=T F|file=R trailer=T e|edit!interactive no-edit cleanup=T create-reflog format=T',
  ),
  clone: optionTable(
    'l|local no-hardlinks s|shared reference=T!unsupported reference-if-able=T!unsupported dissociate q|quiet v|verbose progress no-progress server-option=T n|no-checkout bare!repository mirror!repository o|origin=T b|branch=T revision=T u|upload-pack=T!exec template=T!config c|config=T!config depth=T shallow-since=T shallow-exclude=T single-branch no-single-branch no-tags tags recurse-submodules[=T]!unsupported shallow-submodules no-shallow-submodules remote-submodules no-remote-submodules separate-git-dir=T!unsupported ref-format=T j|jobs=T filter=T also-filter-submodules sparse bundle-uri=T 4|ipv4 6|ipv6',
  ),
};
