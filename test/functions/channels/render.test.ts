import { MAX_CONTENT_BYTES } from '#shared/channels/contract';
import {
  contentOf,
  contentProblems,
  messageIdOf,
  renderMessage,
  RenderError,
  renderTemplate,
  templateProblem,
  type MessageSpec,
} from '#shared/channels/render';
import { templates } from '#shared/channels/templates/index';
import { anIntegrationEvent } from '../../helpers/sqs-events';

const event = anIntegrationEvent({
  tenant: 'acme',
  externalId: 'pi_123',
  entity: { kind: 'invoice', id: 'in_42' },
  data: {
    amountText: '€12.50',
    customer: { name: 'Ada <script>', email: 'ada@example.com', phone: '+15558675310' },
    items: [{ sku: 'A-1' }, { sku: 'B-2' }],
    empty: '',
    nothing: null,
    zero: 0,
    flag: false,
  },
});

const renderError = (run: () => unknown): RenderError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RenderError);
    return error as RenderError;
  }
  throw new Error('expected a RenderError');
};

const spec = (overrides: Partial<MessageSpec> = {}): MessageSpec => ({
  channel: 'email',
  via: 'postmark',
  to: '{{data.customer.email}}',
  content: { subject: 'Receipt {{externalId}}', text: 'Hello {{data.customer.name}}' },
  ...overrides,
});

describe('renderTemplate', () => {
  it('renders names from the IntegrationEvent, nested and top level', () => {
    expect(
      renderTemplate('{{tenant}}/{{entity.id}}: {{data.amountText}} for {{data.customer.name}}', event, 'f'),
    ).toBe('acme/in_42: €12.50 for Ada <script>');
  });

  it('prints 0 and false, which are values', () => {
    expect(renderTemplate('{{data.zero}}', event, 'f')).toBe('0');
    expect(renderTemplate('{{data.flag}}', event, 'f')).toBe('false');
  });

  it('refuses unresolved, null and empty names, listing every one with the field', () => {
    const error = renderError(() =>
      renderTemplate(
        '{{data.nope}} {{data.nothing}} {{data.empty}} {{data.amountText}} {{&data.raw}}',
        event,
        'text',
      ),
    );
    expect(error.message).toBe(
      'text: {{data.nope}}, {{data.nothing}}, {{data.empty}}, {{data.raw}} did not resolve for this event',
    );
  });

  it('escapes html only where html is asked for', () => {
    expect(renderTemplate('<b>{{data.customer.name}}</b>', event, 'text')).toBe('<b>Ada <script></b>');
    expect(renderTemplate('<b>{{data.customer.name}}</b>', event, 'html', true)).toBe(
      '<b>Ada &lt;script&gt;</b>',
    );
    // Triple mustache stays raw even in html: the template's author asked for it.
    expect(renderTemplate('{{{data.customer.name}}}', event, 'html', true)).toBe('Ada <script>');
  });

  it('renders sections over lists, with inner names resolving against each item', () => {
    expect(renderTemplate('{{#data.items}}[{{sku}}]{{/data.items}}', event, 'text')).toBe('[A-1][B-2]');
    expect(renderTemplate('{{^data.flag}}no flag{{/data.flag}}', event, 'f')).toBe('no flag');
    expect(renderTemplate('{{#data.flag}}flag{{/data.flag}}', event, 'f')).toBe('');
  });

  it('refuses a section whose name does not resolve, rather than rendering it empty', () => {
    expect(
      renderError(() => renderTemplate('{{#data.gone}}x{{/data.gone}}', event, 'text')).message,
    ).toContain('{{data.gone}}');
  });

  it.each([
    '__proto__',
    'constructor',
    'data.__proto__',
    'data.constructor.name',
    'toString',
    'data.hasOwnProperty',
  ])('%s never resolves', (name) => {
    expect(renderError(() => renderTemplate(`{{${name}}}`, event, 'f')).message).toContain(`{{${name}}}`);
  });

  it('reports syntax problems of a template, and none of a good one', () => {
    expect(templateProblem('{{#a}} never closed')).toMatch(/unclosed section/i);
    expect(templateProblem('{{a')).toMatch(/unclosed tag/i);
    expect(templateProblem('{{#a}}{{b}}{{/a}}')).toBeUndefined();
  });
});

describe('renderMessage', () => {
  it('renders the recipient, every content field and the metadata, with ids from the event', () => {
    const message = renderMessage(
      spec({
        content: {
          subject: 'Receipt {{externalId}}',
          text: 'Hello {{data.customer.name}}',
          html: '<p>{{data.customer.name}}</p>',
        },
        metadata: { invoice: '{{entity.id}}' },
      }),
      event,
      { messageId: messageIdOf('rf_abc') },
    );
    expect(message).toEqual({
      v: 1,
      id: 'msg_abc',
      tenant: 'acme',
      channel: 'email',
      via: 'postmark',
      to: 'ada@example.com',
      content: {
        subject: 'Receipt pi_123',
        text: 'Hello Ada <script>',
        html: '<p>Ada &lt;script&gt;</p>',
      },
      correlationId: event.correlationId,
      causationEventId: event.id,
      metadata: { invoice: 'in_42' },
    });
  });

  it('renders a webhook payload and push data deeply, keeping their shape', () => {
    const webhook = renderMessage(
      spec({
        channel: 'webhook',
        via: 'webhook',
        to: 'https://partner.example.com/{{tenant}}',
        content: { payload: { invoice: '{{entity.id}}', lines: ['{{data.items.0.sku}}'], count: 2 } },
      }),
      event,
      { messageId: 'm' },
    );
    expect(webhook.to).toBe('https://partner.example.com/acme');
    expect(webhook.content).toEqual({ payload: { invoice: 'in_42', lines: ['A-1'], count: 2 } });
  });

  it('refuses a missing name in the recipient, the content or the metadata, naming the field', () => {
    expect(
      renderError(() => renderMessage(spec({ to: '{{data.customer.fax}}' }), event, { messageId: 'm' }))
        .message,
    ).toBe('to: {{data.customer.fax}} did not resolve for this event');
    expect(
      renderError(() =>
        renderMessage(
          spec({ channel: 'webhook', via: 'webhook', content: { payload: { a: { b: '{{data.nope}}' } } } }),
          event,
          { messageId: 'm' },
        ),
      ).message,
    ).toBe('payload.a.b: {{data.nope}} did not resolve for this event');
    expect(
      renderError(() => renderMessage(spec({ metadata: { k: '{{data.nope}}' } }), event, { messageId: 'm' }))
        .message,
    ).toContain('metadata.k: {{data.nope}}');
  });

  it.each([
    ['email with a body', 'email', { subject: 's', body: 'b' }],
    ['sms with a subject', 'sms', { body: 'b', subject: 's' }],
    ['sms without a body', 'sms', { text: 't' }],
    ['push with a payload', 'push', { title: 't', payload: {} }],
    ['webhook with a title', 'webhook', { payload: {}, title: 't' }],
    ['email without a subject', 'email', { text: 't' }],
  ] as const)('refuses %s: the content shape is per channel', (_, channel, content) => {
    const error = renderError(() => renderMessage(spec({ channel, content }), event, { messageId: 'm' }));
    expect(error.message).toMatch(new RegExp(`^${channel} content: `));
    expect(error.message).not.toContain('Invalid input;');
  });

  it('takes each channel’s own content', () => {
    expect(contentProblems('email', { subject: 's', text: 't', html: 'h', from: 'f' })).toEqual([]);
    expect(contentProblems('sms', { body: 'b' })).toEqual([]);
    expect(contentProblems('whatsapp', { body: 'b' })).toEqual([]);
    expect(contentProblems('push', { title: 't', body: 'b', data: { k: 'v' } })).toEqual([]);
    expect(contentProblems('webhook', { payload: { any: [1] } })).toEqual([]);
    // Each problem names what to fix: the field of another channel, the missing one.
    expect(contentProblems('sms', { body: 'b', subject: 's' })).toEqual([
      'content: Unrecognized key: "subject"',
    ]);
    expect(contentProblems('email', { text: 't', body: 'b' }).sort()).toEqual([
      'content: Unrecognized key: "body"',
      'subject: Invalid input: expected string, received undefined',
    ]);
  });

  it('refuses content over the limit once rendered, though the template is small', () => {
    const big = anIntegrationEvent({ data: { blob: 'x'.repeat(MAX_CONTENT_BYTES) } });
    const error = renderError(() =>
      renderMessage(spec({ to: 'a@example.com', content: { subject: 'big', text: '{{data.blob}}' } }), big, {
        messageId: 'm',
      }),
    );
    expect(error.message).toMatch(new RegExp(`over the ${MAX_CONTENT_BYTES} a message may carry`));
  });
});

describe('contentOf', () => {
  it('takes inline content, or the named template’s entry for the channel', () => {
    const content = { body: 'x' };
    expect(contentOf({ channel: 'sms', content }, templates)).toBe(content);
    expect(contentOf({ channel: 'sms', template: 'payment-receipt' }, templates)).toBe(
      templates['payment-receipt']?.sms,
    );
  });

  it('says what is wrong: no template, an unknown one, one without this channel', () => {
    expect(contentOf({ channel: 'sms' }, templates)).toBe('has neither `template` nor `content`');
    expect(contentOf({ channel: 'sms', template: 'nope' }, templates)).toMatch(
      /^template "nope" does not exist \(known: payment-receipt, dunning-reminder, order-shipped\)$/,
    );
    expect(contentOf({ channel: 'push', template: 'payment-receipt' }, templates)).toBe(
      'template "payment-receipt" has no push version',
    );
    expect(contentOf({ channel: 'sms', template: 'toString' }, templates)).toMatch(/does not exist/);
    expect(contentOf({ channel: 'sms', template: '__proto__' }, {})).toBe(
      'template "__proto__" does not exist (known: none)',
    );
  });

  it('renders every repository template against an event that has its names', () => {
    const full = anIntegrationEvent({ data: { amountText: '$1.00' } });
    for (const [name, channels] of Object.entries(templates))
      for (const [channel, content] of Object.entries(channels))
        expect(() =>
          renderMessage(
            {
              channel: channel as MessageSpec['channel'],
              via: 'x',
              to: 'someone',
              content: content as never,
            },
            full,
            { messageId: `m-${name}` },
          ),
        ).not.toThrow();
  });
});
