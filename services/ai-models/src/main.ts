#!/usr/bin/env node
import { runService } from '@switchboard/shared';
import { aiModelsService } from './service.ts';

await runService(aiModelsService);
