#!/usr/bin/env node
import { runService } from '@switchboard/shared';
import { secretsService } from './service.ts';

await runService(secretsService);
