import { ToolError } from '@switchboard/shared';
import type { K8sConfig } from '../config.ts';

/**
 * The namespace allowlist, per context: names or globs (`team-*`), `!` to exclude (exclusions win). Checked
 * before any API call, so a denied namespace never reaches the cluster.
 */
export type Access = 'read' | 'write';

function compile(patterns: readonly string[]): (namespace: string) => boolean {
  const toRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const allow = patterns.filter((p) => !p.startsWith('!')).map(toRegExp);
  const deny = patterns.filter((p) => p.startsWith('!')).map((p) => toRegExp(p.slice(1)));
  return (namespace) => allow.some((r) => r.test(namespace)) && !deny.some((r) => r.test(namespace));
}

export class NamespacePolicy {
  readonly #rules = new Map<
    string,
    { read: string[]; write: string[]; canRead: (ns: string) => boolean; canWrite: (ns: string) => boolean }
  >();
  readonly #config: Readonly<K8sConfig>;

  constructor(config: Readonly<K8sConfig>) {
    this.#config = config;
  }

  #for(context: string) {
    let rules = this.#rules.get(context);
    if (!rules) {
      const override = this.#config.contextNamespaces[context];
      const read = override?.read ?? this.#config.readNamespaces;
      const write = override?.write ?? this.#config.writeNamespaces;
      const canRead = compile(read);
      const writable = compile(write);
      rules = { read, write, canRead, canWrite: (ns) => canRead(ns) && writable(ns) };
      this.#rules.set(context, rules);
    }
    return rules;
  }

  /** The patterns in force for a context (listContexts shows them). */
  describe(context: string): { read: string[]; write: string[] } {
    const { read, write } = this.#for(context);
    return { read, write };
  }

  allows(context: string, namespace: string, access: Access): boolean {
    const rules = this.#for(context);
    return access === 'read' ? rules.canRead(namespace) : rules.canWrite(namespace);
  }

  /** Whether every namespace is readable, so a cluster-wide listing cannot show a denied one. */
  unrestricted(context: string): boolean {
    const { read } = this.#for(context);
    return read.includes('*') && !read.some((p) => p.startsWith('!'));
  }

  check(context: string, namespace: string, access: Access): void {
    if (this.allows(context, namespace, access)) return;
    const rules = this.#for(context);
    throw new ToolError(
      'POLICY_VIOLATION',
      `namespace "${namespace}" is not allowed for ${access === 'read' ? 'reading' : 'writes'} in context ${context} (allowed: ${(access === 'read' ? rules.read : rules.write).join(', ')})`,
      { details: { namespace, context, access } },
    );
  }

  /** A cluster-wide listing is only allowed when no namespace is denied for reading. */
  checkAllNamespaces(context: string): void {
    if (this.unrestricted(context)) return;
    throw new ToolError(
      'POLICY_VIOLATION',
      `listing across all namespaces is not allowed in context ${context} because some namespaces are denied; name a namespace (allowed: ${this.#for(context).read.join(', ')})`,
    );
  }
}
