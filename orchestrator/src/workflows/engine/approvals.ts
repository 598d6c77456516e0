import { type ElicitationAnswer, type ElicitationForm, type Logger, sleep } from '@switchboard/shared';
import type { RunStore } from '../store/types.ts';
import type { ApprovalDecision, ApprovalRequest } from './host.ts';

/** A caller waiting on a run: where progress goes and who can be asked for approvals (elicitation). */
export interface RunObserver {
  caller: string;
  progress?(done: number, total: number, message: string): void;
  elicit?(form: ElicitationForm): Promise<ElicitationAnswer>;
  /** Set when the client could not answer an elicitation (or dismissed it): it is not asked again. */
  gaveUp?: boolean;
}

export interface ApprovalsOptions {
  store: RunStore;
  log: Logger;
  /** How often a waiting approval re-reads the store (a decision may come through another replica). */
  pollMs: number;
  /** Tells the run's waiters to look again (an elicitation ended). */
  notify(runId: string): void;
}

function approvalForm(workflow: string, runId: string, request: ApprovalRequest): ElicitationForm {
  return {
    message: `Workflow ${workflow} (run ${runId}) asks for approval of step "${request.stepId}":\n\n${request.message}`,
    requestedSchema: {
      type: 'object',
      properties: {
        approve: { type: 'boolean', title: 'Approve', description: 'Yes lets the workflow continue; no rejects the step' },
        comment: { type: 'string', title: 'Comment', description: 'Optional; recorded with the decision' },
      },
      required: ['approve'],
    },
  };
}

/**
 * Approval steps. The decision lives in the store (first writer wins): approveWorkflowStep / rejectWorkflowStep on
 * any replica, the answer to an elicitation sent to a caller that supports it, or the timeout. The waiting side
 * wakes at once for a local decision and polls the store for the others, so the wait survives restarts.
 */
export class Approvals {
  readonly #options: ApprovalsOptions;
  readonly #wakers = new Map<string, Set<() => void>>();

  constructor(options: ApprovalsOptions) {
    this.#options = options;
  }

  wake(runId: string, key: string): void {
    for (const wake of this.#wakers.get(`${runId}|${key}`) ?? []) wake();
  }

  async wait(
    run: { runId: string; workflow: string },
    request: ApprovalRequest,
    observers: RunObserver[],
    signal: AbortSignal,
  ): Promise<ApprovalDecision> {
    const { store } = this.#options;
    const id = `${run.runId}|${request.key}`;
    const asker = observers.find((o) => o.elicit && !o.gaveUp);
    if (asker) void this.#elicit(asker, run, request);
    for (;;) {
      if (signal.aborted) throw signal.reason;
      // Register the waker before reading, so a decision between the read and the wait is not missed.
      const woken = new AbortController();
      const wake = () => woken.abort();
      const set = this.#wakers.get(id) ?? new Set();
      set.add(wake);
      this.#wakers.set(id, set);
      try {
        const step = await store.getStep(run.runId, request.key);
        const decision = step?.data?.decision as ApprovalDecision | undefined;
        if (decision) return decision;
        const now = Date.now();
        if (request.deadline !== undefined && now >= request.deadline) {
          await store.decideApproval(run.runId, request.key, { approved: false, timedOut: true, by: 'timeout', at: now });
          continue;
        }
        const wakeIn = Math.min(
          this.#options.pollMs,
          request.deadline === undefined ? Number.POSITIVE_INFINITY : request.deadline - now,
        );
        try {
          await sleep(wakeIn, AbortSignal.any([signal, woken.signal]));
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (!woken.signal.aborted) throw error;
        }
      } finally {
        set.delete(wake);
        if (set.size === 0 && this.#wakers.get(id) === set) this.#wakers.delete(id);
      }
    }
  }

  async #elicit(observer: RunObserver, run: { runId: string; workflow: string }, request: ApprovalRequest): Promise<void> {
    try {
      const answer = await observer.elicit?.(approvalForm(run.workflow, run.runId, request));
      if (!answer || answer.action === 'cancel') {
        observer.gaveUp = true;
        return;
      }
      const approved = answer.action === 'accept' && answer.content.approve === true;
      const comment = answer.action === 'accept' && typeof answer.content.comment === 'string' ? answer.content.comment : '';
      const decision = {
        approved,
        by: observer.caller,
        via: 'elicitation',
        at: Date.now(),
        ...(comment ? { comment } : {}),
      };
      if (await this.#options.store.decideApproval(run.runId, request.key, decision)) this.wake(run.runId, request.key);
    } catch (error) {
      observer.gaveUp = true;
      this.#options.log.info(
        { run_id: run.runId, step: request.key, err: error },
        'approval by elicitation not possible; waiting for approveWorkflowStep',
      );
    } finally {
      this.wake(run.runId, request.key);
      this.#options.notify(run.runId);
    }
  }
}
