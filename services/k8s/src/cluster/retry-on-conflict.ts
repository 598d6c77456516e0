import { ToolError } from '@switchboard/shared';

/**
 * client-go's RetryOnConflict: a read-modify-write guarded by resourceVersion is redone (read again, decide
 * again) when the object changed in between, which controllers writing status make common during a rollout.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const stale = error instanceof ToolError && error.code === 'CONFLICT' && /the object has been modified/.test(error.message);
      if (!stale || i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** i));
    }
  }
}
