/** Risk classes, lowest first. `destructive` and `privileged` need a human approval. */
export const RISKS = ['read_only', 'modify', 'destructive', 'privileged'] as const;
export type Risk = (typeof RISKS)[number];

export function riskRank(risk: Risk): number {
  return RISKS.indexOf(risk);
}

export function maxRisk(...risks: Risk[]): Risk {
  let out: Risk = 'read_only';
  for (const risk of risks) if (riskRank(risk) > riskRank(out)) out = risk;
  return out;
}

export function needsApproval(risk: Risk): boolean {
  return risk === 'destructive' || risk === 'privileged';
}
