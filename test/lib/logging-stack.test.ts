import { parseConfig } from '../../lib/config';
import { aConfig, synthStack } from '../helpers/stack';

type LoggingConfig = { LogFormat?: string; ApplicationLogLevel?: string; SystemLogLevel?: string };

const loggingOf = (config: Parameters<typeof synthStack>[0]) =>
  Object.entries(synthStack(config).template.findResources('AWS::Lambda::Function')).map(([id, fn]) => ({
    id,
    logging: (fn as { Properties: { LoggingConfig?: LoggingConfig } }).Properties.LoggingConfig,
    level: (fn as { Properties: { Environment?: { Variables?: Record<string, string> } } }).Properties
      .Environment?.Variables?.POWERTOOLS_LOG_LEVEL,
  }));

/** Every function logs JSON at `application` (Lambda's filter and Powertools' alike), Lambda's own lines at `system`. */
const assertEveryFunction = (
  functions: ReturnType<typeof loggingOf>,
  application: string,
  system: string,
): void => {
  expect(functions.length).toBeGreaterThan(5);
  for (const { id, logging, level } of functions) {
    expect({ id, logging, level }).toEqual({
      id,
      logging: expect.objectContaining({
        LogFormat: 'JSON',
        ApplicationLogLevel: application,
        SystemLogLevel: system,
      }),
      level: application,
    });
  }
};

describe('function logging', () => {
  it('logs JSON filtered at the configured level, and leaves out Lambda’s INFO lines by default', () => {
    assertEveryFunction(loggingOf({}), 'INFO', 'WARN');
  });

  it('gives Lambda and Powertools the same level, and lets START, END and REPORT back in on request', () => {
    assertEveryFunction(loggingOf({ logLevel: 'WARN', platformLogLevel: 'INFO' }), 'WARN', 'INFO');
  });

  it('refuses a platform level Lambda does not have', () => {
    expect(() => parseConfig(aConfig({ platformLogLevel: 'ERROR' as never }))).toThrow(/platformLogLevel/);
  });
});
