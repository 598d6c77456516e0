import { type Logger, readCorrelationId } from '@switchboard/shared';
import { STDIO_IDENTITY } from '../identity/identity.ts';
import { type JsonRpcMessage, messageText } from '../json-rpc.ts';
import { ClientSession } from './client-session.ts';
import type { FederationView } from './federation-view.ts';

export interface StdioEndpointOptions {
  federation: FederationView;
  log: Logger;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Called when the client closes stdin. */
  onEnd(): void;
}

/**
 * One MCP session on stdin/stdout, for a desktop client that launched the orchestrator (`--stdio`). The client owns
 * the pipe: it is the `stdio` identity, whose roles the policy's `stdio: true` binding gives (admin by default).
 */
export function serveOrchestratorStdio(options: StdioEndpointOptions): { close(): Promise<void> } {
  const write = (message: JsonRpcMessage) => options.output.write(`${messageText(message)}\n`);
  const session = new ClientSession({
    federation: options.federation,
    identity: STDIO_IDENTITY,
    sink: { send: (message) => write(message) },
    log: options.log.child({ transport: 'stdio' }),
  });
  let buffer = '';
  options.input.setEncoding('utf8');
  options.input.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) {
        let message: JsonRpcMessage | undefined;
        try {
          message = JSON.parse(line) as JsonRpcMessage;
        } catch {
          write({ jsonrpc: '2.0', id: null as unknown as string, error: { code: -32700, message: 'Parse error' } });
        }
        if (message) {
          // A line has no headers: its `_meta` id (read in handle) or a new one.
          void session.handle(message, { correlationId: readCorrelationId({}) }).then((response) => {
            if (response) write(response);
          });
        }
      }
      newline = buffer.indexOf('\n');
    }
  });
  options.input.on('end', () => options.onEnd());
  return { close: () => session.close() };
}
