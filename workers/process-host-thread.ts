// Worker entry point of a process host thread: runs many supervised processes (shared placement) on this
// one thread. The implementation lives in src/host/host-thread-runtime.ts.
import { parentPort } from 'node:worker_threads';
import { runHostThread } from '../src/host/host-thread-runtime.js';

if (!parentPort) throw new Error('process-host-thread must run in a worker thread');
runHostThread(parentPort);
