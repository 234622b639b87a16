import type { DataSource } from 'typeorm';
import { idOrNull, iso, isoAt, json, sqlParams, tableNames } from './sql';

const dataSource = (schema?: string) => ({ options: { type: 'postgres', schema } }) as unknown as DataSource;

describe('sql helpers', () => {
  it('qualifies table names with the data source schema, quoted', () => {
    expect(tableNames(dataSource('t_1'), { runs: 'step_runs', pipelines: 'pipelines' })).toEqual({
      runs: '"t_1"."step_runs"',
      pipelines: '"t_1"."pipelines"',
    });
  });

  it('uses public without a schema and escapes quotes in the schema name', () => {
    expect(tableNames(dataSource(), { a: 'artifacts' }).a).toBe('"public"."artifacts"');
    expect(tableNames(dataSource('we"ird'), { a: 'artifacts' }).a).toBe('"we""ird"."artifacts"');
  });

  it('turns timestamps into ISO strings, null stays null', () => {
    expect(iso(new Date('2025-01-02T03:04:05.678Z'))).toBe('2025-01-02T03:04:05.678Z');
    expect(iso('2025-01-02 03:04:05+00')).toBe('2025-01-02T03:04:05.000Z');
    expect(iso(null)).toBeNull();
    expect(iso(undefined)).toBeNull();
    expect(isoAt('2025-01-02T03:04:05Z')).toBe('2025-01-02T03:04:05.000Z');
  });

  it("reports a never-expiring lease (Postgres 'infinity' arrives as Infinity) as 'infinity'", () => {
    expect(iso(Infinity)).toBe('infinity');
    expect(iso(new Date(Infinity))).toBe('infinity');
  });

  it('serializes json parameters, undefined becomes NULL', () => {
    expect(json({ a: [1] })).toBe('{"a":[1]}');
    expect(json(null)).toBe('null');
    expect(json(undefined)).toBeNull();
  });

  it('keeps only well-formed uuids', () => {
    expect(idOrNull('0b0e5a36-4c1f-4f5e-9a34-5b1c2d3e4f50')).toBe('0b0e5a36-4c1f-4f5e-9a34-5b1c2d3e4f50');
    expect(idOrNull('not-a-uuid')).toBeNull();
  });
});

describe('sqlParams', () => {
  it('numbers parameters in the order they are added', () => {
    const { params, param } = sqlParams();
    expect(`a = ${param('x')} AND b = ANY(${param([1, 2])})`).toBe('a = $1 AND b = ANY($2)');
    expect(params).toEqual(['x', [1, 2]]);
  });
});
