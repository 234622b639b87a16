import { aStep } from '../test-builders';
import { dagIssues, stepDag } from './dag';
import type { StepDefinition } from './types';

/** `step('d', ['b', 'c'])`: a step with explicit needs; `step('x')`: one without (needs the previous). */
const step = (name: string, needs?: string[]): StepDefinition => aStep({ name, ...(needs ? { needs } : {}) });
const shape = (steps: StepDefinition[]) => {
  const dag = stepDag({ steps });
  return {
    needs: Object.fromEntries(dag.nodes.map((n) => [n.name, n.needs])),
    order: dag.order.map((n) => n.name),
    ancestors: Object.fromEntries(dag.nodes.map((n) => [n.name, [...dag.ancestorsOf(n.name)].sort()])),
  };
};

describe('stepDag', () => {
  it('chains steps without needs in order (the behaviour before needs existed)', () => {
    expect(shape([step('a'), step('b'), step('c')])).toEqual({
      needs: { a: [], b: ['a'], c: ['b'] },
      order: ['a', 'b', 'c'],
      ancestors: { a: [], b: ['a'], c: ['a', 'b'] },
    });
  });

  it('builds a diamond', () => {
    expect(shape([step('build'), step('ts', ['build']), step('py', ['build']), step('pr', ['ts', 'py'])])).toEqual({
      needs: { build: [], ts: ['build'], py: ['build'], pr: ['ts', 'py'] },
      order: ['build', 'ts', 'py', 'pr'],
      ancestors: { build: [], ts: ['build'], py: ['build'], pr: ['build', 'py', 'ts'] },
    });
  });

  it('fans out from one step and in to another, and starts `needs: []` steps at once', () => {
    const s = shape([step('a', []), step('b', []), step('c', []), step('join', ['a', 'b', 'c'])]);
    expect(s.needs).toEqual({ a: [], b: [], c: [], join: ['a', 'b', 'c'] });
    expect(s.ancestors.join).toEqual(['a', 'b', 'c']);
    const fan = shape([step('root'), step('x', ['root']), step('y', ['root']), step('z', ['root'])]);
    expect(Object.values(fan.needs).slice(1)).toEqual([['root'], ['root'], ['root']]);
  });

  it('orders dependencies first when a step needs one written after it', () => {
    expect(shape([step('notify', ['deploy']), step('deploy', [])]).order).toEqual(['deploy', 'notify']);
  });

  it('mixes explicit needs and the implicit previous step', () => {
    // c has no needs, so it needs b (the step before it), even though b starts at once.
    expect(shape([step('a'), step('b', []), step('c')]).needs).toEqual({ a: [], b: [], c: ['b'] });
  });

  it('tolerates an unvalidated graph: unknown names are ignored, the steps of a cycle come last', () => {
    const s = shape([step('a', ['c']), step('b', ['a']), step('c', ['b']), step('d', ['ghost'])]);
    expect(s.needs.d).toEqual([]);
    expect(s.order).toEqual(['d', 'a', 'b', 'c']);
    expect(s.ancestors.a).toEqual(['a', 'b', 'c']);
  });

  it('is cached per steps list', () => {
    const steps = [step('a'), step('b')];
    expect(stepDag({ steps })).toBe(stepDag({ steps }));
  });

  it('answers ancestry on a long chain without storing every ancestor set', () => {
    const steps = Array.from({ length: 3000 }, (_, i) => step(`s${i}`));
    const dag = stepDag({ steps });
    expect(dag.isAncestor('s0', 's2999')).toBe(true);
    expect(dag.isAncestor('s2999', 's0')).toBe(false);
    expect(dag.order).toHaveLength(3000);
  });
});

describe('dagIssues', () => {
  const issues = (steps: StepDefinition[]) => dagIssues(steps).map((i) => [i.code, i.step, i.need, i.message]);

  it('has none for valid shapes', () => {
    expect(issues([step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])])).toEqual([]);
    expect(issues([step('later', ['first']), step('first', [])])).toEqual([]);
  });

  it('names an unknown step, with a hint for a near miss', () => {
    expect(issues([step('build'), step('ship', ['buidl', 'Build'])])).toEqual([
      ['UNKNOWN_NEED', 1, 0, 'there is no step named "buidl"'],
      ['UNKNOWN_NEED', 1, 1, 'there is no step named "Build"; did you mean "build"?'],
    ]);
  });

  it('refuses a step needing itself and a name listed twice', () => {
    expect(issues([step('a'), step('b', ['a', 'b', 'a'])])).toEqual([
      ['SELF_NEED', 1, 1, 'step "b" cannot need itself'],
      ['DUPLICATE_NEED', 1, 2, '"a" is listed twice'],
    ]);
  });

  it('reports a cycle once, at the entry that points forward, naming the steps on it', () => {
    expect(issues([step('a', ['c']), step('b', ['a']), step('c', ['b'])])).toEqual([['NEEDS_CYCLE', 0, 0, 'needs form a cycle: "a" needs "c" needs "b" needs "a"; no step of it could ever start']]);
  });

  it('finds a cycle closed by an implicit "previous step" edge', () => {
    // b needs a implicitly; a needs b explicitly.
    expect(issues([step('a', ['b']), step('b')])).toEqual([['NEEDS_CYCLE', 0, 0, 'needs form a cycle: "a" needs "b" needs "a"; no step of it could ever start']]);
  });

  it('reports two separate cycles separately', () => {
    const found = issues([step('a', ['b']), step('b', ['a']), step('c', ['d']), step('d', ['c'])]);
    expect(found.map((f) => [f[0], f[1]])).toEqual([
      ['NEEDS_CYCLE', 0],
      ['NEEDS_CYCLE', 2],
    ]);
  });
});
