/**
 * The form parameters of a body, grouped by name in the order received. Twilio sends
 * `application/x-www-form-urlencoded` in UTF-8, so the bytes are read as UTF-8.
 */
export const formParams = (body: Buffer): Map<string, string[]> => {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const values = grouped.get(name);
    if (values === undefined) grouped.set(name, [value]);
    else values.push(value);
  }
  return grouped;
};
