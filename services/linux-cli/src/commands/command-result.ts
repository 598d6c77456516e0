import { z } from '@switchboard/shared';
import type { CaptureBuffer } from '../exec/capture-buffer.ts';
import type { ProcessResult } from '../exec/run-process.ts';
import { textPage } from '../exec/text-page.ts';
import { RISKS, type Risk } from '../policy/risk.ts';

export const commandResultSchema = z.object({
  id: z.string().describe('Output id for readCommandOutput'),
  host: z.string().describe('local, or the SSH host name'),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable().describe('The signal that ended the process, if any'),
  durationMs: z.number().int(),
  risk: z.enum(RISKS),
  approval: z.string().describe('not_required, accepted or auto'),
  stdout: z.string().describe('The start of standard output; a marker at the end says how to read the rest'),
  stderr: z.string(),
  stdoutBytes: z.number().int().describe('Bytes the command wrote to stdout in all'),
  stderrBytes: z.number().int(),
  stdoutNextOffset: z.number().int().optional().describe('Pass as offset to readCommandOutput for the rest of stdout'),
  stderrNextOffset: z.number().int().optional(),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

function inline(
  buffer: CaptureBuffer,
  id: string,
  stream: 'stdout' | 'stderr',
  pageBytes: number,
  jsonBudget: number,
): { text: string; next?: number } {
  const page = textPage(buffer, 0, pageBytes, jsonBudget);
  let text = page.text;
  let next: number | undefined;
  if (page.nextOffset < buffer.end) {
    next = page.nextOffset;
    text += `\n[linux-cli: ${stream} truncated after ${page.nextOffset} of ${buffer.end} captured bytes; read on with readCommandOutput {"id":"${id}","stream":"${stream}","offset":${page.nextOffset}}]`;
  }
  if (buffer.dropped > 0) {
    text += `\n[linux-cli: ${stream} went over the ${buffer.limit}-byte capture cap; the last ${buffer.dropped} of ${buffer.total} bytes were discarded]`;
  }
  return next === undefined ? { text } : { text, next };
}

export interface BuildResultInput {
  id: string;
  host: string;
  result: ProcessResult;
  risk: Risk;
  approval: string;
  stdout: CaptureBuffer;
  stderr: CaptureBuffer;
  /** Bytes of each stream shown inline. */
  pageBytes: number;
  /** The output cap, of which each stream's JSON may take 40%. */
  outputCapBytes: number;
}

export function buildCommandResult(input: BuildResultInput): CommandResult {
  const budget = Math.floor(input.outputCapBytes * 0.4);
  const out = inline(input.stdout, input.id, 'stdout', input.pageBytes, budget);
  const err = inline(input.stderr, input.id, 'stderr', input.pageBytes, budget);
  return {
    id: input.id,
    host: input.host,
    exitCode: input.result.exitCode,
    signal: input.result.signal,
    durationMs: input.result.durationMs,
    risk: input.risk,
    approval: input.approval,
    stdout: out.text,
    stderr: err.text,
    stdoutBytes: input.stdout.total,
    stderrBytes: input.stderr.total,
    ...(out.next !== undefined ? { stdoutNextOffset: out.next } : {}),
    ...(err.next !== undefined ? { stderrNextOffset: err.next } : {}),
  };
}
