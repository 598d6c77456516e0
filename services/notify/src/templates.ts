import { ToolError } from '@switchboard/shared';
import type { Template } from './config.ts';

/**
 * Templates with `{{name}}` placeholders. In HTML every value is escaped; there is no raw form. A placeholder with
 * no value, or a value given for no placeholder, is refused (a typo must not send "Dear {{nmae}}").
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function names(text: string | undefined): string[] {
  return text ? [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string) : [];
}

function fill(text: string, values: Record<string, string>, encode: (s: string) => string): string {
  return text.replace(PLACEHOLDER, (_, name: string) => encode(values[name] as string));
}

export interface Rendered {
  subject: string;
  text?: string;
  html?: string;
}

export function renderTemplate(name: string, template: Template, values: Record<string, string>): Rendered {
  const used = new Set([...names(template.subject), ...names(template.text), ...names(template.html)]);
  const missing = [...used].filter((n) => !Object.hasOwn(values, n));
  if (missing.length > 0) throw new ToolError('INVALID_ARGUMENT', `template ${name} needs values for: ${missing.join(', ')}`);
  const unused = Object.keys(values).filter((n) => !used.has(n));
  if (unused.length > 0) throw new ToolError('INVALID_ARGUMENT', `template ${name} has no placeholder for: ${unused.join(', ')}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a subject must stay one header line.
  const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const out: Rendered = { subject: oneLine(fill(template.subject, values, (s) => s)) };
  if (template.text !== undefined) out.text = fill(template.text, values, (s) => s);
  if (template.html !== undefined) out.html = fill(template.html, values, escapeHtml);
  return out;
}
