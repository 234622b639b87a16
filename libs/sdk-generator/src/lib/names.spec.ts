import { pythonComments, rustComments, typescriptComments } from './comments';
import { camelCase, packageNames, pascalCase, pythonNames, rustNames, snakeCase, splitWords, typescriptNames, UniqueNamer } from './names';

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

describe('package names', () => {
  it('never start with a digit and never shadow what the generated code imports', () => {
    expect(packageNames('1Forge Finance')).toEqual({ slug: 'sdk-1-forge-finance', pythonModule: 'sdk_1_forge_finance', crate: 'sdk-1-forge-finance', rustLib: 'sdk_1_forge_finance' });
    expect(packageNames('JSON').pythonModule).toBe('json_sdk');
    expect(packageNames('Serde').crate).toBe('serde-sdk');
    expect(packageNames('').slug).toBe('api-client');
  });

  it('gives client classes valid names in every language', () => {
    for (const N of [typescriptNames, pythonNames, rustNames]) expect(N.clientClass('1Forge Finance')).toBe('T1ForgeFinanceClient');
  });
});

describe('comment helpers', () => {
  const hostile = 'type: object\n  type:ignore\nmypy: ignore-errors\r\nends */ here """ and ``` fences\u2028next\u0000';

  it('Python: no line is a mypy type comment or inline config, and the text stays', () => {
    const lines = pythonComments.line('    ', hostile);
    expect(lines).toEqual([
      '    # | type: object',
      '    # |   type:ignore',
      '    # | mypy: ignore-errors',
      '    # ends */ here """ and ``` fences',
      '    # next',
    ]);
    expect(pythonComments.docstring('', 'a """ b \\ c')).toEqual(['"""a \\"\\"\\" b \\\\ c', '"""']);
  });

  it('TypeScript: a comment terminator or a line separator cannot end the comment', () => {
    expect(typescriptComments.doc('', hostile).join('\n')).not.toMatch(/\*\/[^\n]*\n[^\n]*\S/);
    expect(typescriptComments.doc('', 'a */ b')).toEqual(['/** a * / b */']);
    expect(typescriptComments.line('', 'title\nexport const pwned = 1;')).toEqual(['// title', '// export const pwned = 1;']);
  });

  it('Rust: code fences never become doctests', () => {
    expect(rustComments.doc('', '```\nlet x = 1;\n```')).toEqual(["/// '''", '/// let x = 1;', "/// '''"]);
    expect(rustComments.inner('a\nb')).toEqual(['//! a', '//! b']);
  });
});
