import { generatedHeadBranch, invalidBranchReason, sanitizeRefComponent } from './branch-names';

describe('branch names', () => {
  it('generates mockops/<pipeline>/<short execution id>', () => {
    expect(generatedHeadBranch('drift-gitops-pr', '3f2b9c1e-1111-2222-3333-444455556666')).toBe('mockops/drift-gitops-pr/3f2b9c1e');
  });

  it.each([
    ['My Pipeline: v2?', 'My-Pipeline-v2'],
    ['..hidden', 'hidden'],
    ['a/b', 'a-b'],
    ['x.lock', 'x-lock'],
    ['a..b', 'a.b'],
    ['~^:*[\\', 'pipeline'],
  ])('sanitizes %p to %p', (input, output) => {
    expect(sanitizeRefComponent(input)).toBe(output);
    expect(invalidBranchReason(`mockops/${output}/abc`)).toBeUndefined();
  });

  it.each(['', 'a b', 'a..b', 'a/', '/a', 'a//b', 'a.lock', '.a', 'a@{1}', '@', 'a~1', 'a.', '-a'])('refuses %p', (name) => {
    expect(invalidBranchReason(name)).toEqual(expect.any(String));
  });

  it.each(['main', 'release/1.2', 'mockops/drift/abc', 'feature_x-y'])('accepts %p', (name) => {
    expect(invalidBranchReason(name)).toBeUndefined();
  });
});
