// Long work on the main thread goes in short slices with this between them, so requests (and /healthz)
// are answered while it runs.

/** Resolves after the event loop has had a turn: pending I/O callbacks and timers run first. */
export const yieldToRequests = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
