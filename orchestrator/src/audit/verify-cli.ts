#!/usr/bin/env node
import { FileAuditSink } from './file-sink.ts';

/**
 * `node orchestrator/src/audit/verify-cli.ts <trail.jsonl>`: checks an audit trail's hash chain offline. Prints the
 * report as JSON; exit code 0 when the chain holds, 1 when a record was modified, removed or inserted, 2 on bad usage.
 */
const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: verify-cli.ts <audit trail .jsonl>\n');
  process.exit(2);
}
// Read-only: the trail is evidence; verifying it must not touch it.
const report = await new FileAuditSink(path, { readOnly: true }).verify();
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(report.ok ? 0 : 1);
