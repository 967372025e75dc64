// A dedicated process worker started before its process exists: it imports the process module at once, lets
// it prepare (ProcessPrepare), and waits for the host's 'start'. Light on purpose (no zod): started before the caller's imports.
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { processWorkerPath } from '../paths.js';

/** Module paths as file URLs (a batch spawns one process per prompt with the same module). */
const hrefs = new Map<string, string>();

/** `module` (a path or a file URL) as a file URL. */
export function moduleHref(module: string): string {
  if (module.startsWith('file:')) return module;
  let href = hrefs.get(module);
  if (href === undefined) {
    href = pathToFileURL(module).href;
    if (hrefs.size < 1000) hrefs.set(module, href);
  }
  return href;
}

/** The workerData of a prestarted process worker (see ProcessWorkerDataSchema). */
export interface PrestartData {
  readonly prestart: true;
  readonly module: string;
  readonly prepare?: unknown;
}

export interface PrestartOptions {
  /** The worker's entry script (default: the built workers/process-worker). */
  readonly workerScript?: string;
  /**
   * Handed to the module's exported `prepare(hint)` (process-context.ts ProcessPrepare) once it is imported,
   * before its start: what the process will need, to open while the caller still loads. Plain data.
   */
  readonly prepare?: unknown;
}

/**
 * A process worker importing `module` ahead of its spawn. ProcessHost.spawn adopts it (`prestarted`) for a
 * dedicated process of the same module; one that is never adopted must be disposed (its thread is stopped).
 */
export class PrestartedWorker {
  readonly module: string;
  readonly script: string;
  /** Resolves when the worker's thread has ended (disposed, died, or — once adopted — its process ended). */
  readonly stopped: Promise<void>;
  #worker: Worker | undefined;
  #dead = false;

  constructor(module: string, options: PrestartOptions = {}) {
    this.module = moduleHref(module);
    this.script = options.workerScript ?? processWorkerPath();
    const data: PrestartData = { prestart: true, module: this.module, ...(options.prepare !== undefined ? { prepare: options.prepare } : {}) };
    const worker = new Worker(this.script, { workerData: data });
    // Until adopted nobody else listens: a failed import is reported after the start, by the process itself.
    worker.once('error', () => (this.#dead = true));
    this.stopped = new Promise((resolve) =>
      worker.once('exit', () => {
        this.#dead = true;
        resolve();
      }),
    );
    this.#worker = worker;
  }

  /**
   * The worker, once, if it is still alive and runs `module` (a file URL) in `script`; undefined otherwise
   * (then it is stopped).
   */
  adopt(module: string, script: string): Worker | undefined {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return undefined;
    if (this.#dead || module !== this.module || script !== this.script) {
      void worker.terminate();
      return undefined;
    }
    return worker;
  }

  /** Stop the worker unless it was adopted. */
  dispose(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) void worker.terminate();
  }
}

/** Start a process worker for `module` now, to be adopted by ProcessHost.spawn({prestarted}). */
export function prestartProcess(module: string, options: PrestartOptions = {}): PrestartedWorker {
  return new PrestartedWorker(module, options);
}
