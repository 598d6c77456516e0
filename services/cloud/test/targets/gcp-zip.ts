import { zipOf } from './zip.ts';

/** An HTTP function for Node.js: both entry points echo the JSON body they get. */
export function echoFunctionZip(): Buffer {
  return zipOf({
    'package.json': JSON.stringify({ name: 'switchboard-test-echo', version: '1.0.0', main: 'index.js' }),
    'index.js': [
      "exports.handler = (req, res) => res.json({ received: req.body ?? null, entryPoint: 'handler' });",
      "exports.handler2 = (req, res) => res.json({ received: req.body ?? null, entryPoint: 'handler2' });",
      '',
    ].join('\n'),
  });
}
