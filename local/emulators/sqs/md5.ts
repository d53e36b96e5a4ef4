import { createHash } from 'node:crypto';

/** The parts of a message attribute that take part in its digest (wire and SDK shapes alike). */
export interface DigestibleAttribute {
  readonly DataType?: string | undefined;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: Uint8Array | undefined;
}

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

/**
 * MD5OfMessageAttributes as SQS computes it: attributes sorted by name; for each, the name, the
 * data type and the value, each as a 4-byte big-endian length plus bytes, with one transport byte
 * (1 for String and Number, 2 for Binary, custom suffixes such as `Number.float` included) between
 * the type and the value. Returns undefined for no attributes, as SQS omits the field then.
 */
export function md5OfMessageAttributes(
  attributes: Readonly<Record<string, DigestibleAttribute>> | undefined,
): string | undefined {
  if (attributes === undefined) return undefined;
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    const dataType = attribute.DataType ?? '';
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(dataType, 'utf8')));
    if (dataType.startsWith('Binary')) {
      hash.update(Uint8Array.of(BINARY_TRANSPORT));
      hash.update(lengthPrefixed(attribute.BinaryValue ?? new Uint8Array()));
    } else {
      hash.update(Uint8Array.of(STRING_TRANSPORT));
      hash.update(lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}
