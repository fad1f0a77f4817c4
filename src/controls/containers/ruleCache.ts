// Per-container outcomes of one rule, kept across evaluations (incremental evaluation only). An outcome is
// reused while the container's facts are the same object (the inventory keeps an unchanged container's) and
// every part of the container context the rule has ever read is unchanged; a rule reading something new
// widens what is compared from then on. A changed daemon.json that moves none of what the rule reads costs
// one comparison, not a pass over every container.
import type { ContainerFacts } from '../../facts/containers.js';
import type { ControlMemo } from '../types.js';
import type { ContainerContext } from './context.js';

/** Large or per-snapshot members: compared by identity (a new snapshot of them means judging again). */
const BY_IDENTITY = new Set<PropertyKey>(['facts', 'inventory', 'dockerd', 'settings']);

const ids = new WeakMap<object, number>();
let nextId = 0;
const identity = (o: object): string => {
  let id = ids.get(o);
  if (id === undefined) {
    id = ++nextId;
    ids.set(o, id);
  }
  return `#${id}`;
};

/** What a rule read of the context, as a string equal exactly when each of those values is. */
function valueKey(ctx: ContainerContext, prop: PropertyKey): string {
  let value: unknown;
  try {
    value = Reflect.get(ctx, prop, ctx);
    if (typeof value === 'function') {
      // A method taking arguments cannot be compared without them: never reuse.
      if (value.length > 0) return identity(ctx);
      value = (value as () => unknown).call(ctx);
    }
  } catch (e) {
    return `!${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`;
  }
  if (value === null || typeof value !== 'object') return `=${String(value)}:${typeof value}`;
  if (BY_IDENTITY.has(prop)) return identity(value);
  return `=${JSON.stringify(value)}`;
}

interface RuleState<O> {
  readonly read: Set<PropertyKey>;
  key: string;
  outcomes: WeakMap<ContainerFacts, O>;
}

/** `O`: what the rule says of one container (RuleOutcome). */
export class RuleCache<O> {
  private readonly state: RuleState<O>;
  private readonly view: ContainerContext;
  private widened = false;

  constructor(
    memo: ControlMemo,
    private readonly ctx: ContainerContext,
  ) {
    memo.value ??= { read: new Set(), key: '', outcomes: new WeakMap() } satisfies RuleState<O>;
    this.state = memo.value as RuleState<O>;
    const key = this.contextKey();
    if (key !== this.state.key) {
      this.state.key = key;
      this.state.outcomes = new WeakMap();
    }
    const { read } = this.state;
    this.view = new Proxy(ctx, {
      get: (target, prop) => {
        if (!read.has(prop)) {
          read.add(prop);
          this.widened = true;
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }

  private contextKey(): string {
    return [...this.state.read].map((p) => `${String(p)}${valueKey(this.ctx, p)}`).join('\n');
  }

  /** The rule's outcome for `c`, judged again only when needed. A rule that throws caches nothing. */
  outcome(c: ContainerFacts, check: (c: ContainerFacts, ctx: ContainerContext) => O): O {
    const { outcomes } = this.state;
    if (outcomes.has(c)) return outcomes.get(c)!;
    const o = check(c, this.view);
    outcomes.set(c, o);
    return o;
  }

  /** After the pass: what the rule read from now on is compared (every outcome kept was judged on today's values). */
  done(): void {
    if (this.widened) this.state.key = this.contextKey();
  }
}
