import type { ProcessMemory } from '../report/schema.ts';

const MB = 1_048_576;

/**
 * The peak memory of this whole process while a run is driven, sampled every `everyMs`: the JS heap of the
 * orchestrator's thread (every scenario whose skill runs in it, plus the orchestrator itself) and the RSS
 * (all threads: skill workers, embedded PGlite). Reported once per run, since no part of it belongs to one scenario.
 */
export class ProcessMemoryPeak {
  private heapMb = 0;
  private rssMb = 0;
  private timer: NodeJS.Timeout | undefined;

  private readonly everyMs: number;

  constructor(everyMs = 250) {
    this.everyMs = everyMs;
  }

  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    // Sampling never keeps the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (!this.timer) return;
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): void {
    const usage = process.memoryUsage();
    this.heapMb = Math.max(this.heapMb, usage.heapUsed / MB);
    this.rssMb = Math.max(this.rssMb, usage.rss / MB);
  }

  /** The peaks so far (a sample is taken now too). */
  peak(): ProcessMemory {
    this.sample();
    return { peakHeapMb: this.heapMb, peakRssMb: this.rssMb };
  }
}
