/** The echo function: returns the event it got. Deploy it as index.js, handler index.handler, runtime nodejs22.x. */
export const ECHO_SOURCE = 'exports.handler = async (event) => ({ echoed: event });\n';
/** The failing function: throws a TypeError, which Lambda reports as FunctionError Unhandled. */
export const FAIL_SOURCE =
  "exports.handler = async () => { throw new TypeError('boom: cannot read properties of undefined'); };\n";
