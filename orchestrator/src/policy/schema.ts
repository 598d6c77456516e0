import { z } from '@switchboard/shared';

/**
 * The policy file (YAML, `policyFile` / SWITCHBOARD_POLICY_FILE): roles, who holds them, which calls need a human's
 * approval, how tool definitions are pinned. Strict everywhere: a misspelt key is a problem, never ignored. Every
 * top-level key is optional and takes the built-in default when left out (see defaults.ts).
 */
export const TOOL_CLASSES = ['viewer', 'operator', 'admin'] as const;
export type ToolClass = (typeof TOOL_CLASSES)[number];

const globs = () => z.array(z.string().min(1)).min(1);

const grantSchema = z.strictObject({
  namespaces: globs().describe('namespace patterns (* any run, ? one character); orchestrator is the gateway itself'),
  tools: globs().default(['*']).describe("tool name patterns within those namespaces (the upstream's own names)"),
  class: z
    .enum(TOOL_CLASSES)
    .describe('viewer: readOnlyHint tools; operator: also tools declaring destructiveHint false; admin: every tool'),
  prompts: z.boolean().default(true).describe("the namespaces' prompts"),
  resources: z.boolean().default(true).describe("the namespaces' resources, templates and completions"),
});

export type GrantSpec = z.infer<typeof grantSchema>;

const roleSchema = z.strictObject({
  description: z.string().optional(),
  grants: z.array(grantSchema).default([]),
  rateLimitPerMinute: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('tool calls per minute of each caller holding the role; the most generous of a caller’s roles applies'),
});

export type RoleSpec = z.infer<typeof roleSchema>;

const claimValue = z.union([z.string(), z.number(), z.boolean()]);

const bindingSchema = z
  .strictObject({
    tokens: globs().optional().describe('static token names (SWITCHBOARD_TOKENS)'),
    subjects: globs().optional().describe('OAuth callers by their caller claim (sub), without the oauth: prefix'),
    claims: z
      .record(z.string().min(1), z.union([claimValue, z.array(claimValue).min(1)]))
      .optional()
      .describe('every claim must match; a list claim matches when it holds one of the values'),
    scopes: globs().optional().describe('OAuth callers whose token carries one of these scopes'),
    stdio: z.literal(true).optional().describe('the client that launched --stdio'),
    anonymous: z.literal(true).optional().describe('every caller when SWITCHBOARD_AUTH=none'),
    roles: z.array(z.string().min(1)).min(1),
  })
  .refine(
    (b) => [b.tokens, b.subjects, b.claims, b.scopes, b.stdio, b.anonymous].some((m) => m !== undefined),
    'a binding needs at least one of tokens, subjects, claims, scopes, stdio, anonymous',
  );

export type BindingSpec = z.infer<typeof bindingSchema>;

export const APPROVAL_MATCHES = ['destructive', 'mutating', 'always'] as const;

const approvalSchema = z.strictObject({
  upstreams: z
    .union([z.enum(['third-party', 'all']), globs()])
    .default('third-party')
    .describe('third-party: upstreams not named in firstParty; all; or upstream name patterns'),
  namespaces: globs().default(['*']),
  tools: globs().default(['*']),
  when: z
    .enum(APPROVAL_MATCHES)
    .default('destructive')
    .describe('destructive: neither readOnlyHint nor destructiveHint false; mutating: not readOnlyHint; always'),
});

export type ApprovalSpec = z.infer<typeof approvalSchema>;

export const PIN_MODES = ['pin', 'warn', 'off'] as const;
export type PinMode = (typeof PIN_MODES)[number];

export const policySchema = z.strictObject({
  version: z.literal(1).default(1),
  roles: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'letters, digits, _ . -'), roleSchema).default({}),
  bindings: z.array(bindingSchema).optional(),
  approvals: z.array(approvalSchema).optional(),
  firstParty: z.array(z.string().min(1)).optional().describe('upstream names that are ours (not third-party)'),
  pinning: z
    .strictObject({
      default: z.enum(PIN_MODES).default('pin'),
      upstreams: z.record(z.string().min(1), z.enum(PIN_MODES)).default({}).describe('by upstream name'),
    })
    .prefault({}),
  injection: z
    .enum(['flag', 'quarantine'])
    .default('flag')
    .describe('descriptions with prompt-injection markers: flagged in listServices, or also quarantined'),
});

export type PolicySpec = z.infer<typeof policySchema>;
