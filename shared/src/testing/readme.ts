import { readFileSync } from 'node:fs';

/** The repository README, for tests that keep it in step with the code. */
export function readRepositoryReadme(): string {
  return readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
}

/** The Markdown table row whose first cell is `first` in backticks (cells may be padded by the formatter). */
export function readmeTableRow(readme: string, first: string): string | undefined {
  const escaped = first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^\\|\\s*\`${escaped}\`\\s*\\|`);
  return readme.split('\n').find((line) => pattern.test(line));
}
