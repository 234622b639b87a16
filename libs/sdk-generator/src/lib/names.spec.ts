import { camelCase, pascalCase, pythonNames, rustNames, snakeCase, splitWords, typescriptNames, UniqueNamer } from './names';

describe('identifier helpers', () => {
  it.each([
    ['foo-bar', ['foo', 'bar']],
    ['getHTTPResponse', ['get', 'HTTP', 'Response']],
    ['$ref', ['ref']],
    ['x.y_z', ['x', 'y', 'z']],
  ])('splits %s into words', (input, words) => {
    expect(splitWords(input)).toEqual(words);
  });

  it('converts between cases', () => {
    expect(pascalCase('pet_store-item')).toBe('PetStoreItem');
    expect(camelCase('Pet Store ID')).toBe('petStoreId');
    expect(snakeCase('photoUrls')).toBe('photo_urls');
  });

  it('turns names that start with a digit or are non-ASCII into valid identifiers', () => {
    expect(typescriptNames.member('123abc')).toBe('_123abc');
    expect(typescriptNames.type('123abc')).toBe('T123abc');
    expect(pythonNames.member('名前')).toMatch(/^[a-z_][a-z0-9_]*$/);
    expect(rustNames.member('café')).toBe('cafe');
    expect(typescriptNames.member('')).toBe('value');
  });

  it('escapes each language\'s reserved words', () => {
    expect(pythonNames.member('class')).toBe('class_');
    expect(pythonNames.member('from')).toBe('from_');
    expect(pythonNames.type('None')).toBe('NoneModel');
    expect(rustNames.member('type')).toBe('type_');
    expect(rustNames.member('self')).toBe('self_');
    expect(rustNames.type('Self')).toBe('SelfModel');
    expect(rustNames.type('Result')).toBe('ResultModel');
    expect(typescriptNames.type('Promise')).toBe('PromiseModel');
  });

  it('numbers clashing names within a scope, case-insensitively', () => {
    const namer = new UniqueNamer(['send']);
    expect(namer.claim('send')).toBe('send2');
    expect(namer.claim('Pet')).toBe('Pet');
    expect(namer.claim('pet')).toBe('pet2');
    expect(namer.claim('Pet')).toBe('Pet3');
  });
});
