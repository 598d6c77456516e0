#!/usr/bin/env node
import { ConfigError, EXIT_CONFIG, processConfigSource } from '@switchboard/shared';
import { PolicyError } from './policy/policy-file.ts';
import { createOrchestrator, type Orchestrator } from './runtime.ts';

/**
 * The orchestrator process: configuration and policy file errors exit 2 listing every problem; `--stdio` serves one client on
 * stdin/stdout, otherwise HTTP on port 8000. SIGHUP and edits to the config file reload the upstreams;
 * SIGTERM/SIGINT shut down gracefully.
 */
const stdio = process.argv.includes('--stdio');
const source = processConfigSource();
let orchestrator: Orchestrator;
try {
  orchestrator = createOrchestrator({ source, ...(stdio ? { overrides: { auth: 'none' } } : {}) });
} catch (error) {
  if (error instanceof ConfigError || error instanceof PolicyError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  throw error;
}
const { log } = orchestrator;
orchestrator.watchConfig();
process.on('SIGHUP', () => {
  log.info('SIGHUP: reloading configuration');
  void orchestrator.reload();
});

let stop: () => Promise<unknown>;
if (stdio) {
  const served = orchestrator.serveStdio(process.stdin, process.stdout, () => void shutdown('stdin closed'));
  stop = async () => {
    await orchestrator.workflows.halt();
    await orchestrator.inFlight.drain(orchestrator.config.shutdownTimeoutMs);
    await served.close();
    await orchestrator.close();
  };
  log.info({ transport: 'stdio' }, 'serving MCP on stdio');
} else {
  try {
    const handle = await orchestrator.serveHttp();
    stop = () => handle.shutdown();
  } catch (error) {
    log.fatal({ err: error }, `orchestrator cannot serve: ${(error as Error).message}`);
    log.flush();
    await orchestrator.close();
    process.exit(1);
  }
}

let stopping = false;
async function shutdown(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ reason }, 'shutting down');
  try {
    await stop();
    log.flush();
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    log.flush();
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
