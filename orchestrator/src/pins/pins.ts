import { type Logger, ToolError } from '@switchboard/shared';
import type { PinMode } from '../policy/schema.ts';
import { definitionHash, pinnedPart } from './definition-hash.ts';
import type { GatewayStore, PinRow } from './gateway-store.ts';
import { type InjectionMarker, scanTool } from './injection-scan.ts';

/** What happened to a tool definition, for the audit trail and the log. */
export interface DefinitionEvent {
  event: 'changed' | 'suspicious' | 'accepted' | 'warned' | 'reverted';
  namespace: string;
  tool: string;
  previousHash: string | undefined;
  hash: string;
  markers: string[];
  by?: string;
}

export interface PinsOptions {
  store: GatewayStore;
  log: Logger;
  /** The policy's mode for an upstream (by name) and what it does with injection markers, read at each observation. */
  mode(upstreamName: string): PinMode;
  quarantineSuspicious(): boolean;
  /** A definition changed or was decided on: counted, logged, audited. */
  onEvent(event: DefinitionEvent): void;
}

/** A tool awaiting an admin's decision, as orchestrator.reviewToolChanges shows it. */
export interface PendingChange {
  namespace: string;
  tool: string;
  reason: 'changed' | 'suspicious';
  since: string;
  previousHash: string | undefined;
  hash: string;
  markers: string[];
  previous: Record<string, unknown> | undefined;
  definition: Record<string, unknown>;
}

const key = (namespace: string, tool: string) => `${namespace}\u0000${tool}`;

/**
 * Pinned tool definitions. The first time the orchestrator sees a tool it records the hash of its name, description,
 * schemas and annotations; when the upstream later presents a different definition (a rug pull) the tool is
 * quarantined (hidden and refused with TOOL_CHANGED) until an admin accepts the new definition. Per upstream the
 * policy may instead `warn` (logged, counted and audited, the new definition taken) or turn pinning `off`.
 * Descriptions carrying prompt-injection markers are flagged, and quarantined when the policy says so.
 */
export class Pins {
  readonly #options: PinsOptions;
  readonly #pins = new Map<string, PinRow>();
  /** Quarantined tools: the hot path's one lookup. */
  readonly #quarantined = new Set<string>();
  #loaded = false;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: PinsOptions) {
    this.#options = options;
  }

  /** Until the stored pins are loaded, tools of pinned upstreams are held back (fail closed). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Whether an upstream's tools can be checked now: the pins are loaded, or the upstream is not pinned. */
  readyFor(upstreamName: string): boolean {
    return this.#loaded || this.#options.mode(upstreamName) === 'off';
  }

  async load(): Promise<void> {
    for (const row of await this.#options.store.loadPins()) {
      // A row written by observe() before the load finished (none when the load comes first) keeps the newer state.
      if (!this.#pins.has(key(row.namespace, row.tool))) this.#pins.set(key(row.namespace, row.tool), row);
    }
    this.#quarantined.clear();
    for (const [k, pin] of this.#pins) if (pin.pending && this.#holds(pin)) this.#quarantined.add(k);
    this.#loaded = true;
  }

  #holds(pin: PinRow): boolean {
    return pin.pending !== undefined && (pin.pending.reason === 'changed' || this.#options.quarantineSuspicious());
  }

  /**
   * Compares an upstream's tools with their pins (on every catalogue change, before the registry is built). Returns
   * true when the set of quarantined tools changed.
   */
  observe(upstream: { name: string; namespace: string }, tools: readonly Record<string, unknown>[]): boolean {
    if (!this.#loaded) return false;
    const mode = this.#options.mode(upstream.name);
    if (mode === 'off') return false;
    let changed = false;
    for (const listing of tools) if (this.#observeTool(upstream.namespace, listing, mode)) changed = true;
    return changed;
  }

  #observeTool(namespace: string, listing: Record<string, unknown>, mode: PinMode): boolean {
    const tool = String(listing.name);
    const k = key(namespace, tool);
    const hash = definitionHash(listing);
    const pin = this.#pins.get(k);
    if (pin?.acceptedHash === hash) {
      if (!pin.pending) return false;
      this.#options.onEvent({ event: 'reverted', namespace, tool, previousHash: pin.pending.hash, hash, markers: pin.markers });
      pin.pending = undefined;
      this.#save(pin);
      return this.#quarantined.delete(k);
    }
    // Already waiting for review (in warn mode a plain change is taken at once instead).
    if (pin?.pending?.hash === hash && !(mode === 'warn' && pin.pending.reason === 'changed')) return false;
    const markers = scanTool(listing);
    const definition = pinnedPart(listing);
    const row: PinRow = pin ?? {
      namespace,
      tool,
      acceptedHash: undefined,
      acceptedDefinition: undefined,
      acceptedAt: undefined,
      acceptedBy: undefined,
      pending: undefined,
      markers: [],
    };
    this.#pins.set(k, row);
    const previousHash = row.acceptedHash;
    const event = { namespace, tool, previousHash, hash, markers };
    if (markers.length > 0 && (!pin || mode === 'warn')) {
      // Flagged: held for review when the policy quarantines such descriptions (else listed and flagged).
      row.pending = { hash, definition, since: Date.now(), reason: 'suspicious', markers };
      this.#options.onEvent({ event: 'suspicious', ...event });
    } else if (!pin || mode === 'warn') {
      if (pin) this.#options.onEvent({ event: 'warned', ...event });
      Object.assign(row, { acceptedHash: hash, acceptedDefinition: definition, acceptedAt: Date.now(), markers });
      row.acceptedBy = pin ? 'warn-mode' : 'first-sight';
      row.pending = undefined;
    } else {
      row.pending = { hash, definition, since: Date.now(), reason: 'changed', markers };
      this.#options.onEvent({ event: 'changed', ...event });
    }
    this.#save(row);
    return this.#holds(row) ? this.#add(k) : this.#quarantined.delete(k);
  }

  /** The policy changed: what is held follows its injection setting again. */
  reconsider(): boolean {
    let changed = false;
    for (const [k, pin] of this.#pins) {
      const held = this.#holds(pin);
      if (held && this.#add(k)) changed = true;
      if (!held && this.#quarantined.delete(k)) changed = true;
    }
    return changed;
  }

  #add(k: string): boolean {
    if (this.#quarantined.has(k)) return false;
    this.#quarantined.add(k);
    return true;
  }

  /** Whether calls of a tool are refused now; undefined when they may go. */
  refusal(namespace: string, tool: string, upstreamName: string): ToolError | undefined {
    if (!this.#loaded) {
      if (this.#options.mode(upstreamName) === 'off') return undefined;
      return new ToolError('UPSTREAM_UNAVAILABLE', 'the pinned tool definitions are still loading; retry shortly');
    }
    if (this.#quarantined.size === 0) return undefined;
    const k = key(namespace, tool);
    if (!this.#quarantined.has(k) || this.#options.mode(upstreamName) === 'off') return undefined;
    const pin = this.#pins.get(k) as PinRow;
    const pending = pin.pending;
    if (pending?.reason === 'suspicious') {
      return new ToolError(
        'POLICY_VIOLATION',
        `${namespace} tool ${tool} is quarantined: its description carries prompt-injection markers (${pending.markers.join(', ')}); an admin can review it with orchestrator.reviewToolChanges`,
        { details: { namespace, tool, markers: pending.markers, hash: pending.hash } },
      );
    }
    return new ToolError(
      'TOOL_CHANGED',
      `${namespace} tool ${tool} changed its definition since it was pinned and is quarantined until an admin accepts it (orchestrator.reviewToolChanges, orchestrator.acceptToolChange)`,
      { details: { namespace, tool, pinnedHash: pin.acceptedHash, hash: pending?.hash } },
    );
  }

  /** Whether a listed tool is hidden: quarantined, or its upstream's pins are not loaded yet. */
  hides(namespace: string, tool: string, upstreamName: string): boolean {
    if (!this.#loaded || this.#quarantined.has(key(namespace, tool))) return this.#options.mode(upstreamName) !== 'off';
    return false;
  }

  /** Tools of a namespace whose definition carries injection markers, flagged in listServices. */
  flagged(namespace: string): { tool: string; markers: string[]; quarantined: boolean }[] {
    const out: { tool: string; markers: string[]; quarantined: boolean }[] = [];
    for (const [k, pin] of this.#pins) {
      if (pin.namespace !== namespace) continue;
      const markers = pin.pending?.markers.length ? pin.pending.markers : pin.markers;
      if (markers.length > 0) out.push({ tool: pin.tool, markers, quarantined: this.#quarantined.has(k) });
    }
    return out;
  }

  quarantinedIn(namespace: string): string[] {
    return [...this.#pins.values()]
      .filter((p) => p.namespace === namespace && this.#quarantined.has(key(p.namespace, p.tool)))
      .map((p) => p.tool);
  }

  /** Every tool waiting for a decision (changed, or flagged and held by the policy). */
  pending(): PendingChange[] {
    const out: PendingChange[] = [];
    for (const pin of this.#pins.values()) {
      if (!pin.pending) continue;
      out.push({
        namespace: pin.namespace,
        tool: pin.tool,
        reason: pin.pending.reason,
        since: new Date(pin.pending.since).toISOString(),
        previousHash: pin.acceptedHash,
        hash: pin.pending.hash,
        markers: pin.pending.markers,
        previous: pin.acceptedDefinition,
        definition: pin.pending.definition,
      });
    }
    return out.sort((a, b) => a.since.localeCompare(b.since));
  }

  /** An admin accepts the pending definition with this hash: it becomes the pin and the tool is back. */
  async accept(namespace: string, tool: string, hash: string, by: string): Promise<boolean> {
    const k = key(namespace, tool);
    const pin = this.#pins.get(k);
    if (!pin?.pending) throw new ToolError('NOT_FOUND', `${namespace} tool ${tool} has no change waiting for review`);
    if (pin.pending.hash !== hash) {
      throw new ToolError(
        'CONFLICT',
        `the pending definition of ${namespace} tool ${tool} is ${pin.pending.hash}, not ${hash}; review it again`,
        {
          details: { hash: pin.pending.hash },
        },
      );
    }
    const previousHash = pin.acceptedHash;
    Object.assign(pin, {
      acceptedHash: hash,
      acceptedDefinition: pin.pending.definition,
      acceptedAt: Date.now(),
      acceptedBy: by,
      markers: pin.pending.markers,
    });
    pin.pending = undefined;
    this.#save(pin);
    await this.#writes;
    this.#options.onEvent({ event: 'accepted', namespace, tool, previousHash, hash, markers: pin.markers, by });
    return this.#quarantined.delete(k);
  }

  #save(pin: PinRow): void {
    const row = structuredClone(pin);
    this.#writes = this.#writes
      .then(() => this.#options.store.savePin(row))
      .catch((error: Error) =>
        this.#options.log.error({ err: error, tool: row.tool }, `cannot store a tool pin: ${error.message}`),
      );
  }

  /** Waits for pending writes (tests, shutdown). */
  flush(): Promise<void> {
    return this.#writes;
  }
}

export type { InjectionMarker };
