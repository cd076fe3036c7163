import ivm from 'isolated-vm';
const isolate = new ivm.Isolate({ memoryLimit: 32, inspector: true });
const context = isolate.createContextSync();
globalThis.keep = [context.global, context.global.getSync('Object', { reference: true }), new ivm.ExternalCopy({ a: 1 }), new ivm.Callback(() => 1)];
const session = isolate.createInspectorSession();
session.dispose();
await context.eval('0');
if (process.argv[2] === 'dispose') isolate.dispose();
