#!/usr/bin/env node
import { runService } from '@switchboard/shared';
import { cmdbService } from './service.ts';

await runService(cmdbService);
