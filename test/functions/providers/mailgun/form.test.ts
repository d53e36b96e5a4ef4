import fc from 'fast-check';
import { boundaryOf, formFields, parseMultipart } from '#shared/providers/mailgun/form';
import { aMailgunMultipartRequest } from '../../../helpers/providers/mailgun';

const multipartFields = (fields: Record<string, string>, files: Record<string, string> = {}) => {
  const request = aMailgunMultipartRequest(fields, files);
  return formFields(request.headers['content-type'] ?? '', request.body);
};

describe('Mailgun form parsing', () => {
  it('reads every text field of a multipart body and skips file parts', () => {
    const fields = multipartFields(
      { event: 'opened', recipient: 'alice@example.com' },
      { 'attachment-1': 'bytes' },
    );

    expect(fields).toEqual(
      new Map([
        ['event', 'opened'],
        ['recipient', 'alice@example.com'],
      ]),
    );
  });

  it('keeps CRLF and delimiter-like text inside a value', () => {
    const value = 'line one\r\nline two\r\n--not-the-boundary';

    expect(multipartFields({ 'message-headers': value })?.get('message-headers')).toBe(value);
  });

  it('keeps the first value of a repeated field', () => {
    const body = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="token"\r\n\r\nfirst\r\n' +
        '--b\r\nContent-Disposition: form-data; name="token"\r\n\r\nsecond\r\n--b--\r\n',
    );

    expect(parseMultipart(body, 'b').get('token')).toBe('first');
  });

  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    ['multipart/form-data; boundary="a b:c"', 'a b:c'],
    ['Multipart/Form-Data; charset=utf-8; BOUNDARY=xyz', 'xyz'],
    ['multipart/form-data', undefined],
  ])('reads the boundary of %s', (contentType, boundary) => {
    expect(boundaryOf(contentType)).toBe(boundary);
  });

  it('reads urlencoded fields, repeated names keeping their first value', () => {
    const fields = formFields(
      'application/x-www-form-urlencoded',
      Buffer.from('event=clicked&url=https%3A%2F%2Fexample.com&event=x'),
    );

    expect(fields).toEqual(
      new Map([
        ['event', 'clicked'],
        ['url', 'https://example.com'],
      ]),
    );
  });

  it('returns undefined for a body that is not a form', () => {
    expect(formFields('application/json', Buffer.from('{}'))).toBeUndefined();
  });

  it('reads back any fields it was given, whatever their text', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.string({ maxLength: 64 }), {
          maxKeys: 8,
        }),
        (fields) => {
          const parsed = multipartFields(fields);

          expect(parsed && Object.fromEntries(parsed)).toEqual(fields);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never throws on hostile multipart bodies', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ minLength: 1, maxLength: 8 }),
        (bytes, boundary) => {
          expect(() => parseMultipart(Buffer.from(bytes), boundary)).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });
});
