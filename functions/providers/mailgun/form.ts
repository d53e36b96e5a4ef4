/**
 * Minimal readers for the form bodies of Mailgun's legacy webhooks. No dependency: the bodies
 * are small, text-only fields matter, and file parts (attachments) are skipped. Fields land in
 * a Map so that no untrusted name ever becomes an object property (no prototype pollution).
 * A repeated field keeps its first value. Never throws.
 */

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
/** More parts than any webhook sends; a bound on work for hostile bodies. */
const MAX_PARTS = 1000;

const setFirst = (fields: Map<string, string>, name: string, value: string): void => {
  if (!fields.has(name)) fields.set(name, value);
};

export const parseUrlEncoded = (body: Buffer): Map<string, string> => {
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) setFirst(fields, name, value);
  return fields;
};

/** The boundary parameter of a multipart content type (RFC 2046), unquoted; undefined if absent. */
export const boundaryOf = (contentType: string): string | undefined => {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
};

const dispositionOf = (headers: string): { name: string; isFile: boolean } | undefined => {
  const line = headers.split('\r\n').find((header) => /^content-disposition\s*:/i.test(header));
  if (line === undefined) return undefined;
  const name = /;\s*name="([^"]*)"/i.exec(line)?.[1] ?? /;\s*name=([^\s;]+)/i.exec(line)?.[1];
  if (name === undefined) return undefined;
  return { name, isFile: /;\s*filename\*?=/i.test(line) };
};

export const parseMultipart = (body: Buffer, boundary: string): Map<string, string> => {
  const fields = new Map<string, string>();
  const delimiter = Buffer.from(`--${boundary}`);
  let position = body.indexOf(delimiter);
  for (let parts = 0; position !== -1 && parts < MAX_PARTS; parts += 1) {
    const afterDelimiter = position + delimiter.length;
    // `--` right after a delimiter closes the body.
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, afterDelimiter);
    if (next === -1) break;
    const part = body.subarray(afterDelimiter, next);
    const headerEnd = part.indexOf(HEADER_END);
    if (headerEnd !== -1) {
      const disposition = dispositionOf(part.subarray(0, headerEnd).toString('utf8'));
      let content = part.subarray(headerEnd + HEADER_END.length);
      // The CRLF before the next delimiter belongs to the delimiter, not to the value.
      if (content.subarray(-CRLF.length).equals(CRLF)) content = content.subarray(0, -CRLF.length);
      if (disposition && !disposition.isFile) setFirst(fields, disposition.name, content.toString('utf8'));
    }
    position = next;
  }
  return fields;
};

/** The fields of a form body by its content type; undefined when the body is not a form. */
export const formFields = (contentType: string, body: Buffer): Map<string, string> | undefined => {
  if (/^\s*application\/x-www-form-urlencoded/i.test(contentType)) return parseUrlEncoded(body);
  if (/^\s*multipart\/form-data/i.test(contentType)) {
    const boundary = boundaryOf(contentType);
    return boundary === undefined ? new Map() : parseMultipart(body, boundary);
  }
  return undefined;
};
