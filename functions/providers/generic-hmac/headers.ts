/** A header's value by case-insensitive name; own properties only, empty counts as absent. */
export const headerValue = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  const key = name.toLowerCase();
  if (!Object.hasOwn(headers, key)) return undefined;
  const value = headers[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};
