#!/usr/bin/env node
import { runService } from '@switchboard/shared';
import { notifyService } from './service.ts';

await runService(notifyService);
