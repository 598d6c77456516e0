import type { InitializeResult } from './upstream-session.ts';

/** A tool as the upstream lists it (name, schemas, annotations, _meta), kept verbatim. */
export interface ToolListing {
  name: string;
  annotations?: { readOnlyHint?: boolean; idempotentHint?: boolean; destructiveHint?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ResourceListing {
  uri: string;
  name: string;
  [key: string]: unknown;
}

export interface TemplateListing {
  uriTemplate: string;
  name: string;
  [key: string]: unknown;
}

export interface PromptListing {
  name: string;
  [key: string]: unknown;
}

/** What one upstream offers, fetched over its control session (every page) and refreshed on list_changed. */
export interface Catalogue {
  init: InitializeResult;
  tools: ToolListing[];
  resources: ResourceListing[];
  templates: TemplateListing[];
  prompts: PromptListing[];
}
