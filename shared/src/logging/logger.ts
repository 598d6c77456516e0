import { type DestinationStream, type Logger, pino } from 'pino';
import { BatchedWriter } from './batched-writer.ts';
import type { Redactor } from './redactor.ts';

export type { Logger };
/** Where log lines go (tests capture them). */
export type LogDestination = DestinationStream;

export interface LoggerOptions {
  service: string;
  level: string;
  redactor: Redactor;
  /** Where JSON lines go; stderr by default, since stdout carries stdio MCP. */
  destination?: DestinationStream;
}

let stderr: BatchedWriter | undefined;

/** The process's stderr log stream, shared by its loggers; lines are written in batches. */
function stderrDestination(): DestinationStream {
  stderr ??= new BatchedWriter(2);
  return stderr;
}

let lastMs = 0;
let lastTime = '';

/** pino's ISO timestamp, formatted once per millisecond: a busy process writes many lines in the same one. */
function isoTimeCached(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** pino JSON logs on stderr; every object and message passes through the redactor. */
export function createLogger(options: LoggerOptions): Logger {
  const { redactor } = options;
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: isoTimeCached,
      messageKey: 'msg',
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactor.redact(bindings),
        log: (object) => redactor.redact(object),
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((arg) => (typeof arg === 'string' ? redactor.redactString(arg) : arg));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: unknown) => redactor.redact(error instanceof Error ? error : { value: error }),
      },
    },
    options.destination ?? stderrDestination(),
  );
}
