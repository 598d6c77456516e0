import { randomUUID } from 'node:crypto';
import { ToolError } from '@switchboard/shared';
import { CaptureBuffer } from './capture-buffer.ts';

export interface StoredOutput {
  id: string;
  caller: string;
  createdAt: number;
  stdout: CaptureBuffer;
  stderr: CaptureBuffer;
}

export interface OutputStoreOptions {
  maxOutputBytes: number;
  retentionMs: number;
  maxEntries: number;
}

/**
 * The captured output of finished commands, kept for readCommandOutput: per caller, bounded in number (oldest
 * evicted first) and in age.
 */
export class OutputStore {
  readonly options: OutputStoreOptions;
  #entries = new Map<string, StoredOutput>();

  constructor(options: OutputStoreOptions) {
    this.options = options;
  }

  create(caller: string): StoredOutput {
    this.#sweep();
    const entry: StoredOutput = {
      id: `out_${randomUUID()}`,
      caller,
      createdAt: Date.now(),
      stdout: new CaptureBuffer(this.options.maxOutputBytes, 'head'),
      stderr: new CaptureBuffer(this.options.maxOutputBytes, 'head'),
    };
    this.#entries.set(entry.id, entry);
    while (this.#entries.size > this.options.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return entry;
  }

  get(id: string, caller: string): StoredOutput {
    this.#sweep();
    const entry = this.#entries.get(id);
    if (!entry || entry.caller !== caller) {
      throw new ToolError(
        'NOT_FOUND',
        `no command output ${id} (outputs are kept ${Math.round(this.options.retentionMs / 60000)} min, per caller)`,
      );
    }
    return entry;
  }

  #sweep(): void {
    const cutoff = Date.now() - this.options.retentionMs;
    for (const [id, entry] of this.#entries) if (entry.createdAt < cutoff) this.#entries.delete(id);
  }
}
