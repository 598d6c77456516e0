import type { Route } from '../config.ts';
import type { Channel, Severity } from '../model.ts';

export interface RouteTarget {
  channel: Channel;
  recipient: string;
  /** The routes that chose this target. */
  routes: string[];
}

/**
 * The routing table: routes are considered in order; each whose severities and tags match adds its targets
 * (a recipient chosen twice is sent once); a matching route with `stop` ends the walk.
 */
export function route(routes: readonly Route[], severity: Severity, tags: readonly string[]): RouteTarget[] {
  const tagSet = new Set(tags);
  const out = new Map<string, RouteTarget>();
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i] as Route;
    if (r.severities && !r.severities.includes(severity)) continue;
    if (r.tags && !r.tags.every((t) => tagSet.has(t))) continue;
    const name = r.name ?? `routes[${i}]`;
    for (const target of r.targets) {
      for (const recipient of target.to) {
        const key = `${target.channel}\u0000${recipient}`;
        const existing = out.get(key);
        if (existing) existing.routes.push(name);
        else out.set(key, { channel: target.channel, recipient, routes: [name] });
      }
    }
    if (r.stop) break;
  }
  return [...out.values()];
}
