/**
 * Bytes of batches each agent's streams may hold in memory at once. A
 * stream reserves the largest batch a project may have before it reads one,
 * gives back what the batch did not need once it is read, and the rest when
 * the batch is written (or the stream ends). An agent's streams beyond its
 * budget wait their turn, first come first served, holding nothing; so an
 * agent that opens streams and never reads them holds at most its budget,
 * however many it opens (issue 13, item 6).
 */
export interface Lease {
  /** Keeps only `bytes` of the reservation. */
  shrink(bytes: number): void;
  release(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: (lease: Lease) => void;
}

class AgentBudget {
  used = 0;
  readonly waiters: Waiter[] = [];
}

export class ByteBudgets {
  private readonly agents = new Map<string, AgentBudget>();

  constructor(readonly perAgent: number) {}

  /**
   * Resolves with a lease of `bytes` (at most the whole budget) once the
   * agent's budget has room. `onCancel` receives a function to call if the
   * caller gives up waiting; the promise then never resolves.
   */
  acquire(agentId: string, bytes: number, onCancel: (cancel: () => void) => void): Promise<Lease> {
    const want = Math.min(bytes, this.perAgent);
    let budget = this.agents.get(agentId);
    if (!budget) {
      budget = new AgentBudget();
      this.agents.set(agentId, budget);
    }
    const b = budget;
    return new Promise((resolve) => {
      const waiter: Waiter = { bytes: want, grant: resolve };
      b.waiters.push(waiter);
      onCancel(() => {
        const i = b.waiters.indexOf(waiter);
        if (i >= 0) b.waiters.splice(i, 1);
        // A waiter behind the one that gave up may fit now.
        this.grant(agentId, b);
        this.drop(agentId, b);
      });
      this.grant(agentId, b);
    });
  }

  /** Bytes the agent holds now (for metrics and tests). */
  used(agentId: string): number {
    return this.agents.get(agentId)?.used ?? 0;
  }

  private grant(agentId: string, b: AgentBudget): void {
    while (b.waiters.length > 0) {
      const next = b.waiters[0] as Waiter;
      if (b.used + next.bytes > this.perAgent) return;
      b.waiters.shift();
      b.used += next.bytes;
      next.grant(this.lease(agentId, b, next.bytes));
    }
  }

  private lease(agentId: string, b: AgentBudget, bytes: number): Lease {
    let held = bytes;
    const give = (n: number): void => {
      b.used -= n;
      held -= n;
      this.grant(agentId, b);
      this.drop(agentId, b);
    };
    return {
      shrink: (to) => {
        if (to < held) give(held - Math.max(0, to));
      },
      release: () => {
        if (held > 0) give(held);
      },
    };
  }

  /** Forgets an agent with nothing held and nobody waiting, so the map does not grow with agents seen. */
  private drop(agentId: string, b: AgentBudget): void {
    if (b.used === 0 && b.waiters.length === 0 && this.agents.get(agentId) === b) this.agents.delete(agentId);
  }
}
