import { passthroughSuite } from './passthrough-suite.ts';

/** The same pass-through suite with SWITCHBOARD_FAST_HTTP=false: node:http in front, undici to the upstreams. */
passthroughSuite(false);
