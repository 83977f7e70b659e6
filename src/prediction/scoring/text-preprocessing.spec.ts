import { normalizeText, substitutePlaceholders, tokenize } from './text-preprocessing.js';

describe('text preprocessing (docs/model-format.md §1-§3)', () => {
  it('decomposes compatibility characters, strips combining marks and lowercases', () => {
    expect(normalizeText('Café ＦＲＥＥ\u00a0Ｎº1')).toBe('cafe free no1');
  });

  it.each([
    ['mail me at John.Doe+x@mail.example.co.uk today', ['mail', 'me', 'at', 'xxemail', 'today']],
    ['go to https://bit.ly/abc?x=1 now', ['go', 'to', 'xxurl', 'now']],
    ['see www.example.com/deal and tinyurl.com', ['see', 'xxurl', 'and', 'xxurl']],
    ['win £1000 or $5k or 150p or 3 pounds', ['win', 'xxmoney', 'or', 'xxmoney', 'or', 'xxmoney', 'or', 'xxmoney']],
    ['call 09061701461 or +44 7911 123456', ['call', 'xxphone', 'or', 'xxphone']],
    ['meet at 10:30 on 2.5 days', ['meet', 'at', 'xxnum', 'on', 'xxnum', 'days']],
    ['abc123 stays one token', ['abc123', 'stays', 'one', 'token']],
  ])('tokenises %j', (text, expected) => {
    expect(tokenize(text)).toEqual(expected);
  });

  it('surrounds placeholders with spaces so they never fuse with a neighbour', () => {
    expect(substitutePlaceholders('x100y 100')).toBe('x100y  xxnum ');
  });

  it('yields no tokens for emoji and non-Latin scripts', () => {
    expect(tokenize('😀🎉 привет 你好')).toEqual([]);
    expect(tokenize('')).toEqual([]);
  });
});
