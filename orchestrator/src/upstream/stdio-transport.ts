import { type ChildProcess, spawn } from 'node:child_process';
import { type JsonRpcMessage, parseMessage, type RequestId } from '../json-rpc.ts';
import { TransportError, type UpstreamTransport } from './transport.ts';

export interface StdioTransportOptions {
  command: string;
  args: readonly string[];
  /** The child's whole environment (the orchestrator's own is not inherited). */
  env: Record<string, string>;
  cwd?: string | undefined;
  /** Each line the child writes to stderr. */
  onStderr?: (line: string) => void;
}

/** One MCP session over a child process's stdin/stdout, newline-delimited JSON. */
export class StdioTransport implements UpstreamTransport {
  readonly kind = 'stdio' as const;
  onmessage?: (message: JsonRpcMessage, relatedTo: RequestId | undefined) => void;
  onclose?: (error: Error) => void;
  #options: StdioTransportOptions;
  #child: ChildProcess | undefined;
  #closing = false;
  /** The child's last stderr line: the reason a crashing server gives, reported with its exit. */
  #lastStderr: string | undefined;

  constructor(options: StdioTransportOptions) {
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#options.command, [...this.#options.args], {
        env: this.#options.env,
        cwd: this.#options.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.#child = child;
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        reject(new TransportError(`cannot start ${this.#options.command}: ${error.message}`, { notSent: true, cause: error }));
      });
      let out = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        out += chunk;
        let newline = out.indexOf('\n');
        while (newline >= 0) {
          const line = out.slice(0, newline).trim();
          out = out.slice(newline + 1);
          if (line) {
            try {
              this.onmessage?.(parseMessage(line), undefined);
            } catch {
              this.#options.onStderr?.(`(not JSON on stdout) ${line.slice(0, 200)}`);
            }
          }
          newline = out.indexOf('\n');
        }
      });
      let err = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        err += chunk;
        let newline = err.indexOf('\n');
        while (newline >= 0) {
          const line = err.slice(0, newline);
          err = err.slice(newline + 1);
          if (line.trim()) {
            this.#lastStderr = line.trim().slice(0, 300);
            this.#options.onStderr?.(line);
          }
          newline = err.indexOf('\n');
        }
      });
      child.stdin?.on('error', () => {});
      // Reported once stderr is drained ('close'), so the child's last words are known; a grandchild holding the
      // pipes open must not hold the report back, hence the short grace after 'exit'.
      let reported = false;
      const report = (code: number | null, signal: NodeJS.Signals | null) => {
        if (reported) return;
        reported = true;
        if (err.trim()) this.#lastStderr = err.trim().slice(0, 300);
        const reason = this.#closing ? 'closed' : `exited with ${signal ?? `code ${code}`}`;
        const said = !this.#closing && this.#lastStderr ? `: ${this.#lastStderr}` : '';
        this.onclose?.(new TransportError(`${this.#options.command} ${reason}${said}`));
      };
      child.once('exit', (code, signal) => setTimeout(() => report(code, signal), 250).unref());
      child.once('close', report);
    });
  }

  async send(message: JsonRpcMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || stdin.destroyed || this.#child?.exitCode !== null) {
      throw new TransportError(`${this.#options.command} is not running`, { notSent: true });
    }
    await new Promise<void>((resolve, reject) => {
      stdin.write(`${JSON.stringify(message)}\n`, (error) =>
        error
          ? reject(new TransportError(`cannot write to ${this.#options.command}: ${error.message}`, { cause: error }))
          : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.#closing = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const term = setTimeout(() => child.kill('SIGTERM'), 1000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
  }
}
