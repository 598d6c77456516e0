#!/usr/bin/env node
import { runService } from '@switchboard/shared';
import { linuxCliService } from './service.ts';

await runService(linuxCliService);
