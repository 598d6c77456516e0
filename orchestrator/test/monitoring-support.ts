/**
 * The metric names a PromQL expression selects. A small lexer, not a parser: strings, label matchers, durations and
 * the label lists of by/without/on/ignoring/group_left/group_right are removed, and every remaining identifier
 * must be a keyword, a known function or aggregation (followed by "("), or a metric name. It fails closed: a
 * function it does not know, a `__name__` matcher or a character it does not expect throws, so a dashboard
 * cannot name a metric this check misses. Whether the expression parses at all is promtool's job.
 */
const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count_over_time',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'holt_winters',
  'hour',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log10',
  'log2',
  'max_over_time',
  'min_over_time',
  'minute',
  'month',
  'predict_linear',
  'present_over_time',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev_over_time',
  'stdvar_over_time',
  'sum_over_time',
  'time',
  'timestamp',
  'vector',
  'year',
  // aggregations
  'avg',
  'bottomk',
  'count',
  'count_values',
  'group',
  'max',
  'min',
  'quantile',
  'stddev',
  'stdvar',
  'sum',
  'topk',
]);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'by', 'without']);
const LABEL_LISTS = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)/g;

export function metricNamesOf(expr: string): Set<string> {
  if (expr.includes('__name__')) throw new Error(`${expr}: __name__ matchers are not supported by this check`);
  let rest = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^[\]]*\]/g, ' ')
    .replace(/\boffset\s+-?(\d+[smhdwy])+/g, ' ')
    .replace(LABEL_LISTS, ' ');
  if (/[{}[\]"'`]/.test(rest)) throw new Error(`${expr}: unbalanced brackets or quotes`);
  const names = new Set<string>();
  rest = rest.replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  for (const match of rest.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const after = rest.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(')) {
      if (!FUNCTIONS.has(word)) throw new Error(`${expr}: unknown function or aggregation "${word}"`);
      continue;
    }
    if (KEYWORDS.has(word)) continue;
    names.add(word);
  }
  const leftover = rest.replace(/[a-zA-Z0-9_:.\s()+\-*/%^=!<>,]/g, '');
  if (leftover !== '') throw new Error(`${expr}: unexpected characters ${JSON.stringify(leftover)}`);
  return names;
}

/** Grafana's variables replaced by values a PromQL parser accepts. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, '.+');
}

/** Every PromQL expression of a Grafana dashboard, with its panel title. */
export function dashboardExpressions(dashboard: { panels: { title: string; targets?: { expr?: string }[] }[] }) {
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => t.expr)
      .map((t) => ({ panel: panel.title, expr: withoutGrafanaVariables(t.expr as string) })),
  );
}

/** The metric families a /metrics text exposes (# TYPE lines), with the sample names each one yields. */
export function exportedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** The label names the samples of a /metrics text carry. */
export function exportedLabelNames(text: string): Set<string> {
  const labels = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const braces = /^[a-zA-Z_:][a-zA-Z0-9_:]*\{(.*)\}/.exec(line)?.[1];
    for (const pair of (braces ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(pair[1] as string);
  }
  return labels;
}
