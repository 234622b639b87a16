import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiModel, NamedModel } from '../api-model';
import { loadApiModel } from '../load-api-model';

const FIXTURES = join(__dirname, '../../fixtures/proto');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const byName = (m: ApiModel, name: string): NamedModel => m.models.find((x) => x.name === name)!;

describe('Protobuf loader', () => {
  let shop: ApiModel;
  beforeAll(async () => {
    shop = await loadApiModel({ source: fixture('shop.proto'), filename: 'shop.proto', imports: { 'common/money.proto': fixture('common/money.proto') } });
  });

  it('maps messages to objects with proto3 JSON names and types', () => {
    expect(byName(shop, 'Product')).toMatchObject({
      kind: 'object',
      properties: expect.arrayContaining([
        { wireName: 'price', type: { kind: 'ref', name: 'Money' }, required: false },
        { wireName: 'tags', type: { kind: 'array', items: { kind: 'primitive', type: 'string' } }, required: false },
        { wireName: 'attributes', type: { kind: 'map', values: { kind: 'primitive', type: 'string' } }, required: false },
        { wireName: 'createdAt', type: { kind: 'primitive', type: 'string', format: 'date-time' }, required: false },
      ]),
    });
    // int64 travels as a string in proto3 JSON.
    expect(byName(shop, 'Money')).toMatchObject({ properties: expect.arrayContaining([expect.objectContaining({ wireName: 'units', type: { kind: 'primitive', type: 'string', format: 'int64' } })]) });
  });

  it('names nested messages and enums after their parents and keeps enum values by name', () => {
    expect(byName(shop, 'ProductDimensions').kind).toBe('object');
    expect(byName(shop, 'ProductStatus')).toMatchObject({ kind: 'enum', values: ['STATUS_UNSPECIFIED', 'ACTIVE', 'DISCONTINUED'] });
    expect(byName(shop, 'Region')).toMatchObject({ kind: 'enum', values: ['REGION_UNSPECIFIED', 'REGION_EU', 'REGION_US'] });
  });

  it('documents oneof members', () => {
    const order = byName(shop, 'Order');
    expect(order.kind === 'object' && order.properties.find((p) => p.wireName === 'voucherCode')?.description).toMatch(/oneof `payment`/);
  });

  it('turns services into typed rpc methods', () => {
    expect(shop.services).toEqual([
      {
        name: 'ShopService',
        fullName: 'shop.v1.ShopService',
        description: 'Shop service: the generated clients implement this interface.',
        methods: [
          { name: 'GetProduct', requestType: 'GetProductRequest', responseType: 'Product', requestStream: false, responseStream: false, description: 'Looks one product up.' },
          { name: 'ListProducts', requestType: 'ListProductsRequest', responseType: 'ListProductsResponse', requestStream: false, responseStream: false },
          { name: 'PlaceOrder', requestType: 'Order', responseType: 'PlaceOrderResponse', requestStream: false, responseStream: false },
          { name: 'WatchProducts', requestType: 'ListProductsRequest', responseType: 'Product', requestStream: false, responseStream: true },
        ],
      },
    ]);
    expect(shop.title).toBe('shop.v1');
  });

  it('fails with the missing import named', async () => {
    await expect(loadApiModel({ source: fixture('shop.proto'), filename: 'shop.proto' })).rejects.toThrow('shop.proto: import "common/money.proto" not found');
  });

  it('fails on syntax errors with file and line', async () => {
    await expect(loadApiModel({ source: 'syntax = "proto3";\nmessage A {\n  strin g x = 1;\n}\n', filename: 'bad.proto' })).rejects.toThrow(/^bad\.proto: invalid \.proto: .*line 3/);
  });

  it('fails on unknown field types', async () => {
    await expect(loadApiModel({ source: 'syntax = "proto3";\nmessage A { Missing m = 1; }\n', filename: 'a.proto' })).rejects.toThrow(/a\.proto: cannot resolve types: .*Missing/);
  });
});
