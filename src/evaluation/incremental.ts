// Incremental evaluation: the same results as evaluate(), re-running only what a changed fact can move.
//
// The dependency graph is recorded, not declared by hand: each control runs over a view of the facts that notes
// which of them it reads (the sources it `requires` included), and the dockerd model is built over a view that
// notes its inputs. A control is re-run when one of the facts it read is a different object than at its last
// run (the collector keeps the object of every source it did not read again), or when it used the model and one
// of the model's inputs changed; otherwise its last result stands. Runtime controls are re-run on every
// inventory change but keep each container's outcome while that container and what the rule read of the
// context are unchanged (src/controls/containers/ruleCache.ts), so a container event re-judges that container.
// test/unit/incremental.test.ts compares this with a full evaluation after random sequences of changes.
import type { ControlDefinition, ControlMemo, ControlResult, EvaluationContext } from '../controls/types.js';
import { type DockerdModel, modelDockerd } from '../dockerd/index.js';
import type { Facts } from '../facts/types.js';
import type { WaiverSettings } from '../policy/waivers.js';
import { finishEvaluation, runControl } from './evaluate.js';
import type { Evaluation } from './types.js';

type FactKey = keyof Facts;

/** The facts as a control sees them, noting every field it reads. */
function recording(facts: Facts, read: Set<FactKey>): Facts {
  return new Proxy(facts, {
    get(target, prop, receiver) {
      if (typeof prop === 'string') read.add(prop as FactKey);
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** Whether every field in `keys` holds the same object (or value) in both snapshots. */
const sameFacts = (keys: ReadonlySet<FactKey>, a: Facts, b: Facts): boolean => {
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
};

interface ControlRun {
  readonly facts: Facts;
  readonly read: ReadonlySet<FactKey>;
  /** The model it used, or null when it read none of it. */
  readonly model: DockerdModel | null;
  readonly result: ControlResult;
}

/** What one evaluation did, for the benchmark and the tests. */
export interface IncrementalStats {
  readonly rerun: number;
  readonly reused: number;
  readonly modelRebuilt: boolean;
}

export class IncrementalEvaluator {
  private model: { facts: Facts; read: Set<FactKey>; model: DockerdModel } | null = null;
  private readonly runs = new Map<string, ControlRun>();
  private readonly memos = new Map<string, ControlMemo>();
  /** What the last evaluate() did. */
  lastStats: IncrementalStats = { rerun: 0, reused: 0, modelRebuilt: false };

  constructor(private readonly catalog: readonly ControlDefinition[]) {}

  /** As evaluate(facts, catalog, now, waivers); the waivers apply after the controls, as there. */
  evaluate(facts: Facts, now: () => number = Date.now, waivers?: WaiverSettings): Evaluation {
    const started = performance.now();
    const modelRebuilt = !this.model || !sameFacts(this.model.read, this.model.facts, facts);
    if (modelRebuilt) {
      const read = new Set<FactKey>();
      this.model = { facts, read, model: modelDockerd(recording(facts, read)) };
    } else this.model!.facts = facts;
    const dockerd = this.model!.model;
    const evaluatedAt = now();
    let rerun = 0;
    const results = this.catalog.map((control) => {
      const last = this.runs.get(control.id);
      if (
        last &&
        (last.model === null || last.model === dockerd) &&
        sameFacts(last.read, last.facts, facts)
      ) {
        this.runs.set(control.id, { ...last, facts });
        return last.result;
      }
      rerun++;
      const read = new Set<FactKey>();
      const seen = recording(facts, read);
      let usedModel = false;
      let memo = this.memos.get(control.id);
      if (!memo) {
        memo = {};
        this.memos.set(control.id, memo);
      }
      const context: EvaluationContext = {
        facts: seen,
        get dockerd() {
          usedModel = true;
          return dockerd;
        },
        get settings() {
          usedModel = true;
          return dockerd.settings;
        },
        memo,
      };
      const result = runControl(control, seen, dockerd, context);
      this.runs.set(control.id, { facts, read, model: usedModel ? dockerd : null, result });
      return result;
    });
    this.lastStats = { rerun, reused: results.length - rerun, modelRebuilt };
    return finishEvaluation(facts, dockerd, results, { started, evaluatedAt, waivers });
  }
}
