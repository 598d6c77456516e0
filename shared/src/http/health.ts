/** What a service adds to /health (SetupResult.health). */
export interface HealthReport {
  /** `degraded`: working, but less well (a safety layer off, a fallback in use). /health still answers 200. */
  status?: 'ok' | 'degraded';
  /** Short sentences for an operator: what is off and how to turn it back on. */
  warnings?: string[];
  /** Facts worth seeing at a glance (backends in use, modes). */
  details?: Record<string, unknown>;
}

export interface HealthBody extends HealthReport {
  status: 'ok' | 'degraded';
  service: string;
  version: string;
  uptimeSeconds: number;
}

/**
 * The body of /health: the kit's facts with the service's report merged in. A report that fails or does not answer
 * in time makes the service `degraded` with a warning saying so, never an error status: /health is liveness.
 */
export async function healthBody(
  base: { service: string; version: string },
  report: (() => HealthReport | Promise<HealthReport>) | undefined,
  timeoutMs: number,
): Promise<HealthBody> {
  const body: HealthBody = { status: 'ok', ...base, uptimeSeconds: Math.round(process.uptime()) };
  if (!report) return body;
  let timer: NodeJS.Timeout | undefined;
  try {
    const own = await Promise.race([
      Promise.resolve().then(report),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    if (own.status === 'degraded') body.status = 'degraded';
    if (own.warnings?.length) body.warnings = [...own.warnings];
    if (own.details && Object.keys(own.details).length > 0) body.details = { ...own.details };
  } catch (error) {
    body.status = 'degraded';
    body.warnings = [`the service's health report failed: ${(error as Error)?.message ?? String(error)}`];
  } finally {
    clearTimeout(timer);
  }
  return body;
}
