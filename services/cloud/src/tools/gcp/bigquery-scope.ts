import { ToolError } from '@switchboard/shared';
import { allowedBy } from '../../safety/allowlist.ts';

/** A dataset is allowed when CLOUD_BIGQUERY_DATASETS names it as `dataset` or `project.dataset` (globs allowed). */
export function datasetAllowed(project: string, dataset: string, patterns: readonly string[]): boolean {
  return patterns.length === 0 || allowedBy(`${project}.${dataset}`, patterns) || allowedBy(dataset, patterns);
}

export function requireDataset(project: string, dataset: string, patterns: readonly string[]): void {
  if (!datasetAllowed(project, dataset, patterns)) {
    throw new ToolError(
      'POLICY_VIOLATION',
      `dataset ${project}.${dataset} is not on the allowlist (CLOUD_BIGQUERY_DATASETS: ${patterns.join(', ')})`,
      {
        details: { kind: 'dataset', name: `${project}.${dataset}`, setting: 'CLOUD_BIGQUERY_DATASETS' },
      },
    );
  }
}

export const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
export const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;
