/**
 * Markers of tool poisoning in the text a model reads about a tool (its description, title and the descriptions in
 * its schemas): the phrasings published attacks use. A marker flags the tool for a human; the policy decides whether
 * a flagged tool is also quarantined. A scan is a policy, not a boundary: it narrows what slips through.
 */
export type InjectionMarker =
  | 'ignore-instructions'
  | 'hidden-from-user'
  | 'instruction-tags'
  | 'unicode-tags'
  | 'invisible-text'
  | 'sensitive-file'
  | 'secret-exfiltration';

const PATTERNS: [InjectionMarker, RegExp][] = [
  [
    'ignore-instructions',
    /\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|other|system)\b[^.\n]{0,30}\b(instructions?|prompts?|rules|directions|guidelines)\b/i,
  ],
  [
    'hidden-from-user',
    /\b(do not|don't|never|without)\s+(tell(ing)?|inform(ing)?|mention(ing)?|show(ing)?|reveal(ing)?|alert(ing)?|notify(ing)?)\b[^.\n]{0,20}\bthe user\b/i,
  ],
  ['instruction-tags', /<\s*\/?\s*(important|system|instructions?|secret|hidden)\s*>/i],
  ['unicode-tags', /[\u{E0000}-\u{E007F}]/u],
  ['invisible-text', /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u180E]/u],
  [
    'sensitive-file',
    /(~\/\.ssh|\.ssh\/|\bid_(rsa|ed25519|ecdsa)\b|\/etc\/(passwd|shadow)|\.aws\/credentials|\.kube\/config|\.netrc\b|\bmcp\.json\b|claude_desktop_config\.json|(^|[\s"'`/])\.env\b)/i,
  ],
  [
    'secret-exfiltration',
    /\b(send|pass|include|append|exfiltrate|upload|post|forward|leak|share|copy)\b[^.\n]{0,60}\b(secrets?|api[ _-]?keys?|access[ _-]?tokens?|passwords?|credentials?|private[ _-]?keys?|ssh keys?)\b/i,
  ],
];

/** Every marker the scan knows, in the order it reports them. */
export const INJECTION_MARKERS: readonly InjectionMarker[] = PATTERNS.map(([marker]) => marker);

/** Every string under a `description` or `title` key of a JSON Schema (and nested schemas). */
function schemaTexts(value: unknown, out: string[], depth = 0): string[] {
  if (depth > 32 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const item of value) schemaTexts(item, out, depth + 1);
    return out;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if ((key === 'description' || key === 'title') && typeof item === 'string') out.push(item);
    else schemaTexts(item, out, depth + 1);
  }
  return out;
}

/** The texts of a tool listing a model reads. */
export function toolTexts(listing: Record<string, unknown>): string[] {
  const texts: string[] = [];
  for (const key of ['description', 'title']) if (typeof listing[key] === 'string') texts.push(listing[key] as string);
  const annotations = listing.annotations as { title?: unknown } | undefined;
  if (typeof annotations?.title === 'string') texts.push(annotations.title);
  schemaTexts(listing.inputSchema, texts);
  schemaTexts(listing.outputSchema, texts);
  return texts;
}

/** The markers found in a tool's texts (each once, in a fixed order). */
export function scanTool(listing: Record<string, unknown>): InjectionMarker[] {
  const texts = toolTexts(listing);
  return PATTERNS.filter(([, pattern]) => texts.some((text) => pattern.test(text))).map(([marker]) => marker);
}
