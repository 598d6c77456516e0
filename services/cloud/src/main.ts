#!/usr/bin/env node
import { runService } from '@switchboard/shared';
import { cloudService } from './service.ts';

await runService(cloudService);
