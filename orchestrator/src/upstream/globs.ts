/** Tool allow/deny lists: `*` matches any run of characters, `?` one character; the rest is literal. */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`);
}

export function createToolFilter(allow: readonly string[], deny: readonly string[]): (name: string) => boolean {
  const allowed = allow.map(globToRegExp);
  const denied = deny.map(globToRegExp);
  return (name) => allowed.some((re) => re.test(name)) && !denied.some((re) => re.test(name));
}
