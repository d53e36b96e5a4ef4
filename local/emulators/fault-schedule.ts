/**
 * Faults armed for the next requests of each action (test hooks; production code arms none).
 * A fault applies to its next `times` requests, then the next fault queued for that action.
 */
export class FaultSchedule<Fault extends { readonly times: number }> {
  private readonly queues = new Map<string, Fault[]>();

  add(action: string, fault: Fault): void {
    this.queues.set(action, [...(this.queues.get(action) ?? []), fault]);
  }

  /** The fault that applies to this request of `action`, if any, counting it down. */
  take(action: string): Fault | undefined {
    const queue = this.queues.get(action);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    const remaining = fault.times - 1;
    if (remaining > 0) queue[0] = { ...fault, times: remaining };
    else queue.shift();
    return fault;
  }

  clear(): void {
    this.queues.clear();
  }
}
