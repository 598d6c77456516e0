#!/usr/bin/env node
import { runService } from '@switchboard/shared';
import { k8sService } from './service.ts';

await runService(k8sService);
