import { ToolError } from '@switchboard/shared';

/** Why the validator refused: a stable rule name plus a sentence for the human and the model. */
export class PolicyRefusal extends Error {
  readonly rule: string;
  readonly command: string | undefined;

  constructor(rule: string, reason: string, command?: string) {
    super(reason);
    this.name = 'PolicyRefusal';
    this.rule = rule;
    this.command = command;
  }
}

export function refuse(rule: string, reason: string, command?: string): never {
  throw new PolicyRefusal(rule, reason, command);
}

export function refusalToToolError(refusal: PolicyRefusal): ToolError {
  return new ToolError('POLICY_VIOLATION', `refused by the command policy: ${refusal.message}`, {
    details: { rule: refusal.rule, reason: refusal.message, ...(refusal.command ? { command: refusal.command } : {}) },
  });
}
