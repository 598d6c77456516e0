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
let lastSecond = -1;
let secondPrefix = '';

/**
 * pino's ISO timestamp field. A busy process writes many lines per second: the date and time up to the second are
 * formatted once per second, the milliseconds appended per line (and reused within the same millisecond).
 */
function isoTimeCached(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    const second = Math.floor(now / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      // "2026-11-21T23:35:44." from "2026-11-21T23:35:44.695Z"
      secondPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
    }
    const ms = now - second * 1000;
    lastTime = `${secondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
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
          // `args` is this call's own array: strings are redacted in place (no copy on every line).
          for (let i = 0; i < args.length; i++) {
            const arg = args[i];
            if (typeof arg === 'string') args[i] = redactor.redactString(arg);
          }
          return method.apply(this, args);
        },
      },
      serializers: {
        err: (error: unknown) => redactor.redact(error instanceof Error ? error : { value: error }),
      },
    },
    options.destination ?? stderrDestination(),
  );
}
