/**
 * Name patterns: the one matcher for allow and deny lists of names (tools, buckets, namespaces, datasets, models).
 * `*` matches any run of characters (none too), `?` exactly one; everything else is literal and the whole name must
 * match, case-sensitively. It knows nothing of paths: `*` crosses `/` and `.` (a path glob is another matcher).
 */
export function namePatternRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** Whether `name` matches any of `patterns`. */
export function matchesNamePattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => namePatternRegExp(pattern).test(name));
}

/** An allow/deny filter: a name passes when an allow pattern matches it and no deny pattern does. */
export function createNameFilter(allow: readonly string[], deny: readonly string[] = []): (name: string) => boolean {
  const allowed = allow.map(namePatternRegExp);
  const denied = deny.map(namePatternRegExp);
  return (name) => allowed.some((re) => re.test(name)) && !denied.some((re) => re.test(name));
}
