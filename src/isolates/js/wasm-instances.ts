// The QuickJS WASM instances behind one engine: the current one (with its shared runtime, plus runtimes
// handed out to warm realms) and a spare loaded ahead of time, swapped in when the current one faults or aborts.
import { newQuickJSWASMModule, type QuickJSRuntime, type QuickJSWASMModule } from 'quickjs-emscripten';
import { logger } from '../../log/logger.js';

const log = logger('isolates.js');

export interface InstanceHooks {
  /** Installed on every new runtime (the per-call guard). */
  readonly interruptHandler: () => boolean;
  /** Called before a faulted instance is dropped: forget what lives in it, touching nothing of it. */
  readonly beforeInstanceGone: () => void;
}

/**
 * Bytes of WebAssembly memory behind a quickjs-emscripten object (a QuickJSWASMModule or a runtime made by
 * one): its Emscripten module is protected in the typings, and the module's HEAPU8 view, replaced whenever
 * the heap grows, spans the whole memory. 0 for none.
 */
export function wasmHeapBytes(owner: QuickJSWASMModule | QuickJSRuntime | undefined): number {
  return (owner as unknown as { module?: { HEAPU8?: Uint8Array } } | undefined)?.module?.HEAPU8?.length ?? 0;
}

export class WasmInstances {
  runtimeRecreations = 0;
  moduleRecreations = 0;
  /** Bumped whenever the current instance is replaced: runtimes of an older generation are gone. */
  generation = 0;
  private runtime: QuickJSRuntime | undefined;
  private spareLoading: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private module: QuickJSWASMModule | undefined,
    private spare: QuickJSWASMModule | undefined,
    private readonly keepSpare: boolean,
    private readonly hooks: InstanceHooks,
  ) {}

  static async load(keepSpare: boolean, hooks: InstanceHooks): Promise<WasmInstances> {
    const [module, spare] = await Promise.all([
      newQuickJSWASMModule(),
      keepSpare ? newQuickJSWASMModule() : Promise.resolve(undefined),
    ]);
    return new WasmInstances(module, spare, keepSpare, hooks);
  }

  /** True when a runtime can be had without waiting. */
  get available(): boolean {
    return !this.closed && (this.module ?? this.spare) !== undefined;
  }

  /** The reusable runtime, created on demand. Throws when no instance is loaded yet. */
  runtimeNow(): QuickJSRuntime {
    if (this.runtime) return this.runtime;
    if (!this.module) {
      if (this.spare) this.swapSpare();
      else throw new Error('no QuickJS instance is available (a replacement is loading)');
    }
    const rt = this.module!.newRuntime();
    rt.setInterruptHandler(this.hooks.interruptHandler);
    this.runtime = rt;
    return rt;
  }

  /** A new runtime on the current instance, owned by the caller (a warm realm). Throws like runtimeNow. */
  newRuntime(): QuickJSRuntime {
    this.runtimeNow();
    const rt = this.module!.newRuntime();
    rt.setInterruptHandler(this.hooks.interruptHandler);
    return rt;
  }

  /** Disposes the runtime (a new one is made on next use); an abort while freeing retires the instance. */
  recycleRuntime(count = true): void {
    const rt = this.runtime;
    if (!rt) return;
    this.runtime = undefined;
    if (count) this.runtimeRecreations += 1;
    try {
      rt.dispose();
    } catch (err) {
      log.warn({ err }, 'QuickJS runtime did not dispose cleanly; retiring its WASM instance');
      this.retire();
    }
  }

  /** The instance faulted: drop it untouched and swap in the spare. */
  retire(): void {
    this.hooks.beforeInstanceGone();
    this.runtime = undefined;
    this.module = undefined;
    this.generation += 1;
    if (this.spare) this.swapSpare();
    this.loadSpare();
  }

  /** WebAssembly memory of the current instance (0 when none is loaded). */
  heapBytes(): number {
    return wasmHeapBytes(this.module);
  }

  /** Resolves once a spare instance is loaded (immediately when one is). */
  ready(): Promise<void> {
    return this.spareLoading ?? Promise.resolve();
  }

  close(): void {
    this.recycleRuntime(false);
    this.closed = true;
    this.module = undefined;
    this.spare = undefined;
  }

  private swapSpare(): void {
    this.generation += 1;
    this.module = this.spare;
    this.spare = undefined;
    this.moduleRecreations += 1;
    this.loadSpare();
  }

  private loadSpare(): void {
    if (this.spare || this.spareLoading || this.closed || (!this.keepSpare && this.module)) return;
    this.spareLoading = newQuickJSWASMModule().then(
      (m) => {
        this.spareLoading = undefined;
        if (!this.closed) this.spare = m;
      },
      (err: unknown) => {
        this.spareLoading = undefined;
        log.error({ err }, 'could not load a spare QuickJS instance');
      },
    );
  }
}
