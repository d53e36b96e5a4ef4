#!/usr/bin/env node
// Generated from bin/relayflow-cli.ts and cli/ by npm run build:cli; do not edit.
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// functions/channels/contract.ts
var z2, MESSAGE_VERSION, CHANNELS, nonEmpty, MAX_CONTENT_BYTES, EmailContentSchema, TextContentSchema, PushContentSchema, WebhookContentSchema, MessageSchema, ChannelError;
var init_contract = __esm({
  "functions/channels/contract.ts"() {
    "use strict";
    z2 = __toESM(require("zod/mini"));
    MESSAGE_VERSION = 1;
    CHANNELS = ["email", "sms", "whatsapp", "push", "webhook"];
    nonEmpty = () => z2.string().check(z2.minLength(1));
    MAX_CONTENT_BYTES = 256 * 1024;
    EmailContentSchema = z2.object({
      subject: nonEmpty(),
      text: z2.optional(nonEmpty()),
      html: z2.optional(nonEmpty()),
      /** The sender, when the adapter's default (its credentials' `from`) is not wanted. */
      from: z2.optional(nonEmpty())
    });
    TextContentSchema = z2.object({ body: nonEmpty() });
    PushContentSchema = z2.object({
      title: nonEmpty(),
      body: z2.optional(nonEmpty()),
      data: z2.optional(z2.record(z2.string(), z2.string()))
    });
    WebhookContentSchema = z2.object({ payload: z2.record(z2.string(), z2.unknown()) });
    MessageSchema = z2.object({
      v: z2.literal(MESSAGE_VERSION),
      /** Derived from the event and the target (messageIdOf): a retry is the same message. */
      id: nonEmpty(),
      tenant: nonEmpty(),
      channel: z2.enum(CHANNELS),
      /** The adapter that sends it: `postmark`, `twilio`, … */
      via: nonEmpty(),
      /** An address, a phone number in E.164, a device token, or a URL, as the channel takes. */
      to: nonEmpty(),
      content: z2.union([EmailContentSchema, TextContentSchema, PushContentSchema, WebhookContentSchema]),
      correlationId: nonEmpty(),
      /** The event whose route sent it. */
      causationEventId: nonEmpty(),
      /** Carried to the provider where it takes custom fields, and back on the receipts. */
      metadata: z2.record(z2.string(), z2.string())
    });
    ChannelError = class extends Error {
      constructor(errorClass, retryable, message, options) {
        super(message, options);
        this.errorClass = errorClass;
        this.retryable = retryable;
        this.name = "ChannelError";
        this.retryAfterSeconds = options?.retryAfterSeconds;
      }
      errorClass;
      retryable;
      retryAfterSeconds;
    };
  }
});

// functions/channels/email.ts
var RF_MESSAGE_ID, MAX_ADDRESS_LENGTH, PLAUSIBLE_ADDRESS, addressProblem, NAMED_ADDRESS, senderOf, emailContentOf, emailProblem, requireEmailContent, CANONICAL_RECEIPTS, isRecord, stringField, providerMessageIdOf, payloadOf, canonicalStatusOf, receiptFrom;
var init_email = __esm({
  "functions/channels/email.ts"() {
    "use strict";
    init_contract();
    RF_MESSAGE_ID = "rf_message_id";
    MAX_ADDRESS_LENGTH = 320;
    PLAUSIBLE_ADDRESS = /^[^\s@]+@[^\s@]+$/;
    addressProblem = (address) => {
      if (address.length > MAX_ADDRESS_LENGTH)
        return `the address is longer than ${MAX_ADDRESS_LENGTH} characters`;
      if (!PLAUSIBLE_ADDRESS.test(address)) return `"${address}" is not an email address`;
      return void 0;
    };
    NAMED_ADDRESS = /^\s*"?([^"<>]*?)"?\s*<([^<>]+)>\s*$/;
    senderOf = (from) => {
      const named = NAMED_ADDRESS.exec(from);
      if (!named) return { email: from.trim() };
      const [, name = "", email = ""] = named;
      return name ? { email: email.trim(), name } : { email: email.trim() };
    };
    emailContentOf = (message) => {
      const parsed = EmailContentSchema.safeParse(message.content);
      return parsed.success && (parsed.data.text !== void 0 || parsed.data.html !== void 0) ? parsed.data : void 0;
    };
    emailProblem = (message) => {
      if (message.channel !== "email") return `channel ${message.channel} is not email`;
      const address = addressProblem(message.to);
      if (address !== void 0) return address;
      if (emailContentOf(message) === void 0) return "email content needs a subject and a text or html body";
      const from = emailContentOf(message)?.from;
      const sender = from === void 0 ? void 0 : addressProblem(senderOf(from).email);
      return sender === void 0 ? void 0 : `sender: ${sender}`;
    };
    requireEmailContent = (message) => {
      const content = emailContentOf(message);
      if (content === void 0) throw new Error(`message ${message.id} carries no email content`);
      return content;
    };
    CANONICAL_RECEIPTS = {
      "email.delivered": "delivered",
      "email.opened": "opened",
      "email.bounced": "bounced"
    };
    isRecord = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
    stringField = (value, field3) => {
      if (!isRecord(value) || !Object.hasOwn(value, field3)) return void 0;
      const found = value[field3];
      return typeof found === "string" && found.length > 0 ? found : void 0;
    };
    providerMessageIdOf = (event) => event.entity.kind === "message" ? event.entity.id : void 0;
    payloadOf = (event) => event.type.startsWith("email.") ? event.data.payload : event.data;
    canonicalStatusOf = (event) => Object.hasOwn(CANONICAL_RECEIPTS, event.type) ? CANONICAL_RECEIPTS[event.type] : void 0;
    receiptFrom = (event, status2, ourId, reason) => {
      const messageId = ourId(payloadOf(event));
      const providerMessageId = providerMessageIdOf(event);
      return {
        ...messageId === void 0 ? {} : { messageId },
        ...providerMessageId === void 0 ? {} : { providerMessageId },
        status: status2,
        at: event.occurredAt,
        ...reason === void 0 || status2 === "delivered" || status2 === "opened" ? {} : { reason }
      };
    };
  }
});

// functions/targets/errors.ts
var TargetError, PermanentWorkflowError;
var init_errors = __esm({
  "functions/targets/errors.ts"() {
    "use strict";
    TargetError = class extends Error {
      constructor(targetId2, errorClass, retryable, message, options) {
        super(message, options);
        this.targetId = targetId2;
        this.errorClass = errorClass;
        this.retryable = retryable;
        this.name = "TargetError";
        this.retryAfterSeconds = options?.retryAfterSeconds;
        this.saga = options?.saga;
      }
      targetId;
      errorClass;
      retryable;
      /** The receiver's own hint (Retry-After), in seconds, when it gave one. */
      retryAfterSeconds;
      /** Set when a workflow's step (or its compensation) failed. */
      saga;
    };
    PermanentWorkflowError = class extends Error {
      constructor(message, options) {
        super(message, options);
        this.name = "PermanentWorkflowError";
      }
    };
  }
});

// functions/targets/resilience.ts
var init_resilience = __esm({
  "functions/targets/resilience.ts"() {
    "use strict";
  }
});

// functions/targets/http.ts
var import_standardwebhooks, signerFor, parseRetryAfter, parseRateLimitReset, MAX_RESPONSE_BYTES, readBodyHead, httpRequestOf;
var init_http = __esm({
  "functions/targets/http.ts"() {
    "use strict";
    import_standardwebhooks = require("standardwebhooks");
    init_errors();
    init_resilience();
    signerFor = (secrets) => {
      const webhooks = secrets.map((secret) => new import_standardwebhooks.Webhook(secret));
      return (messageId, timestamp, body) => webhooks.map((w) => w.sign(messageId, timestamp, body)).join(" ");
    };
    parseRetryAfter = (value, now) => {
      if (!value) return void 0;
      const trimmed = value.trim();
      if (/^\d+$/.test(trimmed)) return Number(trimmed);
      const at2 = Date.parse(trimmed);
      return Number.isNaN(at2) ? void 0 : Math.max(0, Math.ceil((at2 - now) / 1e3));
    };
    parseRateLimitReset = (remaining, reset, now) => {
      if (remaining?.trim() !== "0" || !reset || !/^\d+(\.\d+)?$/.test(reset.trim())) return void 0;
      const value = Number(reset.trim());
      const at2 = value > 1e9 ? value * 1e3 : now + value * 1e3;
      return at2 > now ? Math.ceil(at2) : void 0;
    };
    MAX_RESPONSE_BYTES = 8 * 1024;
    readBodyHead = async (response, max = MAX_RESPONSE_BYTES) => {
      const reader = response.body?.getReader();
      if (!reader) return Buffer.alloc(0);
      const chunks = [];
      let size = 0;
      try {
        for (; ; ) {
          if (size >= max) {
            await reader.cancel();
            break;
          }
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          size += value.byteLength;
        }
      } catch {
      }
      return Buffer.concat(chunks).subarray(0, max);
    };
    httpRequestOf = (target, event, ctx, timestamp, payload = event) => ({
      method: "POST",
      url: target.url,
      headers: {
        "content-type": "application/json",
        "user-agent": "RelayFlow",
        "webhook-id": ctx.idempotencyKey,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1e3)),
        "idempotency-key": ctx.idempotencyKey,
        "x-correlation-id": ctx.correlationId
      },
      body: JSON.stringify(payload)
    });
  }
});

// functions/channels/http.ts
var DEFAULT_PROVIDER_TIMEOUT_MS, DETAIL_CHARS, callProvider, urlOf, isOk, isRetryableStatus, jsonOf, excerptOf, answerError, unreadableAnswer;
var init_http2 = __esm({
  "functions/channels/http.ts"() {
    "use strict";
    init_contract();
    init_http();
    DEFAULT_PROVIDER_TIMEOUT_MS = 1e4;
    DETAIL_CHARS = 160;
    callProvider = async (call, url3, init) => {
      let response;
      try {
        response = await call.fetch(url3, {
          ...init,
          redirect: "manual",
          signal: call.signal ?? AbortSignal.timeout(DEFAULT_PROVIDER_TIMEOUT_MS)
        });
      } catch (error) {
        const name = typeof error === "object" && error !== null && "name" in error ? error.name : void 0;
        const timedOut = name === "TimeoutError" || name === "AbortError";
        throw new ChannelError(
          timedOut ? "timeout" : "network",
          true,
          timedOut ? `no answer from ${call.provider} in time` : `could not reach ${call.provider}`,
          { cause: error }
        );
      }
      const body = await readBodyHead(response, call.maxAnswerBytes);
      return { status: response.status, headers: response.headers, text: body.toString("utf8") };
    };
    urlOf = (baseUrl, path) => `${baseUrl.replace(/\/+$/, "")}${path}`;
    isOk = (answer) => answer.status >= 200 && answer.status < 300;
    isRetryableStatus = (status2) => status2 === 408 || status2 === 429 || status2 >= 500;
    jsonOf = (answer) => {
      try {
        return JSON.parse(answer.text);
      } catch {
        return void 0;
      }
    };
    excerptOf = (text4) => {
      const line = text4.replace(/\s+/g, " ").trim();
      return line.length > DETAIL_CHARS ? `${line.slice(0, DETAIL_CHARS - 1)}\u2026` : line;
    };
    answerError = (provider, answer, options = {}) => {
      const retryable = isRetryableStatus(answer.status);
      const detail = excerptOf(options.detail ?? answer.text);
      return new ChannelError(
        options.errorClass ?? `http-${answer.status}`,
        retryable,
        `${provider} answered HTTP ${answer.status}${detail ? `: ${detail}` : ""}`,
        {
          retryAfterSeconds: retryable ? parseRetryAfter(answer.headers.get("retry-after"), options.now ?? Date.now()) ?? options.retryAfterSeconds : void 0
        }
      );
    };
    unreadableAnswer = (provider, what) => new ChannelError("unreadable-answer", true, `${provider} took the request but its answer ${what}`);
  }
});

// functions/channels/postmark/index.ts
var postmark_exports = {};
__export(postmark_exports, {
  postmarkAdapter: () => postmarkAdapter,
  postmarkCredentialsSchema: () => postmarkCredentialsSchema,
  postmarkRequestOf: () => postmarkRequestOf
});
var z3, nonEmpty2, postmarkCredentialsSchema, PROVIDER, ERROR_CLASSES, FAILED_BOUNCE_TYPES, headersOf, postmarkError, postmarkRequestOf, ourIdOf, postmarkAdapter;
var init_postmark = __esm({
  "functions/channels/postmark/index.ts"() {
    "use strict";
    z3 = __toESM(require("zod/mini"));
    init_email();
    init_http2();
    nonEmpty2 = () => z3.string().check(z3.minLength(1));
    postmarkCredentialsSchema = z3.object({
      /** The server's API token (X-Postmark-Server-Token). */
      serverToken: nonEmpty2(),
      /** A confirmed sender signature or an address of a verified domain; `Name <address>` is taken. */
      from: nonEmpty2(),
      /** The transactional stream to send on; Postmark's default (`outbound`) when absent. */
      messageStream: z3.optional(nonEmpty2())
    });
    PROVIDER = "Postmark";
    ERROR_CLASSES = {
      10: "unauthorized",
      300: "invalid-email",
      406: "inactive-recipient"
    };
    FAILED_BOUNCE_TYPES = /* @__PURE__ */ new Set([
      "SoftBounce",
      "Blocked",
      "ManuallyDeactivated",
      "DMARCPolicy",
      "TemplateRenderingFailed"
    ]);
    headersOf = (credentials) => ({
      Accept: "application/json",
      "X-Postmark-Server-Token": credentials.serverToken
    });
    postmarkError = (answer) => {
      const json2 = jsonOf(answer);
      const code = isRecord(json2) && typeof json2.ErrorCode === "number" ? json2.ErrorCode : void 0;
      const detail = stringField(json2, "Message");
      const named = code !== void 0 && Object.hasOwn(ERROR_CLASSES, code) ? ERROR_CLASSES[code] : void 0;
      const errorClass = answer.status === 401 || answer.status === 403 ? "unauthorized" : answer.status === 422 ? named ?? `postmark-${code ?? "unknown"}` : void 0;
      return answerError(PROVIDER, answer, {
        ...errorClass === void 0 ? {} : { errorClass },
        ...detail === void 0 ? {} : { detail: code === void 0 ? detail : `${detail} (ErrorCode ${code})` }
      });
    };
    postmarkRequestOf = (message, credentials) => {
      const content = requireEmailContent(message);
      return {
        From: content.from ?? credentials.from,
        To: message.to,
        Subject: content.subject,
        ...content.text === void 0 ? {} : { TextBody: content.text },
        ...content.html === void 0 ? {} : { HtmlBody: content.html },
        // Ours last, so that no metadata of the route can take its key.
        Metadata: { ...message.metadata, [RF_MESSAGE_ID]: message.id },
        ...credentials.messageStream === void 0 ? {} : { MessageStream: credentials.messageStream }
      };
    };
    ourIdOf = (record11) => stringField(isRecord(record11) ? record11.Metadata : void 0, RF_MESSAGE_ID);
    postmarkAdapter = {
      id: "postmark",
      channels: ["email"],
      credentials: postmarkCredentialsSchema,
      defaultBaseUrl: "https://api.postmarkapp.com",
      validate: emailProblem,
      async send(message, ctx) {
        const answer = await callProvider(
          { fetch: ctx.fetch, provider: PROVIDER, ...ctx.signal ? { signal: ctx.signal } : {} },
          urlOf(ctx.baseUrl, "/email"),
          {
            method: "POST",
            headers: { ...headersOf(ctx.credentials), "Content-Type": "application/json" },
            body: JSON.stringify(postmarkRequestOf(message, ctx.credentials))
          }
        );
        if (!isOk(answer)) throw postmarkError(answer);
        const providerMessageId = stringField(jsonOf(answer), "MessageID");
        if (providerMessageId === void 0) throw unreadableAnswer(PROVIDER, "names no MessageID");
        return { providerMessageId };
      },
      /**
       * Postmark's outbound message search filters by one metadata field: our id. Queued messages
       * are listed too, so a message Postmark took and has not sent yet is found.
       */
      async find(message, ctx) {
        const query = new URLSearchParams({ count: "1", offset: "0", [`metadata_${RF_MESSAGE_ID}`]: message.id });
        const answer = await callProvider(
          { fetch: ctx.fetch, provider: PROVIDER, ...ctx.signal ? { signal: ctx.signal } : {} },
          urlOf(ctx.baseUrl, `/messages/outbound?${query.toString()}`),
          { method: "GET", headers: headersOf(ctx.credentials) }
        );
        if (!isOk(answer)) throw postmarkError(answer);
        const json2 = jsonOf(answer);
        const messages = isRecord(json2) && Array.isArray(json2.Messages) ? json2.Messages : void 0;
        if (messages === void 0) throw unreadableAnswer(PROVIDER, "has no Messages list");
        const providerMessageId = stringField(messages[0], "MessageID");
        return providerMessageId === void 0 ? { kind: "not-found" } : { kind: "found", providerMessageId };
      },
      receiptOf(event) {
        if (event.provider !== "postmark") return void 0;
        const status2 = canonicalStatusOf(event);
        if (status2 !== void 0) return receiptFrom(event, status2, ourIdOf, stringField(event.data, "reason"));
        const bounceType = event.type === "postmark.Bounce" ? stringField(event.data, "Type") : void 0;
        if (bounceType === void 0 || !FAILED_BOUNCE_TYPES.has(bounceType)) return void 0;
        const reason = stringField(event.data, "Details") ?? stringField(event.data, "Description") ?? bounceType;
        return receiptFrom(event, "failed", ourIdOf, reason);
      }
    };
  }
});

// functions/channels/sendgrid/index.ts
var sendgrid_exports = {};
__export(sendgrid_exports, {
  sendgridAdapter: () => sendgridAdapter,
  sendgridCredentialsSchema: () => sendgridCredentialsSchema,
  sendgridRequestOf: () => sendgridRequestOf
});
var z4, nonEmpty3, sendgridCredentialsSchema, PROVIDER2, FAILED_TYPES, errorMessagesOf, sendgridError, sendgridRequestOf, ourIdOf2, sendgridAdapter;
var init_sendgrid = __esm({
  "functions/channels/sendgrid/index.ts"() {
    "use strict";
    z4 = __toESM(require("zod/mini"));
    init_email();
    init_http2();
    init_http();
    nonEmpty3 = () => z4.string().check(z4.minLength(1));
    sendgridCredentialsSchema = z4.object({
      /** An API key with the Mail Send permission (`SG.…`). */
      apiKey: nonEmpty3(),
      /** A verified sender identity; `Name <address>` is taken. */
      from: nonEmpty3()
    });
    PROVIDER2 = "SendGrid";
    FAILED_TYPES = /* @__PURE__ */ new Set(["sendgrid.dropped", "sendgrid.bounce"]);
    errorMessagesOf = (answer) => {
      const json2 = jsonOf(answer);
      const errors = isRecord(json2) && Array.isArray(json2.errors) ? json2.errors : [];
      const messages = errors.flatMap((entry) => stringField(entry, "message") ?? []);
      return messages.length > 0 ? messages.join("; ") : void 0;
    };
    sendgridError = (answer, now) => {
      const detail = errorMessagesOf(answer);
      const reset = parseRateLimitReset(
        answer.headers.get("x-ratelimit-remaining") ?? "0",
        answer.headers.get("x-ratelimit-reset"),
        now
      );
      return answerError(PROVIDER2, answer, {
        now,
        ...detail === void 0 ? {} : { detail },
        ...answer.status === 401 || answer.status === 403 ? { errorClass: "unauthorized" } : {},
        ...answer.status === 429 && reset !== void 0 ? { retryAfterSeconds: Math.ceil((reset - now) / 1e3) } : {}
      });
    };
    sendgridRequestOf = (message, credentials) => {
      const content = requireEmailContent(message);
      return {
        personalizations: [{ to: [{ email: message.to }] }],
        from: senderOf(content.from ?? credentials.from),
        subject: content.subject,
        // SendGrid requires text/plain first when both are given.
        content: [
          ...content.text === void 0 ? [] : [{ type: "text/plain", value: content.text }],
          ...content.html === void 0 ? [] : [{ type: "text/html", value: content.html }]
        ],
        // Ours last, so that no metadata of the route can take its key.
        custom_args: { ...message.metadata, [RF_MESSAGE_ID]: message.id }
      };
    };
    ourIdOf2 = (event) => stringField(event, RF_MESSAGE_ID);
    sendgridAdapter = {
      id: "sendgrid",
      channels: ["email"],
      credentials: sendgridCredentialsSchema,
      defaultBaseUrl: "https://api.sendgrid.com",
      validate: emailProblem,
      async send(message, ctx) {
        const answer = await callProvider(
          { fetch: ctx.fetch, provider: PROVIDER2, ...ctx.signal ? { signal: ctx.signal } : {} },
          urlOf(ctx.baseUrl, "/v3/mail/send"),
          {
            method: "POST",
            headers: { Authorization: `Bearer ${ctx.credentials.apiKey}`, "Content-Type": "application/json" },
            body: JSON.stringify(sendgridRequestOf(message, ctx.credentials))
          }
        );
        if (!isOk(answer)) throw sendgridError(answer, Date.now());
        const providerMessageId = answer.headers.get("x-message-id")?.trim().split(".")[0];
        if (!providerMessageId) throw unreadableAnswer(PROVIDER2, "has no X-Message-Id");
        return { providerMessageId };
      },
      receiptOf(event) {
        if (event.provider !== "sendgrid") return void 0;
        const status2 = canonicalStatusOf(event) ?? (FAILED_TYPES.has(event.type) ? "failed" : void 0);
        if (status2 === void 0) return void 0;
        return receiptFrom(event, status2, ourIdOf2, stringField(event.data, "reason"));
      }
    };
  }
});

// functions/channels/mailgun/index.ts
var mailgun_exports = {};
__export(mailgun_exports, {
  mailgunAdapter: () => mailgunAdapter,
  mailgunCredentialsSchema: () => mailgunCredentialsSchema,
  mailgunFormOf: () => mailgunFormOf
});
var z5, nonEmpty4, mailgunCredentialsSchema, PROVIDER3, US_BASE_URL, EU_BASE_URL, EVENTS_PAGE, EVENTS_PAGE_BYTES, BOUNCE_REASONS, baseUrlOf, domainUrl, authorizationOf, bare, mailgunError, mailgunFormOf, ourIdOf3, bouncedOrFailed, refusalReasonOf, mailgunAdapter;
var init_mailgun = __esm({
  "functions/channels/mailgun/index.ts"() {
    "use strict";
    z5 = __toESM(require("zod/mini"));
    init_contract();
    init_email();
    init_http2();
    nonEmpty4 = () => z5.string().check(z5.minLength(1));
    mailgunCredentialsSchema = z5.object({
      /** A Mailgun API key (Basic auth as `api:<key>`). */
      apiKey: nonEmpty4(),
      /** The sending domain, `mg.example.com`. */
      domain: nonEmpty4(),
      /** The sender, an address of the domain; `Name <address>` is taken. */
      from: nonEmpty4(),
      /** Where the domain lives: Mailgun's EU region has its own API host. */
      region: z5.optional(z5.enum(["us", "eu"]))
    });
    PROVIDER3 = "Mailgun";
    US_BASE_URL = "https://api.mailgun.net";
    EU_BASE_URL = "https://api.eu.mailgun.net";
    EVENTS_PAGE = 300;
    EVENTS_PAGE_BYTES = 2 * 1024 * 1024;
    BOUNCE_REASONS = /* @__PURE__ */ new Set(["bounce", "suppress-bounce"]);
    baseUrlOf = (ctx) => ctx.baseUrl === US_BASE_URL && ctx.credentials.region === "eu" ? EU_BASE_URL : ctx.baseUrl;
    domainUrl = (ctx, path) => urlOf(baseUrlOf(ctx), `/v3/${encodeURIComponent(ctx.credentials.domain)}${path}`);
    authorizationOf = (credentials) => `Basic ${Buffer.from(`api:${credentials.apiKey}`, "utf8").toString("base64")}`;
    bare = (id2) => id2.trim().replace(/^<(.*)>$/, "$1");
    mailgunError = (answer) => {
      const detail = stringField(jsonOf(answer), "message");
      return answerError(PROVIDER3, answer, {
        ...detail === void 0 ? {} : { detail },
        ...answer.status === 401 || answer.status === 403 ? { errorClass: "unauthorized" } : {}
      });
    };
    mailgunFormOf = (message, credentials) => {
      const content = requireEmailContent(message);
      const form2 = new URLSearchParams({
        from: content.from ?? credentials.from,
        to: message.to,
        subject: content.subject
      });
      if (content.text !== void 0) form2.append("text", content.text);
      if (content.html !== void 0) form2.append("html", content.html);
      for (const [key, value] of Object.entries(message.metadata))
        if (key !== RF_MESSAGE_ID) form2.append(`v:${key}`, value);
      form2.append(`v:${RF_MESSAGE_ID}`, message.id);
      return form2;
    };
    ourIdOf3 = (payload) => stringField(isRecord(payload) ? payload["user-variables"] : void 0, RF_MESSAGE_ID) ?? stringField(payload, RF_MESSAGE_ID);
    bouncedOrFailed = (payload) => {
      const reason = stringField(payload, "reason");
      return reason === void 0 || BOUNCE_REASONS.has(reason) ? "bounced" : "failed";
    };
    refusalReasonOf = (payload) => stringField(isRecord(payload) ? payload.reject : void 0, "reason") ?? stringField(payload, "description") ?? stringField(payload, "reason");
    mailgunAdapter = {
      id: "mailgun",
      channels: ["email"],
      credentials: mailgunCredentialsSchema,
      defaultBaseUrl: US_BASE_URL,
      validate: emailProblem,
      async send(message, ctx) {
        const answer = await callProvider(
          { fetch: ctx.fetch, provider: PROVIDER3, ...ctx.signal ? { signal: ctx.signal } : {} },
          domainUrl(ctx, "/messages"),
          {
            method: "POST",
            headers: { Accept: "application/json", Authorization: authorizationOf(ctx.credentials) },
            body: mailgunFormOf(message, ctx.credentials)
          }
        );
        if (!isOk(answer)) throw mailgunError(answer);
        const id2 = stringField(jsonOf(answer), "id");
        if (id2 === void 0) throw unreadableAnswer(PROVIDER3, "has no id");
        return { providerMessageId: bare(id2) };
      },
      /**
       * The Events API filters by recipient and event type, not by user variables: the recipient's
       * `accepted` events, newest first, are read for ours. Mailgun keeps events for days (by plan)
       * and lists them with a delay, so `not-found` right after a call is weak evidence.
       */
      async find(message, ctx) {
        const query = new URLSearchParams({
          event: "accepted",
          recipient: message.to,
          begin: String(Math.floor(Date.now() / 1e3)),
          ascending: "no",
          limit: String(EVENTS_PAGE)
        });
        const answer = await callProvider(
          {
            fetch: ctx.fetch,
            provider: PROVIDER3,
            maxAnswerBytes: EVENTS_PAGE_BYTES,
            ...ctx.signal ? { signal: ctx.signal } : {}
          },
          domainUrl(ctx, `/events?${query.toString()}`),
          {
            method: "GET",
            headers: { Accept: "application/json", Authorization: authorizationOf(ctx.credentials) }
          }
        );
        if (!isOk(answer)) throw mailgunError(answer);
        const json2 = jsonOf(answer);
        const items = isRecord(json2) && Array.isArray(json2.items) ? json2.items : void 0;
        if (items === void 0) throw unreadableAnswer(PROVIDER3, "has no items list");
        const ours = items.find((item) => ourIdOf3(item) === message.id);
        const headers = isRecord(ours) && isRecord(ours.message) ? ours.message.headers : void 0;
        const id2 = stringField(headers, "message-id");
        if (id2 !== void 0) return { kind: "found", providerMessageId: bare(id2) };
        if (items.length >= EVENTS_PAGE)
          throw new ChannelError(
            "find-inconclusive",
            true,
            `${PROVIDER3} lists a full page of newer messages to the recipient, none of them ours`
          );
        return { kind: "not-found" };
      },
      receiptOf(event) {
        if (event.provider !== "mailgun") return void 0;
        const canonical = canonicalStatusOf(event);
        if (canonical !== void 0) {
          const status2 = canonical === "bounced" ? bouncedOrFailed(event.data.payload) : canonical;
          return receiptFrom(event, status2, ourIdOf3, stringField(event.data, "reason"));
        }
        if (event.type === "mailgun.rejected" || event.type === "mailgun.dropped")
          return receiptFrom(event, "failed", ourIdOf3, refusalReasonOf(event.data));
        return void 0;
      }
    };
  }
});

// functions/channels/ses/index.ts
var ses_exports = {};
__export(ses_exports, {
  SES_REGIONAL_ENDPOINT: () => SES_REGIONAL_ENDPOINT,
  cachedSesClients: () => cachedSesClients,
  createSesAdapter: () => createSesAdapter,
  sesAdapter: () => sesAdapter,
  sesCredentialsSchema: () => sesCredentialsSchema,
  sesError: () => sesError,
  sesRequestOf: () => sesRequestOf
});
var z6, SesClient, SendEmailCommand, nonEmpty5, sesCredentialsSchema, SES_REGIONAL_ENDPOINT, TAG_TEXT, THROTTLING, UNAUTHORIZED, EVENT_TYPES, reasonOf, tagsOf, sesRequestOf, nameOf, statusOf, sesError, cachedSesClients, createSesAdapter, sesAdapter;
var init_ses = __esm({
  "functions/channels/ses/index.ts"() {
    "use strict";
    z6 = __toESM(require("zod/mini"));
    init_contract();
    init_email();
    ({ SESv2Client: SesClient, SendEmailCommand } = require("@aws-sdk/client-sesv2"));
    nonEmpty5 = () => z6.string().check(z6.minLength(1));
    sesCredentialsSchema = z6.object({
      /** A verified identity (address or domain); `Name <address>` is taken. */
      from: nonEmpty5(),
      /** The configuration set whose event destination sends the receipts to EventBridge. */
      configurationSet: z6.optional(nonEmpty5())
    });
    SES_REGIONAL_ENDPOINT = "https://email.{region}.amazonaws.com";
    TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;
    THROTTLING = /* @__PURE__ */ new Set([
      "TooManyRequestsException",
      "LimitExceededException",
      "Throttling"
    ]);
    UNAUTHORIZED = /* @__PURE__ */ new Set([
      "AccessDeniedException",
      "UnrecognizedClientException",
      "InvalidClientTokenId",
      "InvalidSignatureException",
      "SignatureDoesNotMatch",
      "ExpiredTokenException",
      "CredentialsProviderError"
    ]);
    EVENT_TYPES = {
      Delivery: { field: "delivery", status: () => "delivered" },
      Open: { field: "open", status: () => "opened" },
      // SES reports a soft bounce only once it has stopped retrying: the message is lost, the address is not bad.
      Bounce: {
        field: "bounce",
        status: (record11) => stringField(record11, "bounceType") === "Permanent" ? "bounced" : "failed"
      },
      Reject: { field: "reject", status: () => "failed" },
      "Rendering Failure": { field: "failure", status: () => "failed" }
    };
    reasonOf = (eventType, record11) => {
      if (eventType === "Bounce") {
        const recipients = isRecord(record11) && Array.isArray(record11.bouncedRecipients) ? record11.bouncedRecipients : [];
        const diagnostic = stringField(recipients[0], "diagnosticCode");
        const kind = [stringField(record11, "bounceType"), stringField(record11, "bounceSubType")].filter(Boolean).join("/");
        return diagnostic ?? (kind || void 0);
      }
      if (eventType === "Reject") return stringField(record11, "reason");
      if (eventType === "Rendering Failure") return stringField(record11, "errorMessage");
      return void 0;
    };
    tagsOf = (message) => [
      ...Object.entries(message.metadata).filter(([name]) => name !== RF_MESSAGE_ID).map(([Name, Value]) => ({ Name, Value })),
      { Name: RF_MESSAGE_ID, Value: message.id }
    ];
    sesRequestOf = (message, credentials) => {
      const content = requireEmailContent(message);
      return {
        FromEmailAddress: content.from ?? credentials.from,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: content.subject, Charset: "UTF-8" },
            Body: {
              ...content.text === void 0 ? {} : { Text: { Data: content.text, Charset: "UTF-8" } },
              ...content.html === void 0 ? {} : { Html: { Data: content.html, Charset: "UTF-8" } }
            }
          }
        },
        EmailTags: tagsOf(message),
        ...credentials.configurationSet === void 0 ? {} : { ConfigurationSetName: credentials.configurationSet }
      };
    };
    nameOf = (error) => typeof error === "object" && error !== null && "name" in error && typeof error.name === "string" ? error.name : "Error";
    statusOf = (error) => {
      if (typeof error !== "object" || error === null || !("$metadata" in error)) return void 0;
      const metadata = error.$metadata;
      return isRecord(metadata) && typeof metadata.httpStatusCode === "number" ? metadata.httpStatusCode : void 0;
    };
    sesError = (error) => {
      const name = nameOf(error);
      const status2 = statusOf(error);
      const detail = error instanceof Error && error.message ? `: ${error.message}` : "";
      if (UNAUTHORIZED.has(name) || status2 === 401 || status2 === 403)
        return new ChannelError(
          "unauthorized",
          false,
          `SES refused the function's credentials (${name})${detail}`,
          {
            cause: error
          }
        );
      if (THROTTLING.has(name) || status2 === 429)
        return new ChannelError(`ses-${name}`, true, `SES throttled the send (${name})${detail}`, {
          cause: error
        });
      if (status2 === void 0) {
        const timedOut = name === "TimeoutError" || name === "AbortError";
        return new ChannelError(
          timedOut ? "timeout" : "network",
          true,
          timedOut ? "no answer from SES in time" : `could not reach SES (${name})`,
          { cause: error }
        );
      }
      if (status2 >= 500)
        return new ChannelError(`ses-${name}`, true, `SES failed (${name})${detail}`, { cause: error });
      return new ChannelError(`ses-${name}`, false, `SES refused the message (${name})${detail}`, {
        cause: error
      });
    };
    cachedSesClients = () => {
      const clients = /* @__PURE__ */ new Map();
      return (endpoint) => {
        const key = endpoint ?? "";
        let client = clients.get(key);
        if (!client) {
          client = new SesClient({ maxAttempts: 1, ...endpoint === void 0 ? {} : { endpoint } });
          clients.set(key, client);
        }
        return client;
      };
    };
    createSesAdapter = (clientFor = cachedSesClients()) => ({
      id: "ses",
      channels: ["email"],
      credentials: sesCredentialsSchema,
      defaultBaseUrl: SES_REGIONAL_ENDPOINT,
      validate(message) {
        const problem = emailProblem(message);
        if (problem !== void 0) return problem;
        const bad = tagsOf(message).find(({ Name, Value }) => !TAG_TEXT.test(Name) || !TAG_TEXT.test(Value));
        return bad === void 0 ? void 0 : `SES message tags take only ASCII letters, digits, _ and - (at most 256): tag ${bad.Name}`;
      },
      async send(message, ctx) {
        const client = clientFor(ctx.baseUrl === SES_REGIONAL_ENDPOINT ? void 0 : ctx.baseUrl);
        let messageId;
        try {
          const output = await client.send(new SendEmailCommand(sesRequestOf(message, ctx.credentials)), {
            ...ctx.signal ? { abortSignal: ctx.signal } : {}
          });
          messageId = output.MessageId;
        } catch (error) {
          throw sesError(error);
        }
        if (!messageId)
          throw new ChannelError("unreadable-answer", true, "SES took the request but named no MessageId");
        return { providerMessageId: messageId };
      },
      receiptOf(event) {
        if (event.provider !== "internal") return void 0;
        const detail = event.data;
        const eventType = stringField(detail, "eventType");
        const mail = isRecord(detail.mail) ? detail.mail : void 0;
        const providerMessageId = stringField(mail, "messageId");
        const known = eventType !== void 0 && Object.hasOwn(EVENT_TYPES, eventType) ? EVENT_TYPES[eventType] : void 0;
        if (eventType === void 0 || known === void 0 || providerMessageId === void 0) return void 0;
        const record11 = detail[known.field];
        const status2 = known.status(record11);
        const tags = isRecord(mail?.tags) ? mail.tags[RF_MESSAGE_ID] : void 0;
        const messageId = Array.isArray(tags) && typeof tags[0] === "string" && tags[0] ? tags[0] : void 0;
        const at2 = stringField(record11, "timestamp");
        const reason = status2 === "delivered" || status2 === "opened" ? void 0 : reasonOf(eventType, record11);
        return {
          ...messageId === void 0 ? {} : { messageId },
          providerMessageId,
          status: status2,
          at: at2 === void 0 || Number.isNaN(Date.parse(at2)) ? event.occurredAt : new Date(at2).toISOString(),
          ...reason === void 0 ? {} : { reason }
        };
      }
    });
    sesAdapter = createSesAdapter();
  }
});

// functions/channels/twilio/index.ts
var twilio_exports = {};
__export(twilio_exports, {
  MAX_BODY_CHARS: () => MAX_BODY_CHARS,
  TWILIO_BASE_URL: () => TWILIO_BASE_URL,
  TwilioCredentialsSchema: () => TwilioCredentialsSchema,
  twilioAdapter: () => twilioAdapter,
  twilioForm: () => twilioForm
});
var z7, nonEmpty6, TwilioCredentialsSchema, TWILIO_BASE_URL, MAX_BODY_CHARS, E164, WHATSAPP, RECIPIENT_CODES, AUTH_CODE, RECEIPTS, bodyOf, numberOf, validateTwilio, senderOf2, twilioForm, TwilioErrorSchema, TwilioMessageSchema, twilioError, basicAuth, sendTwilio, text, receiptOfTwilio, twilioAdapter;
var init_twilio = __esm({
  "functions/channels/twilio/index.ts"() {
    "use strict";
    z7 = __toESM(require("zod/mini"));
    init_contract();
    init_http2();
    nonEmpty6 = () => z7.string().check(z7.minLength(1));
    TwilioCredentialsSchema = z7.object({
      accountSid: nonEmpty6(),
      /** The account's auth token; or an API key (`apiKeySid` and `apiKeySecret`) in its place. */
      authToken: z7.optional(nonEmpty6()),
      apiKeySid: z7.optional(nonEmpty6()),
      apiKeySecret: z7.optional(nonEmpty6()),
      /** The sender: a Twilio number in E.164, a short code or an alphanumeric sender id. */
      from: z7.optional(nonEmpty6()),
      /** The WhatsApp sender, when it is not `from` (without `whatsapp:`, which the adapter adds). */
      whatsappFrom: z7.optional(nonEmpty6()),
      /** A Messaging Service that picks the sender from its pool; `from` wins when both are set. */
      messagingServiceSid: z7.optional(nonEmpty6())
    }).check(
      z7.refine(
        (c) => c.authToken !== void 0 || c.apiKeySid !== void 0 && c.apiKeySecret !== void 0,
        "Twilio credentials need authToken, or apiKeySid with apiKeySecret"
      ),
      z7.refine(
        (c) => c.from !== void 0 || c.whatsappFrom !== void 0 || c.messagingServiceSid !== void 0,
        "Twilio credentials need a sender: from, whatsappFrom or messagingServiceSid"
      )
    );
    TWILIO_BASE_URL = "https://api.twilio.com";
    MAX_BODY_CHARS = 1600;
    E164 = /^\+[1-9]\d{7,14}$/;
    WHATSAPP = "whatsapp:";
    RECIPIENT_CODES = /* @__PURE__ */ new Set([21211, 21610, 21612, 21614, 63003, 63016, 63024]);
    AUTH_CODE = 20003;
    RECEIPTS = {
      delivered: "delivered",
      undelivered: "failed",
      failed: "failed",
      read: "opened"
    };
    bodyOf = (message) => {
      const content = message.content;
      if ("subject" in content || "title" in content || "payload" in content) return void 0;
      return content.body;
    };
    numberOf = (message) => message.channel === "whatsapp" && message.to.startsWith(WHATSAPP) ? message.to.slice(WHATSAPP.length) : message.to;
    validateTwilio = (message) => {
      if (message.channel !== "sms" && message.channel !== "whatsapp")
        return `twilio sends sms and whatsapp, not ${message.channel}`;
      const body = bodyOf(message);
      if (body === void 0) return "twilio sends text content: { body }";
      if (body.length > MAX_BODY_CHARS)
        return `the body has ${body.length} characters, more than Twilio's ${MAX_BODY_CHARS}`;
      if (!E164.test(numberOf(message)))
        return `"${message.to}" is not a phone number in E.164 (+ and 8 to 15 digits)`;
      return void 0;
    };
    senderOf2 = (message, credentials) => {
      const whatsapp = message.channel === "whatsapp";
      const from = whatsapp ? credentials.whatsappFrom ?? credentials.from : credentials.from;
      if (from !== void 0)
        return { From: whatsapp && !from.startsWith(WHATSAPP) ? `${WHATSAPP}${from}` : from };
      return credentials.messagingServiceSid === void 0 ? void 0 : { MessagingServiceSid: credentials.messagingServiceSid };
    };
    twilioForm = (message, credentials, statusCallbackUrl) => {
      const sender = senderOf2(message, credentials);
      if (sender === void 0)
        throw new ChannelError(
          "bad-credentials",
          false,
          `the twilio credentials name no sender for ${message.channel}: set from, whatsappFrom or messagingServiceSid`
        );
      const to = message.channel === "whatsapp" ? `${WHATSAPP}${numberOf(message)}` : message.to;
      return new URLSearchParams({
        To: to,
        ...statusCallbackUrl === void 0 ? {} : { StatusCallback: statusCallbackUrl },
        ...sender,
        Body: bodyOf(message) ?? ""
      });
    };
    TwilioErrorSchema = z7.object({ code: z7.optional(z7.number()), message: z7.optional(z7.string()) });
    TwilioMessageSchema = z7.object({ sid: nonEmpty6() });
    twilioError = (answer) => {
      const parsed = TwilioErrorSchema.safeParse(jsonOf(answer));
      const code = parsed.success ? parsed.data.code : void 0;
      const words = parsed.success ? parsed.data.message : void 0;
      const detail = words === void 0 ? void 0 : code === void 0 ? words : `${code} ${words}`;
      if (answer.status === 401 || code === AUTH_CODE)
        return answerError("twilio", answer, { errorClass: "unauthorized", detail });
      if (answer.status < 500 && answer.status !== 429 && code !== void 0 && RECIPIENT_CODES.has(code))
        return answerError("twilio", answer, { errorClass: "invalid-recipient", detail });
      return answerError("twilio", answer, { detail });
    };
    basicAuth = (credentials) => {
      const user = credentials.apiKeySid ?? credentials.accountSid;
      const password = credentials.apiKeySid === void 0 ? credentials.authToken : credentials.apiKeySecret;
      return `Basic ${Buffer.from(`${user}:${password ?? ""}`).toString("base64")}`;
    };
    sendTwilio = async (message, ctx) => {
      const { credentials } = ctx;
      const url3 = urlOf(
        ctx.baseUrl,
        `/2010-04-01/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages.json`
      );
      const answer = await callProvider({ fetch: ctx.fetch, provider: "twilio", signal: ctx.signal }, url3, {
        method: "POST",
        headers: {
          authorization: basicAuth(credentials),
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json"
        },
        body: twilioForm(message, credentials, ctx.statusCallbackUrl).toString()
      });
      if (!isOk(answer)) throw twilioError(answer);
      const parsed = TwilioMessageSchema.safeParse(jsonOf(answer));
      if (!parsed.success) throw unreadableAnswer("twilio", "names no message sid");
      return { providerMessageId: parsed.data.sid };
    };
    text = (value) => typeof value === "string" && value.length > 0 ? value : void 0;
    receiptOfTwilio = (event) => {
      if (event.provider !== "twilio") return void 0;
      const status2 = RECEIPTS[text(event.data.status) ?? ""];
      const providerMessageId = text(event.data.messageSid);
      if (status2 === void 0 || providerMessageId === void 0) return void 0;
      const payload = event.data.payload;
      const channelWords = typeof payload === "object" && payload !== null && "ChannelStatusMessage" in payload ? text(payload.ChannelStatusMessage) : void 0;
      const code = text(event.data.errorCode);
      const reason = code === void 0 ? channelWords : `Twilio error ${code}${channelWords === void 0 ? "" : `: ${channelWords}`}`;
      return {
        providerMessageId,
        status: status2,
        at: event.occurredAt,
        ...status2 !== "failed" || reason === void 0 ? {} : { reason }
      };
    };
    twilioAdapter = {
      id: "twilio",
      channels: ["sms", "whatsapp"],
      credentials: TwilioCredentialsSchema,
      defaultBaseUrl: TWILIO_BASE_URL,
      validate: validateTwilio,
      send: sendTwilio,
      receiptOf: receiptOfTwilio
    };
  }
});

// functions/channels/fcm/index.ts
var fcm_exports = {};
__export(fcm_exports, {
  FCM_BASE_URL: () => FCM_BASE_URL,
  FcmCredentialsSchema: () => FcmCredentialsSchema,
  GOOGLE_TOKEN_URL: () => GOOGLE_TOKEN_URL,
  MAX_PAYLOAD_BYTES: () => MAX_PAYLOAD_BYTES,
  MAX_TOKEN_CHARS: () => MAX_TOKEN_CHARS,
  createFcmAdapter: () => createFcmAdapter,
  fcmAdapter: () => fcmAdapter,
  fcmRequestOf: () => fcmRequestOf,
  serviceAccountJwt: () => serviceAccountJwt
});
var import_node_crypto, z8, nonEmpty7, GOOGLE_TOKEN_URL, FCM_BASE_URL, SCOPE, FcmCredentialsSchema, MAX_TOKEN_CHARS, MAX_PAYLOAD_BYTES, ASSERTION_SECONDS, RENEW_BEFORE_MS, isReservedKey, pushOf, payloadBytes, validateFcm, fcmRequestOf, base64url, serviceAccountJwt, TokenAnswerSchema, TokenErrorSchema, FcmErrorSchema, SendAnswerSchema, fcmError, createFcmAdapter, fcmAdapter;
var init_fcm = __esm({
  "functions/channels/fcm/index.ts"() {
    "use strict";
    import_node_crypto = require("node:crypto");
    z8 = __toESM(require("zod/mini"));
    init_contract();
    init_http2();
    nonEmpty7 = () => z8.string().check(z8.minLength(1));
    GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
    FCM_BASE_URL = "https://fcm.googleapis.com";
    SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    FcmCredentialsSchema = z8.object({
      projectId: nonEmpty7(),
      clientEmail: nonEmpty7(),
      /** The key file's `private_key`, a PKCS#8 PEM. */
      privateKey: nonEmpty7(),
      /**
       * The key file's `token_uri`: where the signed JWT is exchanged, and its audience. Google's
       * unless set; the local runtime's secret points it at the fake's token endpoint.
       */
      tokenUrl: z8.optional(z8.url())
    });
    MAX_TOKEN_CHARS = 4096;
    MAX_PAYLOAD_BYTES = 4096;
    ASSERTION_SECONDS = 3600;
    RENEW_BEFORE_MS = 6e4;
    isReservedKey = (key) => key === "from" || key === "gcm" || key.startsWith("gcm.") || key.startsWith("google");
    pushOf = (message) => "title" in message.content ? message.content : void 0;
    payloadBytes = (content) => [content.title, content.body ?? "", ...Object.entries(content.data ?? {}).flat()].reduce(
      (total, part) => total + Buffer.byteLength(part, "utf8"),
      0
    );
    validateFcm = (message) => {
      if (message.channel !== "push") return `fcm sends push, not ${message.channel}`;
      const content = pushOf(message);
      if (content === void 0) return "fcm sends push content: { title, body?, data? }";
      if (/\s/.test(message.to)) return "the registration token contains whitespace";
      if (message.to.length > MAX_TOKEN_CHARS)
        return `the registration token has ${message.to.length} characters, more than ${MAX_TOKEN_CHARS}`;
      const reserved = Object.keys(content.data ?? {}).filter(isReservedKey);
      if (reserved.length > 0) return `FCM reserves the data keys ${reserved.join(", ")}`;
      const bytes = payloadBytes(content);
      if (bytes > MAX_PAYLOAD_BYTES)
        return `the payload has ${bytes} bytes, more than FCM's ${MAX_PAYLOAD_BYTES}`;
      return void 0;
    };
    fcmRequestOf = (message) => {
      const content = pushOf(message);
      if (content === void 0) throw new ChannelError("invalid-content", false, "fcm sends push content");
      return {
        message: {
          token: message.to,
          notification: { title: content.title, ...content.body === void 0 ? {} : { body: content.body } },
          ...content.data === void 0 ? {} : { data: content.data }
        }
      };
    };
    base64url = (value) => Buffer.from(value).toString("base64url");
    serviceAccountJwt = (credentials, key, nowMs) => {
      const iat = Math.floor(nowMs / 1e3);
      const header3 = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
      const claims = base64url(
        JSON.stringify({
          iss: credentials.clientEmail,
          scope: SCOPE,
          aud: credentials.tokenUrl ?? GOOGLE_TOKEN_URL,
          iat,
          exp: iat + ASSERTION_SECONDS
        })
      );
      const signature = (0, import_node_crypto.sign)("sha256", Buffer.from(`${header3}.${claims}`), key);
      return `${header3}.${claims}.${base64url(signature)}`;
    };
    TokenAnswerSchema = z8.object({ access_token: nonEmpty7(), expires_in: z8.number().check(z8.positive()) });
    TokenErrorSchema = z8.object({ error: z8.string(), error_description: z8.optional(z8.string()) });
    FcmErrorSchema = z8.object({
      error: z8.object({
        code: z8.optional(z8.number()),
        message: z8.optional(z8.string()),
        status: z8.optional(z8.string()),
        details: z8.optional(
          z8.array(
            z8.looseObject({
              errorCode: z8.optional(z8.string()),
              fieldViolations: z8.optional(z8.array(z8.looseObject({ field: z8.optional(z8.string()) })))
            })
          )
        )
      })
    });
    SendAnswerSchema = z8.object({ name: nonEmpty7() });
    fcmError = (answer, now) => {
      const parsed = FcmErrorSchema.safeParse(jsonOf(answer));
      if (!parsed.success) return answerError("fcm", answer, { now });
      const { message, status: status2, details: details2 = [] } = parsed.data.error;
      const fcmCode = details2.find((detail2) => detail2.errorCode !== void 0)?.errorCode;
      const fields = details2.flatMap((detail2) => detail2.fieldViolations ?? []).map((violation) => violation.field);
      const detail = `${fcmCode ?? status2 ?? "error"}: ${message ?? ""}`;
      const invalidToken = fcmCode === "UNREGISTERED" || fcmCode === "SENDER_ID_MISMATCH" || answer.status === 400 && (fields.includes("message.token") || /registration token/i.test(message ?? ""));
      if (invalidToken) return answerError("fcm", answer, { errorClass: "invalid-recipient", detail, now });
      if (answer.status === 401) return answerError("fcm", answer, { errorClass: "unauthorized", detail, now });
      return answerError("fcm", answer, { detail, now });
    };
    createFcmAdapter = (options = {}) => {
      const now = options.now ?? Date.now;
      const tokens = /* @__PURE__ */ new Map();
      const fetchToken = async (ctx) => {
        const { credentials } = ctx;
        let key;
        try {
          key = (0, import_node_crypto.createPrivateKey)(credentials.privateKey);
        } catch {
          throw new ChannelError(
            "bad-credentials",
            false,
            "the fcm credentials' privateKey is not a PEM private key"
          );
        }
        const issuedAt = now();
        const answer = await callProvider(
          { fetch: ctx.fetch, provider: "google oauth", signal: ctx.signal },
          credentials.tokenUrl ?? GOOGLE_TOKEN_URL,
          {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
            body: new URLSearchParams({
              grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
              assertion: serviceAccountJwt(credentials, key, issuedAt)
            }).toString()
          }
        );
        if (!isOk(answer)) {
          const refusal = TokenErrorSchema.safeParse(jsonOf(answer));
          const detail = refusal.success ? `${refusal.data.error}${refusal.data.error_description ? `: ${refusal.data.error_description}` : ""}` : void 0;
          const refused = answer.status === 400 || answer.status === 401;
          throw answerError("google oauth", answer, {
            ...refused ? { errorClass: "unauthorized" } : {},
            detail,
            now: issuedAt
          });
        }
        const granted = TokenAnswerSchema.safeParse(jsonOf(answer));
        if (!granted.success)
          throw new ChannelError("unreadable-token", true, "google oauth answered 2xx without an access token");
        return { value: granted.data.access_token, expiresAt: issuedAt + granted.data.expires_in * 1e3 };
      };
      const cacheKeyOf = (credentials) => [
        credentials.tokenUrl ?? GOOGLE_TOKEN_URL,
        credentials.clientEmail,
        (0, import_node_crypto.createHash)("sha256").update(credentials.privateKey).digest("base64url")
      ].join(" ");
      const tokenFor = async (ctx) => {
        const cacheKey = cacheKeyOf(ctx.credentials);
        const cached = tokens.get(cacheKey);
        if (cached) {
          const token = await cached;
          if (token.expiresAt - RENEW_BEFORE_MS > now()) return { token, cached: true };
          if (tokens.get(cacheKey) === cached) tokens.delete(cacheKey);
          return tokenFor(ctx);
        }
        const pending = fetchToken(ctx);
        tokens.set(cacheKey, pending);
        try {
          return { token: await pending, cached: false };
        } catch (error) {
          if (tokens.get(cacheKey) === pending) tokens.delete(cacheKey);
          throw error;
        }
      };
      const post = (message, ctx, token) => callProvider(
        { fetch: ctx.fetch, provider: "fcm", signal: ctx.signal },
        urlOf(ctx.baseUrl, `/v1/projects/${encodeURIComponent(ctx.credentials.projectId)}/messages:send`),
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${token.value}`,
            "content-type": "application/json",
            accept: "application/json"
          },
          body: JSON.stringify(fcmRequestOf(message))
        }
      );
      const send = async (message, ctx) => {
        const { token, cached } = await tokenFor(ctx);
        let answer = await post(message, ctx, token);
        if (answer.status === 401 && cached) {
          const cacheKey = cacheKeyOf(ctx.credentials);
          const current = tokens.get(cacheKey);
          if (current !== void 0 && await current === token) tokens.delete(cacheKey);
          answer = await post(message, ctx, (await tokenFor(ctx)).token);
        }
        if (!isOk(answer)) throw fcmError(answer, now());
        const parsed = SendAnswerSchema.safeParse(jsonOf(answer));
        if (!parsed.success) throw unreadableAnswer("fcm", "names no message");
        return { providerMessageId: parsed.data.name };
      };
      return {
        id: "fcm",
        channels: ["push"],
        credentials: FcmCredentialsSchema,
        defaultBaseUrl: FCM_BASE_URL,
        validate: validateFcm,
        send,
        // FCM reports nothing back: a push message stays SENT, and issue 16's reconciliation, not a receipt, closes it.
        receiptOf: () => void 0
      };
    };
    fcmAdapter = createFcmAdapter();
  }
});

// functions/channels/webhook/index.ts
var webhook_exports = {};
__export(webhook_exports, {
  WebhookCredentialsSchema: () => WebhookCredentialsSchema,
  createWebhookAdapter: () => createWebhookAdapter,
  webhookAdapter: () => webhookAdapter,
  webhookRequestOf: () => webhookRequestOf
});
var z9, nonEmpty8, WebhookCredentialsSchema, LOOPBACK_HOSTS, urlProblem, payloadOf2, validateWebhook, webhookRequestOf, createWebhookAdapter, webhookAdapter;
var init_webhook = __esm({
  "functions/channels/webhook/index.ts"() {
    "use strict";
    z9 = __toESM(require("zod/mini"));
    init_contract();
    init_http2();
    init_http();
    nonEmpty8 = () => z9.string().check(z9.minLength(1));
    WebhookCredentialsSchema = z9.object({
      signingSecret: nonEmpty8(),
      /** Secrets also signed with while a receiver rotates: each adds a `v1,` signature. */
      additionalSigningSecrets: z9.optional(z9.array(nonEmpty8()))
    });
    LOOPBACK_HOSTS = /* @__PURE__ */ new Set(["127.0.0.1", "localhost"]);
    urlProblem = (to) => {
      let url3;
      try {
        url3 = new URL(to);
      } catch {
        return `"${to}" is not a URL`;
      }
      if (url3.username !== "" || url3.password !== "") return "the webhook URL must not carry credentials";
      if (url3.protocol === "https:") return void 0;
      if (url3.protocol === "http:" && LOOPBACK_HOSTS.has(url3.hostname)) return void 0;
      return `the webhook URL must be https (http only for 127.0.0.1 and localhost), not ${url3.protocol}//${url3.hostname}`;
    };
    payloadOf2 = (message) => "payload" in message.content ? message.content.payload : void 0;
    validateWebhook = (message) => {
      if (message.channel !== "webhook") return `webhook sends webhook, not ${message.channel}`;
      const payload = payloadOf2(message);
      if (payload === void 0) return "webhook sends webhook content: { payload }";
      const bytes = Buffer.byteLength(JSON.stringify(payload), "utf8");
      if (bytes > MAX_CONTENT_BYTES) return `the payload has ${bytes} bytes, more than ${MAX_CONTENT_BYTES}`;
      return urlProblem(message.to);
    };
    webhookRequestOf = (message, timestamp) => ({
      headers: {
        "content-type": "application/json",
        "user-agent": "RelayFlow",
        "webhook-id": message.id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1e3)),
        "idempotency-key": message.id,
        "x-correlation-id": message.correlationId
      },
      body: JSON.stringify(payloadOf2(message) ?? {})
    });
    createWebhookAdapter = (options = {}) => {
      const now = options.now ?? Date.now;
      const send = async (message, ctx) => {
        const problem = urlProblem(message.to);
        if (problem !== void 0) throw new ChannelError("invalid-recipient", false, problem);
        const timestamp = new Date(now());
        const request = webhookRequestOf(message, timestamp);
        const { signingSecret, additionalSigningSecrets = [] } = ctx.credentials;
        const signature = signerFor([signingSecret, ...additionalSigningSecrets])(
          message.id,
          timestamp,
          request.body
        );
        const host = new URL(message.to).host;
        const answer = await callProvider({ fetch: ctx.fetch, provider: host, signal: ctx.signal }, message.to, {
          method: "POST",
          headers: { ...request.headers, "webhook-signature": signature },
          body: request.body
        });
        if (!isOk(answer)) throw answerError(host, answer, { now: now() });
        return { providerMessageId: message.id };
      };
      return {
        id: "webhook",
        channels: ["webhook"],
        credentials: WebhookCredentialsSchema,
        // Unused: every message names its own receiver in `to`.
        defaultBaseUrl: "",
        validate: validateWebhook,
        send,
        receiptOf: () => void 0
      };
    };
    webhookAdapter = createWebhookAdapter();
  }
});

// functions/channels/registry.ts
var ADAPTER_LOADERS, ADAPTER_CHANNELS, ADAPTER_IDS;
var init_registry = __esm({
  "functions/channels/registry.ts"() {
    "use strict";
    ADAPTER_LOADERS = {
      postmark: () => Promise.resolve().then(() => (init_postmark(), postmark_exports)).then((m) => m.postmarkAdapter),
      sendgrid: () => Promise.resolve().then(() => (init_sendgrid(), sendgrid_exports)).then((m) => m.sendgridAdapter),
      mailgun: () => Promise.resolve().then(() => (init_mailgun(), mailgun_exports)).then((m) => m.mailgunAdapter),
      ses: () => Promise.resolve().then(() => (init_ses(), ses_exports)).then((m) => m.sesAdapter),
      twilio: () => Promise.resolve().then(() => (init_twilio(), twilio_exports)).then((m) => m.twilioAdapter),
      fcm: () => Promise.resolve().then(() => (init_fcm(), fcm_exports)).then((m) => m.fcmAdapter),
      webhook: () => Promise.resolve().then(() => (init_webhook(), webhook_exports)).then((m) => m.webhookAdapter)
    };
    ADAPTER_CHANNELS = {
      postmark: ["email"],
      sendgrid: ["email"],
      mailgun: ["email"],
      ses: ["email"],
      twilio: ["sms", "whatsapp"],
      fcm: ["push"],
      webhook: ["webhook"]
    };
    ADAPTER_IDS = Object.keys(ADAPTER_LOADERS);
  }
});

// functions/providers/generic-hmac/headers.ts
var headerValue;
var init_headers = __esm({
  "functions/providers/generic-hmac/headers.ts"() {
    "use strict";
    headerValue = (headers, name) => {
      const key = name.toLowerCase();
      if (!Object.hasOwn(headers, key)) return void 0;
      const value = headers[key];
      return typeof value === "string" && value.length > 0 ? value : void 0;
    };
  }
});

// functions/providers/generic-hmac/json-path.ts
var FORBIDDEN_SEGMENTS, ARRAY_INDEX, parseJsonPath, getJsonPath;
var init_json_path = __esm({
  "functions/providers/generic-hmac/json-path.ts"() {
    "use strict";
    FORBIDDEN_SEGMENTS = /* @__PURE__ */ new Set(["__proto__", "constructor", "prototype"]);
    ARRAY_INDEX = /^(0|[1-9]\d*)$/;
    parseJsonPath = (path) => {
      const segments = path.split(".");
      return segments.every((segment) => segment.length > 0 && !FORBIDDEN_SEGMENTS.has(segment)) ? segments : void 0;
    };
    getJsonPath = (root, path) => {
      const segments = parseJsonPath(path);
      if (segments === void 0) return void 0;
      let current = root;
      for (const segment of segments) {
        if (Array.isArray(current)) {
          if (!ARRAY_INDEX.test(segment)) return void 0;
          current = current[Number(segment)];
        } else if (typeof current === "object" && current !== null && Object.hasOwn(current, segment)) {
          current = current[segment];
        } else {
          return void 0;
        }
      }
      return current;
    };
  }
});

// functions/providers/generic-hmac/normalize.ts
var isJsonObject, asIdText, parseBody, MAX_DATE_MS, toIso, read, normalizeGenericHmac;
var init_normalize = __esm({
  "functions/providers/generic-hmac/normalize.ts"() {
    "use strict";
    init_headers();
    init_json_path();
    isJsonObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
    asIdText = (value) => {
      if (typeof value === "string") return value.length > 0 ? value : void 0;
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      return void 0;
    };
    parseBody = (body) => {
      try {
        return JSON.parse(body.toString("utf8"));
      } catch {
        return void 0;
      }
    };
    MAX_DATE_MS = 864e13;
    toIso = (value, unit2) => {
      let ms;
      if (typeof value === "number") ms = unit2 === "seconds" ? value * 1e3 : value;
      else if (typeof value === "string" && value.length > 0) ms = Date.parse(value);
      else return void 0;
      return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : void 0;
    };
    read = (source, request, body) => {
      if ("header" in source) return headerValue(request.headers, source.header);
      if ("jsonPath" in source) return asIdText(getJsonPath(body, source.jsonPath));
      return source.value;
    };
    normalizeGenericHmac = (providerId, request, options) => {
      const body = parseBody(request.body);
      if (!isJsonObject(body)) return [{ kind: "unreadable", reason: "The body is not a JSON object." }];
      const externalId = read(options.id, request, body);
      const providerType = read(options.type, request, body);
      if (externalId === void 0 || providerType === void 0) {
        return [
          {
            kind: "unreadable",
            reason: externalId === void 0 ? "The event id is missing or not a string or number." : "The event type is missing or not a string or number.",
            ...externalId === void 0 ? {} : { externalId },
            ...providerType === void 0 ? {} : { providerType },
            data: body
          }
        ];
      }
      const entityId = options.entity === void 0 ? void 0 : asIdText(getJsonPath(body, options.entity.jsonPath));
      const entity = options.entity !== void 0 && entityId !== void 0 ? { kind: options.entity.kind, id: entityId } : void 0;
      const occurredAt = options.occurredAt === void 0 ? void 0 : toIso(getJsonPath(body, options.occurredAt.jsonPath), options.occurredAt.unit);
      return [
        {
          kind: "event",
          draft: {
            providerType,
            externalId,
            type: `${providerId}.${providerType}`,
            ...entity === void 0 ? {} : { entity },
            ...occurredAt === void 0 ? {} : { occurredAt },
            data: body
          }
        }
      ];
    };
  }
});

// functions/providers/generic-hmac/schemas.ts
var z10, HEADER_NAME, PLACEHOLDER, KNOWN_PLACEHOLDERS, headerName, jsonPath, nonEmpty9, seconds, unit, placeholdersOf, signedContent, optionsObject, idHeaderIsSigned, unsignedIdentityFields, genericHmacOptionsSchema;
var init_schemas = __esm({
  "functions/providers/generic-hmac/schemas.ts"() {
    "use strict";
    z10 = __toESM(require("zod/mini"));
    init_json_path();
    HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
    PLACEHOLDER = /\{([^{}]*)\}/g;
    KNOWN_PLACEHOLDERS = /* @__PURE__ */ new Set(["timestamp", "body", "id"]);
    headerName = (what) => z10.string({ error: `${what} must be a header name` }).check(
      z10.regex(HEADER_NAME, { error: `${what} must be a header name (letters, digits, -_ and similar)` })
    );
    jsonPath = (what) => z10.string({ error: `${what} must be a dot path such as data.object.id` }).check(
      z10.refine((path) => parseJsonPath(path) !== void 0, {
        error: `${what} must be a dot path such as data.object.id, with no empty segment and no __proto__, constructor or prototype`
      })
    );
    nonEmpty9 = (what) => z10.string({ error: `${what} must be a non-empty string` }).check(z10.minLength(1, { error: `${what} must be a non-empty string` }));
    seconds = (what) => z10.number({ error: `${what} must be a number of seconds` }).check(
      z10.int({ error: `${what} must be a whole number of seconds` }),
      z10.positive({ error: `${what} must be greater than 0` })
    );
    unit = (what) => z10._default(
      z10.enum(["seconds", "milliseconds"], { error: `${what} must be seconds or milliseconds` }),
      "seconds"
    );
    placeholdersOf = (template) => [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
    signedContent = z10.string({ error: "timestamp.signedContent must be a template string" }).check(
      z10.superRefine((template, ctx) => {
        const names = placeholdersOf(template);
        const unknown14 = names.filter((name) => !KNOWN_PLACEHOLDERS.has(name));
        if (unknown14.length > 0) {
          ctx.issues.push({
            code: "custom",
            input: template,
            message: `timestamp.signedContent has unknown placeholder(s) ${unknown14.map((name) => `{${name}}`).join(", ")}; use {timestamp}, {body}, {id}`
          });
        }
        if (names.filter((name) => name === "body").length !== 1) {
          ctx.issues.push({
            code: "custom",
            input: template,
            message: "timestamp.signedContent must contain {body} exactly once"
          });
        }
        if (!names.includes("timestamp")) {
          ctx.issues.push({
            code: "custom",
            input: template,
            message: "timestamp.signedContent must contain {timestamp}, else the timestamp is not signed"
          });
        }
      })
    );
    optionsObject = z10.strictObject(
      {
        /** Header carrying the signature (case-insensitive). */
        signatureHeader: headerName("signatureHeader"),
        algorithm: z10._default(
          z10.enum(["sha256", "sha512", "sha1"], { error: "algorithm must be sha256, sha512 or sha1" }),
          "sha256"
        ),
        encoding: z10._default(z10.enum(["hex", "base64"], { error: "encoding must be hex or base64" }), "hex"),
        /** Text before the signature in the header (`sha256=`); a header without it is rejected. */
        prefix: z10.optional(nonEmpty9("prefix")),
        /** Present when the sender signs a timestamp; without it the HMAC covers the raw body only. */
        timestamp: z10.optional(
          z10.strictObject(
            {
              header: headerName("timestamp.header"),
              signedContent: z10._default(signedContent, "{timestamp}.{body}"),
              /** Overrides the top-level `toleranceSeconds` when set. */
              toleranceSeconds: z10.optional(seconds("timestamp.toleranceSeconds")),
              unit: unit("timestamp.unit")
            },
            {
              error: "timestamp must be an object { header, signedContent?, toleranceSeconds?, unit? } with no other keys"
            }
          )
        ),
        /** Where the sender's event id (the deduplication id) is. */
        id: z10.union(
          [
            z10.strictObject({ header: headerName("id.header") }),
            z10.strictObject({ jsonPath: jsonPath("id.jsonPath") })
          ],
          {
            error: 'id must be { header: "<name>" } or { jsonPath: "<dot.path>" }'
          }
        ),
        /** Where the sender's event type is, or one fixed value for senders of a single type. */
        type: z10.union(
          [
            z10.strictObject({ header: headerName("type.header") }),
            z10.strictObject({ jsonPath: jsonPath("type.jsonPath") }),
            z10.strictObject({ value: nonEmpty9("type.value") })
          ],
          { error: 'type must be { header: "<name>" }, { jsonPath: "<dot.path>" } or { value: "<type>" }' }
        ),
        /** The entity whose events stay in order. */
        entity: z10.optional(
          z10.strictObject(
            { kind: nonEmpty9("entity.kind"), jsonPath: jsonPath("entity.jsonPath") },
            { error: "entity must be { kind, jsonPath } with no other keys" }
          )
        ),
        /** Event time: an ISO 8601 string, or a number in `unit` since the epoch. */
        occurredAt: z10.optional(
          z10.strictObject(
            { jsonPath: jsonPath("occurredAt.jsonPath"), unit: unit("occurredAt.unit") },
            { error: "occurredAt must be { jsonPath, unit? } with no other keys" }
          )
        ),
        toleranceSeconds: z10._default(seconds("toleranceSeconds"), 300),
        /**
         * Accepts an id or type read from a header the signature does not cover. Such a sender's
         * captured delivery can be resent with a fresh id or another type; the ingest then binds the
         * signed bytes to the first event they produced, and the CDK app warns at synth.
         */
        unsignedIdentity: z10._default(z10.boolean({ error: "unsignedIdentity must be true or false" }), false)
      },
      {
        error: (issue) => issue.code === "unrecognized_keys" ? `unknown option(s): ${issue.keys.join(", ")}` : "generic HMAC options must be an object"
      }
    );
    idHeaderIsSigned = (options) => options.timestamp !== void 0 && placeholdersOf(options.timestamp.signedContent).includes("id");
    unsignedIdentityFields = (options) => [
      ..."header" in options.id && !idHeaderIsSigned(options) ? ["id"] : [],
      ..."header" in options.type ? ["type"] : []
    ];
    genericHmacOptionsSchema = optionsObject.check(
      z10.superRefine((options, ctx) => {
        if (!options.unsignedIdentity) {
          for (const field3 of unsignedIdentityFields(options)) {
            ctx.issues.push({
              code: "custom",
              input: options,
              path: [field3],
              message: field3 === "id" ? "the id header is not covered by the signature (only a timestamp.signedContent with {id} signs it), so a captured delivery could be resent as a new event; use id: { jsonPath }, sign {id}, or set unsignedIdentity: true" : "a type header is never covered by the signature, so a captured delivery could be resent as another type; use type: { jsonPath } or { value }, or set unsignedIdentity: true"
            });
          }
        }
        const template = options.timestamp?.signedContent;
        if (template !== void 0 && placeholdersOf(template).includes("id") && !("header" in options.id)) {
          ctx.issues.push({
            code: "custom",
            input: options,
            path: ["timestamp", "signedContent"],
            message: "timestamp.signedContent uses {id}, which needs id: { header } (the body is not read before it is verified)"
          });
        }
      })
    );
  }
});

// functions/crypto/compare.ts
var import_node_crypto2, constantTimeEqual, matchSecret, firstMatchingSecret;
var init_compare = __esm({
  "functions/crypto/compare.ts"() {
    "use strict";
    import_node_crypto2 = require("node:crypto");
    constantTimeEqual = (a, b) => a.length === b.length && (0, import_node_crypto2.timingSafeEqual)(a, b);
    matchSecret = (secrets, candidates, expectedFor) => {
      for (const [index, secret] of secrets.entries()) {
        const expected = expectedFor(secret);
        let matched = false;
        for (const candidate of candidates) matched = constantTimeEqual(expected, candidate) || matched;
        if (matched) return { index, signature: expected };
      }
      return void 0;
    };
    firstMatchingSecret = (secrets, candidates, expectedFor) => matchSecret(secrets, candidates, expectedFor)?.index ?? -1;
  }
});

// functions/providers/generic-hmac/verify.ts
var import_node_crypto3, TIMESTAMP, PLACEHOLDER_PARTS, missing, signedContentOf, digestOf, staleness, verifyGenericHmac;
var init_verify = __esm({
  "functions/providers/generic-hmac/verify.ts"() {
    "use strict";
    import_node_crypto3 = require("node:crypto");
    init_compare();
    init_headers();
    TIMESTAMP = /^\d{1,16}$/;
    PLACEHOLDER_PARTS = /(\{(?:timestamp|body|id)\})/;
    missing = (detail) => ({ ok: false, missing: detail });
    signedContentOf = (request, options) => {
      const timestamp = options.timestamp;
      if (timestamp === void 0) return { ok: true, bytes: request.body };
      const timestampValue = headerValue(request.headers, timestamp.header);
      if (timestampValue === void 0) return missing(`The ${timestamp.header} header is missing.`);
      const parts = [];
      for (const part of timestamp.signedContent.split(PLACEHOLDER_PARTS)) {
        if (part === "{body}") {
          parts.push(request.body);
        } else if (part === "{timestamp}") {
          parts.push(Buffer.from(timestampValue, "utf8"));
        } else if (part === "{id}") {
          const idValue = "header" in options.id ? headerValue(request.headers, options.id.header) : void 0;
          if (idValue === void 0) return missing("The event id header that the signature covers is missing.");
          parts.push(Buffer.from(idValue, "utf8"));
        } else {
          parts.push(Buffer.from(part, "utf8"));
        }
      }
      return { ok: true, bytes: Buffer.concat(parts) };
    };
    digestOf = (options, secret, content) => (0, import_node_crypto3.createHmac)(options.algorithm, secret).update(content).digest(options.encoding);
    staleness = (input) => {
      const timestamp = input.options.timestamp;
      if (timestamp === void 0) return void 0;
      const value = headerValue(input.request.headers, timestamp.header) ?? "";
      if (!TIMESTAMP.test(value))
        return {
          ok: false,
          reason: "signature",
          detail: `The ${timestamp.header} header is not a whole number.`
        };
      const sentMs = timestamp.unit === "seconds" ? Number(value) * 1e3 : Number(value);
      const toleranceMs = (timestamp.toleranceSeconds ?? input.options.toleranceSeconds) * 1e3;
      if (Math.abs(input.now.getTime() - sentMs) > toleranceMs) {
        return {
          ok: false,
          reason: "stale",
          detail: "The signed timestamp is outside the allowed clock difference."
        };
      }
      return void 0;
    };
    verifyGenericHmac = (input) => {
      const { request, options, secrets } = input;
      const header3 = headerValue(request.headers, options.signatureHeader);
      if (header3 === void 0)
        return { ok: false, reason: "missing", detail: `The ${options.signatureHeader} header is missing.` };
      const prefix = options.prefix ?? "";
      if (!header3.startsWith(prefix)) {
        return {
          ok: false,
          reason: "signature",
          detail: `The ${options.signatureHeader} header does not start with the expected prefix.`
        };
      }
      const content = signedContentOf(request, options);
      if (!content.ok) return { ok: false, reason: "missing", detail: content.missing };
      const candidate = Buffer.from(header3.slice(prefix.length), "utf8");
      const match = matchSecret(
        secrets,
        [candidate],
        (secret) => Buffer.from(digestOf(options, secret, content.bytes), "utf8")
      );
      if (match === void 0)
        return { ok: false, reason: "signature", detail: "The signature does not match any active secret." };
      return staleness(input) ?? {
        ok: true,
        secretIndex: match.index,
        signature: Buffer.from(match.signature.toString("utf8"), options.encoding)
      };
    };
  }
});

// functions/providers/generic-hmac/index.ts
var PROVIDER_ID, idProblems, GenericHmacConfigError, problemsOf, parseGenericHmacOptions, identityWarnings, createGenericHmacProvider, genericHmacDefinition;
var init_generic_hmac = __esm({
  "functions/providers/generic-hmac/index.ts"() {
    "use strict";
    init_normalize();
    init_schemas();
    init_verify();
    init_schemas();
    PROVIDER_ID = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
    idProblems = (id2) => PROVIDER_ID.test(id2) ? [] : ["id must be lower-case letters, digits and dashes (it names the route and the event types)"];
    GenericHmacConfigError = class extends Error {
      constructor(providerId, problems) {
        super(
          `Generic HMAC provider "${providerId}" is misconfigured:
${problems.map((problem) => `- ${problem}`).join("\n")}`
        );
        this.providerId = providerId;
        this.problems = problems;
        this.name = "GenericHmacConfigError";
      }
      providerId;
      problems;
    };
    problemsOf = (error) => error.issues.map(
      (issue) => issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message
    );
    parseGenericHmacOptions = (id2, raw) => {
      const parsed = genericHmacOptionsSchema.safeParse(raw);
      const problems = [...idProblems(id2), ...parsed.success ? [] : problemsOf(parsed.error)];
      if (problems.length > 0 || !parsed.success) throw new GenericHmacConfigError(id2, problems);
      return parsed.data;
    };
    identityWarnings = (id2, options) => {
      if (!options.unsignedIdentity) return [];
      const fields = unsignedIdentityFields(options);
      if (fields.length === 0) {
        return [
          `Generic HMAC provider "${id2}": unsignedIdentity is set but its id and type are signed; the option has no effect and can be removed.`
        ];
      }
      return [
        `Generic HMAC provider "${id2}": its event ${fields.join(" and ")} ${fields.length > 1 ? "come" : "comes"} from a header the signature does not cover (unsignedIdentity: true). A captured delivery resent with other headers is caught only by binding its signed bytes to the first event; prefer a sender that signs them.`
      ];
    };
    createGenericHmacProvider = (id2, options) => {
      parseGenericHmacOptions(id2, options);
      return {
        id: id2,
        verify: verifyGenericHmac,
        normalize: (request, providerOptions) => normalizeGenericHmac(id2, request, providerOptions),
        identityFromUnsignedHeaders: (providerOptions) => providerOptions.unsignedIdentity && unsignedIdentityFields(providerOptions).length > 0,
        signatureHeaders: (providerOptions) => [providerOptions.signatureHeader.toLowerCase()]
      };
    };
    genericHmacDefinition = {
      kind: "generic-hmac",
      optionsSchema: genericHmacOptionsSchema,
      idProblems,
      create: createGenericHmacProvider
    };
  }
});

// functions/providers/setup.ts
var isControl, chosenSecret, matching;
var init_setup = __esm({
  "functions/providers/setup.ts"() {
    "use strict";
    isControl = (character) => {
      const code = character.charCodeAt(0);
      return code < 32 || code === 127;
    };
    chosenSecret = (minimum) => (value) => value.length >= minimum && ![...value].some(isControl) ? value : void 0;
    matching = (pattern) => (value) => pattern.test(value) ? value : void 0;
  }
});

// functions/providers/generic-hmac/setup.ts
var MIN_SECRET_LENGTH, describeSignature, headersOf2, genericHmacSetup;
var init_setup2 = __esm({
  "functions/providers/generic-hmac/setup.ts"() {
    "use strict";
    init_setup();
    MIN_SECRET_LENGTH = 16;
    describeSignature = (options) => `${options.prefix ?? ""}<${options.encoding} HMAC-${options.algorithm.toUpperCase()}>`;
    headersOf2 = (options) => [
      {
        name: options.signatureHeader,
        description: `${describeSignature(options)} of ${options.timestamp ? `"${options.timestamp.signedContent}"` : "the body"}`,
        required: true
      },
      ...options.timestamp ? [{ name: options.timestamp.header, description: `unix ${options.timestamp.unit}`, required: true }] : [],
      ..."header" in options.id ? [{ name: options.id.header, description: "the event id", required: true }] : [],
      ..."header" in options.type ? [{ name: options.type.header, description: "the event type", required: true }] : []
    ];
    genericHmacSetup = (id2, options) => ({
      dashboard: "the sender's webhook settings: this URL as the destination",
      events: [],
      otherEvents: `the sender defines its types; each is stored as ${id2}.<type>`,
      contentType: "application/json",
      secretSource: "the shared secret configured on the sender (its dashboard, or the value you gave it)",
      secret: {
        expected: `the secret ${id2} signs with: at least ${MIN_SECRET_LENGTH} characters without control characters (its UTF-8 bytes key the HMAC, whatever the signature's ${options.encoding} encoding)`,
        parse: chosenSecret(MIN_SECRET_LENGTH)
      },
      verification: `${options.signatureHeader} is ${describeSignature(options)} of ${options.timestamp ? `"${options.timestamp.signedContent}"` : "the body"}, keyed with the secret${options.timestamp ? `; ${options.timestamp.header} must be within the tolerance` : ""}.`,
      request: { bodies: { "application/json": "object" }, headers: headersOf2(options) }
    });
  }
});

// functions/providers/generic-hmac/sign.ts
var createGenericHmacSigner;
var init_sign = __esm({
  "functions/providers/generic-hmac/sign.ts"() {
    "use strict";
    init_verify();
    createGenericHmacSigner = (options) => (req, secret, now) => {
      const added = {};
      const timestamp = options.timestamp;
      if (timestamp !== void 0) {
        const value = timestamp.unit === "seconds" ? Math.floor(now.getTime() / 1e3) : now.getTime();
        added[timestamp.header.toLowerCase()] = String(value);
      }
      const headers = Object.fromEntries(
        Object.entries({ ...req.headers, ...added }).map(([name, value]) => [name.toLowerCase(), value])
      );
      const content = signedContentOf({ headers, body: req.body }, options);
      if (!content.ok) throw new Error(content.missing);
      added[options.signatureHeader.toLowerCase()] = `${options.prefix ?? ""}${digestOf(options, secret, content.bytes)}`;
      return added;
    };
  }
});

// functions/providers/types.ts
var z11, formatPath, formatIssue, builtInDefinition, EntityOverrideSchema, resolveDefinition;
var init_types = __esm({
  "functions/providers/types.ts"() {
    "use strict";
    z11 = __toESM(require("zod/mini"));
    formatPath = (path) => path.map((key, index) => typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`).join("");
    formatIssue = (prefix, issue) => {
      const path = formatPath([...prefix, ...issue.path]);
      return path ? `${path}: ${issue.message}` : issue.message;
    };
    builtInDefinition = (provider, optionsSchema) => ({ kind: "builtin", provider, optionsSchema, create: () => provider });
    EntityOverrideSchema = z11.object({
      entity: z11.optional(
        z11.strictObject({ kind: z11.string().check(z11.minLength(1)), path: z11.string().check(z11.minLength(1)) })
      )
    });
    resolveDefinition = (definition, id2, options) => {
      const issues = (definition.idProblems?.(id2) ?? []).map((message) => ({
        path: [],
        message
      }));
      const parsed = definition.optionsSchema.safeParse(options);
      if (!parsed.success) issues.push(...parsed.error.issues);
      const override = definition.kind === "builtin" ? EntityOverrideSchema.safeParse(options) : void 0;
      if (override && !override.success) issues.push(...override.error.issues);
      if (issues.length > 0 || !parsed.success) return { success: false, issues };
      return {
        success: true,
        data: {
          provider: definition.create(id2, parsed.data),
          options: parsed.data,
          entityOverride: override?.data?.entity
        }
      };
    };
  }
});

// functions/providers/parsed-body.ts
var import_node_buffer, utf8Text, strictUtf8, parseUtf8Json, bodyHandoff;
var init_parsed_body = __esm({
  "functions/providers/parsed-body.ts"() {
    "use strict";
    import_node_buffer = require("node:buffer");
    utf8Text = (bytes) => (0, import_node_buffer.isAscii)(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
    strictUtf8 = (bytes) => {
      if ((0, import_node_buffer.isAscii)(bytes)) return bytes.toString("latin1");
      if (!(0, import_node_buffer.isUtf8)(bytes)) return void 0;
      const text4 = bytes.toString("utf8");
      return text4.charCodeAt(0) === 65279 ? text4.slice(1) : text4;
    };
    parseUtf8Json = (bytes) => {
      const text4 = strictUtf8(bytes);
      if (text4 === void 0) return { ok: false };
      try {
        return { ok: true, value: JSON.parse(text4) };
      } catch {
        return { ok: false };
      }
    };
    bodyHandoff = () => {
      const bodies = /* @__PURE__ */ new WeakMap();
      return {
        keep: (request, body) => {
          bodies.set(request, body);
        },
        take: (request) => {
          const body = bodies.get(request);
          bodies.delete(request);
          return body;
        }
      };
    };
  }
});

// functions/providers/github/schemas.ts
var z12, nonEmpty10, GithubPayloadSchema, EVENT_SHAPES;
var init_schemas2 = __esm({
  "functions/providers/github/schemas.ts"() {
    "use strict";
    z12 = __toESM(require("zod/mini"));
    nonEmpty10 = () => z12.string().check(z12.minLength(1));
    GithubPayloadSchema = z12.looseObject({
      action: z12.optional(nonEmpty10()),
      repository: z12.optional(z12.nullable(z12.looseObject({ full_name: nonEmpty10() }))),
      organization: z12.optional(z12.nullable(z12.looseObject({ login: nonEmpty10() }))),
      installation: z12.optional(z12.nullable(z12.looseObject({ id: z12.int() })))
    });
    EVENT_SHAPES = /* @__PURE__ */ new Map([
      ["branch_protection_rule", { has: ["rule"] }],
      ["check_run", { has: ["check_run"] }],
      ["check_suite", { has: ["check_suite"] }],
      ["code_scanning_alert", { has: ["alert", "ref", "commit_oid"] }],
      ["commit_comment", { has: ["comment"] }],
      ["create", { has: ["ref", "ref_type", "master_branch"] }],
      ["delete", { has: ["ref", "ref_type"] }],
      ["dependabot_alert", { has: ["alert"] }],
      ["deploy_key", { has: ["key"] }],
      ["deployment", { has: ["deployment"] }],
      ["deployment_review", { has: ["workflow_run", "workflow_job_run"] }],
      ["deployment_status", { has: ["deployment_status", "deployment"] }],
      ["discussion", { has: ["discussion"] }],
      ["discussion_comment", { has: ["discussion", "comment"] }],
      ["fork", { has: ["forkee"] }],
      ["gollum", { has: ["pages"] }],
      [
        "installation_repositories",
        { has: ["repository_selection", "repositories_added", "repositories_removed"] }
      ],
      ["issue_comment", { has: ["issue", "comment"] }],
      ["issues", { has: ["issue"], lacks: ["comment"] }],
      ["label", { has: ["label"] }],
      ["marketplace_purchase", { has: ["marketplace_purchase"] }],
      ["member", { has: ["member"] }],
      ["membership", { has: ["member", "team", "scope"] }],
      ["merge_group", { has: ["merge_group"] }],
      ["meta", { has: ["hook_id", "hook"] }],
      ["milestone", { has: ["milestone"] }],
      ["org_block", { has: ["blocked_user"] }],
      ["package", { has: ["package"] }],
      ["page_build", { has: ["build"] }],
      ["ping", { has: ["zen"] }],
      ["project", { has: ["project"] }],
      ["project_card", { has: ["project_card"] }],
      ["project_column", { has: ["project_column"] }],
      ["projects_v2_item", { has: ["projects_v2_item"] }],
      ["pull_request", { has: ["number", "pull_request"] }],
      ["pull_request_review", { has: ["review", "pull_request"] }],
      ["pull_request_review_comment", { has: ["comment", "pull_request"] }],
      ["pull_request_review_thread", { has: ["thread", "pull_request"] }],
      ["push", { has: ["ref", "before", "after"] }],
      ["release", { has: ["release"] }],
      ["repository_dispatch", { has: ["branch", "client_payload"] }],
      ["repository_import", { has: ["status"] }],
      ["repository_vulnerability_alert", { has: ["alert"] }],
      ["security_advisory", { has: ["security_advisory"] }],
      ["sponsorship", { has: ["sponsorship"] }],
      ["star", { has: ["starred_at"] }],
      ["status", { has: ["sha", "state", "commit", "context"] }],
      ["team", { has: ["team"] }],
      ["team_add", { has: ["team"] }],
      ["workflow_dispatch", { has: ["workflow", "inputs", "ref"] }],
      ["workflow_job", { has: ["workflow_job"] }],
      ["workflow_run", { has: ["workflow_run", "workflow"] }]
    ]);
  }
});

// functions/providers/github/normalize.ts
var CANONICAL_PREFIXES, TIME_PATHS, ISO_DATE_TIME, MAX_DATE_MS2, field, toIso2, occurredAtOf, entityOf, readGithubBody, typeOf, shapeMismatch, EVENT_NAME, DELIVERY_ID, normalizeGithubBody, normalizeGithub;
var init_normalize2 = __esm({
  "functions/providers/github/normalize.ts"() {
    "use strict";
    init_parsed_body();
    init_schemas2();
    CANONICAL_PREFIXES = /* @__PURE__ */ new Map([
      ["pull_request", "code.pull_request"],
      ["issues", "code.issue"],
      ["release", "code.release"]
    ]);
    TIME_PATHS = /* @__PURE__ */ new Map([
      // head_commit is null for a branch deletion; pushed_at (unix seconds) is then the push time.
      [
        "push",
        [
          ["head_commit", "timestamp"],
          ["repository", "pushed_at"]
        ]
      ],
      ["issues", [["issue", "updated_at"]]],
      ["issue_comment", [["comment", "updated_at"]]],
      ["commit_comment", [["comment", "updated_at"]]],
      ["discussion_comment", [["comment", "updated_at"]]],
      ["pull_request_review_comment", [["comment", "updated_at"]]],
      ["pull_request_review", [["review", "submitted_at"]]],
      [
        "check_run",
        [
          ["check_run", "completed_at"],
          ["check_run", "started_at"]
        ]
      ],
      [
        "workflow_job",
        [
          ["workflow_job", "completed_at"],
          ["workflow_job", "started_at"]
        ]
      ],
      ["fork", [["forkee", "created_at"]]],
      [
        "release",
        [
          ["release", "published_at"],
          ["release", "created_at"]
        ]
      ],
      ["ping", [["hook", "updated_at"]]]
    ]);
    ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
    MAX_DATE_MS2 = 864e13;
    field = (value, key) => typeof value === "object" && value !== null && !Array.isArray(value) && Object.hasOwn(value, key) ? value[key] : void 0;
    toIso2 = (value) => {
      const ms = typeof value === "string" && ISO_DATE_TIME.test(value) ? Date.parse(value) : typeof value === "number" ? value * 1e3 : Number.NaN;
      return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS2 ? new Date(ms).toISOString() : void 0;
    };
    occurredAtOf = (event, payload) => {
      const paths = TIME_PATHS.get(event) ?? [
        [event, "updated_at"],
        [event, "created_at"]
      ];
      for (const [object30, key] of paths) {
        const iso5 = toIso2(field(field(payload, object30), key));
        if (iso5 !== void 0) return iso5;
      }
      return void 0;
    };
    entityOf = (payload) => {
      if (payload.repository) return { kind: "repository", id: payload.repository.full_name };
      if (payload.organization) return { kind: "organization", id: payload.organization.login };
      if (payload.installation) return { kind: "installation", id: String(payload.installation.id) };
      return void 0;
    };
    readGithubBody = (request) => {
      const text4 = strictUtf8(request.body);
      if (text4 === void 0) return { ok: false };
      try {
        const contentType = request.headers["content-type"]?.toLowerCase() ?? "";
        if (!contentType.startsWith("application/x-www-form-urlencoded"))
          return { ok: true, value: JSON.parse(text4) };
        const payload = new URLSearchParams(text4).get("payload");
        return payload === null ? { ok: false } : { ok: true, value: JSON.parse(payload) };
      } catch {
        return { ok: false };
      }
    };
    typeOf = (providerType, action) => {
      if (providerType === "push") return "code.push";
      const prefix = CANONICAL_PREFIXES.get(providerType);
      if (prefix === void 0) return `github.${providerType}`;
      return action === void 0 ? void 0 : `${prefix}.${action}`;
    };
    shapeMismatch = (event, payload) => {
      const shape = EVENT_SHAPES.get(event);
      if (shape === void 0) return void 0;
      const missing3 = shape.has.filter((key) => !Object.hasOwn(payload, key));
      if (missing3.length > 0)
        return `${event} bodies have ${shape.has.join(", ")}; this one lacks ${missing3.join(", ")}.`;
      const extra = (shape.lacks ?? []).filter((key) => Object.hasOwn(payload, key));
      return extra.length > 0 ? `${event} bodies never have ${extra.join(", ")}.` : void 0;
    };
    EVENT_NAME = /^[a-z0-9_]{1,64}$/;
    DELIVERY_ID = /^[0-9A-Za-z-]{1,64}$/;
    normalizeGithubBody = (body, request, _options) => {
      const delivery = request.headers["x-github-delivery"]?.trim() ?? "";
      const event = request.headers["x-github-event"]?.trim() ?? "";
      const externalId = DELIVERY_ID.test(delivery) ? delivery : void 0;
      const providerType = EVENT_NAME.test(event) ? event : void 0;
      if (externalId === void 0 || providerType === void 0) {
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: "X-GitHub-Delivery or X-GitHub-Event is missing or malformed."
          }
        ];
      }
      if (!body.ok) {
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: "Body is not UTF-8 JSON (or a form with a JSON payload parameter)."
          }
        ];
      }
      const parsed = body.value;
      const result = GithubPayloadSchema.safeParse(parsed);
      if (!result.success) {
        const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`).join("; ");
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: `Body is not a GitHub webhook payload: ${issues}.`,
            data: parsed
          }
        ];
      }
      const payload = result.data;
      const mismatch2 = shapeMismatch(providerType, payload);
      if (mismatch2 !== void 0) {
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: `X-GitHub-Event does not fit the body: ${mismatch2}`,
            data: parsed
          }
        ];
      }
      const type = typeOf(providerType, payload.action);
      if (type === void 0) {
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: `A ${providerType} payload must have an action.`,
            data: parsed
          }
        ];
      }
      return [
        {
          kind: "event",
          draft: {
            providerType,
            externalId,
            type,
            entity: entityOf(payload),
            occurredAt: occurredAtOf(providerType, payload),
            data: payload
          }
        }
      ];
    };
    normalizeGithub = (request, options) => normalizeGithubBody(readGithubBody(request), request, options);
  }
});

// functions/crypto/encoding.ts
var decodeHexDigest, CANONICAL_BASE64, decodeBase64Digest;
var init_encoding = __esm({
  "functions/crypto/encoding.ts"() {
    "use strict";
    decodeHexDigest = (text4, bytes) => {
      if (text4.length !== bytes * 2) return void 0;
      const decoded = Buffer.from(text4, "hex");
      return decoded.length === bytes ? decoded : void 0;
    };
    CANONICAL_BASE64 = {
      20: /^[A-Za-z0-9+/]{26}[AEIMQUYcgkosw048]=$/,
      32: /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/
    };
    decodeBase64Digest = (text4, bytes) => CANONICAL_BASE64[bytes].test(text4) ? Buffer.from(text4, "base64") : void 0;
  }
});

// functions/providers/github/verify.ts
var import_node_crypto4, PREFIX, verifyGithub;
var init_verify2 = __esm({
  "functions/providers/github/verify.ts"() {
    "use strict";
    import_node_crypto4 = require("node:crypto");
    init_compare();
    init_encoding();
    PREFIX = "sha256=";
    verifyGithub = ({ request, secrets }) => {
      const header3 = request.headers["x-hub-signature-256"];
      if (header3 === void 0 || header3.trim() === "") {
        return { ok: false, reason: "missing", detail: "X-Hub-Signature-256 header is missing." };
      }
      const value = header3.trim();
      const digest3 = value.startsWith(PREFIX) ? decodeHexDigest(value.slice(PREFIX.length), 32) : void 0;
      if (digest3 === void 0) {
        return {
          ok: false,
          reason: "signature",
          detail: "X-Hub-Signature-256 is not sha256= followed by 64 hex digits."
        };
      }
      const match = matchSecret(
        secrets,
        [digest3],
        (secret) => (
          // An empty secret would let anyone sign; it never matches.
          secret === "" ? Buffer.alloc(0) : (0, import_node_crypto4.createHmac)("sha256", secret).update(request.body).digest()
        )
      );
      if (match === void 0)
        return { ok: false, reason: "signature", detail: "X-Hub-Signature-256 matches no active secret." };
      return { ok: true, secretIndex: match.index, signature: match.signature };
    };
  }
});

// functions/providers/github/index.ts
var z13, githubOptionsSchema, githubProvider, githubDefinition;
var init_github = __esm({
  "functions/providers/github/index.ts"() {
    "use strict";
    z13 = __toESM(require("zod/mini"));
    init_types();
    init_normalize2();
    init_verify2();
    githubOptionsSchema = z13.object({
      /** Unused: GitHub signs no timestamp. Kept so that every provider's options share the field. */
      toleranceSeconds: z13._default(z13.int().check(z13.positive()), 300)
    });
    githubProvider = {
      id: "github",
      verify: verifyGithub,
      normalize: normalizeGithub,
      // X-GitHub-Delivery and X-GitHub-Event are not signed.
      identityFromUnsignedHeaders: () => true,
      // X-Hub-Signature (SHA-1) is not checked, but it is a signature all the same.
      signatureHeaders: () => ["x-hub-signature-256", "x-hub-signature"]
    };
    githubDefinition = builtInDefinition(githubProvider, githubOptionsSchema);
  }
});

// functions/providers/github/setup.ts
var githubSetup;
var init_setup3 = __esm({
  "functions/providers/github/setup.ts"() {
    "use strict";
    init_setup();
    githubSetup = {
      dashboard: "the repository or organization: Settings \u2192 Webhooks \u2192 Add webhook, this URL as the Payload URL, SSL verification enabled (a GitHub App: its settings \u2192 Webhook URL)",
      // The events the normalizer gives a canonical type (code.push, code.pull_request.<action>…).
      events: ["push", "pull_request", "issues", "release"],
      otherEvents: "any other event you select is stored as github.<event>",
      contentType: "application/json (application/x-www-form-urlencoded works too)",
      secretSource: "the Secret field of the same webhook form: GitHub does not issue one; type a random string, such as the output of openssl rand -hex 32",
      secret: {
        expected: "a webhook secret of at least 16 characters without control characters (GitHub asks for a random string, such as the output of openssl rand -hex 32)",
        parse: chosenSecret(16)
      },
      verification: "X-Hub-Signature-256 is sha256= and the hex HMAC-SHA256 of the body, keyed with the webhook secret. GitHub signs no timestamp and not its headers: a resent capture is a duplicate of the event its bytes first produced.",
      request: {
        bodies: { "application/json": "object", "application/x-www-form-urlencoded": "form" },
        headers: [
          { name: "X-Hub-Signature-256", description: "sha256=<hex HMAC-SHA256 of the body>", required: true },
          { name: "X-GitHub-Event", description: "the event name (push, pull_request\u2026)", required: true },
          { name: "X-GitHub-Delivery", description: "the delivery id (a GUID)", required: true }
        ]
      }
    };
  }
});

// functions/providers/github/sign.ts
var import_node_crypto5, signGithubRequest;
var init_sign2 = __esm({
  "functions/providers/github/sign.ts"() {
    "use strict";
    import_node_crypto5 = require("node:crypto");
    signGithubRequest = (req, secret, _now) => ({
      "x-hub-signature-256": `sha256=${(0, import_node_crypto5.createHmac)("sha256", secret).update(req.body).digest("hex")}`
    });
  }
});

// functions/providers/hubspot/schemas.ts
var z14, id, HubspotEventSchema, HubspotOptionsSchema;
var init_schemas3 = __esm({
  "functions/providers/hubspot/schemas.ts"() {
    "use strict";
    z14 = __toESM(require("zod/mini"));
    id = z14.union([z14.number().check(z14.int(), z14.nonnegative()), z14.string().check(z14.regex(/^\d{1,30}$/))]);
    HubspotEventSchema = z14.looseObject({
      eventId: id,
      subscriptionType: z14.optional(z14.string().check(z14.minLength(1))),
      eventType: z14.optional(z14.string().check(z14.minLength(1))),
      /** Generic (`object.*`) subscriptions name the object type here: `0-1` contact, `0-2` company, `0-3` deal. */
      objectTypeId: z14.optional(z14.string()),
      objectId: z14.optional(id),
      /** associationChange events name the object they are about here rather than in objectId. */
      fromObjectId: z14.optional(id),
      /** merge events name the surviving record here. */
      primaryObjectId: z14.optional(id),
      occurredAt: z14.optional(z14.number().check(z14.int(), z14.gte(0), z14.lte(864e13)))
    });
    HubspotOptionsSchema = z14.object({
      /** HubSpot's docs say to refuse timestamps older than 5 minutes; applied in both directions. */
      toleranceSeconds: z14._default(z14.number().check(z14.int(), z14.positive()), 300)
    });
  }
});

// functions/providers/hubspot/normalize.ts
var KIND_BY_PREFIX, KIND_BY_OBJECT_TYPE_ID, VERB_BY_ACTION, lookup, kindOf, TOKEN, INTEGER, quoteUnsafeIntegers, holdsUnsafeNumber, readHubspotBody, textOf, unreadable, normalizeElement, normalizeHubspotBody, normalizeHubspot;
var init_normalize3 = __esm({
  "functions/providers/hubspot/normalize.ts"() {
    "use strict";
    init_parsed_body();
    init_schemas3();
    KIND_BY_PREFIX = {
      contact: "contact",
      company: "company",
      deal: "deal"
    };
    KIND_BY_OBJECT_TYPE_ID = {
      "0-1": "contact",
      "0-2": "company",
      "0-3": "deal"
    };
    VERB_BY_ACTION = {
      creation: "created",
      deletion: "deleted",
      propertyChange: "property_changed",
      merge: "updated",
      associationChange: "updated",
      restore: "updated"
    };
    lookup = (table2, key) => key !== void 0 && Object.hasOwn(table2, key) ? table2[key] : void 0;
    kindOf = (event, prefix) => prefix === "object" ? lookup(KIND_BY_OBJECT_TYPE_ID, event.objectTypeId) : lookup(KIND_BY_PREFIX, prefix);
    TOKEN = /"(?:[^"\\]|\\[\s\S]?)*"?|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}[\]:,]/g;
    INTEGER = /^-?\d+$/;
    quoteUnsafeIntegers = (json2) => {
      const parts = [];
      const containers = [];
      let previous = "";
      let copied = 0;
      for (const match of json2.matchAll(TOKEN)) {
        const [token] = match;
        if (token === "{" || token === "[") containers.push(token);
        if (token === "}" || token === "]") containers.pop();
        const isValue = previous === ":" || containers.at(-1) === "[" && (previous === "[" || previous === ",");
        if (isValue && INTEGER.test(token) && !Number.isSafeInteger(Number(token))) {
          parts.push(json2.slice(copied, match.index), `"${token}"`);
          copied = match.index + token.length;
        }
        previous = token.charAt(0);
      }
      return parts.length === 0 ? json2 : [...parts, json2.slice(copied)].join("");
    };
    holdsUnsafeNumber = (value) => {
      const pending = [value];
      while (pending.length > 0) {
        const current = pending.pop();
        if (typeof current === "number" && Math.abs(current) > Number.MAX_SAFE_INTEGER) return true;
        if (Array.isArray(current)) for (const item of current) pending.push(item);
        else if (typeof current === "object" && current !== null)
          for (const key in current) pending.push(current[key]);
      }
      return false;
    };
    readHubspotBody = (request) => {
      try {
        const json2 = utf8Text(request.body);
        const value = JSON.parse(json2);
        return { ok: true, value: holdsUnsafeNumber(value) ? JSON.parse(quoteUnsafeIntegers(json2)) : value };
      } catch {
        return { ok: false };
      }
    };
    textOf = (value) => typeof value === "string" && value.length > 0 ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : void 0;
    unreadable = (element, reason) => {
      const fields = typeof element === "object" && element !== null && !Array.isArray(element) ? element : {};
      const externalId = Object.hasOwn(fields, "eventId") ? textOf(fields.eventId) : void 0;
      const providerType = textOf(
        Object.hasOwn(fields, "subscriptionType") ? fields.subscriptionType : Object.hasOwn(fields, "eventType") ? fields.eventType : void 0
      );
      return {
        kind: "unreadable",
        reason,
        ...externalId === void 0 ? {} : { externalId },
        ...providerType === void 0 ? {} : { providerType },
        data: element
      };
    };
    normalizeElement = (element) => {
      const parsed = HubspotEventSchema.safeParse(element);
      if (!parsed.success)
        return unreadable(
          element,
          "The event does not match the HubSpot webhook event schema (eventId, subscriptionType, occurredAt)."
        );
      const event = parsed.data;
      const providerType = event.subscriptionType ?? event.eventType;
      if (providerType === void 0) return unreadable(element, "The event has no subscriptionType.");
      const [prefix = "", action] = providerType.split(".", 2);
      const kind = kindOf(event, prefix);
      const verb = lookup(VERB_BY_ACTION, action);
      const objectId = event.objectId ?? event.fromObjectId ?? event.primaryObjectId;
      const entity = kind !== void 0 && objectId !== void 0 ? { kind, id: String(objectId) } : void 0;
      return {
        kind: "event",
        draft: {
          providerType,
          externalId: String(event.eventId),
          type: kind !== void 0 && verb !== void 0 ? `crm.${kind}.${verb}` : `hubspot.${providerType}`,
          ...entity === void 0 ? {} : { entity },
          ...event.occurredAt === void 0 ? {} : { occurredAt: new Date(event.occurredAt).toISOString() },
          data: element
        }
      };
    };
    normalizeHubspotBody = (body) => {
      if (!body.ok || !Array.isArray(body.value))
        return [{ kind: "unreadable", reason: "The body is not a JSON array of HubSpot events." }];
      return body.value.map(normalizeElement);
    };
    normalizeHubspot = (request) => normalizeHubspotBody(readHubspotBody(request));
  }
});

// functions/providers/hubspot/verify.ts
var import_node_crypto6, SIGNATURE_HEADER, TIMESTAMP_HEADER, TIMESTAMP2, DECODED, ENCODED, hubspotSignedUri, hubspotDigester, header, verifyHubspot;
var init_verify3 = __esm({
  "functions/providers/hubspot/verify.ts"() {
    "use strict";
    import_node_crypto6 = require("node:crypto");
    init_compare();
    init_encoding();
    SIGNATURE_HEADER = "x-hubspot-signature-v3";
    TIMESTAMP_HEADER = "x-hubspot-request-timestamp";
    TIMESTAMP2 = /^\d{1,16}$/;
    DECODED = {
      "%3A": ":",
      "%2F": "/",
      "%3F": "?",
      "%40": "@",
      "%21": "!",
      "%24": "$",
      "%27": "'",
      "%28": "(",
      "%29": ")",
      "%2A": "*",
      "%2C": ",",
      "%3B": ";"
    };
    ENCODED = /%(?:3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/g;
    hubspotSignedUri = (url3) => url3.includes("%") ? url3.replace(ENCODED, (encoded) => DECODED[encoded] ?? encoded) : url3;
    hubspotDigester = (request, timestamp) => {
      const prefix = `${request.method}${hubspotSignedUri(request.url)}`;
      return (secret) => (0, import_node_crypto6.createHmac)("sha256", secret).update(prefix).update(request.body).update(timestamp).digest();
    };
    header = (request, name) => {
      const value = Object.hasOwn(request.headers, name) ? request.headers[name] : void 0;
      return typeof value === "string" && value.length > 0 ? value : void 0;
    };
    verifyHubspot = (input) => {
      const { request, secrets, now, options } = input;
      const signature = header(request, SIGNATURE_HEADER);
      const timestamp = header(request, TIMESTAMP_HEADER);
      if (signature === void 0)
        return { ok: false, reason: "missing", detail: "The X-HubSpot-Signature-v3 header is missing." };
      if (timestamp === void 0)
        return { ok: false, reason: "missing", detail: "The X-HubSpot-Request-Timestamp header is missing." };
      const provided = decodeBase64Digest(signature, 32);
      const match = provided === void 0 ? void 0 : matchSecret(secrets, [provided], hubspotDigester(request, timestamp));
      if (match === void 0)
        return {
          ok: false,
          reason: "signature",
          detail: "The signature does not match any active client secret."
        };
      if (!TIMESTAMP2.test(timestamp))
        return {
          ok: false,
          reason: "signature",
          detail: "The X-HubSpot-Request-Timestamp header is not a whole number."
        };
      if (Math.abs(now.getTime() - Number(timestamp)) > options.toleranceSeconds * 1e3) {
        return {
          ok: false,
          reason: "stale",
          detail: "The request timestamp is outside the allowed clock difference."
        };
      }
      return { ok: true, secretIndex: match.index, signature: match.signature };
    };
  }
});

// functions/providers/hubspot/index.ts
var hubspotProvider, hubspotDefinition;
var init_hubspot = __esm({
  "functions/providers/hubspot/index.ts"() {
    "use strict";
    init_types();
    init_normalize3();
    init_schemas3();
    init_verify3();
    init_schemas3();
    hubspotProvider = {
      id: "hubspot",
      verify: verifyHubspot,
      normalize: normalizeHubspot,
      identityFromUnsignedHeaders: () => false,
      // Only v3 is verified; HubSpot also sends its v1/v2 signature, which is masked all the same.
      signatureHeaders: () => [SIGNATURE_HEADER, "x-hubspot-signature"]
    };
    hubspotDefinition = builtInDefinition(hubspotProvider, HubspotOptionsSchema);
  }
});

// functions/providers/hubspot/setup.ts
var OBJECTS, ACTIONS, hubspotSetup;
var init_setup4 = __esm({
  "functions/providers/hubspot/setup.ts"() {
    "use strict";
    init_setup();
    OBJECTS = ["contact", "company", "deal"];
    ACTIONS = ["creation", "deletion", "propertyChange", "merge", "associationChange", "restore"];
    hubspotSetup = {
      dashboard: "your app's Webhooks settings (a legacy app: Developer account \u2192 Apps \u2192 your app \u2192 Webhooks; a project app: webhooks-hsmeta.json), this URL as the Target URL, exactly as printed",
      events: OBJECTS.flatMap((object30) => ACTIONS.map((action) => `${object30}.${action}`)),
      otherEvents: "any other subscription is stored as hubspot.<subscriptionType>; privacyDeletion stays unmapped on purpose",
      contentType: "application/json (HubSpot always sends a JSON array of events)",
      secretSource: "the app's Client secret (Auth tab of the app's settings)",
      secret: {
        expected: "a HubSpot app's client secret: a UUID (8-4-4-4-12 lower-case hex digits, such as 00000000-0000-0000-0000-000000000000)",
        parse: matching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      },
      verification: "X-HubSpot-Signature-v3 is the base64 HMAC-SHA256 of method + URL + body + X-HubSpot-Request-Timestamp (milliseconds), keyed with the client secret; the timestamp must be within 5 minutes.",
      request: {
        bodies: { "application/json": "array" },
        headers: [
          {
            name: "X-HubSpot-Signature-v3",
            description: "base64 HMAC-SHA256 of method + URL + body + timestamp",
            required: true
          },
          { name: "X-HubSpot-Request-Timestamp", description: "unix milliseconds", required: true }
        ]
      }
    };
  }
});

// functions/providers/hubspot/sign.ts
var signHubspotRequest;
var init_sign3 = __esm({
  "functions/providers/hubspot/sign.ts"() {
    "use strict";
    init_verify3();
    signHubspotRequest = (req, secret, now) => {
      const timestamp = String(now.getTime());
      const digest3 = hubspotDigester({ method: "POST", url: req.url, body: req.body }, timestamp)(secret);
      return { [SIGNATURE_HEADER]: digest3.toString("base64"), [TIMESTAMP_HEADER]: timestamp };
    };
  }
});

// functions/providers/mailgun/form.ts
var CRLF, HEADER_END, MAX_PARTS, setFirst, parseUrlEncoded, boundaryOf, dispositionOf, parseMultipart, formFields;
var init_form = __esm({
  "functions/providers/mailgun/form.ts"() {
    "use strict";
    CRLF = Buffer.from("\r\n");
    HEADER_END = Buffer.from("\r\n\r\n");
    MAX_PARTS = 1e3;
    setFirst = (fields, name, value) => {
      if (!fields.has(name)) fields.set(name, value);
    };
    parseUrlEncoded = (body) => {
      const fields = /* @__PURE__ */ new Map();
      for (const [name, value] of new URLSearchParams(body.toString("utf8"))) setFirst(fields, name, value);
      return fields;
    };
    boundaryOf = (contentType) => {
      const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
      return match?.[1] ?? match?.[2];
    };
    dispositionOf = (headers) => {
      const line = headers.split("\r\n").find((header3) => /^content-disposition\s*:/i.test(header3));
      if (line === void 0) return void 0;
      const name = /;\s*name="([^"]*)"/i.exec(line)?.[1] ?? /;\s*name=([^\s;]+)/i.exec(line)?.[1];
      if (name === void 0) return void 0;
      return { name, isFile: /;\s*filename\*?=/i.test(line) };
    };
    parseMultipart = (body, boundary) => {
      const fields = /* @__PURE__ */ new Map();
      const delimiter = Buffer.from(`--${boundary}`);
      let position = body.indexOf(delimiter);
      for (let parts = 0; position !== -1 && parts < MAX_PARTS; parts += 1) {
        const afterDelimiter = position + delimiter.length;
        if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") break;
        const next = body.indexOf(delimiter, afterDelimiter);
        if (next === -1) break;
        const part = body.subarray(afterDelimiter, next);
        const headerEnd = part.indexOf(HEADER_END);
        if (headerEnd !== -1) {
          const disposition = dispositionOf(part.subarray(0, headerEnd).toString("utf8"));
          let content = part.subarray(headerEnd + HEADER_END.length);
          if (content.subarray(-CRLF.length).equals(CRLF)) content = content.subarray(0, -CRLF.length);
          if (disposition && !disposition.isFile) setFirst(fields, disposition.name, content.toString("utf8"));
        }
        position = next;
      }
      return fields;
    };
    formFields = (contentType, body) => {
      if (/^\s*application\/x-www-form-urlencoded/i.test(contentType)) return parseUrlEncoded(body);
      if (/^\s*multipart\/form-data/i.test(contentType)) {
        const boundary = boundaryOf(contentType);
        return boundary === void 0 ? /* @__PURE__ */ new Map() : parseMultipart(body, boundary);
      }
      return void 0;
    };
  }
});

// functions/providers/mailgun/body.ts
var readMailgunBody, mailgunBodies;
var init_body = __esm({
  "functions/providers/mailgun/body.ts"() {
    "use strict";
    init_parsed_body();
    init_form();
    readMailgunBody = (headers, body) => {
      const fields = formFields(headers["content-type"] ?? "", body);
      if (fields !== void 0) return { kind: "form", fields };
      try {
        return { kind: "json", value: JSON.parse(utf8Text(body)) };
      } catch {
        return { kind: "unparsable" };
      }
    };
    mailgunBodies = bodyHandoff();
  }
});

// functions/providers/mailgun/schemas.ts
var z15, MailgunEventDataSchema, MailgunWebhookSchema;
var init_schemas4 = __esm({
  "functions/providers/mailgun/schemas.ts"() {
    "use strict";
    z15 = __toESM(require("zod/mini"));
    MailgunEventDataSchema = z15.looseObject({
      id: z15.string().check(z15.minLength(1)),
      event: z15.string().check(z15.minLength(1)),
      /** Unix seconds with a fraction. */
      timestamp: z15.number(),
      recipient: z15.optional(z15.string()),
      /** On `failed`: `permanent` or `temporary`. */
      severity: z15.optional(z15.string()),
      reason: z15.optional(z15.string()),
      url: z15.optional(z15.string()),
      "delivery-status": z15.optional(
        z15.looseObject({ message: z15.optional(z15.string()), description: z15.optional(z15.string()) })
      ),
      message: z15.optional(
        z15.looseObject({ headers: z15.optional(z15.looseObject({ "message-id": z15.optional(z15.string()) })) })
      )
    });
    MailgunWebhookSchema = z15.looseObject({
      signature: z15.optional(z15.unknown()),
      "event-data": z15.unknown()
    });
  }
});

// functions/providers/mailgun/normalize.ts
var CANONICAL_TYPES, canonicalType, bareMessageId, toItem, failureReason, fromEventData, fromLegacyForm, normalizeMailgunBody, readMailgunRequest, normalizeMailgun;
var init_normalize4 = __esm({
  "functions/providers/mailgun/normalize.ts"() {
    "use strict";
    init_body();
    init_schemas4();
    CANONICAL_TYPES = {
      delivered: "email.delivered",
      opened: "email.opened",
      clicked: "email.clicked",
      complained: "email.spam_reported",
      unsubscribed: "email.unsubscribed",
      // Legacy webhooks name a permanent failure `bounced` (and a suppressed send `dropped`).
      bounced: "email.bounced"
    };
    canonicalType = (event, severity) => {
      if (event === "failed") return severity === "permanent" ? "email.bounced" : "mailgun.failed";
      const mapped = Object.hasOwn(CANONICAL_TYPES, event) ? CANONICAL_TYPES[event] : void 0;
      return mapped ?? `mailgun.${event}`;
    };
    bareMessageId = (value) => {
      const bare2 = value?.trim().replace(/^<(.*)>$/, "$1");
      return bare2 || void 0;
    };
    toItem = (facts) => {
      const date = new Date(facts.seconds * 1e3);
      const identity = { externalId: facts.externalId, providerType: facts.providerType };
      if (Number.isNaN(date.getTime())) {
        return {
          kind: "unreadable",
          reason: "The event timestamp is not a valid unix time.",
          ...identity,
          data: facts.payload
        };
      }
      const base = {
        ...identity,
        type: facts.type,
        entity: facts.messageId === void 0 ? void 0 : { kind: "message", id: facts.messageId },
        occurredAt: date.toISOString()
      };
      if (!facts.type.startsWith("email.")) return { kind: "event", draft: { ...base, data: facts.payload } };
      if (facts.messageId === void 0) {
        return {
          kind: "unreadable",
          reason: "The email event carries no message-id.",
          ...identity,
          data: facts.payload
        };
      }
      if (!facts.recipient) {
        return {
          kind: "unreadable",
          reason: "The email event names no recipient.",
          ...identity,
          data: facts.payload
        };
      }
      const draft = {
        ...base,
        data: {
          messageId: facts.messageId,
          recipient: facts.recipient,
          ...facts.reason === void 0 ? {} : { reason: facts.reason },
          ...facts.url === void 0 ? {} : { url: facts.url },
          payload: facts.payload
        }
      };
      return { kind: "event", draft };
    };
    failureReason = (event) => {
      const status2 = event["delivery-status"];
      return status2?.message || status2?.description || event.reason || void 0;
    };
    fromEventData = (value) => {
      const parsed = MailgunEventDataSchema.safeParse(value);
      if (!parsed.success) {
        const id2 = typeof value === "object" && value !== null && Object.hasOwn(value, "id") ? value.id : void 0;
        return {
          kind: "unreadable",
          reason: "The event-data lacks a string id or event, or a numeric timestamp.",
          ...typeof id2 === "string" && id2 ? { externalId: id2 } : {},
          data: value
        };
      }
      const event = parsed.data;
      const type = canonicalType(event.event, event.severity);
      return toItem({
        providerType: event.event,
        externalId: event.id,
        type,
        messageId: bareMessageId(event.message?.headers?.["message-id"]),
        recipient: event.recipient,
        reason: type === "email.bounced" ? failureReason(event) : void 0,
        url: type === "email.clicked" ? event.url : void 0,
        seconds: event.timestamp,
        payload: event
      });
    };
    fromLegacyForm = (fields) => {
      const payload = Object.fromEntries(fields);
      const event = fields.get("event");
      const token = fields.get("token");
      const seconds2 = Number(fields.get("timestamp"));
      if (!event || !token || !Number.isFinite(seconds2)) {
        return { kind: "unreadable", reason: "The legacy form lacks event, token or timestamp.", data: payload };
      }
      const type = canonicalType(event, void 0);
      return toItem({
        providerType: event,
        externalId: token,
        type,
        messageId: bareMessageId(fields.get("Message-Id") ?? fields.get("message-id")),
        recipient: fields.get("recipient"),
        reason: type === "email.bounced" ? fields.get("error") || fields.get("reason") || void 0 : void 0,
        url: type === "email.clicked" ? fields.get("url") : void 0,
        seconds: seconds2,
        payload
      });
    };
    normalizeMailgunBody = (body) => {
      if (body.kind === "unparsable") return [{ kind: "unreadable", reason: "The body is not valid JSON." }];
      if (body.kind === "form") return [fromLegacyForm(body.fields)];
      const webhook = MailgunWebhookSchema.safeParse(body.value);
      if (!webhook.success || webhook.data["event-data"] === void 0) {
        return [
          { kind: "unreadable", reason: "The body is not a Mailgun webhook with event-data.", data: body.value }
        ];
      }
      return [fromEventData(webhook.data["event-data"])];
    };
    readMailgunRequest = (request) => mailgunBodies.take(request) ?? readMailgunBody(request.headers, request.body);
    normalizeMailgun = (request, _options) => normalizeMailgunBody(readMailgunRequest(request));
  }
});

// functions/providers/mailgun/verify.ts
var import_node_crypto7, UNIX_SECONDS, MAX_TOKEN_LENGTH, isRecord2, own, jsonSignatureFields, signatureFieldsOf, hmacOf, verifyMailgun;
var init_verify4 = __esm({
  "functions/providers/mailgun/verify.ts"() {
    "use strict";
    import_node_crypto7 = require("node:crypto");
    init_compare();
    init_encoding();
    init_body();
    UNIX_SECONDS = /^\d{1,12}$/;
    MAX_TOKEN_LENGTH = 512;
    isRecord2 = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
    own = (record11, key) => Object.hasOwn(record11, key) ? record11[key] : void 0;
    jsonSignatureFields = (value) => {
      const signature = isRecord2(value) ? own(value, "signature") : void 0;
      if (!isRecord2(signature)) return void 0;
      const timestamp = own(signature, "timestamp");
      const token = own(signature, "token");
      const hex = own(signature, "signature");
      const parent = own(signature, "parent-signature");
      if (typeof timestamp !== "string" && typeof timestamp !== "number") return void 0;
      if (typeof token !== "string" || typeof hex !== "string") return void 0;
      if (parent !== void 0 && typeof parent !== "string") return void 0;
      return {
        timestamp: String(timestamp),
        token,
        signatures: parent === void 0 ? [hex] : [hex, parent]
      };
    };
    signatureFieldsOf = (body) => {
      if (body.kind === "json") return jsonSignatureFields(body.value);
      if (body.kind !== "form") return void 0;
      const { fields } = body;
      const timestamp = fields.get("timestamp");
      const token = fields.get("token");
      const signature = fields.get("signature");
      if (timestamp === void 0 || token === void 0 || signature === void 0) return void 0;
      return { timestamp, token, signatures: [signature] };
    };
    hmacOf = (key, timestamp, token) => (0, import_node_crypto7.createHmac)("sha256", key).update(timestamp + token).digest();
    verifyMailgun = ({
      request,
      secrets,
      now,
      options
    }) => {
      const body = readMailgunBody(request.headers, request.body);
      const fields = signatureFieldsOf(body);
      if (fields === void 0 || !fields.timestamp || !fields.token || !fields.signatures[0]) {
        return {
          ok: false,
          reason: "missing",
          detail: "The body carries no Mailgun timestamp, token and signature."
        };
      }
      if (!UNIX_SECONDS.test(fields.timestamp)) {
        return { ok: false, reason: "signature", detail: "The Mailgun timestamp is not a unix time in seconds." };
      }
      if (fields.token.length > MAX_TOKEN_LENGTH) {
        return { ok: false, reason: "signature", detail: "The Mailgun token is longer than any Mailgun issues." };
      }
      const ageSeconds = Math.floor(now.getTime() / 1e3) - Number(fields.timestamp);
      if (Math.abs(ageSeconds) > options.toleranceSeconds) {
        return {
          ok: false,
          reason: "stale",
          detail: `The Mailgun timestamp is ${ageSeconds} s away from now, beyond the tolerance.`
        };
      }
      const candidates = [];
      for (const hex of fields.signatures) {
        const candidate = decodeHexDigest(hex, 32);
        if (candidate !== void 0) candidates.push(candidate);
      }
      if (candidates.length === 0) {
        return { ok: false, reason: "signature", detail: "The Mailgun signature is not a hex SHA-256 digest." };
      }
      const { timestamp, token } = fields;
      const match = matchSecret(secrets, candidates, (secret) => hmacOf(secret, timestamp, token));
      if (match === void 0) {
        return {
          ok: false,
          reason: "signature",
          detail: "The Mailgun signature matches none of the active signing keys."
        };
      }
      mailgunBodies.keep(request, body);
      return {
        ok: true,
        secretIndex: match.index,
        signature: match.signature,
        nonce: { value: token, ttlSeconds: 2 * options.toleranceSeconds }
      };
    };
  }
});

// functions/providers/mailgun/index.ts
var z16, mailgunOptionsSchema, mailgunProvider, mailgunDefinition;
var init_mailgun2 = __esm({
  "functions/providers/mailgun/index.ts"() {
    "use strict";
    z16 = __toESM(require("zod/mini"));
    init_types();
    init_normalize4();
    init_verify4();
    mailgunOptionsSchema = z16.object({
      toleranceSeconds: z16._default(z16.int().check(z16.nonnegative()), 300)
    });
    mailgunProvider = {
      id: "mailgun",
      verify: verifyMailgun,
      normalize: normalizeMailgun,
      identityFromUnsignedHeaders: () => false,
      // The signature travels in the body, not in a header.
      signatureHeaders: () => []
    };
    mailgunDefinition = builtInDefinition(mailgunProvider, mailgunOptionsSchema);
  }
});

// functions/providers/mailgun/setup.ts
var mailgunSetup;
var init_setup5 = __esm({
  "functions/providers/mailgun/setup.ts"() {
    "use strict";
    init_setup();
    mailgunSetup = {
      dashboard: "Sending \u2192 Webhooks \u2192 your domain \u2192 Add webhook: one per event type, each with this URL",
      // The webhook names Mailgun's dashboard offers for the events with a canonical type.
      events: ["delivered", "permanent_fail", "opened", "clicked", "complained", "unsubscribed"],
      otherEvents: "temporary failures and other events are stored as mailgun.<event>",
      contentType: "application/json (legacy webhooks post a form, which is read too)",
      secretSource: "the HTTP webhook signing key on the Webhooks page (Sending \u2192 Webhooks), not an API key",
      secret: {
        expected: "a Mailgun HTTP webhook signing key: 32 lower-case letters and digits, optionally after key-",
        parse: matching(/^(?:key-)?[0-9a-z]{32}$/)
      },
      verification: "The body carries signature.timestamp, signature.token and signature.signature: the hex HMAC-SHA256 of timestamp + token, keyed with the signing key; the timestamp must be within the tolerance (300 s by default) and a token is accepted once.",
      request: {
        bodies: {
          "application/json": "object",
          "application/x-www-form-urlencoded": "form",
          "multipart/form-data": "form"
        },
        headers: []
      }
    };
  }
});

// functions/providers/mailgun/sign.ts
var import_node_crypto8, signMailgunRequest;
var init_sign4 = __esm({
  "functions/providers/mailgun/sign.ts"() {
    "use strict";
    import_node_crypto8 = require("node:crypto");
    init_body();
    signMailgunRequest = (req, secret, now, token = (0, import_node_crypto8.randomBytes)(25).toString("hex")) => {
      const timestamp = String(Math.floor(now.getTime() / 1e3));
      const signature = (0, import_node_crypto8.createHmac)("sha256", secret).update(timestamp + token, "utf8").digest("hex");
      const contentType = req.headers["content-type"] ?? req.headers["Content-Type"] ?? "";
      if (/^\s*application\/x-www-form-urlencoded/i.test(contentType)) {
        const params = new URLSearchParams(req.body.toString("utf8"));
        params.set("timestamp", timestamp);
        params.set("token", token);
        params.set("signature", signature);
        return { headers: {}, body: Buffer.from(params.toString()) };
      }
      const parsed = readMailgunBody({ "content-type": "application/json" }, req.body);
      if (parsed.kind !== "json" || typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value)) {
        throw new Error("signMailgunRequest signs JSON object or urlencoded bodies only");
      }
      const signed = { ...parsed.value, signature: { timestamp, token, signature } };
      return { headers: {}, body: Buffer.from(JSON.stringify(signed)) };
    };
  }
});

// functions/providers/postmark/schemas.ts
var import_node_net, z17, optionalString, PostmarkRecordSchema, isIpOrCidr;
var init_schemas5 = __esm({
  "functions/providers/postmark/schemas.ts"() {
    "use strict";
    import_node_net = require("node:net");
    z17 = __toESM(require("zod/mini"));
    optionalString = () => z17.optional(z17.nullable(z17.string()));
    PostmarkRecordSchema = z17.looseObject({
      RecordType: z17.string().check(z17.minLength(1)),
      MessageID: optionalString(),
      /** Delivery, Open, Click and SubscriptionChange name the address `Recipient`… */
      Recipient: optionalString(),
      /** …Bounce and SpamComplaint name it `Email`. */
      Email: optionalString(),
      DeliveredAt: optionalString(),
      BouncedAt: optionalString(),
      ReceivedAt: optionalString(),
      ChangedAt: optionalString(),
      /** Bounce type: HardBounce, SoftBounce, Transient, Blocked… */
      Type: optionalString(),
      Description: optionalString(),
      Details: optionalString(),
      OriginalLink: optionalString(),
      SuppressSending: z17.optional(z17.nullable(z17.boolean())),
      SuppressionReason: optionalString()
    });
    isIpOrCidr = (value) => {
      const [address = "", prefix, ...rest] = value.split("/");
      const family = (0, import_node_net.isIP)(address);
      if (family === 0 || rest.length > 0) return false;
      if (prefix === void 0) return true;
      if (!/^\d{1,3}$/.test(prefix)) return false;
      return Number(prefix) <= (family === 4 ? 32 : 128);
    };
  }
});

// functions/providers/postmark/normalize.ts
var TIMESTAMP_FIELDS, ANY_TIMESTAMP, PERMANENT_BOUNCES, canonicalType2, timestampOf, reasonOf2, unreadable2, normalizeRecord, readPostmarkBody, normalizePostmarkBody, normalizePostmark;
var init_normalize5 = __esm({
  "functions/providers/postmark/normalize.ts"() {
    "use strict";
    init_parsed_body();
    init_schemas5();
    TIMESTAMP_FIELDS = {
      Delivery: "DeliveredAt",
      Bounce: "BouncedAt",
      SpamComplaint: "BouncedAt",
      Open: "ReceivedAt",
      Click: "ReceivedAt",
      SubscriptionChange: "ChangedAt"
    };
    ANY_TIMESTAMP = ["DeliveredAt", "BouncedAt", "ReceivedAt", "ChangedAt"];
    PERMANENT_BOUNCES = /* @__PURE__ */ new Set(["HardBounce", "BadEmailAddress"]);
    canonicalType2 = (record11) => {
      switch (record11.RecordType) {
        case "Delivery":
          return "email.delivered";
        case "Bounce":
          return PERMANENT_BOUNCES.has(record11.Type ?? "") ? "email.bounced" : "postmark.Bounce";
        case "SpamComplaint":
          return "email.spam_reported";
        case "Open":
          return "email.opened";
        case "Click":
          return "email.clicked";
        case "SubscriptionChange":
          return record11.SuppressSending === true ? "email.unsubscribed" : "postmark.SubscriptionChange";
        default:
          return `postmark.${record11.RecordType}`;
      }
    };
    timestampOf = (record11) => {
      const known = Object.hasOwn(TIMESTAMP_FIELDS, record11.RecordType) ? TIMESTAMP_FIELDS[record11.RecordType] : void 0;
      const fields = known === void 0 ? ANY_TIMESTAMP : [known];
      for (const field3 of fields) {
        const value = record11[field3];
        if (value) return value;
      }
      return void 0;
    };
    reasonOf2 = (record11) => {
      if (record11.RecordType === "Bounce") return record11.Details || record11.Description || void 0;
      if (record11.RecordType === "SubscriptionChange") return record11.SuppressionReason || void 0;
      return void 0;
    };
    unreadable2 = (value, reason, identity = {}) => ({
      kind: "unreadable",
      reason,
      ...identity.externalId === void 0 ? {} : { externalId: identity.externalId },
      ...identity.providerType === void 0 ? {} : { providerType: identity.providerType },
      data: value
    });
    normalizeRecord = (value) => {
      const parsed = PostmarkRecordSchema.safeParse(value);
      if (!parsed.success)
        return unreadable2(value, "The record lacks a string RecordType or has mistyped fields.");
      const record11 = parsed.data;
      const providerType = record11.RecordType;
      const timestamp = timestampOf(record11);
      if (timestamp === void 0)
        return unreadable2(value, `The ${providerType} record carries no timestamp.`, { providerType });
      const messageId = record11.MessageID || void 0;
      const externalId = `${messageId ?? record11.Recipient ?? record11.Email ?? ""}:${timestamp}`;
      const occurred = new Date(timestamp);
      if (Number.isNaN(occurred.getTime())) {
        return unreadable2(value, `The ${providerType} timestamp is not a date.`, { providerType, externalId });
      }
      const type = canonicalType2(record11);
      const base = {
        providerType,
        externalId,
        type,
        entity: messageId === void 0 ? void 0 : { kind: "message", id: messageId },
        occurredAt: occurred.toISOString()
      };
      if (!type.startsWith("email.")) return { kind: "event", draft: { ...base, data: record11 } };
      const recipient = record11.Recipient || record11.Email;
      if (!recipient)
        return unreadable2(value, `The ${providerType} record names no recipient.`, { providerType, externalId });
      const reason = reasonOf2(record11);
      const url3 = type === "email.clicked" ? record11.OriginalLink || void 0 : void 0;
      return {
        kind: "event",
        draft: {
          ...base,
          data: {
            messageId: messageId ?? "",
            recipient,
            ...reason === void 0 ? {} : { reason },
            ...url3 === void 0 ? {} : { url: url3 },
            payload: record11
          }
        }
      };
    };
    readPostmarkBody = (request) => {
      try {
        return { ok: true, value: JSON.parse(utf8Text(request.body)) };
      } catch {
        return { ok: false };
      }
    };
    normalizePostmarkBody = (body) => body.ok ? [normalizeRecord(body.value)] : [{ kind: "unreadable", reason: "The body is not valid JSON." }];
    normalizePostmark = (request, _options) => normalizePostmarkBody(readPostmarkBody(request));
  }
});

// functions/providers/postmark/verify.ts
var import_node_crypto9, import_node_net2, BASIC, IPV4_MAPPED, digest, NOTHING, CREDENTIAL_CACHE_LIMIT, credentialDigests, credentialDigest, allowLists, allowListOf, isAllowedSource, verifyPostmark;
var init_verify5 = __esm({
  "functions/providers/postmark/verify.ts"() {
    "use strict";
    import_node_crypto9 = require("node:crypto");
    import_node_net2 = require("node:net");
    init_compare();
    init_schemas5();
    BASIC = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;
    IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
    digest = (credentials) => (0, import_node_crypto9.hash)("sha256", credentials, "buffer");
    NOTHING = Buffer.alloc(0);
    CREDENTIAL_CACHE_LIMIT = 16;
    credentialDigests = /* @__PURE__ */ new Map();
    credentialDigest = (secret) => {
      const cached = credentialDigests.get(secret);
      if (cached !== void 0) return cached;
      const computed = secret.includes(":") ? digest(Buffer.from(secret, "utf8").toString("base64")) : NOTHING;
      if (credentialDigests.size >= CREDENTIAL_CACHE_LIMIT) credentialDigests.clear();
      credentialDigests.set(secret, computed);
      return computed;
    };
    allowLists = /* @__PURE__ */ new WeakMap();
    allowListOf = (entries) => {
      const built = allowLists.get(entries);
      if (built !== void 0) return built;
      const list = new import_node_net2.BlockList();
      for (const entry of entries) {
        if (!isIpOrCidr(entry)) continue;
        const [address = "", prefix] = entry.split("/");
        const family = (0, import_node_net2.isIP)(address) === 4 ? "ipv4" : "ipv6";
        if (prefix === void 0) list.addAddress(address, family);
        else list.addSubnet(address, Number(prefix), family);
      }
      allowLists.set(entries, list);
      return list;
    };
    isAllowedSource = (sourceIp, allowed) => {
      if (allowed.length === 0) return true;
      const address = IPV4_MAPPED.exec(sourceIp)?.[1] ?? sourceIp;
      const family = (0, import_node_net2.isIP)(address);
      if (family === 0) return false;
      return allowListOf(allowed).check(address, family === 4 ? "ipv4" : "ipv6");
    };
    verifyPostmark = ({ request, secrets, options }) => {
      if (!isAllowedSource(request.sourceIp, options.allowedSourceIps)) {
        return { ok: false, reason: "unauthorized", detail: "The source IP is not in the Postmark allowlist." };
      }
      const authorization = request.headers.authorization;
      if (!authorization) {
        return { ok: false, reason: "unauthorized", detail: "The request carries no Basic credentials." };
      }
      const token = BASIC.exec(authorization)?.[1];
      if (token === void 0) {
        return {
          ok: false,
          reason: "unauthorized",
          detail: "The authorization header is not Basic credentials."
        };
      }
      const presented = digest(token);
      const index = firstMatchingSecret(secrets, [presented], credentialDigest);
      if (index === -1) {
        return {
          ok: false,
          reason: "unauthorized",
          detail: "The Basic credentials match none of the active credentials."
        };
      }
      return { ok: true, secretIndex: index, signature: NOTHING };
    };
  }
});

// functions/providers/postmark/index.ts
var z18, postmarkOptionsSchema, postmarkProvider, postmarkDefinition;
var init_postmark2 = __esm({
  "functions/providers/postmark/index.ts"() {
    "use strict";
    z18 = __toESM(require("zod/mini"));
    init_types();
    init_normalize5();
    init_schemas5();
    init_verify5();
    postmarkOptionsSchema = z18.object({
      /** Postmark signs nothing and sends no timestamp; kept for the common options shape. */
      toleranceSeconds: z18._default(z18.int().check(z18.nonnegative()), 300),
      /**
       * Source addresses or CIDR ranges (IPv4 or IPv6) allowed to call; empty allows any. Postmark
       * publishes the addresses its webhooks come from; this list is where to paste them.
       */
      allowedSourceIps: z18._default(
        z18.array(z18.string().check(z18.refine(isIpOrCidr, "Expected an IPv4/IPv6 address or CIDR range"))),
        []
      )
    });
    postmarkProvider = {
      id: "postmark",
      verify: verifyPostmark,
      normalize: normalizePostmark,
      identityFromUnsignedHeaders: () => false,
      // The credentials travel in Authorization, which the ingest never stores.
      signatureHeaders: () => []
    };
    postmarkDefinition = builtInDefinition(postmarkProvider, postmarkOptionsSchema);
  }
});

// functions/providers/postmark/setup.ts
var MIN_PASSWORD_LENGTH, CREDENTIALS, parseCredentials, postmarkSetup;
var init_setup6 = __esm({
  "functions/providers/postmark/setup.ts"() {
    "use strict";
    MIN_PASSWORD_LENGTH = 16;
    CREDENTIALS = /^([^:\s]+):(\S+)$/;
    parseCredentials = (value) => {
      const password = CREDENTIALS.exec(value)?.[2];
      return password !== void 0 && password.length >= MIN_PASSWORD_LENGTH ? value : void 0;
    };
    postmarkSetup = {
      dashboard: "Servers \u2192 your server \u2192 your message stream \u2192 Webhooks \u2192 Add webhook: this URL as the Webhook URL, with Basic auth credentials (or https://<username>:<password>@\u2026 in the URL)",
      events: ["Delivery", "Bounce", "SpamComplaint", "Open", "Click", "SubscriptionChange"],
      otherEvents: "transient bounces and reactivations are stored as postmark.Bounce and postmark.SubscriptionChange",
      contentType: "application/json (Postmark always sends JSON)",
      secretSource: "the username and password you choose for the webhook's basic auth; Postmark issues none (openssl rand -hex 16 makes a password)",
      secret: {
        expected: `HTTP basic credentials as username:password, a username without colons or spaces and a password of at least ${MIN_PASSWORD_LENGTH} characters without spaces`,
        parse: parseCredentials
      },
      verification: "HTTP basic authentication with the configured username:password, compared in constant time; with providers.postmark.allowedSourceIps, the source address must be listed. Nothing is signed.",
      request: { bodies: { "application/json": "object" }, headers: [], basicAuth: true }
    };
  }
});

// functions/providers/postmark/sign.ts
var signPostmarkRequest;
var init_sign5 = __esm({
  "functions/providers/postmark/sign.ts"() {
    "use strict";
    signPostmarkRequest = (_req, secret, _now) => ({ authorization: `Basic ${Buffer.from(secret, "utf8").toString("base64")}` });
  }
});

// functions/providers/sendgrid/schemas.ts
var z19, SendgridEventSchema, SendgridBatchSchema;
var init_schemas6 = __esm({
  "functions/providers/sendgrid/schemas.ts"() {
    "use strict";
    z19 = __toESM(require("zod/mini"));
    SendgridEventSchema = z19.looseObject({
      event: z19.string().check(z19.minLength(1)),
      sg_event_id: z19.string().check(z19.minLength(1)),
      /** Unix seconds. */
      timestamp: z19.number(),
      email: z19.optional(z19.string()),
      sg_message_id: z19.optional(z19.string()),
      "smtp-id": z19.optional(z19.string()),
      reason: z19.optional(z19.string()),
      url: z19.optional(z19.string()),
      /** On `bounce` events: `bounce` (permanent) or `blocked` (temporary). */
      type: z19.optional(z19.string())
    });
    SendgridBatchSchema = z19.array(z19.unknown());
  }
});

// functions/providers/sendgrid/normalize.ts
var CANONICAL_TYPES2, canonicalType3, messageIdOf, isoFromUnixSeconds, stringField2, unreadable3, normalizeElement2, readSendgridBody, normalizeSendgridBody, normalizeSendgrid;
var init_normalize6 = __esm({
  "functions/providers/sendgrid/normalize.ts"() {
    "use strict";
    init_parsed_body();
    init_schemas6();
    CANONICAL_TYPES2 = {
      delivered: "email.delivered",
      bounce: "email.bounced",
      open: "email.opened",
      click: "email.clicked",
      spamreport: "email.spam_reported",
      unsubscribe: "email.unsubscribed",
      group_unsubscribe: "email.unsubscribed"
    };
    canonicalType3 = (event) => {
      if (event.event === "bounce" && event.type === "blocked") return "sendgrid.bounce";
      const mapped = Object.hasOwn(CANONICAL_TYPES2, event.event) ? CANONICAL_TYPES2[event.event] : void 0;
      return mapped ?? `sendgrid.${event.event}`;
    };
    messageIdOf = (event) => {
      const sgMessageId = event.sg_message_id?.trim().split(".")[0];
      if (sgMessageId) return sgMessageId;
      const smtpId = event["smtp-id"]?.trim();
      return smtpId || void 0;
    };
    isoFromUnixSeconds = (seconds2) => {
      const date = new Date(seconds2 * 1e3);
      return Number.isNaN(date.getTime()) ? void 0 : date.toISOString();
    };
    stringField2 = (value, field3) => {
      if (typeof value !== "object" || value === null || !Object.hasOwn(value, field3)) return void 0;
      const fieldValue = value[field3];
      return typeof fieldValue === "string" && fieldValue.length > 0 ? fieldValue : void 0;
    };
    unreadable3 = (element, reason) => ({
      kind: "unreadable",
      reason,
      externalId: stringField2(element, "sg_event_id"),
      providerType: stringField2(element, "event"),
      data: element
    });
    normalizeElement2 = (element) => {
      const parsed = SendgridEventSchema.safeParse(element);
      if (!parsed.success)
        return unreadable3(element, "The event lacks a string event, sg_event_id or a numeric timestamp.");
      const event = parsed.data;
      const occurredAt = isoFromUnixSeconds(event.timestamp);
      if (occurredAt === void 0) return unreadable3(element, "The event timestamp is not a valid unix time.");
      const type = canonicalType3(event);
      const messageId = messageIdOf(event);
      const entity = messageId === void 0 ? void 0 : { kind: "message", id: messageId };
      const base = { providerType: event.event, externalId: event.sg_event_id, type, entity, occurredAt };
      if (!type.startsWith("email.")) return { kind: "event", draft: { ...base, data: event } };
      if (messageId === void 0)
        return unreadable3(element, "The email event carries neither sg_message_id nor smtp-id.");
      if (!event.email) return unreadable3(element, "The email event carries no recipient email.");
      const draft = {
        ...base,
        data: {
          messageId,
          recipient: event.email,
          ...event.reason === void 0 ? {} : { reason: event.reason },
          ...event.url === void 0 ? {} : { url: event.url },
          payload: event
        }
      };
      return { kind: "event", draft };
    };
    readSendgridBody = (request) => {
      try {
        return { ok: true, value: JSON.parse(utf8Text(request.body)) };
      } catch {
        return { ok: false };
      }
    };
    normalizeSendgridBody = (json2) => {
      if (!json2.ok) return [{ kind: "unreadable", reason: "The body is not valid JSON." }];
      const batch = SendgridBatchSchema.safeParse(json2.value);
      if (!batch.success)
        return [{ kind: "unreadable", reason: "The body is not a JSON array of events.", data: json2.value }];
      return batch.data.map(normalizeElement2);
    };
    normalizeSendgrid = (request, _options) => normalizeSendgridBody(readSendgridBody(request));
  }
});

// functions/providers/sendgrid/verify.ts
var import_node_crypto10, SIGNATURE_HEADER2, TIMESTAMP_HEADER2, UNIX_SECONDS2, BASE64, KEY_CACHE_LIMIT, keyCache, parseVerificationKey, P256_ORDER, canonicalSignature, verifiesWith, verifySendgrid;
var init_verify6 = __esm({
  "functions/providers/sendgrid/verify.ts"() {
    "use strict";
    import_node_crypto10 = require("node:crypto");
    SIGNATURE_HEADER2 = "x-twilio-email-event-webhook-signature";
    TIMESTAMP_HEADER2 = "x-twilio-email-event-webhook-timestamp";
    UNIX_SECONDS2 = /^\d{1,12}$/;
    BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
    KEY_CACHE_LIMIT = 32;
    keyCache = /* @__PURE__ */ new Map();
    parseVerificationKey = (secret) => {
      const cached = keyCache.get(secret);
      if (cached !== void 0) return cached;
      let key = null;
      try {
        const trimmed = secret.trim();
        const parsed = trimmed.includes("-----BEGIN") ? (0, import_node_crypto10.createPublicKey)(trimmed) : (0, import_node_crypto10.createPublicKey)({ key: Buffer.from(trimmed, "base64"), format: "der", type: "spki" });
        if (parsed.asymmetricKeyType === "ec" && parsed.asymmetricKeyDetails?.namedCurve === "prime256v1")
          key = parsed;
      } catch {
        key = null;
      }
      if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
      keyCache.set(secret, key);
      return key;
    };
    P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    canonicalSignature = (der) => {
      const integers = [];
      for (let at2 = 2; at2 + 1 < der.length && integers.length < 2; ) {
        const length = der[at2 + 1] ?? 0;
        integers.push(BigInt(`0x${der.subarray(at2 + 2, at2 + 2 + length).toString("hex") || "0"}`));
        at2 += 2 + length;
      }
      const [r = 0n, s = 0n] = integers;
      const lowS = s > P256_ORDER / 2n ? P256_ORDER - s : s;
      return Buffer.from(`${r.toString(16).padStart(64, "0")}${lowS.toString(16).padStart(64, "0")}`, "hex");
    };
    verifiesWith = (key, signedBytes, signature) => {
      try {
        return (0, import_node_crypto10.verify)("sha256", signedBytes, key, signature);
      } catch {
        return false;
      }
    };
    verifySendgrid = ({
      request,
      secrets,
      now,
      options
    }) => {
      const signatureHeader = request.headers[SIGNATURE_HEADER2];
      const timestampHeader = request.headers[TIMESTAMP_HEADER2];
      if (!signatureHeader || !timestampHeader) {
        return { ok: false, reason: "missing", detail: "The SendGrid signature or timestamp header is missing." };
      }
      const timestamp = timestampHeader.trim();
      if (!UNIX_SECONDS2.test(timestamp)) {
        return {
          ok: false,
          reason: "signature",
          detail: "The SendGrid timestamp header is not a unix time in seconds."
        };
      }
      const ageSeconds = Math.floor(now.getTime() / 1e3) - Number(timestamp);
      if (Math.abs(ageSeconds) > options.toleranceSeconds) {
        return {
          ok: false,
          reason: "stale",
          detail: `The SendGrid timestamp is ${ageSeconds} s away from now, beyond the tolerance.`
        };
      }
      const signatureText = signatureHeader.trim();
      if (!BASE64.test(signatureText)) {
        return { ok: false, reason: "signature", detail: "The SendGrid signature header is not base64." };
      }
      const signature = Buffer.from(signatureText, "base64");
      const signedBytes = Buffer.concat([Buffer.from(timestamp, "utf8"), request.body]);
      for (const [index, secret] of secrets.entries()) {
        const key = parseVerificationKey(secret);
        if (key && verifiesWith(key, signedBytes, signature))
          return { ok: true, secretIndex: index, signature: canonicalSignature(signature) };
      }
      return {
        ok: false,
        reason: "signature",
        detail: "The SendGrid signature matches none of the active verification keys."
      };
    };
  }
});

// functions/providers/sendgrid/index.ts
var z20, sendgridOptionsSchema, sendgridProvider, sendgridDefinition;
var init_sendgrid2 = __esm({
  "functions/providers/sendgrid/index.ts"() {
    "use strict";
    z20 = __toESM(require("zod/mini"));
    init_types();
    init_normalize6();
    init_verify6();
    sendgridOptionsSchema = z20.object({
      toleranceSeconds: z20._default(z20.int().check(z20.nonnegative()), 300)
    });
    sendgridProvider = {
      id: "sendgrid",
      verify: verifySendgrid,
      normalize: normalizeSendgrid,
      identityFromUnsignedHeaders: () => false,
      signatureHeaders: () => [SIGNATURE_HEADER2]
    };
    sendgridDefinition = builtInDefinition(sendgridProvider, sendgridOptionsSchema);
  }
});

// functions/providers/sendgrid/setup.ts
var import_node_crypto11, spkiBase64, isP256, parseVerificationKey2, publicKeyOf, sendgridSetup;
var init_setup7 = __esm({
  "functions/providers/sendgrid/setup.ts"() {
    "use strict";
    import_node_crypto11 = require("node:crypto");
    spkiBase64 = (key) => key.export({ type: "spki", format: "der" }).toString("base64");
    isP256 = (key) => key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1";
    parseVerificationKey2 = (value) => {
      try {
        const key = value.includes("-----BEGIN") ? (0, import_node_crypto11.createPublicKey)(value) : (0, import_node_crypto11.createPublicKey)({
          key: Buffer.from(value.replace(/\s+/g, ""), "base64"),
          format: "der",
          type: "spki"
        });
        return isP256(key) ? spkiBase64(key) : void 0;
      } catch {
        return void 0;
      }
    };
    publicKeyOf = (privateKey) => {
      try {
        return spkiBase64(
          (0, import_node_crypto11.createPublicKey)(
            (0, import_node_crypto11.createPrivateKey)({ key: Buffer.from(privateKey, "base64"), format: "der", type: "pkcs8" })
          )
        );
      } catch {
        return void 0;
      }
    };
    sendgridSetup = {
      dashboard: "Settings \u2192 Mail Settings \u2192 Event Webhook (Webhook Settings): create or edit a webhook with this URL as the Post URL, and enable Signed Event Webhook (Signature Verification)",
      events: ["delivered", "bounce", "open", "click", "spamreport", "unsubscribe", "group_unsubscribe"],
      otherEvents: "other events (processed, deferred, dropped, group_resubscribe\u2026) are stored as sendgrid.<event>, as is a blocked bounce",
      contentType: "application/json (SendGrid always posts a JSON array of events)",
      secretSource: "the Verification Key shown once the webhook's signature verification is enabled",
      secret: {
        expected: "a SendGrid verification key: an ECDSA P-256 public key, as the base64 SendGrid shows or as a PEM (-----BEGIN PUBLIC KEY-----)",
        parse: parseVerificationKey2,
        publicKeyOf
      },
      verification: "X-Twilio-Email-Event-Webhook-Signature is a base64 ECDSA P-256 signature over X-Twilio-Email-Event-Webhook-Timestamp + the body, checked with the verification key; the timestamp must be within the tolerance (300 s by default).",
      request: {
        bodies: { "application/json": "array" },
        headers: [
          {
            name: "X-Twilio-Email-Event-Webhook-Signature",
            description: "base64 DER ECDSA signature of timestamp + body",
            required: true
          },
          { name: "X-Twilio-Email-Event-Webhook-Timestamp", description: "unix seconds", required: true }
        ]
      }
    };
  }
});

// functions/providers/sendgrid/sign.ts
var import_node_crypto12, privateKeyOf, signSendgridRequest;
var init_sign6 = __esm({
  "functions/providers/sendgrid/sign.ts"() {
    "use strict";
    import_node_crypto12 = require("node:crypto");
    init_verify6();
    privateKeyOf = (secret) => {
      const trimmed = secret.trim();
      return trimmed.includes("-----BEGIN") ? (0, import_node_crypto12.createPrivateKey)(trimmed) : (0, import_node_crypto12.createPrivateKey)({ key: Buffer.from(trimmed, "base64"), format: "der", type: "pkcs8" });
    };
    signSendgridRequest = (req, secret, now) => {
      const timestamp = String(Math.floor(now.getTime() / 1e3));
      const signature = (0, import_node_crypto12.sign)(
        "sha256",
        Buffer.concat([Buffer.from(timestamp, "utf8"), req.body]),
        privateKeyOf(secret)
      );
      return { [SIGNATURE_HEADER2]: signature.toString("base64"), [TIMESTAMP_HEADER2]: timestamp };
    };
  }
});

// functions/providers/shopify/schemas.ts
var z21, nonEmpty11, shopifyId, resource, ShopifyPayloadSchema;
var init_schemas7 = __esm({
  "functions/providers/shopify/schemas.ts"() {
    "use strict";
    z21 = __toESM(require("zod/mini"));
    nonEmpty11 = () => z21.string().check(z21.minLength(1));
    shopifyId = () => z21.union([z21.number(), nonEmpty11()]);
    resource = {
      id: z21.optional(z21.nullable(shopifyId())),
      /** `gid://shopify/Order/820982911946154508`: the exact id as a string. */
      admin_graphql_api_id: z21.optional(z21.nullable(z21.string()))
    };
    ShopifyPayloadSchema = z21.looseObject({
      ...resource,
      order_id: z21.optional(z21.nullable(shopifyId())),
      customer: z21.optional(z21.nullable(z21.looseObject(resource))),
      updated_at: z21.optional(z21.nullable(z21.string())),
      cancelled_at: z21.optional(z21.unknown()),
      created_at: z21.optional(z21.nullable(z21.string()))
    });
  }
});

// functions/providers/shopify/normalize.ts
var SHOPIFY_CANONICAL_TYPES, GRAPHQL_TYPE_BY_RESOURCE, TOPIC, EVENT_ID, SHOP_DOMAIN, GRAPHQL_ID, ISO_DATE_TIME2, MAX_DATE_MS3, header2, idOf, topicMismatch, snakeCase, entityOf2, toIso3, readShopifyBody, normalizeShopifyBody, normalizeShopify;
var init_normalize7 = __esm({
  "functions/providers/shopify/normalize.ts"() {
    "use strict";
    init_parsed_body();
    init_schemas7();
    SHOPIFY_CANONICAL_TYPES = /* @__PURE__ */ new Map([
      ["orders/create", "order.created"],
      ["orders/updated", "order.updated"],
      ["orders/paid", "order.paid"],
      ["orders/cancelled", "order.cancelled"],
      ["orders/fulfilled", "order.fulfilled"],
      ["customers/create", "customer.created"],
      ["customers/update", "customer.updated"],
      ["customers/delete", "customer.deleted"]
    ]);
    GRAPHQL_TYPE_BY_RESOURCE = /* @__PURE__ */ new Map([
      ["orders", "Order"],
      ["customers", "Customer"],
      ["products", "Product"],
      ["draft_orders", "DraftOrder"],
      ["fulfillments", "Fulfillment"],
      ["refunds", "Refund"],
      ["collections", "Collection"],
      ["inventory_items", "InventoryItem"],
      ["locations", "Location"],
      ["order_transactions", "OrderTransaction"],
      ["companies", "Company"],
      ["company_locations", "CompanyLocation"],
      ["company_contacts", "CompanyContact"],
      ["selling_plan_groups", "SellingPlanGroup"]
    ]);
    TOPIC = /^[a-z0-9_]{1,64}(?:\/[a-z0-9_]{1,64}){1,2}$/;
    EVENT_ID = /^[0-9A-Za-z-]{1,64}$/;
    SHOP_DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,4}[A-Za-z]{2,63}$/;
    GRAPHQL_ID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/;
    ISO_DATE_TIME2 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
    MAX_DATE_MS3 = 864e13;
    header2 = (request, name, shape) => {
      const value = request.headers[name]?.trim();
      return value !== void 0 && shape.test(value) ? value : void 0;
    };
    idOf = (resource2) => {
      const gid = GRAPHQL_ID.exec(resource2?.admin_graphql_api_id ?? "");
      if (gid?.[1] !== void 0 && gid[2] !== void 0) return { id: gid[2], type: gid[1] };
      const id2 = resource2?.id;
      if (typeof id2 === "string") return { id: id2 };
      if (typeof id2 === "number" && Number.isInteger(id2)) return { id: BigInt(id2).toString() };
      return void 0;
    };
    topicMismatch = (topic, payload) => {
      const [resource2 = ""] = topic.split("/");
      const expected = GRAPHQL_TYPE_BY_RESOURCE.get(resource2);
      const actual = GRAPHQL_ID.exec(payload.admin_graphql_api_id ?? "")?.[1];
      if (expected !== void 0 && actual !== void 0 && actual !== expected) {
        return `${topic} delivers type ${expected}, admin_graphql_api_id names type ${actual}.`;
      }
      if (topic === "orders/cancelled" && (typeof payload.cancelled_at !== "string" || payload.cancelled_at === "")) {
        return "an orders/cancelled body has a cancelled_at time, this one has none.";
      }
      return void 0;
    };
    snakeCase = (type) => type.replace(/(?<=[a-z0-9])([A-Z])/g, "_$1").toLowerCase();
    entityOf2 = (topic, shop, payload) => {
      if (shop === void 0) return void 0;
      const [resource2 = ""] = topic.split("/");
      const own2 = idOf(payload);
      let entity;
      if (resource2 === "orders") entity = own2 && { kind: "order", id: own2.id };
      else if (resource2 === "customers") {
        const customer = own2 ?? idOf(payload.customer);
        entity = customer && { kind: "customer", id: customer.id };
      } else {
        const order = idOf({ id: payload.order_id });
        if (order) entity = { kind: "order", id: order.id };
        else if (own2) entity = { kind: own2.type === void 0 ? resource2 : snakeCase(own2.type), id: own2.id };
      }
      return entity && { kind: entity.kind, id: `${shop}:${entity.id}` };
    };
    toIso3 = (value) => {
      if (value === null || value === void 0 || !ISO_DATE_TIME2.test(value)) return void 0;
      const ms = Date.parse(value);
      return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS3 ? new Date(ms).toISOString() : void 0;
    };
    readShopifyBody = (request) => parseUtf8Json(request.body);
    normalizeShopifyBody = (body, request, _options) => {
      const providerType = header2(request, "x-shopify-topic", TOPIC);
      const externalId = header2(request, "x-shopify-event-id", EVENT_ID) ?? header2(request, "x-shopify-webhook-id", EVENT_ID);
      if (providerType === void 0 || externalId === void 0) {
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: "X-Shopify-Topic or X-Shopify-Event-Id (and X-Shopify-Webhook-Id) is missing or malformed."
          }
        ];
      }
      if (!body.ok) return [{ kind: "unreadable", externalId, providerType, reason: "Body is not UTF-8 JSON." }];
      const parsed = body.value;
      const result = ShopifyPayloadSchema.safeParse(parsed);
      if (!result.success) {
        const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`).join("; ");
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: `Body is not a Shopify webhook payload: ${issues}.`,
            data: parsed
          }
        ];
      }
      const payload = result.data;
      const mismatch2 = topicMismatch(providerType, payload);
      if (mismatch2 !== void 0) {
        return [
          {
            kind: "unreadable",
            externalId,
            providerType,
            reason: `X-Shopify-Topic does not fit the body: ${mismatch2}`,
            data: parsed
          }
        ];
      }
      const shop = header2(request, "x-shopify-shop-domain", SHOP_DOMAIN)?.toLowerCase();
      return [
        {
          kind: "event",
          draft: {
            providerType,
            externalId,
            type: SHOPIFY_CANONICAL_TYPES.get(providerType) ?? `shopify.${providerType}`,
            entity: entityOf2(providerType, shop, payload),
            occurredAt: toIso3(payload.updated_at) ?? toIso3(payload.created_at) ?? toIso3(request.headers["x-shopify-triggered-at"]?.trim()),
            data: payload
          }
        }
      ];
    };
    normalizeShopify = (request, options) => normalizeShopifyBody(readShopifyBody(request), request, options);
  }
});

// functions/providers/shopify/verify.ts
var import_node_crypto13, verifyShopify;
var init_verify7 = __esm({
  "functions/providers/shopify/verify.ts"() {
    "use strict";
    import_node_crypto13 = require("node:crypto");
    init_compare();
    init_encoding();
    verifyShopify = ({ request, secrets }) => {
      const header3 = request.headers["x-shopify-hmac-sha256"]?.trim();
      if (header3 === void 0 || header3 === "") {
        return { ok: false, reason: "missing", detail: "X-Shopify-Hmac-Sha256 header is missing." };
      }
      const digest3 = decodeBase64Digest(header3, 32);
      if (digest3 === void 0) {
        return {
          ok: false,
          reason: "signature",
          detail: "X-Shopify-Hmac-Sha256 is not the base64 of a SHA-256 digest."
        };
      }
      const match = matchSecret(
        secrets,
        [digest3],
        (secret) => (
          // An empty secret would let anyone sign; it never matches.
          secret === "" ? Buffer.alloc(0) : (0, import_node_crypto13.createHmac)("sha256", secret).update(request.body).digest()
        )
      );
      if (match === void 0)
        return { ok: false, reason: "signature", detail: "X-Shopify-Hmac-Sha256 matches no active secret." };
      return { ok: true, secretIndex: match.index, signature: match.signature };
    };
  }
});

// functions/providers/shopify/index.ts
var z22, shopifyOptionsSchema, shopifyProvider, shopifyDefinition;
var init_shopify = __esm({
  "functions/providers/shopify/index.ts"() {
    "use strict";
    z22 = __toESM(require("zod/mini"));
    init_types();
    init_normalize7();
    init_verify7();
    shopifyOptionsSchema = z22.object({
      /** Unused: Shopify signs no timestamp. Kept so that every provider's options share the field. */
      toleranceSeconds: z22._default(z22.int().check(z22.positive()), 300)
    });
    shopifyProvider = {
      id: "shopify",
      verify: verifyShopify,
      normalize: normalizeShopify,
      // X-Shopify-Event-Id and X-Shopify-Topic are not signed.
      identityFromUnsignedHeaders: () => true,
      signatureHeaders: () => ["x-shopify-hmac-sha256"]
    };
    shopifyDefinition = builtInDefinition(shopifyProvider, shopifyOptionsSchema);
  }
});

// functions/providers/shopify/setup.ts
var shopifySetup;
var init_setup8 = __esm({
  "functions/providers/shopify/setup.ts"() {
    "use strict";
    init_setup();
    init_normalize7();
    shopifySetup = {
      dashboard: "an app: a webhook subscription (shopify.app.toml or webhookSubscriptionCreate) with this URL as its HTTPS URI; a store: Settings \u2192 Notifications \u2192 Webhooks \u2192 Create webhook, this URL",
      events: [...SHOPIFY_CANONICAL_TYPES.keys()],
      otherEvents: "any other topic you subscribe to is stored as shopify.<topic>",
      contentType: "JSON (the webhook format)",
      secretSource: "an app's client secret (Dev Dashboard \u2192 Apps \u2192 your app \u2192 Settings \u2192 Secret), or for store webhooks the signing key shown under the store's webhook list",
      secret: {
        expected: "an app client secret (shpss_ followed by 32 hex digits, or 32 hex digits) or a store's 64-hex-digit webhook signing key",
        parse: matching(/^(?:(?:shpss_)?[0-9a-f]{32}|[0-9a-f]{64})$/)
      },
      verification: "X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the body, keyed with the secret. Shopify signs no timestamp and not its headers: a resent capture is a duplicate of the event its bytes first produced.",
      request: {
        bodies: { "application/json": "object" },
        headers: [
          { name: "X-Shopify-Hmac-Sha256", description: "base64 HMAC-SHA256 of the body", required: true },
          { name: "X-Shopify-Topic", description: "the topic (orders/create\u2026)", required: true },
          {
            name: "X-Shopify-Event-Id",
            description: "the event id, the same for every subscription it reaches",
            required: false
          },
          {
            name: "X-Shopify-Webhook-Id",
            description: "the delivery id, the event id when X-Shopify-Event-Id is absent",
            required: false
          },
          {
            name: "X-Shopify-Shop-Domain",
            description: "the shop, which prefixes every entity",
            required: false
          },
          {
            name: "X-Shopify-Triggered-At",
            description: "when the event happened, if the body says nothing",
            required: false
          }
        ]
      }
    };
  }
});

// functions/providers/shopify/sign.ts
var import_node_crypto14, signShopifyRequest;
var init_sign7 = __esm({
  "functions/providers/shopify/sign.ts"() {
    "use strict";
    import_node_crypto14 = require("node:crypto");
    signShopifyRequest = (req, secret, _now) => ({
      "x-shopify-hmac-sha256": (0, import_node_crypto14.createHmac)("sha256", secret).update(req.body).digest("base64")
    });
  }
});

// functions/providers/standard-webhooks/schemas.ts
var z23, StandardWebhooksPayloadSchema;
var init_schemas8 = __esm({
  "functions/providers/standard-webhooks/schemas.ts"() {
    "use strict";
    z23 = __toESM(require("zod/mini"));
    StandardWebhooksPayloadSchema = z23.looseObject({
      type: z23.optional(z23.unknown()),
      timestamp: z23.optional(z23.unknown())
    });
  }
});

// functions/providers/standard-webhooks/normalize.ts
var MAX_ID_LENGTH, MAX_TYPE_LENGTH, TIMESTAMP3, ISO_DATE_TIME3, MAX_DATE_MS4, toIso4, at, entityOf3, readStandardWebhooksBody, normalizeStandardWebhooksBody, normalizeStandardWebhooks;
var init_normalize8 = __esm({
  "functions/providers/standard-webhooks/normalize.ts"() {
    "use strict";
    init_parsed_body();
    init_schemas8();
    MAX_ID_LENGTH = 256;
    MAX_TYPE_LENGTH = 128;
    TIMESTAMP3 = /^(?:0|[1-9]\d{0,11})$/;
    ISO_DATE_TIME3 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
    MAX_DATE_MS4 = 864e13;
    toIso4 = (ms) => Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS4 ? new Date(ms).toISOString() : void 0;
    at = (value, path) => path.split(".").reduce(
      (node, key) => typeof node === "object" && node !== null && !Array.isArray(node) && Object.hasOwn(node, key) ? node[key] : void 0,
      value
    );
    entityOf3 = (payload, options) => {
      if (options.entity === void 0) return void 0;
      const id2 = at(payload, options.entity.path);
      if (typeof id2 === "string" && id2 !== "" || typeof id2 === "number" && Number.isFinite(id2)) {
        return { kind: options.entity.kind, id: String(id2) };
      }
      return void 0;
    };
    readStandardWebhooksBody = (request) => parseUtf8Json(request.body);
    normalizeStandardWebhooksBody = (body, request, options) => {
      const id2 = request.headers["webhook-id"]?.trim() ?? "";
      const externalId = id2 !== "" && id2.length <= MAX_ID_LENGTH ? id2 : void 0;
      if (externalId === void 0) return [{ kind: "unreadable", reason: "webhook-id is missing or too long." }];
      if (!body.ok) return [{ kind: "unreadable", externalId, reason: "Body is not UTF-8 JSON." }];
      const parsed = body.value;
      const result = StandardWebhooksPayloadSchema.safeParse(parsed);
      if (!result.success)
        return [{ kind: "unreadable", externalId, reason: "Body is not a JSON object.", data: parsed }];
      const payload = result.data;
      const providerType = typeof payload.type === "string" && payload.type !== "" && payload.type.length <= MAX_TYPE_LENGTH ? payload.type : "webhook";
      const headerTimestamp = request.headers["webhook-timestamp"]?.trim() ?? "";
      const occurredAt = (typeof payload.timestamp === "string" && ISO_DATE_TIME3.test(payload.timestamp) ? toIso4(Date.parse(payload.timestamp)) : void 0) ?? (TIMESTAMP3.test(headerTimestamp) ? toIso4(Number(headerTimestamp) * 1e3) : void 0);
      const type = Object.hasOwn(options.types, providerType) ? options.types[providerType] : void 0;
      return [
        {
          kind: "event",
          draft: {
            providerType,
            externalId,
            type: type ?? `standard-webhooks.${providerType}`,
            entity: entityOf3(payload, options),
            occurredAt,
            data: payload
          }
        }
      ];
    };
    normalizeStandardWebhooks = (request, options) => normalizeStandardWebhooksBody(readStandardWebhooksBody(request), request, options);
  }
});

// functions/providers/standard-webhooks/keys.ts
var import_node_crypto15, STRICT_BASE64, strictBase64, PUBLIC_KEY_PREFIX, PRIVATE_KEY_PREFIX, SECRET_PREFIX, parseVerificationKey3;
var init_keys = __esm({
  "functions/providers/standard-webhooks/keys.ts"() {
    "use strict";
    import_node_crypto15 = require("node:crypto");
    STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    strictBase64 = (text4) => {
      if (text4.length === 0 || !STRICT_BASE64.test(text4)) return void 0;
      const bytes = Buffer.from(text4, "base64");
      return bytes.toString("base64") === text4 ? bytes : void 0;
    };
    PUBLIC_KEY_PREFIX = "whpk_";
    PRIVATE_KEY_PREFIX = "whsk_";
    SECRET_PREFIX = "whsec_";
    parseVerificationKey3 = (secret) => {
      if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
        const raw = strictBase64(secret.slice(PUBLIC_KEY_PREFIX.length));
        if (raw?.length !== 32) return void 0;
        try {
          return {
            kind: "ed25519",
            key: (0, import_node_crypto15.createPublicKey)({
              key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
              format: "jwk"
            })
          };
        } catch {
          return void 0;
        }
      }
      const key = strictBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
      return key === void 0 ? void 0 : { kind: "hmac", key };
    };
  }
});

// functions/providers/standard-webhooks/verify.ts
var import_node_crypto16, MAX_ID_LENGTH2, MAX_SIGNATURE_HEADER_LENGTH, MAX_ENTRIES_PER_VERSION, TIMESTAMP4, keep, parseSignatures, missing2, verifyStandardWebhooks;
var init_verify8 = __esm({
  "functions/providers/standard-webhooks/verify.ts"() {
    "use strict";
    import_node_crypto16 = require("node:crypto");
    init_compare();
    init_keys();
    MAX_ID_LENGTH2 = 256;
    MAX_SIGNATURE_HEADER_LENGTH = 4096;
    MAX_ENTRIES_PER_VERSION = 4;
    TIMESTAMP4 = /^(?:0|[1-9]\d{0,11})$/;
    keep = (kept, signature) => {
      if (kept.length < MAX_ENTRIES_PER_VERSION && !kept.some((other) => other.equals(signature)))
        kept.push(signature);
    };
    parseSignatures = (header3) => {
      const candidates = { hmac: [], ed25519: [] };
      for (const entry of header3.split(" ")) {
        const comma = entry.indexOf(",");
        const version = entry.slice(0, comma);
        const signature = strictBase64(entry.slice(comma + 1));
        if (comma < 0 || signature === void 0) continue;
        if (version === "v1" && signature.length === 32) keep(candidates.hmac, signature);
        if (version === "v1a" && signature.length === 64) keep(candidates.ed25519, signature);
      }
      return candidates;
    };
    missing2 = (name) => ({
      ok: false,
      reason: "missing",
      detail: `${name} header is missing.`
    });
    verifyStandardWebhooks = ({
      request,
      secrets,
      now,
      options
    }) => {
      const id2 = request.headers["webhook-id"]?.trim();
      const timestamp = request.headers["webhook-timestamp"]?.trim();
      const signatureHeader = request.headers["webhook-signature"]?.trim();
      if (!id2) return missing2("webhook-id");
      if (!timestamp) return missing2("webhook-timestamp");
      if (!signatureHeader) return missing2("webhook-signature");
      if (id2.length > MAX_ID_LENGTH2) return { ok: false, reason: "signature", detail: "webhook-id is too long." };
      if (signatureHeader.length > MAX_SIGNATURE_HEADER_LENGTH)
        return { ok: false, reason: "signature", detail: "webhook-signature is too long." };
      if (!TIMESTAMP4.test(timestamp))
        return { ok: false, reason: "signature", detail: "webhook-timestamp is not a number of seconds." };
      const ageSeconds = Math.floor(now.getTime() / 1e3) - Number(timestamp);
      if (Math.abs(ageSeconds) > options.toleranceSeconds) {
        return {
          ok: false,
          reason: "stale",
          detail: `webhook-timestamp is ${Math.abs(ageSeconds)} s ${ageSeconds > 0 ? "old" : "in the future"}; tolerance is ${options.toleranceSeconds} s.`
        };
      }
      const candidates = parseSignatures(signatureHeader);
      if (candidates.hmac.length === 0 && candidates.ed25519.length === 0) {
        return {
          ok: false,
          reason: "signature",
          detail: "webhook-signature has no well-formed v1 or v1a entry."
        };
      }
      const content = Buffer.concat([Buffer.from(`${id2}.${timestamp}.`), request.body]);
      for (const [index, secret] of secrets.entries()) {
        const key = parseVerificationKey3(secret);
        const signature = key?.kind === "hmac" ? matchSecret([secret], candidates.hmac, () => (0, import_node_crypto16.createHmac)("sha256", key.key).update(content).digest())?.signature : key?.kind === "ed25519" ? candidates.ed25519.find((candidate) => (0, import_node_crypto16.verify)(null, content, key.key, candidate)) : void 0;
        if (signature !== void 0) return { ok: true, secretIndex: index, signature };
      }
      return { ok: false, reason: "signature", detail: "No v1 or v1a signature matches an active key." };
    };
  }
});

// functions/providers/standard-webhooks/index.ts
var z24, nonEmpty12, standardWebhooksOptionsSchema, standardWebhooksProvider, standardWebhooksDefinition;
var init_standard_webhooks = __esm({
  "functions/providers/standard-webhooks/index.ts"() {
    "use strict";
    z24 = __toESM(require("zod/mini"));
    init_types();
    init_normalize8();
    init_verify8();
    nonEmpty12 = () => z24.string().check(z24.minLength(1));
    standardWebhooksOptionsSchema = z24.object({
      /** The spec's recommended tolerance: five minutes, both directions. */
      toleranceSeconds: z24._default(z24.int().check(z24.positive()), 300),
      /**
       * Payload `type` -> canonical type, for a sender whose events mean one of ours. Unlisted types
       * become `standard-webhooks.<type>`. email.* and sms.* are refused: they need a fixed data shape
       * that a generic sender's payload does not have.
       */
      types: z24._default(
        z24.record(
          nonEmpty12(),
          nonEmpty12().check(
            z24.refine(
              (type) => !/^(?:email|sms)\./.test(type),
              "email.* and sms.* need a provider-specific data shape"
            )
          )
        ),
        {}
      ),
      /** Where a sender keeps the id of the entity its events must stay ordered by (a dotted path into the payload). */
      entity: z24.optional(z24.object({ kind: nonEmpty12(), path: nonEmpty12() }))
    });
    standardWebhooksProvider = {
      id: "standard-webhooks",
      verify: verifyStandardWebhooks,
      normalize: normalizeStandardWebhooks,
      // webhook-id is part of the signed content; the type is read from the signed body.
      identityFromUnsignedHeaders: () => false,
      signatureHeaders: () => ["webhook-signature"]
    };
    standardWebhooksDefinition = builtInDefinition(
      standardWebhooksProvider,
      standardWebhooksOptionsSchema
    );
  }
});

// functions/providers/standard-webhooks/setup.ts
var MIN_SECRET_BYTES, MAX_SECRET_BYTES, parseSecret, standardWebhooksSetup;
var init_setup9 = __esm({
  "functions/providers/standard-webhooks/setup.ts"() {
    "use strict";
    init_keys();
    MIN_SECRET_BYTES = 24;
    MAX_SECRET_BYTES = 64;
    parseSecret = (value) => {
      if (value.startsWith(PUBLIC_KEY_PREFIX)) return parseVerificationKey3(value) ? value : void 0;
      if (!value.startsWith(SECRET_PREFIX)) return void 0;
      const bytes = strictBase64(value.slice(SECRET_PREFIX.length))?.length ?? 0;
      return bytes >= MIN_SECRET_BYTES && bytes <= MAX_SECRET_BYTES ? value : void 0;
    };
    standardWebhooksSetup = (options) => ({
      dashboard: "the sender's webhook (endpoint) settings: add an endpoint with this URL",
      // Only the types the configuration maps (providers['standard-webhooks'].types) become canonical.
      events: Object.keys(options.types),
      otherEvents: Object.keys(options.types).length > 0 ? "any other type the sender offers is stored as standard-webhooks.<type>" : "the sender defines its types; each is stored as standard-webhooks.<type> (map some to canonical types with providers['standard-webhooks'].types)",
      contentType: "application/json (the spec sends JSON)",
      secretSource: "the endpoint's signing secret (whsec_\u2026) in the sender's dashboard, or its whpk_ public key",
      secret: {
        expected: `a Standard Webhooks secret: whsec_ followed by the base64 of ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, or whpk_ followed by the base64 of a 32-byte Ed25519 public key`,
        parse: parseSecret
      },
      verification: 'webhook-signature lists v1,<base64 HMAC-SHA256> (whsec_ secrets) or v1a,<base64 Ed25519> (whpk_ keys) entries over "<webhook-id>.<webhook-timestamp>." + the body; the timestamp must be within the tolerance (300 s by default).',
      request: {
        bodies: { "application/json": "object" },
        headers: [
          { name: "webhook-id", description: "the message id, which deduplicates", required: true },
          { name: "webhook-timestamp", description: "unix seconds of the attempt", required: true },
          {
            name: "webhook-signature",
            description: "space-separated v1,<base64> and v1a,<base64> entries",
            required: true
          }
        ]
      }
    });
  }
});

// functions/providers/standard-webhooks/sign.ts
var import_node_crypto17, ED25519_PKCS8_PREFIX, signStandardWebhooksRequest;
var init_sign8 = __esm({
  "functions/providers/standard-webhooks/sign.ts"() {
    "use strict";
    import_node_crypto17 = require("node:crypto");
    init_keys();
    ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
    signStandardWebhooksRequest = (req, secret, now) => {
      const id2 = req.headers["webhook-id"] ?? `msg_${(0, import_node_crypto17.randomUUID)().replace(/-/g, "")}`;
      const timestamp = String(Math.floor(now.getTime() / 1e3));
      const content = Buffer.concat([Buffer.from(`${id2}.${timestamp}.`), req.body]);
      let signature;
      if (secret.startsWith(PRIVATE_KEY_PREFIX)) {
        const seed = strictBase64(secret.slice(PRIVATE_KEY_PREFIX.length));
        if (seed?.length !== 32) throw new Error("A whsk_ key must be the base64 of a 32-byte Ed25519 seed.");
        const key = (0, import_node_crypto17.createPrivateKey)({
          key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
          format: "der",
          type: "pkcs8"
        });
        signature = `v1a,${(0, import_node_crypto17.sign)(null, content, key).toString("base64")}`;
      } else {
        const key = strictBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
        if (key === void 0) throw new Error("A whsec_ secret must be followed by base64.");
        signature = `v1,${(0, import_node_crypto17.createHmac)("sha256", key).update(content).digest("base64")}`;
      }
      return { "webhook-id": id2, "webhook-timestamp": timestamp, "webhook-signature": signature };
    };
  }
});

// functions/providers/stripe/schemas.ts
var z25, nonEmpty13, StripeObjectSchema, StripeEventSchema;
var init_schemas9 = __esm({
  "functions/providers/stripe/schemas.ts"() {
    "use strict";
    z25 = __toESM(require("zod/mini"));
    nonEmpty13 = () => z25.string().check(z25.minLength(1));
    StripeObjectSchema = z25.looseObject({
      id: z25.optional(nonEmpty13()),
      object: z25.optional(nonEmpty13()),
      customer: z25.optional(z25.unknown())
    });
    StripeEventSchema = z25.looseObject({
      id: nonEmpty13(),
      type: nonEmpty13(),
      /** Unix seconds; bounded so that it always converts to an ISO date (year 9999 at most). */
      created: z25.int().check(z25.nonnegative(), z25.lte(253402300799)),
      data: z25.looseObject({ object: StripeObjectSchema })
    });
  }
});

// functions/providers/stripe/normalize.ts
var STRIPE_CANONICAL_TYPES, entityOf4, stringField3, readStripeBody, normalizeStripeBody, normalizeStripe;
var init_normalize9 = __esm({
  "functions/providers/stripe/normalize.ts"() {
    "use strict";
    init_parsed_body();
    init_schemas9();
    STRIPE_CANONICAL_TYPES = /* @__PURE__ */ new Map([
      ["payment_intent.succeeded", "payment.succeeded"],
      ["payment_intent.payment_failed", "payment.failed"],
      ["charge.refunded", "payment.refunded"],
      ["invoice.paid", "invoice.paid"],
      ["invoice.payment_failed", "invoice.payment_failed"],
      ["customer.created", "customer.created"],
      ["customer.updated", "customer.updated"],
      ["customer.deleted", "customer.deleted"],
      ["customer.subscription.created", "subscription.created"],
      ["customer.subscription.updated", "subscription.updated"],
      ["customer.subscription.deleted", "subscription.canceled"],
      ["checkout.session.completed", "checkout.completed"]
    ]);
    entityOf4 = (object30) => {
      if (typeof object30.customer === "string" && object30.customer !== "")
        return { kind: "customer", id: object30.customer };
      if (object30.id === void 0 || object30.object === void 0) return void 0;
      return { kind: object30.object, id: object30.id };
    };
    stringField3 = (value, key) => {
      if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return void 0;
      const field3 = value[key];
      return typeof field3 === "string" && field3 !== "" ? field3 : void 0;
    };
    readStripeBody = (request) => parseUtf8Json(request.body);
    normalizeStripeBody = (body, _request, _options) => {
      if (!body.ok) return [{ kind: "unreadable", reason: "Body is not UTF-8 JSON." }];
      const parsed = body.value;
      const result = StripeEventSchema.safeParse(parsed);
      if (!result.success) {
        return [
          {
            kind: "unreadable",
            externalId: stringField3(parsed, "id"),
            providerType: stringField3(parsed, "type"),
            reason: `Body is not a Stripe event: ${result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`).join("; ")}.`,
            data: parsed
          }
        ];
      }
      const event = result.data;
      return [
        {
          kind: "event",
          draft: {
            providerType: event.type,
            externalId: event.id,
            type: STRIPE_CANONICAL_TYPES.get(event.type) ?? `stripe.${event.type}`,
            entity: entityOf4(event.data.object),
            occurredAt: new Date(event.created * 1e3).toISOString(),
            data: event
          }
        }
      ];
    };
    normalizeStripe = (request, options) => normalizeStripeBody(readStripeBody(request), request, options);
  }
});

// functions/providers/stripe/verify.ts
var import_node_crypto18, MAX_HEADER_LENGTH, TIMESTAMP5, parseHeader, verifyStripe;
var init_verify9 = __esm({
  "functions/providers/stripe/verify.ts"() {
    "use strict";
    import_node_crypto18 = require("node:crypto");
    init_compare();
    init_encoding();
    MAX_HEADER_LENGTH = 2048;
    TIMESTAMP5 = /^(?:0|[1-9]\d{0,11})$/;
    parseHeader = (header3) => {
      const timestamps = [];
      const signatures = [];
      for (const item of header3.split(",")) {
        const separator = item.indexOf("=");
        if (separator < 0) continue;
        const key = item.slice(0, separator).trim();
        const value = item.slice(separator + 1).trim();
        if (key === "t") timestamps.push(value);
        const signature = key === "v1" ? decodeHexDigest(value, 32) : void 0;
        if (signature !== void 0) signatures.push(signature);
      }
      const [timestamp, ...others] = timestamps;
      if (timestamp === void 0) return "Stripe-Signature has no timestamp.";
      if (others.length > 0) return "Stripe-Signature has more than one timestamp.";
      if (!TIMESTAMP5.test(timestamp)) return "Stripe-Signature timestamp is not a number of seconds.";
      if (signatures.length === 0) return "Stripe-Signature has no well-formed v1 signature.";
      return { timestamp, signatures };
    };
    verifyStripe = ({
      request,
      secrets,
      now,
      options
    }) => {
      const header3 = request.headers["stripe-signature"];
      if (header3 === void 0 || header3.trim() === "") {
        return { ok: false, reason: "missing", detail: "Stripe-Signature header is missing." };
      }
      if (header3.length > MAX_HEADER_LENGTH) {
        return { ok: false, reason: "signature", detail: "Stripe-Signature header is too long." };
      }
      const parsed = parseHeader(header3);
      if (typeof parsed === "string") return { ok: false, reason: "signature", detail: parsed };
      const ageSeconds = Math.floor(now.getTime() / 1e3) - Number(parsed.timestamp);
      if (Math.abs(ageSeconds) > options.toleranceSeconds) {
        return {
          ok: false,
          reason: "stale",
          detail: `Stripe-Signature timestamp is ${Math.abs(ageSeconds)} s ${ageSeconds > 0 ? "old" : "in the future"}; tolerance is ${options.toleranceSeconds} s.`
        };
      }
      const match = matchSecret(
        secrets,
        parsed.signatures,
        (secret) => (
          // An empty secret would let anyone sign; it never matches.
          secret === "" ? Buffer.alloc(0) : (0, import_node_crypto18.createHmac)("sha256", secret).update(`${parsed.timestamp}.`).update(request.body).digest()
        )
      );
      if (match === void 0)
        return { ok: false, reason: "signature", detail: "No v1 signature matches an active secret." };
      return { ok: true, secretIndex: match.index, signature: match.signature };
    };
  }
});

// functions/providers/stripe/index.ts
var z26, stripeOptionsSchema, checkStripeTenant, stripeProvider, stripeDefinition;
var init_stripe = __esm({
  "functions/providers/stripe/index.ts"() {
    "use strict";
    z26 = __toESM(require("zod/mini"));
    init_types();
    init_normalize9();
    init_verify9();
    stripeOptionsSchema = z26.object({
      /** Stripe's libraries default to 300 s; we apply it in both directions. */
      toleranceSeconds: z26._default(z26.int().check(z26.positive()), 300),
      /**
       * Tenant id -> the Connect account (`acct_…`) whose events that tenant's URL accepts. A Connect
       * platform signs every connected account's events with one endpoint secret, so the secret alone
       * does not say which tenant an event belongs to; the signed `account` field does.
       */
      accounts: z26.optional(
        z26.record(
          z26.string().check(z26.minLength(1)),
          z26.string().check(z26.regex(/^acct_[A-Za-z0-9]{1,64}$/, "must be a Connect account id (acct_\u2026)"))
        )
      )
    });
    checkStripeTenant = (draft, tenant2, options) => {
      const accounts = options.accounts ?? {};
      const bound = Object.hasOwn(accounts, tenant2) ? accounts[tenant2] : void 0;
      if (bound === void 0) return void 0;
      const account = Object.hasOwn(draft.data, "account") ? draft.data.account : void 0;
      if (typeof account !== "string")
        return `Tenant ${tenant2} accepts only events of ${bound}; this event names no Connect account.`;
      return account === bound ? void 0 : `Tenant ${tenant2} accepts only events of ${bound}; this event is from ${account}.`;
    };
    stripeProvider = {
      id: "stripe",
      verify: verifyStripe,
      normalize: normalizeStripe,
      identityFromUnsignedHeaders: () => false,
      signatureHeaders: () => ["stripe-signature"],
      checkTenant: checkStripeTenant
    };
    stripeDefinition = builtInDefinition(stripeProvider, stripeOptionsSchema);
  }
});

// functions/providers/stripe/setup.ts
var stripeSetup;
var init_setup10 = __esm({
  "functions/providers/stripe/setup.ts"() {
    "use strict";
    init_setup();
    init_normalize9();
    stripeSetup = {
      dashboard: "Stripe Dashboard \u2192 Developers \u2192 Webhooks \u2192 Add destination: Snapshot payload, your account (or connected accounts), Webhook endpoint, this URL as the endpoint URL",
      events: [...STRIPE_CANONICAL_TYPES.keys()],
      otherEvents: "any other event type you select is stored as stripe.<type>",
      contentType: "application/json (Stripe always sends JSON)",
      secretSource: "the destination's Signing secret (Reveal) on its page; test and live mode destinations each have their own",
      secret: {
        expected: "a Stripe endpoint signing secret: whsec_ followed by at least 24 letters and digits",
        parse: matching(/^whsec_[A-Za-z0-9]{24,}$/)
      },
      verification: 'Stripe-Signature carries t=<unix seconds> and one or more v1=<hex HMAC-SHA256 of "t." + the body>, keyed with the endpoint secret; the timestamp must be within the tolerance (300 s by default).',
      request: {
        bodies: { "application/json": "object" },
        headers: [
          {
            name: "Stripe-Signature",
            description: "t=<unix seconds>,v1=<hex HMAC-SHA256>; several v1 entries while a secret is rolled",
            required: true
          }
        ]
      }
    };
  }
});

// functions/providers/stripe/sign.ts
var import_node_crypto19, signStripeRequest;
var init_sign9 = __esm({
  "functions/providers/stripe/sign.ts"() {
    "use strict";
    import_node_crypto19 = require("node:crypto");
    signStripeRequest = (req, secret, now) => {
      const timestamp = Math.floor(now.getTime() / 1e3);
      const signature = (0, import_node_crypto19.createHmac)("sha256", secret).update(`${timestamp}.`).update(req.body).digest("hex");
      return { "stripe-signature": `t=${timestamp},v1=${signature}` };
    };
  }
});

// functions/providers/twilio/params.ts
var formParams, twilioBodies;
var init_params = __esm({
  "functions/providers/twilio/params.ts"() {
    "use strict";
    init_parsed_body();
    formParams = (body) => {
      const grouped = /* @__PURE__ */ new Map();
      for (const [name, value] of new URLSearchParams(utf8Text(body))) {
        const values = grouped.get(name);
        if (values === void 0) grouped.set(name, [value]);
        else values.push(value);
      }
      return grouped;
    };
    twilioBodies = bodyHandoff();
  }
});

// functions/providers/twilio/schemas.ts
var z27, status, TwilioMessageParamsSchema, TwilioOptionsSchema;
var init_schemas10 = __esm({
  "functions/providers/twilio/schemas.ts"() {
    "use strict";
    z27 = __toESM(require("zod/mini"));
    status = z27.string().check(z27.regex(/^[a-z_-]{1,40}$/i));
    TwilioMessageParamsSchema = z27.looseObject({
      MessageSid: z27.string().check(z27.minLength(1)),
      MessageStatus: z27.optional(status),
      /** The older name of the status; sent beside MessageStatus on callbacks and alone on incoming messages. */
      SmsStatus: z27.optional(status),
      From: z27.optional(z27.string()),
      To: z27.optional(z27.string()),
      ErrorCode: z27.optional(z27.string()),
      Timestamp: z27.optional(z27.string())
    });
    TwilioOptionsSchema = z27.object({
      /** Unused: Twilio signs no timestamp. Kept because every provider's options carry it. */
      toleranceSeconds: z27._default(z27.number().check(z27.int(), z27.positive()), 300)
    });
  }
});

// functions/providers/twilio/normalize.ts
var SMS_STATUSES, MAX_DATE_MS5, readTwilioBody, payloadOf3, isoOf, normalizeTwilioBody, normalizeTwilio;
var init_normalize10 = __esm({
  "functions/providers/twilio/normalize.ts"() {
    "use strict";
    init_params();
    init_schemas10();
    SMS_STATUSES = /* @__PURE__ */ new Set([
      "queued",
      "sent",
      "delivered",
      "undelivered",
      "failed",
      "received"
    ]);
    MAX_DATE_MS5 = 864e13;
    readTwilioBody = (request) => twilioBodies.take(request) ?? formParams(request.body);
    payloadOf3 = (params) => Object.fromEntries(
      [...params].map(([name, values]) => [name, values.length === 1 ? values[0] ?? "" : [...values]])
    );
    isoOf = (text4) => {
      if (text4 === void 0) return void 0;
      const ms = Date.parse(text4);
      return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS5 ? new Date(ms).toISOString() : void 0;
    };
    normalizeTwilioBody = (form2) => {
      const payload = payloadOf3(form2);
      const parsed = TwilioMessageParamsSchema.safeParse(payload);
      if (!parsed.success) {
        return [
          {
            kind: "unreadable",
            reason: "The parameters do not match a Twilio message callback (one MessageSid, a status made of letters).",
            data: payload
          }
        ];
      }
      const params = parsed.data;
      const status2 = params.MessageStatus ?? params.SmsStatus ?? "received";
      const occurredAt = isoOf(params.Timestamp);
      return [
        {
          kind: "event",
          draft: {
            providerType: `message.${status2}`,
            externalId: `${params.MessageSid}:${status2}`,
            type: SMS_STATUSES.has(status2) ? `sms.${status2}` : `twilio.message.${status2}`,
            entity: { kind: "message", id: params.MessageSid },
            ...occurredAt === void 0 ? {} : { occurredAt },
            data: {
              messageSid: params.MessageSid,
              status: status2,
              ...params.From === void 0 ? {} : { from: params.From },
              ...params.To === void 0 ? {} : { to: params.To },
              ...params.ErrorCode === void 0 ? {} : { errorCode: params.ErrorCode },
              payload
            }
          }
        }
      ];
    };
    normalizeTwilio = (request) => normalizeTwilioBody(readTwilioBody(request));
  }
});

// functions/providers/twilio/verify.ts
var import_node_crypto20, import_node_querystring, SIGNATURE_HEADER3, AUTHORITY, portVariants, withLegacyQuery, normalized, normalizedUrls, twilioSignedParams, twilioDigest, matchUrl, mismatch, verifyTwilio;
var init_verify10 = __esm({
  "functions/providers/twilio/verify.ts"() {
    "use strict";
    import_node_crypto20 = require("node:crypto");
    import_node_querystring = require("node:querystring");
    init_compare();
    init_encoding();
    init_params();
    SIGNATURE_HEADER3 = "x-twilio-signature";
    AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is;
    portVariants = (url3) => {
      const match = AUTHORITY.exec(url3);
      if (match === null) return [url3];
      const [, scheme = "", authority = "", rest = ""] = match;
      const userInfoEnd = authority.lastIndexOf("@") + 1;
      const userInfo2 = authority.slice(0, userInfoEnd);
      const hostAndPort = authority.slice(userInfoEnd);
      const colon = hostAndPort.indexOf(":", hostAndPort.lastIndexOf("]") + 1);
      const host = colon < 0 ? hostAndPort : hostAndPort.slice(0, colon);
      const port = colon < 0 ? scheme.toLowerCase() === "https://" ? ":443" : ":80" : hostAndPort.slice(colon);
      return [`${scheme}${userInfo2}${host}${rest}`, `${scheme}${userInfo2}${host}${port}${rest}`];
    };
    withLegacyQuery = (url3) => {
      const start = url3.indexOf("?");
      return start < 0 || start === url3.length - 1 ? url3 : `${url3.slice(0, start)}?${(0, import_node_querystring.stringify)((0, import_node_querystring.parse)(url3.slice(start + 1)))}`;
    };
    normalized = (url3) => {
      try {
        return new URL(url3).toString();
      } catch {
        return void 0;
      }
    };
    normalizedUrls = (url3, tried) => {
      const normal = normalized(url3);
      const variants = normal === void 0 ? [] : portVariants(normal);
      return [.../* @__PURE__ */ new Set([...variants, ...variants.map(withLegacyQuery)])].filter(
        (candidate) => !tried.includes(candidate)
      );
    };
    twilioSignedParams = (params) => {
      let text4 = "";
      for (const name of [...params.keys()].sort()) {
        const values = params.get(name) ?? [];
        for (const value of values.length === 1 ? values : [...new Set(values)].sort()) text4 += `${name}${value}`;
      }
      return text4;
    };
    twilioDigest = (authToken, url3, signedParams) => (0, import_node_crypto20.createHmac)("sha1", authToken).update(url3).update(signedParams).digest();
    matchUrl = (secrets, urls, signedParams, provided) => {
      for (const url3 of urls) {
        const match = matchSecret(secrets, [provided], (secret) => twilioDigest(secret, url3, signedParams));
        if (match !== void 0) return match;
      }
      return void 0;
    };
    mismatch = () => ({
      ok: false,
      reason: "signature",
      detail: "The signature does not match any active auth token."
    });
    verifyTwilio = (input) => {
      const { request, secrets } = input;
      const signature = Object.hasOwn(request.headers, SIGNATURE_HEADER3) ? request.headers[SIGNATURE_HEADER3] : void 0;
      if (typeof signature !== "string" || signature.length === 0)
        return { ok: false, reason: "missing", detail: "The X-Twilio-Signature header is missing." };
      const provided = decodeBase64Digest(signature, 20);
      if (provided === void 0) return mismatch();
      const params = formParams(request.body);
      const signedParams = twilioSignedParams(params);
      const received = [...new Set(portVariants(request.url))];
      const match = matchUrl(secrets, received, signedParams, provided) ?? matchUrl(secrets, normalizedUrls(request.url, received), signedParams, provided);
      if (match !== void 0) {
        twilioBodies.keep(request, params);
        return { ok: true, secretIndex: match.index, signature: match.signature };
      }
      return mismatch();
    };
  }
});

// functions/providers/twilio/index.ts
var twilioProvider, twilioDefinition;
var init_twilio2 = __esm({
  "functions/providers/twilio/index.ts"() {
    "use strict";
    init_types();
    init_normalize10();
    init_schemas10();
    init_verify10();
    init_schemas10();
    twilioProvider = {
      id: "twilio",
      verify: verifyTwilio,
      normalize: normalizeTwilio,
      // The event is keyed on the signed MessageSid and status, never on an unsigned header.
      identityFromUnsignedHeaders: () => false,
      signatureHeaders: () => [SIGNATURE_HEADER3]
    };
    twilioDefinition = builtInDefinition(twilioProvider, TwilioOptionsSchema);
  }
});

// functions/providers/twilio/setup.ts
var twilioSetup;
var init_setup11 = __esm({
  "functions/providers/twilio/setup.ts"() {
    "use strict";
    init_setup();
    twilioSetup = {
      dashboard: 'Console \u2192 Messaging \u2192 Services \u2192 your service \u2192 Integration: this URL as the Delivery Status Callback (and, for incoming messages, "Send a webhook" with HTTP POST); or StatusCallback on each message you send',
      events: ["queued", "sent", "delivered", "undelivered", "failed", "received"],
      otherEvents: "other statuses (sending, read, accepted\u2026) are stored as twilio.message.<status>",
      contentType: "application/x-www-form-urlencoded (Twilio always posts a form)",
      secretSource: "the Auth Token of the account (Console \u2192 Account Info \u2192 Auth Token), the primary one",
      secret: {
        expected: "a Twilio Auth Token: 32 lower-case hex digits",
        parse: matching(/^[0-9a-f]{32}$/)
      },
      verification: "X-Twilio-Signature is the base64 HMAC-SHA1 of the full URL followed by every POST parameter (names sorted, each name then value), keyed with the Auth Token. Twilio signs no timestamp.",
      request: {
        bodies: { "application/x-www-form-urlencoded": "form" },
        headers: [
          {
            name: "X-Twilio-Signature",
            description: "base64 HMAC-SHA1 of the URL and the sorted POST parameters",
            required: true
          }
        ]
      }
    };
  }
});

// functions/providers/twilio/sign.ts
var signTwilioRequest;
var init_sign10 = __esm({
  "functions/providers/twilio/sign.ts"() {
    "use strict";
    init_params();
    init_verify10();
    signTwilioRequest = (req, secret, _now) => {
      const digest3 = twilioDigest(secret, req.url, twilioSignedParams(formParams(req.body)));
      return { [SIGNATURE_HEADER3]: digest3.toString("base64") };
    };
  }
});

// functions/providers/registry.ts
var UNSIGNED_IDENTITY_WARNING, headersOnly, builtIn, builtInProviders, genericHmacProvider, resolveProvider;
var init_registry2 = __esm({
  "functions/providers/registry.ts"() {
    "use strict";
    init_generic_hmac();
    init_setup2();
    init_sign();
    init_github();
    init_setup3();
    init_sign2();
    init_hubspot();
    init_setup4();
    init_sign3();
    init_mailgun2();
    init_setup5();
    init_sign4();
    init_postmark2();
    init_setup6();
    init_sign5();
    init_sendgrid2();
    init_setup7();
    init_sign6();
    init_shopify();
    init_setup8();
    init_sign7();
    init_standard_webhooks();
    init_setup9();
    init_sign8();
    init_stripe();
    init_setup10();
    init_sign9();
    init_twilio2();
    init_setup11();
    init_sign10();
    init_types();
    UNSIGNED_IDENTITY_WARNING = "relayflow:generic-hmac-unsigned-identity";
    headersOnly = (sign4) => (request, key, now) => ({ headers: sign4(request, key, now), body: request.body });
    builtIn = (definition, sign4, setup, tooling = {}) => {
      const entry = {
        signingKey: "secret",
        ...tooling,
        ...definition,
        signer: () => sign4,
        setup: (_id, options) => setup(options)
      };
      return entry;
    };
    builtInProviders = {
      stripe: builtIn(stripeDefinition, headersOnly(signStripeRequest), () => stripeSetup),
      github: builtIn(githubDefinition, headersOnly(signGithubRequest), () => githubSetup),
      shopify: builtIn(shopifyDefinition, headersOnly(signShopifyRequest), () => shopifySetup),
      "standard-webhooks": builtIn(
        standardWebhooksDefinition,
        headersOnly(signStandardWebhooksRequest),
        standardWebhooksSetup
      ),
      hubspot: builtIn(hubspotDefinition, headersOnly(signHubspotRequest), () => hubspotSetup),
      twilio: builtIn(twilioDefinition, headersOnly(signTwilioRequest), () => twilioSetup),
      sendgrid: builtIn(sendgridDefinition, headersOnly(signSendgridRequest), () => sendgridSetup, {
        signingKey: "private-key"
      }),
      postmark: builtIn(postmarkDefinition, headersOnly(signPostmarkRequest), () => postmarkSetup),
      mailgun: builtIn(mailgunDefinition, signMailgunRequest, () => mailgunSetup)
    };
    genericHmacProvider = {
      ...genericHmacDefinition,
      signer: (options) => headersOnly(createGenericHmacSigner(options)),
      signingKey: "secret",
      setup: genericHmacSetup,
      warnings: (id2, options) => identityWarnings(id2, options).map((message) => ({ id: UNSIGNED_IDENTITY_WARNING, message }))
    };
    resolveProvider = ({ id: id2, kind, options }) => {
      const entry = kind === "generic-hmac" ? genericHmacProvider : Object.hasOwn(builtInProviders, id2) ? builtInProviders[id2] : void 0;
      if (!entry) {
        return {
          success: false,
          issues: [
            { path: [], message: `unknown provider (known: ${Object.keys(builtInProviders).join(", ")})` }
          ]
        };
      }
      const resolved = resolveDefinition(entry, id2, options);
      const taken = kind === "generic-hmac" && Object.hasOwn(builtInProviders, id2) ? ["id is taken by a built-in provider"] : [];
      if (!resolved.success || taken.length > 0) {
        return {
          success: false,
          issues: [
            ...taken.map((message) => ({ path: [], message })),
            ...resolved.success ? [] : resolved.issues
          ]
        };
      }
      const { options: parsed } = resolved.data;
      return {
        success: true,
        data: {
          ...resolved.data,
          id: id2,
          kind,
          sign: entry.signer(parsed),
          signingKey: entry.signingKey,
          warnings: entry.warnings?.(id2, parsed) ?? [],
          setup: entry.setup(id2, parsed)
        }
      };
    };
  }
});

// functions/errors.ts
var InfrastructureError, ItemTooLargeError;
var init_errors2 = __esm({
  "functions/errors.ts"() {
    "use strict";
    InfrastructureError = class extends Error {
      constructor(dependency, message, options) {
        super(message, options);
        this.dependency = dependency;
        this.name = "InfrastructureError";
      }
      dependency;
    };
    ItemTooLargeError = class extends Error {
      constructor(message, options) {
        super(message, options);
        this.name = "ItemTooLargeError";
      }
    };
  }
});

// functions/store/conditions.ts
var import_client_dynamodb2, isConditionFailure, storeCall, conditionalWrite;
var init_conditions = __esm({
  "functions/store/conditions.ts"() {
    "use strict";
    import_client_dynamodb2 = require("@aws-sdk/client-dynamodb");
    init_errors2();
    isConditionFailure = (error) => error instanceof import_client_dynamodb2.ConditionalCheckFailedException || error instanceof Error && error.name === "ConditionalCheckFailedException";
    storeCall = async (store, what, run) => {
      try {
        return await run();
      } catch (error) {
        if (isConditionFailure(error)) throw error;
        throw new InfrastructureError("event-store", `${store} ${what} failed`, { cause: error });
      }
    };
    conditionalWrite = async (store, what, run) => {
      try {
        await storeCall(store, what, run);
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    };
  }
});

// functions/routing/filters.ts
var z31, COMPARISONS, OPERATORS, COMBINATORS, EVENT_FIELDS, MAX_DEPTH, isRecord3, isScalar, pathProblem, filterProblems, FilterSchema, valueAt2, MATCHED, show, holds, describe2, evaluateFilter, describeFilter;
var init_filters = __esm({
  "functions/routing/filters.ts"() {
    "use strict";
    z31 = __toESM(require("zod/mini"));
    COMPARISONS = [">", ">=", "<", "<="];
    OPERATORS = ["equals", "in", "exists", "prefix", ...COMPARISONS];
    COMBINATORS = ["and", "or", "not"];
    EVENT_FIELDS = {
      specVersion: "scalar",
      id: "scalar",
      idempotencyKey: "scalar",
      tenant: "scalar",
      provider: "scalar",
      type: "scalar",
      providerType: "scalar",
      externalId: "scalar",
      entity: "entity",
      occurredAt: "scalar",
      receivedAt: "scalar",
      correlationId: "scalar",
      causationId: "scalar",
      depth: "scalar",
      data: "any"
    };
    MAX_DEPTH = 8;
    isRecord3 = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
    isScalar = (value) => value === null || ["string", "number", "boolean"].includes(typeof value);
    pathProblem = (path) => {
      const segments = path.split(".");
      if (segments.some((segment) => segment === ""))
        return `"${path}" is not a dot path (e.g. data.amount, entity.kind)`;
      const [field3 = "", ...rest] = segments;
      const kind = EVENT_FIELDS[field3];
      if (!kind)
        return `"${field3}" is not a field of the event (fields: ${Object.keys(EVENT_FIELDS).join(", ")})`;
      if (kind === "scalar" && rest.length > 0)
        return `"${field3}" holds a single value: "${path}" reaches into nothing`;
      if (kind === "entity" && (rest.length !== 1 || !["kind", "id"].includes(rest[0] ?? "")))
        return `"${path}": the entity has entity.kind and entity.id`;
      if (kind === "any" && rest.length === 0)
        return '"data" is the whole payload: name a field in it (data.<field>)';
      return void 0;
    };
    filterProblems = (filter, at2 = [], depth = 0) => {
      if (depth > MAX_DEPTH) return [{ path: at2, message: `nested more than ${MAX_DEPTH} deep` }];
      if (!isRecord3(filter))
        return [{ path: at2, message: "must be an object: a condition on a path, or and / or / not" }];
      const keys = Object.keys(filter);
      const combinator = COMBINATORS.find((c) => keys.includes(c));
      if (combinator) {
        if (keys.length !== 1)
          return [
            {
              path: at2,
              message: `"${combinator}" stands alone: move ${keys.filter((k) => k !== combinator).join(", ")} into it`
            }
          ];
        const inner = filter[combinator];
        if (combinator === "not") return filterProblems(inner, [...at2, "not"], depth + 1);
        if (!Array.isArray(inner) || inner.length === 0)
          return [{ path: [...at2, combinator], message: "must be a non-empty list of filters" }];
        return inner.flatMap((entry, index) => filterProblems(entry, [...at2, combinator, index], depth + 1));
      }
      const problems = [];
      if (typeof filter.path !== "string")
        problems.push({ path: [...at2, "path"], message: "needs a dot path into the event" });
      else {
        const problem = pathProblem(filter.path);
        if (problem) problems.push({ path: [...at2, "path"], message: problem });
      }
      const operators = keys.filter((key) => key !== "path");
      const unknown14 = operators.filter((key) => !OPERATORS.includes(key));
      for (const key of unknown14)
        problems.push({
          path: [...at2, key],
          message: `unknown operator "${key}" (operators: ${OPERATORS.join(", ")}, or and / or / not)`
        });
      const known = operators.filter((key) => OPERATORS.includes(key));
      if (known.length !== 1 && unknown14.length === 0)
        problems.push({
          path: at2,
          message: known.length === 0 ? `needs one operator (${OPERATORS.join(", ")})` : `has ${known.join(", ")}: one operator per condition, combine them with and`
        });
      for (const op of known) {
        const value = filter[op];
        const bad = (message) => problems.push({ path: [...at2, op], message });
        switch (op) {
          case "equals":
            if (!isScalar(value)) bad("must be a string, number, boolean or null");
            break;
          case "in":
            if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar))
              bad("must be a non-empty list of strings, numbers, booleans or null");
            break;
          case "exists":
            if (typeof value !== "boolean") bad("must be true or false");
            break;
          case "prefix":
            if (typeof value !== "string" || value === "") bad("must be a non-empty string");
            break;
          default:
            if (typeof value !== "number" || !Number.isFinite(value)) bad("must be a finite number");
        }
      }
      return problems;
    };
    FilterSchema = z31.custom().check(
      z31.superRefine((filter, ctx) => {
        for (const problem of filterProblems(filter))
          ctx.issues.push({ code: "custom", input: filter, path: [...problem.path], message: problem.message });
      })
    );
    valueAt2 = (event, path) => {
      let current = event;
      for (const segment of path.split(".")) {
        if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
        else if (isRecord3(current) && Object.hasOwn(current, segment)) current = current[segment];
        else return void 0;
      }
      return current;
    };
    MATCHED = { matched: true };
    show = (value) => value === void 0 ? "missing" : JSON.stringify(value);
    holds = (condition, value) => {
      if ("equals" in condition) return value === condition.equals;
      if ("in" in condition) return condition.in.some((candidate) => candidate === value);
      if ("exists" in condition) return value !== void 0 === condition.exists;
      if ("prefix" in condition) return typeof value === "string" && value.startsWith(condition.prefix);
      if (typeof value !== "number") return false;
      const { ">": above, ">=": atLeast, "<": below, "<=": atMost } = condition;
      if (above !== void 0) return value > above;
      if (atLeast !== void 0) return value >= atLeast;
      if (below !== void 0) return value < below;
      return atMost !== void 0 && value <= atMost;
    };
    describe2 = (condition) => {
      const op = Object.keys(condition).find((key) => key !== "path") ?? "";
      return `${condition.path} ${op} ${JSON.stringify(condition[op])}`;
    };
    evaluateFilter = (filter, event) => {
      if ("and" in filter) {
        for (const inner of filter.and) {
          const result = evaluateFilter(inner, event);
          if (!result.matched) return result;
        }
        return MATCHED;
      }
      if ("or" in filter) {
        const failed = [];
        for (const inner of filter.or) {
          const result = evaluateFilter(inner, event);
          if (result.matched) return MATCHED;
          failed.push(result.why);
        }
        return { matched: false, why: `none of: ${failed.join("; ")}` };
      }
      if ("not" in filter)
        return evaluateFilter(filter.not, event).matched ? { matched: false, why: `not (${describeFilter(filter.not)}) failed: it holds` } : MATCHED;
      const value = valueAt2(event, filter.path);
      return holds(filter, value) ? MATCHED : { matched: false, why: `${describe2(filter)} does not hold (${filter.path} is ${show(value)})` };
    };
    describeFilter = (filter) => {
      if ("and" in filter) return `(${filter.and.map(describeFilter).join(" and ")})`;
      if ("or" in filter) return `(${filter.or.map(describeFilter).join(" or ")})`;
      if ("not" in filter) return `not (${describeFilter(filter.not)})`;
      return describe2(filter);
    };
  }
});

// functions/routing/glob.ts
var MAX_GLOB_STARS, STAR, starsIn, GLOB_STARS_MESSAGE, globMatches;
var init_glob = __esm({
  "functions/routing/glob.ts"() {
    "use strict";
    MAX_GLOB_STARS = 8;
    STAR = "*".charCodeAt(0);
    starsIn = (glob) => glob.split("*").length - 1;
    GLOB_STARS_MESSAGE = `a glob may hold at most ${MAX_GLOB_STARS} "*"`;
    globMatches = (glob, text4) => {
      let g = 0;
      let t = 0;
      let afterStar = -1;
      let starEnd = 0;
      while (t < text4.length) {
        const c = glob.charCodeAt(g);
        if (c === STAR) {
          afterStar = g + 1;
          starEnd = t;
          g += 1;
        } else if (g < glob.length && c === text4.charCodeAt(t)) {
          g += 1;
          t += 1;
        } else if (afterStar >= 0) {
          starEnd += 1;
          g = afterStar;
          t = starEnd;
        } else {
          return false;
        }
      }
      while (glob.charCodeAt(g) === STAR) g += 1;
      return g === glob.length;
    };
  }
});

// functions/routing/retry-classes.ts
var EXACT, STATUS, PREFIXED, retryOnProblem;
var init_retry_classes = __esm({
  "functions/routing/retry-classes.ts"() {
    "use strict";
    EXACT = /* @__PURE__ */ new Set(["timeout", "network", "circuit-open", "workflow-failed", "compensation-failed"]);
    STATUS = /^http-(\d{3}|[45]xx)$/;
    PREFIXED = /^(eventbridge|eventbridge-entry)-([A-Za-z0-9]+|\*)$/;
    retryOnProblem = (entry) => EXACT.has(entry) || STATUS.test(entry) || PREFIXED.test(entry) ? void 0 : `"${entry}" is not a retryable error class (${[...EXACT].join(", ")}, http-<status>, http-4xx, http-5xx, eventbridge-<error>, eventbridge-entry-<code>, eventbridge-*)`;
  }
});

// functions/routing/routes.ts
var import_node_crypto24, z32, nonEmpty14, TARGET_ID, targetId, mode, MAX_BACKOFF_SECONDS, RetryPolicySchema, retry, transform, HttpTargetSchema, EventBridgeTargetSchema, WorkflowTargetSchema, MessageTargetSchema, TargetSchema, RouteSchema, RoutesSchema, shortHash, targetIdOf, targetProblems, resolveRoutes, matchResult, Router;
var init_routes = __esm({
  "functions/routing/routes.ts"() {
    "use strict";
    import_node_crypto24 = require("node:crypto");
    z32 = __toESM(require("zod/mini"));
    init_filters();
    init_glob();
    init_retry_classes();
    init_contract();
    nonEmpty14 = () => z32.string().check(z32.minLength(1));
    TARGET_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
    targetId = () => z32.optional(z32.string().check(z32.regex(TARGET_ID)));
    mode = () => z32.optional(z32.enum(["live", "dry-run"]));
    MAX_BACKOFF_SECONDS = 43200;
    RetryPolicySchema = z32.strictObject({
      maxAttempts: z32.optional(z32.number().check(z32.int(), z32.gte(1), z32.lte(1e3))),
      backoffBaseSeconds: z32.optional(z32.number().check(z32.int(), z32.gte(0), z32.lte(MAX_BACKOFF_SECONDS))),
      backoffMaxSeconds: z32.optional(z32.number().check(z32.int(), z32.gte(0), z32.lte(MAX_BACKOFF_SECONDS))),
      /** Error classes (`http-5xx`, `http-429`, `timeout`, `network`, `eventbridge-*`, …). */
      retryOn: z32.optional(
        z32.array(
          z32.string().check(
            z32.superRefine((entry, ctx) => {
              const problem = retryOnProblem(entry);
              if (problem) ctx.issues.push({ code: "custom", input: entry, message: problem });
            })
          )
        )
      )
    }).check(
      z32.superRefine(
        (policy, ctx) => {
          const { backoffBaseSeconds: base, backoffMaxSeconds: max } = policy;
          if (typeof base === "number" && typeof max === "number" && max < base)
            ctx.issues.push({
              code: "custom",
              input: policy,
              path: ["backoffMaxSeconds"],
              message: `must be at least backoffBaseSeconds (${base})`
            });
        },
        // Also when another field failed (a bad retryOn entry), so that one run lists every problem.
        { when: ({ value }) => typeof value === "object" && value !== null }
      )
    );
    retry = () => z32.optional(RetryPolicySchema);
    transform = () => z32.optional(nonEmpty14());
    HttpTargetSchema = z32.strictObject({
      kind: z32.literal("http"),
      id: targetId(),
      mode: mode(),
      retry: retry(),
      /** Receives the IntegrationEvent as JSON, signed per Standard Webhooks. */
      url: z32.url({ protocol: /^https?$/, error: "must be an http or https URL" }),
      transform: transform(),
      timeoutMs: z32._default(z32.number().check(z32.int(), z32.gte(100), z32.lte(25e3)), 5e3),
      /**
       * Requests per second to this target from all consumer instances together (a limit kept in the
       * event table, decision 0051); the target's Retry-After and X-RateLimit-* headers slow it further.
       * Each delivery costs one write to keep it; `false` sends without a shared limit, and a
       * target's request to slow down then holds only the consumer instance that got it.
       */
      rateLimitPerSecond: z32._default(z32.union([z32.number().check(z32.positive()), z32.literal(false)]), 50),
      /** Consecutive failures that open the circuit; it half-opens after `circuitHalfOpenAfterMs`. */
      circuitBreakerThreshold: z32._default(z32.number().check(z32.int(), z32.gte(1)), 5),
      circuitHalfOpenAfterMs: z32._default(z32.number().check(z32.int(), z32.gte(100)), 3e4),
      /**
       * Disable the target after it failed this often (decision 0053): its events are HELD as under a
       * pause, an alarm fires, and `relayflow resume target <id>` brings it back. Absent: never.
       */
      autoDisable: z32.optional(
        z32.strictObject({
          /** Failures in a row, as one consumer instance sees them. */
          consecutiveFailures: z32._default(z32.number().check(z32.int(), z32.gte(2), z32.lte(1e3)), 20),
          /** Or this share of failed calls (0–1) over the window, once `minCalls` were made in it. */
          failureRate: z32.optional(
            z32.strictObject({
              threshold: z32.number().check(z32.gt(0), z32.lte(1)),
              windowSeconds: z32._default(z32.number().check(z32.int(), z32.gte(10), z32.lte(3600)), 300),
              minCalls: z32._default(z32.number().check(z32.int(), z32.gte(1)), 20)
            })
          )
        })
      )
    });
    EventBridgeTargetSchema = z32.strictObject({
      kind: z32.literal("eventbridge"),
      id: targetId(),
      mode: mode(),
      retry: retry(),
      /** Event bus name or ARN. @default the account's default bus */
      eventBusName: z32._default(nonEmpty14(), "default"),
      transform: transform()
    });
    WorkflowTargetSchema = z32.strictObject({
      kind: z32.literal("workflow"),
      id: targetId(),
      mode: mode(),
      retry: retry(),
      /** A workflow exported by functions/workflows/index.ts. */
      name: nonEmpty14()
    });
    MessageTargetSchema = z32.strictObject({
      kind: z32.literal("message"),
      id: targetId(),
      mode: mode(),
      retry: retry(),
      channel: z32.enum(CHANNELS),
      /** The adapter: `postmark`, `sendgrid`, `mailgun`, `ses`, `twilio`, `fcm`, `webhook`. */
      via: nonEmpty14(),
      to: nonEmpty14(),
      template: z32.optional(nonEmpty14()),
      /** Per channel: `{ subject, text?, html? }`, `{ body }`, `{ title, body?, data? }` or `{ payload }`. */
      content: z32.optional(z32.record(z32.string(), z32.unknown())),
      /** Carried to the provider where it takes custom fields; each value a template. */
      metadata: z32.optional(z32.record(z32.string(), nonEmpty14())),
      /**
       * What a retry does when an earlier call's outcome is unknown and the provider cannot be asked:
       * `hold` marks the message UNCERTAIN for an operator (never a silent resend); `resend` sends again.
       */
      onUncertain: z32._default(z32.enum(["hold", "resend"]), "hold")
    });
    TargetSchema = z32.discriminatedUnion("kind", [
      HttpTargetSchema,
      EventBridgeTargetSchema,
      WorkflowTargetSchema,
      MessageTargetSchema
    ]);
    RouteSchema = z32.strictObject({
      /** Names the route for `relayflow pause route <id>`. @default `route-<position from 1>` */
      id: targetId(),
      match: z32.strictObject({
        tenant: z32.optional(nonEmpty14()),
        provider: z32.optional(nonEmpty14()),
        /** Canonical type or a glob: `payment.*`, `*`. */
        type: z32.string().check(
          z32.regex(/^[A-Za-z0-9_.*-]+$/, 'a type or a glob of letters, digits, ".", "_", "-" and "*"'),
          z32.refine((glob) => starsIn(glob) <= MAX_GLOB_STARS, GLOB_STARS_MESSAGE)
        ),
        /** Conditions on the event's fields (functions/routing/filters.ts); a route whose filter fails is skipped. */
        filter: z32.optional(FilterSchema)
      }),
      targets: z32.array(TargetSchema).check(z32.minLength(1)),
      /** What an event older than its entity's newest applied event does. */
      onStale: z32._default(z32.enum(["skip", "apply"]), "apply"),
      /** `dry-run` makes every target of the route a dry run. */
      mode: mode(),
      /** The route's retry policy; each target's own overrides it field by field. */
      retry: retry()
    });
    RoutesSchema = z32.array(RouteSchema);
    shortHash = (value) => (0, import_node_crypto24.createHash)("sha256").update(value).digest("hex").slice(0, 8);
    targetIdOf = (target) => {
      if (target.id) return target.id;
      switch (target.kind) {
        case "http":
          return `http:${new URL(target.url).host.slice(0, 40)}:${shortHash(target.url)}`;
        case "eventbridge": {
          const name = target.eventBusName.split("/").pop() ?? target.eventBusName;
          return `eventbridge:${name.slice(0, 40)}:${shortHash(target.eventBusName)}`;
        }
        case "workflow":
          return `workflow:${target.name}`.slice(0, 64);
        case "message":
          return `message:${target.channel}:${target.via.slice(0, 30)}:${shortHash(JSON.stringify([target.to, target.template, target.content]))}`;
      }
    };
    targetProblems = (targets2, knownWorkflows) => {
      const problems = [];
      const ids = targets2.map((target) => target === void 0 ? void 0 : targetIdOf(target));
      targets2.forEach((target, index) => {
        if (target === void 0) return;
        const id2 = ids[index];
        if (ids.indexOf(id2) !== index)
          problems.push({
            path: target.id === void 0 ? ["targets", index] : ["targets", index, "id"],
            message: `two targets share the id "${id2}"; give them distinct ids`
          });
        if (target.kind === "workflow" && !knownWorkflows.has(target.name))
          problems.push({
            path: ["targets", index, "name"],
            message: `workflow "${target.name}" does not exist (known: ${[...knownWorkflows].join(", ") || "none"})`
          });
      });
      return problems;
    };
    resolveRoutes = (routes, knownWorkflows) => ({
      routes: routes.map((route, index) => {
        const routeMode = route.mode ?? "live";
        return {
          index,
          id: route.id ?? `route-${index + 1}`,
          match: route.match,
          targets: route.targets.map((target) => ({
            ...target,
            id: targetIdOf(target),
            // A dry-run route keeps every target from calling out, whatever the target says.
            ...routeMode === "dry-run" ? { mode: routeMode } : {}
          })),
          onStale: route.onStale,
          mode: routeMode,
          ...route.retry ? { retry: route.retry } : {}
        };
      }),
      problems: routes.flatMap(
        (route, index) => targetProblems(route.targets, knownWorkflows).map((problem) => ({ route: index, ...problem }))
      )
    });
    matchResult = (match, event) => {
      if (match.tenant !== void 0 && match.tenant !== event.tenant)
        return { matched: false, why: `tenant is ${event.tenant}, not ${match.tenant}` };
      if (match.provider !== void 0 && match.provider !== event.provider)
        return { matched: false, why: `provider is ${event.provider}, not ${match.provider}` };
      if (!globMatches(match.type, event.type))
        return { matched: false, why: `type ${event.type} does not match ${match.type}` };
      return match.filter ? evaluateFilter(match.filter, event) : { matched: true };
    };
    Router = class {
      constructor(routes) {
        this.routes = routes;
      }
      routes;
      match(event) {
        return this.routes.find(({ match }) => matchResult(match, event).matched);
      }
    };
  }
});

// functions/store/records.ts
var import_node_crypto25, ATTENTION_STATUSES, DUPLICATES_IN_TIMELINE, stateKey, eventIdOfPk, payloadKey, rawKey, nonceKey, signedBytesKey, REJECTION_SOURCE_PREFIX, rejectionsKey, entityIndexKey, RECEIVED_SHARDS, receivedDayKey, receivedShardOf, sha256Hex, idempotencyKeyOf, eventIdOf, GROUP_ID, groupIdOf;
var init_records = __esm({
  "functions/store/records.ts"() {
    "use strict";
    import_node_crypto25 = require("node:crypto");
    ATTENTION_STATUSES = /* @__PURE__ */ new Set([
      "QUARANTINED",
      "RETRYING",
      "DEAD_LETTERED",
      "STALE",
      "COMPENSATED",
      "COMPENSATION_FAILED",
      "HELD"
    ]);
    DUPLICATES_IN_TIMELINE = 3;
    stateKey = (eventId) => ({ PK: `EVT#${eventId}`, SK: "STATE" });
    eventIdOfPk = (pk) => typeof pk === "string" && pk.startsWith("EVT#") ? pk.slice(4) : void 0;
    payloadKey = (eventId) => ({ PK: `EVT#${eventId}`, SK: "PAYLOAD" });
    rawKey = (sha256) => ({ PK: `RAW#${sha256}`, SK: "RAW" });
    nonceKey = (provider, secretId, nonce) => ({
      PK: `NONCE#${provider}#${secretId}#${sha256Hex(nonce)}`,
      SK: "NONCE"
    });
    signedBytesKey = (key) => ({ PK: `SIG#${key}`, SK: "SIG" });
    REJECTION_SOURCE_PREFIX = "src|";
    rejectionsKey = (provider, tenant2, minute) => ({
      PK: `REJECTS#${provider}#${tenant2}`,
      SK: minute
    });
    entityIndexKey = (tenant2, provider, kind, id2) => `ENT#${tenant2}#${provider}#${kind}#${id2}`;
    RECEIVED_SHARDS = 16;
    receivedDayKey = (day, shard) => `RECV#${day}#${shard}`;
    receivedShardOf = (eventId) => Number.parseInt(sha256Hex(eventId).slice(0, 8), 16) % RECEIVED_SHARDS;
    sha256Hex = (data) => (0, import_node_crypto25.createHash)("sha256").update(data).digest("hex");
    idempotencyKeyOf = (tenant2, provider, providerType, externalId) => (
      // `%` first, so that `a#b` (→ a%23b) and a literal `a%23b` (→ a%2523b) stay distinct.
      [tenant2, provider, providerType, externalId].map((part) => part.replaceAll("%", "%25").replaceAll("#", "%23")).join("#")
    );
    eventIdOf = (idempotencyKey) => `ev_${sha256Hex(idempotencyKey).slice(0, 32)}`;
    GROUP_ID = /^[\x21-\x7e]{1,128}$/;
    groupIdOf = (tenant2, provider, entity, eventId) => {
      if (!entity) return eventId;
      const readable = `${tenant2}#${provider}#${entity.kind}:${entity.id}`;
      return GROUP_ID.test(readable) ? readable : `${tenant2}#${provider}#${sha256Hex(readable).slice(0, 40)}`;
    };
  }
});

// functions/channels/render.ts
var import_mustache, z36, import_en, RenderError, VALUE_TOKENS, SECTION_TOKENS, topLevelNames, resolve4, templateProblem, renderTemplate, renderDeep, CONTENT_SCHEMAS, MESSAGES, contentProblems, messageIdOf2, contentOf, renderMessage;
var init_render = __esm({
  "functions/channels/render.ts"() {
    "use strict";
    import_mustache = __toESM(require("mustache"));
    z36 = __toESM(require("zod/mini"));
    import_en = __toESM(require("zod/v4/locales/en.cjs"));
    init_contract();
    RenderError = class extends Error {
      constructor(message) {
        super(message);
        this.name = "RenderError";
      }
    };
    VALUE_TOKENS = /* @__PURE__ */ new Set(["name", "&"]);
    SECTION_TOKENS = /* @__PURE__ */ new Set(["#", "^"]);
    topLevelNames = (template) => import_mustache.default.parse(template).flatMap(
      ([type, name]) => VALUE_TOKENS.has(type) || SECTION_TOKENS.has(type) ? [name] : []
    );
    resolve4 = (view, path) => {
      if (path === ".") return view;
      let current = view;
      for (const key of path.split(".")) {
        if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return void 0;
        current = current[key];
      }
      return current;
    };
    templateProblem = (template) => {
      try {
        import_mustache.default.parse(template);
        return void 0;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    };
    renderTemplate = (template, view, field3, html = false) => {
      const missing3 = topLevelNames(template).filter((name) => {
        const value = resolve4(view, name);
        return value === void 0 || value === null || value === "";
      });
      if (missing3.length > 0)
        throw new RenderError(
          `${field3}: ${missing3.map((name) => `{{${name}}}`).join(", ")} did not resolve for this event`
        );
      return import_mustache.default.render(template, view, {}, html ? {} : { escape: (value) => value });
    };
    renderDeep = (value, view, field3) => {
      if (typeof value === "string") return renderTemplate(value, view, field3);
      if (Array.isArray(value)) return value.map((item, i) => renderDeep(item, view, `${field3}[${i}]`));
      if (typeof value === "object" && value !== null)
        return Object.fromEntries(
          Object.entries(value).map(([key, inner]) => [key, renderDeep(inner, view, `${field3}.${key}`)])
        );
      return value;
    };
    CONTENT_SCHEMAS = {
      email: z36.strictObject(EmailContentSchema.shape),
      sms: z36.strictObject(TextContentSchema.shape),
      whatsapp: z36.strictObject(TextContentSchema.shape),
      push: z36.strictObject(PushContentSchema.shape),
      webhook: z36.strictObject(WebhookContentSchema.shape)
    };
    MESSAGES = { error: (0, import_en.default)().localeError };
    contentProblems = (channel, content) => {
      const parsed = CONTENT_SCHEMAS[channel].safeParse(content, MESSAGES);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${[...issue.path].join(".") || "content"}: ${issue.message}`);
    };
    messageIdOf2 = (downstreamKey) => `msg_${downstreamKey.replace(/^rf_/, "")}`;
    contentOf = (target, catalog) => {
      if (target.content) return target.content;
      if (!target.template) return "has neither `template` nor `content`";
      const named = Object.hasOwn(catalog, target.template) ? catalog[target.template] : void 0;
      if (!named)
        return `template "${target.template}" does not exist (known: ${Object.keys(catalog).join(", ") || "none"})`;
      const entry = named[target.channel];
      if (!entry) return `template "${target.template}" has no ${target.channel} version`;
      return entry;
    };
    renderMessage = (spec, event, ids) => {
      const content = Object.fromEntries(
        Object.entries(spec.content).map(([field3, template]) => [
          field3,
          typeof template === "string" ? renderTemplate(template, event, field3, field3 === "html") : renderDeep(template, event, field3)
        ])
      );
      const problems = contentProblems(spec.channel, content);
      if (problems.length > 0) throw new RenderError(`${spec.channel} content: ${problems.join("; ")}`);
      const bytes = Buffer.byteLength(JSON.stringify(content));
      if (bytes > MAX_CONTENT_BYTES)
        throw new RenderError(
          `content is ${bytes} bytes once rendered, over the ${MAX_CONTENT_BYTES} a message may carry`
        );
      return {
        v: MESSAGE_VERSION,
        id: ids.messageId,
        tenant: event.tenant,
        channel: spec.channel,
        via: spec.via,
        to: renderTemplate(spec.to, event, "to").trim(),
        content,
        correlationId: event.correlationId,
        causationEventId: event.id,
        metadata: Object.fromEntries(
          Object.entries(spec.metadata ?? {}).map(([key, template]) => [
            key,
            renderTemplate(template, event, `metadata.${key}`)
          ])
        )
      };
    };
  }
});

// functions/clients/s3-commands.ts
var s3_commands_exports = {};
__export(s3_commands_exports, {
  GetObjectCommand: () => GetObjectCommand2,
  PutObjectCommand: () => PutObjectCommand
});
var GetObjectCommand2, PutObjectCommand;
var init_s3_commands = __esm({
  "functions/clients/s3-commands.ts"() {
    "use strict";
    ({ GetObjectCommand: GetObjectCommand2, PutObjectCommand } = require("@aws-sdk/client-s3"));
  }
});

// functions/targets/transform.ts
var messageOf, transformProblem, loadJsonata, Transforms;
var init_transform = __esm({
  "functions/targets/transform.ts"() {
    "use strict";
    init_errors();
    messageOf = (error) => typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" ? error.message : String(error);
    transformProblem = (compile, expression) => {
      try {
        compile(expression);
        return void 0;
      } catch (error) {
        const position = typeof error === "object" && error !== null && "position" in error && typeof error.position === "number" ? ` at character ${error.position}` : "";
        return `is not a JSONata expression: ${messageOf(error)}${position}`;
      }
    };
    loadJsonata = () => Promise.resolve(require("jsonata"));
    Transforms = class {
      constructor(load = loadJsonata) {
        this.load = load;
      }
      load;
      compiler;
      compiled = /* @__PURE__ */ new Map();
      expressionOf(expression) {
        let compiled = this.compiled.get(expression);
        if (!compiled) {
          compiled = (this.compiler ??= this.load()).then((compile) => compile(expression));
          this.compiled.set(expression, compiled);
        }
        return compiled;
      }
      async payloadOf(target, event) {
        if (target.transform === void 0) return event;
        let result;
        try {
          result = await (await this.expressionOf(target.transform)).evaluate(event);
        } catch (error) {
          throw new TargetError(target.id, "transform-failed", false, `transform failed: ${messageOf(error)}`, {
            cause: error
          });
        }
        if (result === void 0)
          throw new TargetError(
            target.id,
            "transform-failed",
            false,
            "transform yielded nothing for this event (a path it reads is missing?)"
          );
        return result;
      }
    };
  }
});

// functions/channels/status.ts
var RANK, FROM_RECEIPT, afterReceipt;
var init_status = __esm({
  "functions/channels/status.ts"() {
    "use strict";
    RANK = {
      SENDING: 0,
      UNCERTAIN: 0,
      SENT: 1,
      RECEIPT_MISSING: 1,
      DELIVERED: 2,
      OPENED: 3,
      BOUNCED: 4,
      FAILED: 4
    };
    FROM_RECEIPT = {
      delivered: "DELIVERED",
      opened: "OPENED",
      bounced: "BOUNCED",
      failed: "FAILED"
    };
    afterReceipt = (current, receipt) => {
      const next = FROM_RECEIPT[receipt];
      return RANK[next] > RANK[current] ? next : current;
    };
  }
});

// functions/concurrency/map-limit.ts
var mapLimit;
var init_map_limit = __esm({
  "functions/concurrency/map-limit.ts"() {
    "use strict";
    mapLimit = async (items, limit, work) => {
      const results = new Array(items.length);
      let next = 0;
      let failure;
      const worker = async () => {
        while (failure === void 0 && next < items.length) {
          const index = next;
          next += 1;
          try {
            results[index] = await work(items[index], index);
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
      if (failure) throw failure.error;
      return results;
    };
  }
});

// functions/reconciliation/contract.ts
var ProviderApiError;
var init_contract2 = __esm({
  "functions/reconciliation/contract.ts"() {
    "use strict";
    ProviderApiError = class extends Error {
      constructor(errorClass, retryable, message, options) {
        super(message, options);
        this.errorClass = errorClass;
        this.retryable = retryable;
        this.name = "ProviderApiError";
        this.retryAfterSeconds = options?.retryAfterSeconds;
        this.status = options?.status;
      }
      errorClass;
      retryable;
      retryAfterSeconds;
      status;
    };
  }
});

// functions/reconciliation/api-http.ts
var DEFAULT_API_TIMEOUT_MS, MAX_ANSWER_BYTES, DETAIL_CHARS2, excerptOf2, providerWords, waitOf, apiError, malformedAnswer, callApi, isOk2, jsonOf2, readAnswer2, answerJson, getJson, urlOf2, inWindow;
var init_api_http = __esm({
  "functions/reconciliation/api-http.ts"() {
    "use strict";
    init_contract2();
    init_http();
    DEFAULT_API_TIMEOUT_MS = 15e3;
    MAX_ANSWER_BYTES = 32 * 1024 * 1024;
    DETAIL_CHARS2 = 160;
    excerptOf2 = (text4, call) => {
      let line = text4.replace(/\s+/g, " ").trim();
      for (const secret of call.secrets) if (secret !== "") line = line.replaceAll(secret, "***");
      if (call.mask) line = line.replace(call.mask, "***");
      return line.length > DETAIL_CHARS2 ? `${line.slice(0, DETAIL_CHARS2 - 1)}\u2026` : line;
    };
    providerWords = (call, text4) => {
      if (!call.detailOf) return void 0;
      try {
        return call.detailOf(JSON.parse(text4));
      } catch {
        return void 0;
      }
    };
    waitOf = (headers, now) => {
      const retryAfter = parseRetryAfter(headers.get("retry-after"), now);
      if (retryAfter !== void 0) return retryAfter;
      const reset = parseRateLimitReset(
        headers.get("x-ratelimit-remaining"),
        headers.get("x-ratelimit-reset"),
        now
      );
      return reset === void 0 ? void 0 : Math.ceil((reset - now) / 1e3);
    };
    apiError = (call, answer, detail) => {
      const { status: status2, headers } = answer;
      const wait = waitOf(headers, Date.now());
      const rateLimited = status2 === 429 || status2 === 403 && call.rateLimit403 === true && (headers.has("retry-after") || headers.get("x-ratelimit-remaining")?.trim() === "0");
      const words = excerptOf2(detail ?? providerWords(call, answer.text) ?? answer.text, call);
      const message = `${call.provider} answered HTTP ${status2}${words ? `: ${words}` : ""}`;
      const options = { status: status2, ...rateLimited && wait !== void 0 ? { retryAfterSeconds: wait } : {} };
      if (rateLimited) return new ProviderApiError("rate-limited", true, message, options);
      if (status2 === 401 || status2 === 403) {
        const hint = call.unauthorizedHint === void 0 ? "" : ` (${call.unauthorizedHint})`;
        return new ProviderApiError("unauthorized", false, `${message}${hint}`, options);
      }
      if (status2 === 408 || status2 >= 500) return new ProviderApiError("unavailable", true, message, options);
      return new ProviderApiError("refused", false, message, options);
    };
    malformedAnswer = (call, what, cause) => new ProviderApiError("malformed", false, `${call.provider} answered with ${what}`, {
      ...cause === void 0 ? {} : { cause }
    });
    callApi = async (call, ctx, url3, init) => {
      let response;
      try {
        response = await ctx.fetch(url3, {
          method: init.method,
          headers: init.headers,
          redirect: "manual",
          signal: ctx.signal ?? AbortSignal.timeout(call.timeoutMs ?? DEFAULT_API_TIMEOUT_MS)
        });
      } catch (error) {
        const name = typeof error === "object" && error !== null && "name" in error ? error.name : void 0;
        const timedOut = name === "TimeoutError" || name === "AbortError";
        throw new ProviderApiError(
          "unavailable",
          true,
          timedOut ? `no answer from ${call.provider} in time` : `could not reach ${call.provider}`,
          { cause: error }
        );
      }
      const body = await readBodyHead(response, MAX_ANSWER_BYTES);
      return { status: response.status, headers: response.headers, text: body.toString("utf8") };
    };
    isOk2 = (answer) => answer.status >= 200 && answer.status < 300;
    jsonOf2 = (call, answer) => {
      try {
        return JSON.parse(answer.text);
      } catch (error) {
        throw malformedAnswer(call, `a body that is not JSON (HTTP ${answer.status})`, error);
      }
    };
    readAnswer2 = (call, schema, json2, what) => {
      const result = schema.safeParse(json2);
      if (result.success) return result.data;
      const issue = result.error.issues[0];
      const where = issue ? `${issue.path.join(".") || "(root)"} ${issue.message}` : "unexpected shape";
      throw malformedAnswer(call, `${what} that is not the documented JSON (${where})`);
    };
    answerJson = (call, answer, schema, what) => {
      if (!isOk2(answer)) throw apiError(call, answer);
      const raw = jsonOf2(call, answer);
      return { value: readAnswer2(call, schema, raw, what), raw };
    };
    getJson = async (call, ctx, url3, headers, schema, what) => {
      const answer = await callApi(call, ctx, url3, { method: "GET", headers });
      return { answer, ...answerJson(call, answer, schema, what) };
    };
    urlOf2 = (baseUrl, path) => `${baseUrl.replace(/\/+$/, "")}${path}`;
    inWindow = (at2, window) => at2 >= window.since.getTime() && at2 < window.until.getTime();
  }
});

// functions/reconciliation/providers/stripe.ts
var stripe_exports = {};
__export(stripe_exports, {
  stripeApi: () => stripeApi,
  stripeApiCredentialsSchema: () => stripeApiCredentialsSchema,
  stripeEventsQuery: () => stripeEventsQuery
});
var z44, stripeApiCredentialsSchema, StripeApiOptionsSchema, PAGE_SIZE, EventListSchema, ObjectStatusSchema, StripeErrorSchema, WEBHOOK_HEADERS, ENTITY_PATHS, callOf, headersOf3, optionsOf, stripeEventsQuery, recordOf2, stripeApi;
var init_stripe2 = __esm({
  "functions/reconciliation/providers/stripe.ts"() {
    "use strict";
    z44 = __toESM(require("zod/mini"));
    init_api_http();
    init_contract2();
    stripeApiCredentialsSchema = z44.object({
      /**
       * A restricted key (`rk_…`) with read access to Events, Subscriptions and Invoices is what
       * reconciliation needs; a secret key (`sk_…`) works too, with far more power than it needs.
       */
      apiKey: z44.string().check(
        z44.regex(
          /^(rk|sk)_(live|test)_[A-Za-z0-9]{8,}$/,
          "must be a Stripe restricted key (rk_\u2026) or secret key (sk_\u2026)"
        )
      )
    });
    StripeApiOptionsSchema = z44.looseObject({
      /** The event types the stack's webhook endpoint is subscribed to (its `enabled_events`); absent: all. */
      types: z44.optional(z44.array(z44.string().check(z44.minLength(1))).check(z44.maxLength(100)))
    });
    PAGE_SIZE = 100;
    EventListSchema = z44.looseObject({
      data: z44.array(
        z44.looseObject({
          id: z44.string().check(z44.regex(/^evt_[A-Za-z0-9_]+$/)),
          type: z44.string().check(z44.minLength(1)),
          created: z44.int().check(z44.nonnegative())
        })
      ),
      has_more: z44.boolean()
    });
    ObjectStatusSchema = z44.looseObject({
      id: z44.string().check(z44.minLength(1)),
      // An invoice's status is documented as nullable (a draft being created).
      status: z44.nullable(z44.string())
    });
    StripeErrorSchema = z44.object({ error: z44.looseObject({ message: z44.string() }) });
    WEBHOOK_HEADERS = {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    };
    ENTITY_PATHS = {
      subscription: "/v1/subscriptions",
      invoice: "/v1/invoices"
    };
    callOf = (credentials) => ({
      provider: "Stripe",
      secrets: [credentials.apiKey],
      // Stripe's 401 quotes the refused key, partly masked: none of it is repeated.
      mask: /\b[a-z]{2}_(live|test)_[*A-Za-z0-9]+/g,
      detailOf: (json2) => {
        const result = StripeErrorSchema.safeParse(json2);
        return result.success ? result.data.error.message : void 0;
      }
    });
    headersOf3 = (credentials) => ({
      Authorization: `Bearer ${credentials.apiKey}`,
      Accept: "application/json"
    });
    optionsOf = (options) => {
      const result = StripeApiOptionsSchema.safeParse(options);
      if (result.success) return result.data;
      const issue = result.error.issues[0];
      throw new ProviderApiError(
        "refused",
        false,
        `stripe reconciliation option ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`
      );
    };
    stripeEventsQuery = (query, types) => {
      const pairs = [
        ["created[gte]", String(Math.floor(query.since.getTime() / 1e3))],
        ["created[lt]", String(Math.ceil(query.until.getTime() / 1e3))],
        ["limit", String(PAGE_SIZE)],
        ...query.cursor === void 0 ? [] : [["starting_after", query.cursor]],
        ...(types ?? []).map((type, index) => [`types[${index}]`, type])
      ];
      return pairs.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join("&");
    };
    recordOf2 = (event, id2, created) => ({
      id: id2,
      at: new Date(created * 1e3).toISOString(),
      request: { body: Buffer.from(JSON.stringify(event, null, 2)), headers: WEBHOOK_HEADERS }
    });
    stripeApi = {
      provider: "stripe",
      credentials: stripeApiCredentialsSchema,
      defaultBaseUrl: "https://api.stripe.com",
      // GET /v1/events returns the events of the last 30 days.
      retentionDays: 30,
      entityKinds: ["subscription", "invoice"],
      /**
       * `GET /v1/events`, newest first, `starting_after` the last id of the page before: the run
       * pages through the whole window.
       */
      async listSent(query, options, ctx) {
        const { types } = optionsOf(options);
        const call = callOf(ctx.credentials);
        const { value, raw } = await getJson(
          call,
          ctx,
          urlOf2(ctx.baseUrl, `/v1/events?${stripeEventsQuery(query, types)}`),
          headersOf3(ctx.credentials),
          EventListSchema,
          "an event list"
        );
        const elements = raw.data;
        const records = value.data.map((event, index) => recordOf2(elements[index], event.id, event.created));
        const last = value.data.at(-1);
        return { records, ...value.has_more && last ? { next: last.id } : {} };
      },
      async entityState(entity, ctx) {
        const path = Object.hasOwn(ENTITY_PATHS, entity.kind) ? ENTITY_PATHS[entity.kind] : void 0;
        if (path === void 0)
          throw new ProviderApiError(
            "refused",
            false,
            `Stripe entity kind ${entity.kind} cannot be read; reconcile ${Object.keys(ENTITY_PATHS).join(" or ")}`
          );
        const call = callOf(ctx.credentials);
        try {
          const { value, raw } = await getJson(
            call,
            ctx,
            urlOf2(ctx.baseUrl, `${path}/${encodeURIComponent(entity.id)}`),
            headersOf3(ctx.credentials),
            ObjectStatusSchema,
            `a ${entity.kind}`
          );
          return {
            kind: entity.kind,
            id: value.id,
            field: "status",
            value: value.status ?? "",
            object: raw
          };
        } catch (error) {
          if (error instanceof ProviderApiError && error.status === 404) return void 0;
          throw error;
        }
      }
    };
  }
});

// functions/reconciliation/providers/github.ts
var github_exports = {};
__export(github_exports, {
  githubApi: () => githubApi,
  githubApiCredentialsSchema: () => githubApiCredentialsSchema,
  nextCursorOf: () => nextCursorOf
});
var z45, githubApiCredentialsSchema, GithubApiOptionsSchema, PAGE_SIZE2, DETAIL_CONCURRENCY, DeliveryItemSchema, DeliverySchema, SIGNATURE_HEADERS, callOf2, headersOf4, optionsOf2, hookUrlOf, nextCursorOf, identityHeaders, requestOf, githubApi;
var init_github2 = __esm({
  "functions/reconciliation/providers/github.ts"() {
    "use strict";
    z45 = __toESM(require("zod/mini"));
    init_map_limit();
    init_api_http();
    init_contract2();
    githubApiCredentialsSchema = z45.object({
      /**
       * A token that can read the hook's deliveries and redeliver them: a fine-grained token with
       * the repository's (or organization's) "Webhooks" permission, read and write.
       */
      token: z45.string().check(z45.minLength(1))
    });
    GithubApiOptionsSchema = z45.looseObject({
      /** `owner/name` of a repository webhook. */
      repository: z45.optional(
        z45.string().check(z45.regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "must be owner/name"))
      ),
      /** The login of an organization webhook's organization. */
      org: z45.optional(z45.string().check(z45.regex(/^[A-Za-z0-9-]+$/, "must be an organization login"))),
      hookId: z45.int().check(z45.positive()),
      /**
       * False: records carry only the headers our normalize reads the identity from and an empty
       * JSON body, which saves a call per delivery when the caller needs no more than the identity.
       */
      fetchRequests: z45.optional(z45.boolean())
    }).check(
      z45.refine((options) => options.repository === void 0 !== (options.org === void 0), {
        message: "give repository (a repository webhook) or org (an organization webhook), not both",
        path: ["repository"]
      })
    );
    PAGE_SIZE2 = 100;
    DETAIL_CONCURRENCY = 4;
    DeliveryItemSchema = z45.looseObject({
      id: z45.int().check(z45.positive()),
      guid: z45.string().check(z45.minLength(1)),
      delivered_at: z45.iso.datetime({ offset: true }),
      redelivery: z45.boolean(),
      event: z45.string().check(z45.minLength(1))
    });
    DeliverySchema = z45.looseObject({
      id: z45.int().check(z45.positive()),
      request: z45.looseObject({
        headers: z45.nullable(z45.record(z45.string(), z45.unknown())),
        payload: z45.nullable(z45.record(z45.string(), z45.unknown()))
      })
    });
    SIGNATURE_HEADERS = /* @__PURE__ */ new Set(["x-hub-signature", "x-hub-signature-256"]);
    callOf2 = (credentials) => ({
      provider: "GitHub",
      secrets: [credentials.token],
      rateLimit403: true,
      detailOf: (json2) => typeof json2 === "object" && json2 !== null && "message" in json2 && typeof json2.message === "string" ? json2.message : void 0
    });
    headersOf4 = (credentials) => ({
      Authorization: `Bearer ${credentials.token}`,
      Accept: "application/vnd.github+json",
      "X-GitHub-Api-Version": "2022-11-28",
      "User-Agent": "RelayFlow-Reconciliation"
    });
    optionsOf2 = (options) => {
      const result = GithubApiOptionsSchema.safeParse(options);
      if (result.success) return result.data;
      const problems = result.error.issues.map(
        (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`
      );
      throw new ProviderApiError("refused", false, `github reconciliation options: ${problems.join("; ")}`);
    };
    hookUrlOf = (baseUrl, options) => {
      const owner = options.repository ? `/repos/${options.repository.split("/").map(encodeURIComponent).join("/")}` : `/orgs/${encodeURIComponent(options.org ?? "")}`;
      return urlOf2(baseUrl, `${owner}/hooks/${options.hookId}`);
    };
    nextCursorOf = (link) => {
      for (const part of (link ?? "").split(",")) {
        const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
        if (!match || !/\brel="?next"?/.test(match[2] ?? "")) continue;
        try {
          return new URL(match[1] ?? "", "https://api.github.com").searchParams.get("cursor") ?? void 0;
        } catch {
          return void 0;
        }
      }
      return void 0;
    };
    identityHeaders = (item) => ({
      "content-type": "application/json",
      "x-github-event": item.event,
      "x-github-delivery": item.guid
    });
    requestOf = (item, delivery) => {
      const headers = {};
      for (const [name, value] of Object.entries(delivery.request.headers ?? {})) {
        const lower = name.toLowerCase();
        if (typeof value === "string" && !SIGNATURE_HEADERS.has(lower)) headers[lower] = value;
      }
      return {
        headers: { ...headers, ...identityHeaders(item) },
        body: Buffer.from(JSON.stringify(delivery.request.payload ?? {}))
      };
    };
    githubApi = {
      provider: "github",
      credentials: githubApiCredentialsSchema,
      defaultBaseUrl: "https://api.github.com",
      // GitHub lists a hook's deliveries of the past 3 days.
      retentionDays: 3,
      /**
       * `GET …/hooks/{hook_id}/deliveries`, newest first, paged by the Link header's cursor; paging
       * stops at the first delivery before `since`. One record per event (its guid): a redelivery
       * listed beside its original on the same page is the same event.
       */
      async listSent(query, options, ctx) {
        const hook = optionsOf2(options);
        const call = callOf2(ctx.credentials);
        const hookUrl = hookUrlOf(ctx.baseUrl, hook);
        const params = new URLSearchParams({ per_page: String(PAGE_SIZE2) });
        if (query.cursor !== void 0) params.set("cursor", query.cursor);
        const { answer, value } = await getJson(
          call,
          ctx,
          `${hookUrl}/deliveries?${params.toString()}`,
          headersOf4(ctx.credentials),
          z45.array(DeliveryItemSchema),
          "a delivery list"
        );
        const since = query.since.getTime();
        const until = query.until.getTime();
        const seen = /* @__PURE__ */ new Set();
        const inWindow2 = [];
        let passedSince = false;
        for (const item of value) {
          const at2 = Date.parse(item.delivered_at);
          if (at2 < since) {
            passedSince = true;
            break;
          }
          if (at2 >= until || seen.has(item.guid)) continue;
          seen.add(item.guid);
          inWindow2.push(item);
        }
        const requests = await mapLimit(inWindow2, DETAIL_CONCURRENCY, async (item) => {
          if (hook.fetchRequests === false) return { headers: identityHeaders(item), body: Buffer.from("{}") };
          const { value: delivery } = await getJson(
            call,
            ctx,
            `${hookUrl}/deliveries/${item.id}`,
            headersOf4(ctx.credentials),
            DeliverySchema,
            `delivery ${item.id}`
          );
          return requestOf(item, delivery);
        });
        const records = inWindow2.map((item, index) => ({
          id: item.guid,
          at: new Date(Date.parse(item.delivered_at)).toISOString(),
          request: requests[index],
          redelivery: { deliveryId: String(item.id) }
        }));
        const next = passedSince ? void 0 : nextCursorOf(answer.headers.get("link"));
        return { records, ...next === void 0 ? {} : { next } };
      },
      /** `POST …/deliveries/{delivery_id}/attempts`: GitHub accepts (202) and delivers again, signed. */
      async redeliver(record11, options, ctx) {
        const hook = optionsOf2(options);
        const deliveryId = record11.redelivery?.deliveryId;
        if (deliveryId === void 0 || !/^\d+$/.test(deliveryId))
          throw new ProviderApiError(
            "refused",
            false,
            `GitHub record ${record11.id} names no delivery to redeliver`
          );
        const call = callOf2(ctx.credentials);
        const answer = await callApi(
          call,
          ctx,
          `${hookUrlOf(ctx.baseUrl, hook)}/deliveries/${deliveryId}/attempts`,
          {
            method: "POST",
            headers: headersOf4(ctx.credentials)
          }
        );
        if (!isOk2(answer)) throw apiError(call, answer);
      }
    };
  }
});

// functions/reconciliation/providers/twilio.ts
var twilio_exports2 = {};
__export(twilio_exports2, {
  twilioApi: () => twilioApi
});
var z46, PROVIDER4, API_VERSION, PAGE_SIZE3, WHATSAPP2, CALLBACK_STATUSES, FINAL, nullableString, MessageSchema2, PageSchema, ErrorSchema, callOf3, headersOf5, messagesPath, fetchMessage, msOf, sentAt, form, statusCallbackOf, incomingMessageOf, recordOf3, checkedCursor, listSent, messageStatus, entityState, twilioApi;
var init_twilio3 = __esm({
  "functions/reconciliation/providers/twilio.ts"() {
    "use strict";
    z46 = __toESM(require("zod/mini"));
    init_twilio();
    init_contract2();
    init_api_http();
    PROVIDER4 = "Twilio";
    API_VERSION = "2010-04-01";
    PAGE_SIZE3 = 1e3;
    WHATSAPP2 = "whatsapp:";
    CALLBACK_STATUSES = /* @__PURE__ */ new Set([
      "accepted",
      "scheduled",
      "canceled",
      "queued",
      "sent",
      "failed",
      "delivered",
      "undelivered",
      "read",
      "partially_delivered"
    ]);
    FINAL = {
      delivered: "delivered",
      read: "opened",
      undelivered: "failed",
      failed: "failed",
      canceled: "failed"
    };
    nullableString = () => z46.optional(z46.nullable(z46.string()));
    MessageSchema2 = z46.looseObject({
      sid: z46.string().check(z46.minLength(1)),
      account_sid: z46.string(),
      messaging_service_sid: nullableString(),
      from: nullableString(),
      to: z46.string(),
      body: nullableString(),
      status: z46.string().check(z46.minLength(1)),
      direction: z46.string(),
      error_code: z46.optional(z46.nullable(z46.number())),
      error_message: nullableString(),
      date_created: z46.string(),
      date_sent: nullableString(),
      date_updated: z46.string(),
      num_media: nullableString(),
      num_segments: nullableString()
    });
    PageSchema = z46.looseObject({
      messages: z46.array(MessageSchema2),
      next_page_uri: nullableString()
    });
    ErrorSchema = z46.looseObject({ code: z46.optional(z46.number()), message: z46.optional(z46.string()) });
    callOf3 = (credentials) => ({
      provider: PROVIDER4,
      secrets: [credentials.authToken, credentials.apiKeySecret].filter((secret) => secret !== void 0),
      unauthorizedHint: "check the API credentials",
      timeoutMs: 3e4,
      detailOf: (json2) => {
        const parsed = ErrorSchema.safeParse(json2);
        if (!parsed.success || parsed.data.message === void 0) return void 0;
        return parsed.data.code === void 0 ? parsed.data.message : `${parsed.data.code} ${parsed.data.message}`;
      }
    });
    headersOf5 = (credentials) => {
      const user = credentials.apiKeySid ?? credentials.accountSid;
      const password = credentials.apiKeySid === void 0 ? credentials.authToken : credentials.apiKeySecret;
      return {
        Accept: "application/json",
        Authorization: `Basic ${Buffer.from(`${user}:${password ?? ""}`).toString("base64")}`
      };
    };
    messagesPath = (credentials) => `/${API_VERSION}/Accounts/${encodeURIComponent(credentials.accountSid)}/Messages`;
    fetchMessage = async (sid, ctx) => {
      const call = callOf3(ctx.credentials);
      const answer = await callApi(
        call,
        ctx,
        urlOf2(ctx.baseUrl, `${messagesPath(ctx.credentials)}/${encodeURIComponent(sid)}.json`),
        { method: "GET", headers: headersOf5(ctx.credentials) }
      );
      if (answer.status === 404) return void 0;
      return answerJson(call, answer, MessageSchema2, "a Message resource").value;
    };
    msOf = (text4) => text4 ? Date.parse(text4) : Number.NaN;
    sentAt = (message) => Number.isFinite(msOf(message.date_sent)) ? msOf(message.date_sent) : msOf(message.date_created);
    form = (fields) => Buffer.from(
      new URLSearchParams(
        Object.entries(fields).filter((entry) => typeof entry[1] === "string")
      ).toString()
    );
    statusCallbackOf = (message) => form({
      AccountSid: message.account_sid,
      ApiVersion: API_VERSION,
      From: message.from,
      MessageSid: message.sid,
      MessageStatus: message.status,
      MessagingServiceSid: message.messaging_service_sid,
      SmsSid: message.sid,
      SmsStatus: message.status,
      To: message.to,
      ChannelPrefix: message.to.startsWith(WHATSAPP2) ? "whatsapp" : void 0,
      ErrorCode: message.error_code === null || message.error_code === void 0 ? void 0 : String(message.error_code)
    });
    incomingMessageOf = (message) => form({
      MessageSid: message.sid,
      SmsSid: message.sid,
      SmsMessageSid: message.sid,
      AccountSid: message.account_sid,
      MessagingServiceSid: message.messaging_service_sid,
      From: message.from,
      To: message.to,
      Body: message.body ?? "",
      NumMedia: message.num_media ?? "0",
      NumSegments: message.num_segments ?? "1",
      SmsStatus: "received",
      ApiVersion: API_VERSION
    });
    recordOf3 = (message) => {
      const inbound = message.direction === "inbound";
      if (inbound ? message.status !== "received" : !CALLBACK_STATUSES.has(message.status)) return void 0;
      const status2 = inbound ? "received" : message.status;
      return {
        id: `${message.sid}:${status2}`,
        at: new Date(sentAt(message)).toISOString(),
        request: {
          body: inbound ? incomingMessageOf(message) : statusCallbackOf(message),
          headers: { "content-type": "application/x-www-form-urlencoded" }
        }
      };
    };
    checkedCursor = (cursor, credentials) => {
      if (!cursor.startsWith(`${messagesPath(credentials)}.json?`))
        throw new ProviderApiError(
          "refused",
          false,
          "the Twilio page cursor is not a page of this account\u2019s messages"
        );
      return cursor;
    };
    listSent = async (window, _options, ctx) => {
      const path = window.cursor === void 0 ? `${messagesPath(ctx.credentials)}.json?${new URLSearchParams({
        "DateSent>": window.since.toISOString().replace(/\.\d{3}Z$/, "Z"),
        "DateSent<": window.until.toISOString().replace(/\.\d{3}Z$/, "Z"),
        PageSize: String(PAGE_SIZE3)
      }).toString()}` : checkedCursor(window.cursor, ctx.credentials);
      const { value: page } = await getJson(
        callOf3(ctx.credentials),
        ctx,
        urlOf2(ctx.baseUrl, path),
        headersOf5(ctx.credentials),
        PageSchema,
        "a page of messages"
      );
      const records = page.messages.filter((message) => inWindow(sentAt(message), window)).map(recordOf3).filter((record11) => record11 !== void 0);
      return { records, ...page.next_page_uri ? { next: page.next_page_uri } : {} };
    };
    messageStatus = async (providerMessageId, ctx) => {
      const message = await fetchMessage(providerMessageId, ctx);
      if (message === void 0) return { kind: "not-found" };
      const status2 = Object.hasOwn(FINAL, message.status) ? FINAL[message.status] : void 0;
      if (status2 === void 0) return { kind: "pending", providerStatus: message.status };
      const updated = msOf(message.date_updated);
      const at2 = new Date(Number.isFinite(updated) ? updated : sentAt(message)).toISOString();
      if (status2 !== "failed") return { kind: "final", status: status2, at: at2 };
      const code = message.error_code ?? void 0;
      const words = message.error_message ?? void 0;
      const reason = code === void 0 ? words ?? `Twilio reports the message ${message.status}` : `Twilio error ${code}${words === void 0 ? "" : `: ${words}`}`;
      return { kind: "final", status: status2, at: at2, reason };
    };
    entityState = async (entity, ctx) => {
      if (entity.kind !== "message") return void 0;
      const message = await fetchMessage(entity.id, ctx);
      return message === void 0 ? void 0 : { kind: "message", id: message.sid, field: "status", value: message.status, object: message };
    };
    twilioApi = {
      provider: "twilio",
      credentials: TwilioCredentialsSchema,
      defaultBaseUrl: TWILIO_BASE_URL,
      // Twilio keeps messages until they are deleted (or its 400-day redaction): no short limit.
      retentionDays: 400,
      listSent,
      messageStatus,
      entityKinds: ["message"],
      entityState
    };
  }
});

// functions/reconciliation/final-status.ts
var finalStatusOf;
var init_final_status = __esm({
  "functions/reconciliation/final-status.ts"() {
    "use strict";
    init_status();
    finalStatusOf = (receipts) => {
      let status2 = "SENT";
      let final;
      for (const receipt of receipts) {
        const next = afterReceipt(status2, receipt.status);
        if (next === status2) continue;
        status2 = next;
        final = receipt;
      }
      if (final === void 0) return void 0;
      return {
        kind: "final",
        status: final.status,
        at: final.at,
        ...final.reason === void 0 || final.status === "delivered" || final.status === "opened" ? {} : { reason: final.reason }
      };
    };
  }
});

// functions/reconciliation/providers/postmark.ts
var postmark_exports2 = {};
__export(postmark_exports2, {
  easternTime: () => easternTime,
  postmarkApi: () => postmarkApi,
  postmarkOptionsSchema: () => postmarkOptionsSchema2
});
var z47, PROVIDER5, PAGE_SIZE4, MAX_SEARCH, DETAILS_AT_ONCE, NO_SUCH_MESSAGE, BOUNCED_TYPES, FAILED_TYPES2, postmarkOptionsSchema2, optionalString2, metadataSchema, EventSchema, DetailsSchema, MessagesSchema, BounceSchema, BouncesSchema, OpenSchema, OpensSchema, ErrorSchema2, callOf4, isMissing, read2, details, EASTERN, easternTime, DAY_MS2, PHASES, CursorSchema3, encodeCursor2, decodeCursor2, nextCursor, searchQuery, checkSearchable, record8, metadataOf, detailsCache, eventTime, deliveriesPage, bouncesPage, opensPage, listSent2, receiptOfEvent, messageStatus2, postmarkApi;
var init_postmark3 = __esm({
  "functions/reconciliation/providers/postmark.ts"() {
    "use strict";
    z47 = __toESM(require("zod/mini"));
    init_postmark();
    init_contract2();
    init_map_limit();
    init_api_http();
    init_final_status();
    PROVIDER5 = "Postmark";
    PAGE_SIZE4 = 500;
    MAX_SEARCH = 1e4;
    DETAILS_AT_ONCE = 4;
    NO_SUCH_MESSAGE = 701;
    BOUNCED_TYPES = /* @__PURE__ */ new Set(["HardBounce", "BadEmailAddress"]);
    FAILED_TYPES2 = /* @__PURE__ */ new Set([
      "SoftBounce",
      "Blocked",
      "ManuallyDeactivated",
      "DMARCPolicy",
      "TemplateRenderingFailed"
    ]);
    postmarkOptionsSchema2 = z47.object({
      /**
       * How many days before the window a message may have been sent and still be delivered inside
       * it: Postmark retries a deferred delivery for up to 72 hours. @default 3
       */
      eventLagDays: z47._default(z47.number().check(z47.positive(), z47.lte(45)), 3)
    });
    optionalString2 = () => z47.optional(z47.nullable(z47.string()));
    metadataSchema = z47.optional(z47.nullable(z47.record(z47.string(), z47.string())));
    EventSchema = z47.looseObject({
      Type: z47.string(),
      ReceivedAt: z47.string(),
      Recipient: optionalString2(),
      Details: z47.optional(z47.nullable(z47.record(z47.string(), z47.unknown())))
    });
    DetailsSchema = z47.looseObject({
      MessageID: z47.string().check(z47.minLength(1)),
      Status: optionalString2(),
      Tag: optionalString2(),
      MessageStream: optionalString2(),
      Metadata: metadataSchema,
      MessageEvents: z47.array(EventSchema)
    });
    MessagesSchema = z47.looseObject({
      TotalCount: z47.number(),
      Messages: z47.array(z47.looseObject({ MessageID: z47.string().check(z47.minLength(1)) }))
    });
    BounceSchema = z47.looseObject({
      ID: z47.number(),
      Type: z47.string(),
      MessageID: optionalString2(),
      Email: optionalString2(),
      BouncedAt: z47.string()
    });
    BouncesSchema = z47.looseObject({ TotalCount: z47.number(), Bounces: z47.array(BounceSchema) });
    OpenSchema = z47.looseObject({ MessageID: z47.string().check(z47.minLength(1)), ReceivedAt: z47.string() });
    OpensSchema = z47.looseObject({ TotalCount: z47.number(), Opens: z47.array(OpenSchema) });
    ErrorSchema2 = z47.looseObject({ ErrorCode: z47.optional(z47.number()), Message: z47.optional(z47.string()) });
    callOf4 = (credentials) => ({
      provider: PROVIDER5,
      secrets: [credentials.serverToken],
      unauthorizedHint: "check the API credentials",
      timeoutMs: 3e4,
      detailOf: (json2) => {
        const parsed = ErrorSchema2.safeParse(json2);
        if (!parsed.success || parsed.data.Message === void 0) return void 0;
        return parsed.data.ErrorCode === void 0 ? parsed.data.Message : `${parsed.data.Message} (ErrorCode ${parsed.data.ErrorCode})`;
      }
    });
    isMissing = (answer) => {
      if (answer.status === 404) return true;
      if (answer.status !== 422) return false;
      try {
        const parsed = ErrorSchema2.safeParse(JSON.parse(answer.text));
        return parsed.success && parsed.data.ErrorCode === NO_SUCH_MESSAGE;
      } catch {
        return false;
      }
    };
    read2 = async (path, schema, what, ctx) => {
      const call = callOf4(ctx.credentials);
      const answer = await callApi(call, ctx, urlOf2(ctx.baseUrl, path), {
        method: "GET",
        headers: { Accept: "application/json", "X-Postmark-Server-Token": ctx.credentials.serverToken }
      });
      if (isMissing(answer)) return void 0;
      return answerJson(call, answer, schema, what).value;
    };
    details = (messageId, ctx) => read2(`/messages/outbound/${encodeURIComponent(messageId)}/details`, DetailsSchema, "message details", ctx);
    EASTERN = new Intl.DateTimeFormat("en-CA", {
      timeZone: "America/New_York",
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    });
    easternTime = (date) => {
      const parts = Object.fromEntries(EASTERN.formatToParts(date).map((part) => [part.type, part.value]));
      return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
    };
    DAY_MS2 = 864e5;
    PHASES = ["deliveries", "bounces", "opens"];
    CursorSchema3 = z47.object({ phase: z47.enum(PHASES), offset: z47.int().check(z47.nonnegative()) });
    encodeCursor2 = (cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
    decodeCursor2 = (text4) => {
      if (text4 === void 0) return { phase: "deliveries", offset: 0 };
      try {
        return CursorSchema3.parse(JSON.parse(Buffer.from(text4, "base64url").toString("utf8")));
      } catch (error) {
        throw new ProviderApiError("refused", false, "the Postmark page cursor is not one this API wrote", {
          cause: error
        });
      }
    };
    nextCursor = (cursor, count, total) => {
      const offset = cursor.offset + count;
      if (count > 0 && offset < total) return encodeCursor2({ phase: cursor.phase, offset });
      const phase = PHASES[PHASES.indexOf(cursor.phase) + 1];
      return phase === void 0 ? void 0 : encodeCursor2({ phase, offset: 0 });
    };
    searchQuery = (offset, from, to) => new URLSearchParams({
      count: String(PAGE_SIZE4),
      offset: String(offset),
      fromdate: easternTime(from),
      // Inclusive, to the second: a record in the window's last second is still listed.
      todate: easternTime(new Date(to.getTime() + 1e3))
    }).toString();
    checkSearchable = (total, what) => {
      if (total > MAX_SEARCH)
        throw new ProviderApiError(
          "refused",
          false,
          `Postmark lists ${total} ${what} in the window, more than the 10,000 its search pages through: reconcile postmark more often`
        );
    };
    record8 = (id2, at2, body) => ({
      id: id2,
      at: new Date(Date.parse(at2)).toISOString(),
      request: { body: Buffer.from(JSON.stringify(body)), headers: { "content-type": "application/json" } }
    });
    metadataOf = (found) => found?.Metadata ? { Metadata: found.Metadata } : {};
    detailsCache = (ctx) => {
      const cache = /* @__PURE__ */ new Map();
      return (messageId) => {
        const cached = cache.get(messageId) ?? details(messageId, ctx);
        cache.set(messageId, cached);
        return cached;
      };
    };
    eventTime = (at2) => Date.parse(at2);
    deliveriesPage = async (range, cursor, lagDays, ctx) => {
      const from = new Date(range.since.getTime() - lagDays * DAY_MS2);
      const page = await read2(
        `/messages/outbound?${searchQuery(cursor.offset, from, range.until)}`,
        MessagesSchema,
        "a page of outbound messages",
        ctx
      );
      if (page === void 0)
        throw new ProviderApiError("refused", false, "Postmark has no outbound messages API here");
      checkSearchable(page.TotalCount, "outbound messages");
      const found = await mapLimit(page.Messages, DETAILS_AT_ONCE, (message) => details(message.MessageID, ctx));
      const records = found.flatMap(
        (message) => message === void 0 ? [] : message.MessageEvents.filter(
          (event) => event.Type === "Delivered" && inWindow(eventTime(event.ReceivedAt), range)
        ).map(
          (event) => record8(`${message.MessageID}:${event.ReceivedAt}`, event.ReceivedAt, {
            RecordType: "Delivery",
            MessageStream: message.MessageStream ?? "outbound",
            MessageID: message.MessageID,
            Recipient: event.Recipient ?? "",
            Tag: message.Tag ?? "",
            DeliveredAt: event.ReceivedAt,
            Details: typeof event.Details?.DeliveryMessage === "string" ? event.Details.DeliveryMessage : "",
            ...metadataOf(message)
          })
        )
      );
      const next = nextCursor(cursor, page.Messages.length, page.TotalCount);
      return { records, ...next === void 0 ? {} : { next } };
    };
    bouncesPage = async (range, cursor, ctx) => {
      const page = await read2(
        `/bounces?${searchQuery(cursor.offset, range.since, range.until)}`,
        BouncesSchema,
        "a page of bounces",
        ctx
      );
      if (page === void 0) throw new ProviderApiError("refused", false, "Postmark has no bounces API here");
      checkSearchable(page.TotalCount, "bounces");
      const inRange = page.Bounces.filter((bounce) => inWindow(eventTime(bounce.BouncedAt), range));
      const detailsOf = detailsCache(ctx);
      const found = await mapLimit(
        inRange,
        DETAILS_AT_ONCE,
        (bounce) => bounce.MessageID ? detailsOf(bounce.MessageID) : Promise.resolve(void 0)
      );
      const records = inRange.map(
        (bounce, index) => (
          // The key the normalize gives: a manual suppression has no MessageID, and is keyed by its address.
          record8(`${bounce.MessageID || bounce.Email || ""}:${bounce.BouncedAt}`, bounce.BouncedAt, {
            ...bounce,
            // Postmark posts a spam complaint to its own webhook, with the bounce's fields.
            RecordType: bounce.Type === "SpamComplaint" ? "SpamComplaint" : "Bounce",
            ...metadataOf(found[index])
          })
        )
      );
      const next = nextCursor(cursor, page.Bounces.length, page.TotalCount);
      return { records, ...next === void 0 ? {} : { next } };
    };
    opensPage = async (range, cursor, ctx) => {
      const page = await read2(
        `/messages/outbound/opens?${searchQuery(cursor.offset, range.since, range.until)}`,
        OpensSchema,
        "a page of opens",
        ctx
      );
      if (page === void 0) throw new ProviderApiError("refused", false, "Postmark has no opens API here");
      checkSearchable(page.TotalCount, "opens");
      const inRange = page.Opens.filter((open) => inWindow(eventTime(open.ReceivedAt), range));
      const detailsOf = detailsCache(ctx);
      const found = await mapLimit(inRange, DETAILS_AT_ONCE, (open) => detailsOf(open.MessageID));
      const records = inRange.map(
        (open, index) => record8(`${open.MessageID}:${open.ReceivedAt}`, open.ReceivedAt, {
          ...open,
          RecordType: "Open",
          ...metadataOf(found[index])
        })
      );
      const next = nextCursor(cursor, page.Opens.length, page.TotalCount);
      return { records, ...next === void 0 ? {} : { next } };
    };
    listSent2 = async (range, options, ctx) => {
      const parsed = postmarkOptionsSchema2.safeParse(options);
      if (!parsed.success)
        throw new ProviderApiError(
          "refused",
          false,
          `the postmark reconciliation options are invalid: ${parsed.error.message}`
        );
      const cursor = decodeCursor2(range.cursor);
      switch (cursor.phase) {
        case "deliveries":
          return deliveriesPage(range, cursor, parsed.data.eventLagDays, ctx);
        case "bounces":
          return bouncesPage(range, cursor, ctx);
        case "opens":
          return opensPage(range, cursor, ctx);
      }
    };
    receiptOfEvent = async (event, ctx) => {
      if (event.Type === "Delivered") return { status: "delivered" };
      if (event.Type === "Opened") return { status: "opened" };
      if (event.Type !== "Bounced") return void 0;
      const id2 = event.Details?.BounceID;
      const bounce = typeof id2 === "number" || typeof id2 === "string" ? await read2(
        `/bounces/${encodeURIComponent(String(id2))}`,
        z47.looseObject({
          Type: z47.string(),
          Description: optionalString2(),
          Details: optionalString2()
        }),
        "a bounce",
        ctx
      ) : void 0;
      const summary = typeof event.Details?.Summary === "string" ? event.Details.Summary : void 0;
      const reason = bounce?.Details || bounce?.Description || summary || bounce?.Type || "bounced";
      if (bounce === void 0 || BOUNCED_TYPES.has(bounce.Type)) return { status: "bounced", reason };
      return FAILED_TYPES2.has(bounce.Type) ? { status: "failed", reason } : void 0;
    };
    messageStatus2 = async (providerMessageId, ctx) => {
      const found = await details(providerMessageId, ctx);
      if (found === void 0) return { kind: "not-found" };
      const events = found.MessageEvents.filter((event) => Number.isFinite(eventTime(event.ReceivedAt))).sort(
        (a, b) => eventTime(a.ReceivedAt) - eventTime(b.ReceivedAt)
      );
      const receipts = [];
      for (const event of events) {
        const receipt = await receiptOfEvent(event, ctx);
        if (receipt !== void 0)
          receipts.push({ ...receipt, at: new Date(eventTime(event.ReceivedAt)).toISOString() });
      }
      return finalStatusOf(receipts) ?? { kind: "pending", providerStatus: found.Status ?? "Sent" };
    };
    postmarkApi = {
      provider: "postmark",
      credentials: postmarkCredentialsSchema,
      defaultBaseUrl: postmarkAdapter.defaultBaseUrl,
      // Postmark keeps messages and their events 45 days unless the server's retention is changed.
      retentionDays: 45,
      listSent: listSent2,
      messageStatus: messageStatus2
    };
  }
});

// functions/reconciliation/providers/mailgun.ts
var mailgun_exports2 = {};
__export(mailgun_exports2, {
  mailgunApi: () => mailgunApi,
  mailgunOptionsSchema: () => mailgunOptionsSchema2
});
var import_node_crypto29, z48, PROVIDER6, US_BASE_URL2, EU_BASE_URL2, PAGE_SIZE5, MAX_STATUS_PAGES, WEBHOOK_EVENTS, BOUNCE_REASONS2, mailgunOptionsSchema2, optionalString3, EventSchema2, PageSchema2, ErrorSchema3, callOf5, baseUrlOf2, eventsPath, readPage, nextPath, checkedCursor2, webhookOf, listSent3, reasonOf3, receiptOfEvent2, eventsOfMessage, messageStatus3, mailgunApi;
var init_mailgun3 = __esm({
  "functions/reconciliation/providers/mailgun.ts"() {
    "use strict";
    import_node_crypto29 = require("node:crypto");
    z48 = __toESM(require("zod/mini"));
    init_mailgun();
    init_contract2();
    init_api_http();
    init_final_status();
    PROVIDER6 = "Mailgun";
    US_BASE_URL2 = mailgunAdapter.defaultBaseUrl;
    EU_BASE_URL2 = "https://api.eu.mailgun.net";
    PAGE_SIZE5 = 300;
    MAX_STATUS_PAGES = 10;
    WEBHOOK_EVENTS = ["delivered", "failed", "opened", "clicked", "unsubscribed", "complained"];
    BOUNCE_REASONS2 = /* @__PURE__ */ new Set(["bounce", "suppress-bounce"]);
    mailgunOptionsSchema2 = z48.object({
      /** The sending domain whose events are read, when it is not the credentials' domain. */
      domain: z48.optional(z48.string().check(z48.minLength(1))),
      /** The events the domain's webhooks take. @default every event Mailgun posts to a webhook */
      events: z48._default(z48.array(z48.enum(WEBHOOK_EVENTS)).check(z48.minLength(1)), [...WEBHOOK_EVENTS])
    });
    optionalString3 = () => z48.optional(z48.nullable(z48.string()));
    EventSchema2 = z48.looseObject({
      id: z48.string().check(z48.minLength(1)),
      event: z48.string().check(z48.minLength(1)),
      timestamp: z48.number(),
      severity: optionalString3(),
      reason: optionalString3(),
      "delivery-status": z48.optional(
        z48.nullable(z48.looseObject({ message: optionalString3(), description: optionalString3() }))
      )
    });
    PageSchema2 = z48.looseObject({
      items: z48.array(EventSchema2),
      paging: z48.optional(z48.looseObject({ next: optionalString3() }))
    });
    ErrorSchema3 = z48.looseObject({ message: z48.optional(z48.string()) });
    callOf5 = (credentials) => ({
      provider: PROVIDER6,
      secrets: [credentials.apiKey],
      unauthorizedHint: "check the API credentials",
      timeoutMs: 3e4,
      detailOf: (json2) => {
        const parsed = ErrorSchema3.safeParse(json2);
        return parsed.success ? parsed.data.message : void 0;
      }
    });
    baseUrlOf2 = (ctx) => ctx.baseUrl === US_BASE_URL2 && ctx.credentials.region === "eu" ? EU_BASE_URL2 : ctx.baseUrl;
    eventsPath = (domain) => `/v3/${encodeURIComponent(domain)}/events`;
    readPage = async (path, ctx) => {
      const { value } = await getJson(
        callOf5(ctx.credentials),
        ctx,
        urlOf2(baseUrlOf2(ctx), path),
        {
          Accept: "application/json",
          Authorization: `Basic ${Buffer.from(`api:${ctx.credentials.apiKey}`, "utf8").toString("base64")}`
        },
        PageSchema2,
        "a page of events"
      );
      return value;
    };
    nextPath = (next, domain) => {
      if (!next) return void 0;
      let url3;
      try {
        url3 = new URL(next);
      } catch {
        return void 0;
      }
      const start = url3.pathname.indexOf(`${eventsPath(domain)}/`);
      return start < 0 ? void 0 : `${url3.pathname.slice(start)}${url3.search}`;
    };
    checkedCursor2 = (cursor, domain) => {
      if (!cursor.startsWith(`${eventsPath(domain)}/`))
        throw new ProviderApiError(
          "refused",
          false,
          "the Mailgun page cursor is not a page of this domain\u2019s events"
        );
      return cursor;
    };
    webhookOf = (event) => ({
      id: event.id,
      at: new Date(event.timestamp * 1e3).toISOString(),
      request: {
        body: Buffer.from(
          JSON.stringify({
            signature: {
              timestamp: String(Math.floor(event.timestamp)),
              token: (0, import_node_crypto29.createHash)("sha256").update(event.id).digest("hex").slice(0, 50),
              signature: ""
            },
            "event-data": event
          })
        ),
        headers: { "content-type": "application/json" }
      }
    });
    listSent3 = async (range, options, ctx) => {
      const parsed = mailgunOptionsSchema2.safeParse(options);
      if (!parsed.success)
        throw new ProviderApiError(
          "refused",
          false,
          `the mailgun reconciliation options are invalid: ${parsed.error.message}`
        );
      const domain = parsed.data.domain ?? ctx.credentials.domain;
      const wanted = new Set(parsed.data.events);
      const path = range.cursor === void 0 ? `${eventsPath(domain)}?${new URLSearchParams({
        begin: String(Math.floor(range.since.getTime() / 1e3)),
        end: String(Math.ceil(range.until.getTime() / 1e3)),
        ascending: "yes",
        limit: String(PAGE_SIZE5)
      }).toString()}` : checkedCursor2(range.cursor, domain);
      const page = await readPage(path, ctx);
      const records = page.items.filter((event) => wanted.has(event.event) && inWindow(event.timestamp * 1e3, range)).map(webhookOf);
      const next = page.items.length === 0 ? void 0 : nextPath(page.paging?.next, domain);
      return { records, ...next === void 0 ? {} : { next } };
    };
    reasonOf3 = (event) => event["delivery-status"]?.message || event["delivery-status"]?.description || event.reason || void 0;
    receiptOfEvent2 = (event) => {
      switch (event.event) {
        case "delivered":
          return "delivered";
        case "opened":
          return "opened";
        case "failed":
          if (event.severity !== "permanent") return void 0;
          return !event.reason || BOUNCE_REASONS2.has(event.reason) ? "bounced" : "failed";
        case "rejected":
          return "failed";
        default:
          return void 0;
      }
    };
    eventsOfMessage = async (messageId, ctx) => {
      const domain = ctx.credentials.domain;
      const events = [];
      let path = `${eventsPath(domain)}?${new URLSearchParams({
        "message-id": messageId.replace(/^<(.*)>$/, "$1"),
        limit: String(PAGE_SIZE5)
      }).toString()}`;
      for (let pages = 0; path !== void 0 && pages < MAX_STATUS_PAGES; pages++) {
        const page = await readPage(path, ctx);
        events.push(...page.items);
        path = page.items.length === 0 ? void 0 : nextPath(page.paging?.next, domain);
      }
      return events.sort((a, b) => a.timestamp - b.timestamp);
    };
    messageStatus3 = async (providerMessageId, ctx) => {
      const events = await eventsOfMessage(providerMessageId, ctx);
      const last = events.at(-1);
      if (last === void 0) return { kind: "not-found" };
      const receipts = events.flatMap((event) => {
        const status2 = receiptOfEvent2(event);
        if (status2 === void 0) return [];
        return [{ status: status2, at: new Date(event.timestamp * 1e3).toISOString(), reason: reasonOf3(event) }];
      });
      return finalStatusOf(receipts) ?? {
        kind: "pending",
        providerStatus: last.severity ? `${last.event} (${last.severity})` : last.event
      };
    };
    mailgunApi = {
      provider: "mailgun",
      credentials: mailgunCredentialsSchema,
      defaultBaseUrl: US_BASE_URL2,
      // What a free plan keeps; paid plans keep up to 30 days (docs/reconciliation.md).
      retentionDays: 5,
      listSent: listSent3,
      messageStatus: messageStatus3
    };
  }
});

// functions/reconciliation/providers/index.ts
var PROVIDER_API_LOADERS, RECONCILABLE_PROVIDERS;
var init_providers = __esm({
  "functions/reconciliation/providers/index.ts"() {
    "use strict";
    PROVIDER_API_LOADERS = {
      stripe: () => Promise.resolve().then(() => (init_stripe2(), stripe_exports)).then((m) => m.stripeApi),
      github: () => Promise.resolve().then(() => (init_github2(), github_exports)).then((m) => m.githubApi),
      twilio: () => Promise.resolve().then(() => (init_twilio3(), twilio_exports2)).then((m) => m.twilioApi),
      postmark: () => Promise.resolve().then(() => (init_postmark3(), postmark_exports2)).then((m) => m.postmarkApi),
      mailgun: () => Promise.resolve().then(() => (init_mailgun3(), mailgun_exports2)).then((m) => m.mailgunApi)
    };
    RECONCILABLE_PROVIDERS = Object.keys(PROVIDER_API_LOADERS);
  }
});

// functions/contract/integration-event.ts
var z51, SPEC_VERSION, nonEmpty16, EntitySchema, IntegrationEventSchema;
var init_integration_event = __esm({
  "functions/contract/integration-event.ts"() {
    "use strict";
    z51 = __toESM(require("zod/mini"));
    SPEC_VERSION = "1.0";
    nonEmpty16 = () => z51.string().check(z51.minLength(1));
    EntitySchema = z51.object({
      /** What the id names: `customer`, `order`, `repository`, `event` (no natural entity), … */
      kind: nonEmpty16(),
      id: nonEmpty16()
    });
    IntegrationEventSchema = z51.object({
      specVersion: z51.literal(SPEC_VERSION),
      /** Our event id, derived from the idempotency key: the same delivery always gets the same id. */
      id: nonEmpty16(),
      /** tenant + provider + provider event type + provider's external event id. */
      idempotencyKey: nonEmpty16(),
      tenant: nonEmpty16(),
      provider: nonEmpty16(),
      /** Canonical type (`payment.succeeded`), else `<provider>.<providerType>`. */
      type: nonEmpty16(),
      providerType: nonEmpty16(),
      externalId: nonEmpty16(),
      entity: EntitySchema,
      occurredAt: z51.iso.datetime({ offset: true }),
      receivedAt: z51.iso.datetime({ offset: true }),
      correlationId: nonEmpty16(),
      data: z51.record(z51.string(), z51.unknown()),
      /**
       * The event whose workflow step emitted this one (`ctx.emit`), by its `id`. Absent on events
       * from outside: webhooks, producers, schedules.
       */
      causationId: z51.optional(nonEmpty16()),
      /**
       * Emissions between this event and the outside event that started its chain: absent (0) for
       * that event, the emitter's depth + 1 for an emitted one. The consumer quarantines an event
       * deeper than `maxCausationDepth` (a cycle of workflows), so that a loop cannot run forever.
       */
      depth: z51.optional(z51.int().check(z51.gte(0))),
      /**
       * Set on an event a reconciliation run recovered from the provider's API (ARCHITECTURE 20,
       * docs/reconciliation.md); absent on everything that arrived by itself.
       */
      origin: z51.optional(z51.literal("reconciliation")),
      /** How a recovered event was authenticated: read from the provider's API, not a signature. */
      verifiedBy: z51.optional(z51.literal("provider-api"))
    });
  }
});

// functions/channels/templates/index.ts
var templates;
var init_templates = __esm({
  "functions/channels/templates/index.ts"() {
    "use strict";
    templates = {
      "payment-receipt": {
        email: {
          subject: "Your receipt for {{data.amountText}}",
          text: "Thank you. We received {{data.amountText}} on {{occurredAt}}.\nReference: {{externalId}}",
          html: "<p>Thank you. We received <strong>{{data.amountText}}</strong> on {{occurredAt}}.</p><p>Reference: {{externalId}}</p>"
        },
        sms: { body: "Payment of {{data.amountText}} received. Ref {{externalId}}" }
      },
      "dunning-reminder": {
        email: {
          subject: "Your payment did not go through",
          text: "We could not charge your card for invoice {{entity.id}}. Please update your payment details."
        },
        sms: { body: "Your payment for invoice {{entity.id}} failed. Please update your card." },
        whatsapp: { body: "Your payment for invoice {{entity.id}} failed. Please update your card." }
      },
      "order-shipped": {
        push: {
          title: "Your order is on its way",
          body: "Order {{entity.id}} has shipped.",
          data: { order: "{{entity.id}}" }
        }
      }
    };
  }
});

// functions/producer/origin.ts
var INTERNAL_PROVIDER_ID;
var init_origin = __esm({
  "functions/producer/origin.ts"() {
    "use strict";
    INTERNAL_PROVIDER_ID = "internal";
  }
});

// functions/producer/contract.ts
var z52, DomainEventInputSchema, ScheduleTickSchema, scheduleTickKey;
var init_contract3 = __esm({
  "functions/producer/contract.ts"() {
    "use strict";
    z52 = __toESM(require("zod/mini"));
    init_integration_event();
    DomainEventInputSchema = z52.strictObject({
      /** Canonical type, `invoice.payment_failed`. */
      type: z52.string().check(z52.regex(/^[A-Za-z0-9_.-]{1,256}$/, 'letters, digits, ".", "_" and "-", at most 256')),
      entity: EntitySchema,
      data: z52.record(z52.string(), z52.unknown()),
      /** The same key twice is one event. @default one is generated, and the answer returns it */
      idempotencyKey: z52.optional(z52.string().check(z52.minLength(1), z52.maxLength(256))),
      /** @default when it is received */
      occurredAt: z52.optional(z52.iso.datetime({ offset: true }))
    });
    ScheduleTickSchema = z52.strictObject({
      relayflowSchedule: z52.strictObject({
        name: z52.string().check(z52.minLength(1)),
        scheduledTime: z52.iso.datetime({ offset: true }),
        type: z52.string().check(z52.minLength(1)),
        tenant: z52.optional(z52.string().check(z52.minLength(1))),
        data: z52.optional(z52.record(z52.string(), z52.unknown()))
      })
    });
    scheduleTickKey = (name, scheduledTime) => `schedule:${name}@${new Date(scheduledTime).toISOString()}`;
  }
});

// functions/providers/internal/schemas.ts
var z53, SettledDomainEventSchema, InternalBodySchema;
var init_schemas11 = __esm({
  "functions/providers/internal/schemas.ts"() {
    "use strict";
    z53 = __toESM(require("zod/mini"));
    init_contract3();
    SettledDomainEventSchema = z53.extend(DomainEventInputSchema, {
      idempotencyKey: z53.string().check(z53.minLength(1), z53.maxLength(256))
    });
    InternalBodySchema = z53.strictObject({ events: z53.array(z53.unknown()) });
  }
});

// functions/providers/internal/normalize.ts
var z54, import_en2, WorkflowOriginSchema, KEY_AND_TYPE, MESSAGES2;
var init_normalize11 = __esm({
  "functions/providers/internal/normalize.ts"() {
    "use strict";
    z54 = __toESM(require("zod/mini"));
    import_en2 = __toESM(require("zod/v4/locales/en.cjs"));
    init_parsed_body();
    init_origin();
    init_schemas11();
    WorkflowOriginSchema = z54.object({
      kind: z54.enum(["workflow", "receipt"]),
      causationId: z54.string().check(z54.minLength(1)),
      depth: z54.int().check(z54.gte(0))
    });
    KEY_AND_TYPE = z54.looseObject({
      idempotencyKey: z54.optional(z54.string()),
      type: z54.optional(z54.string())
    });
    MESSAGES2 = { error: (0, import_en2.default)().localeError };
  }
});

// functions/providers/internal/verify.ts
var init_verify11 = __esm({
  "functions/providers/internal/verify.ts"() {
    "use strict";
  }
});

// functions/providers/internal/index.ts
var init_internal = __esm({
  "functions/providers/internal/index.ts"() {
    "use strict";
    init_normalize11();
    init_verify11();
    init_origin();
  }
});

// functions/workflows/define.ts
var STEP_NAME, defineWorkflow;
var init_define = __esm({
  "functions/workflows/define.ts"() {
    "use strict";
    STEP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
    defineWorkflow = (definition) => {
      const names = definition.steps.map((step) => step.name);
      const problems = [
        ...names.length === 0 ? ["it has no steps"] : [],
        ...names.filter((name) => !STEP_NAME.test(name)).map((name) => `step name "${name}" is not ${STEP_NAME}`),
        ...names.filter((name, i) => names.indexOf(name) !== i).map((name) => `step "${name}" is declared twice`)
      ];
      if (problems.length > 0) throw new Error(`workflow ${definition.name}: ${problems.join("; ")}`);
      const emits = definition.emits ?? [];
      const outline = (step) => ({
        name: step.name,
        ...step.on ? { on: step.on } : {}
      });
      return {
        name: definition.name,
        emits,
        steps: definition.steps.map(outline),
        create: (shared) => {
          const deps = definition.dependencies(shared);
          return {
            emits,
            steps: definition.steps.map((step) => {
              const { run, compensate } = step;
              return {
                ...outline(step),
                run: (event, ctx) => run(event, ctx, deps),
                ...compensate ? { compensate: (event, ctx) => compensate(event, ctx, deps) } : {}
              };
            })
          };
        }
      };
    };
  }
});

// functions/workflows/dunning-accounts.ts
var import_lib_dynamodb8, dunningAccountKey, DynamoDbDunningAccounts;
var init_dunning_accounts = __esm({
  "functions/workflows/dunning-accounts.ts"() {
    "use strict";
    import_lib_dynamodb8 = require("@aws-sdk/lib-dynamodb");
    init_conditions();
    init_errors2();
    dunningAccountKey = (tenant2, account) => ({
      PK: `DUNNING#${tenant2}`,
      SK: account
    });
    DynamoDbDunningAccounts = class {
      constructor(client, tableName) {
        this.client = client;
        this.tableName = tableName;
      }
      client;
      tableName;
      /** Applies an update; false when its condition did not hold. */
      async update(what, change, expression, condition, values) {
        try {
          await this.client.send(
            new import_lib_dynamodb8.UpdateCommand({
              TableName: this.tableName,
              Key: dunningAccountKey(change.tenant, change.account),
              UpdateExpression: expression,
              ConditionExpression: condition,
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":ev": change.eventId, ":at": change.at, ...values }
            })
          );
          return true;
        } catch (error) {
          if (isConditionFailure(error)) return false;
          throw new InfrastructureError("event-store", `dunning ${what} failed`, { cause: error });
        }
      }
      async markPastDue(change) {
        const marked = await this.update(
          "mark",
          change,
          "SET #status = :pastDue, invoiceId = :inv, markedBy = :ev, pastDueSince = :at, updatedAt = :at REMOVE restoredBy, restoredAt",
          "attribute_not_exists(PK) OR #status = :current OR markedBy = :ev",
          { ":pastDue": "past_due", ":current": "current", ":inv": change.invoiceId }
        );
        return marked ? "marked" : "already";
      }
      async unmarkPastDue(change) {
        const unmarked = await this.update(
          "unmark",
          change,
          "SET #status = :current, updatedAt = :at, unmarkedBy = :ev",
          "markedBy = :ev AND #status = :pastDue",
          { ":pastDue": "past_due", ":current": "current" }
        );
        return unmarked ? "unmarked" : "not-marked";
      }
      async restore(change) {
        const restored = await this.update(
          "restore",
          change,
          "SET #status = :current, restoredBy = :ev, restoredAt = :at, updatedAt = :at",
          // Its own earlier restore holds too, so that a step run again emits what it emitted.
          "(#status = :pastDue AND invoiceId = :inv) OR restoredBy = :ev",
          { ":pastDue": "past_due", ":current": "current", ":inv": change.invoiceId }
        );
        return restored ? "restored" : "not-past-due";
      }
    };
  }
});

// functions/workflows/dunning.ts
var z55, PAYMENT_FAILED, PAID, REMINDER_REQUESTED, RESTORED, InvoiceEventSchema, invoiceOf, changeOf, dunningWorkflow;
var init_dunning = __esm({
  "functions/workflows/dunning.ts"() {
    "use strict";
    z55 = __toESM(require("zod/mini"));
    init_errors();
    init_define();
    init_dunning_accounts();
    PAYMENT_FAILED = "invoice.payment_failed";
    PAID = "invoice.paid";
    REMINDER_REQUESTED = "dunning.reminder_requested";
    RESTORED = "dunning.restored";
    InvoiceEventSchema = z55.object({
      data: z55.object({
        object: z55.object({
          id: z55.string().check(z55.minLength(1)),
          customer: z55.string().check(z55.minLength(1)),
          amount_due: z55.optional(z55.number()),
          currency: z55.optional(z55.string()),
          attempt_count: z55.optional(z55.number())
        })
      })
    });
    invoiceOf = (event) => {
      const parsed = InvoiceEventSchema.safeParse(event.data);
      if (!parsed.success)
        throw new PermanentWorkflowError(`${event.type} ${event.id} names no invoice with a customer`);
      const invoice = parsed.data.data.object;
      return { ...invoice, account: invoice.customer };
    };
    changeOf = (event, account) => ({
      tenant: event.tenant,
      account,
      eventId: event.id,
      at: event.occurredAt
    });
    dunningWorkflow = defineWorkflow({
      name: "dunning",
      emits: [REMINDER_REQUESTED, RESTORED],
      dependencies: (shared) => new DynamoDbDunningAccounts(shared.documentClient, shared.eventTable),
      steps: [
        {
          name: "mark-past-due",
          on: [PAYMENT_FAILED],
          run: async (event, ctx, accounts) => {
            const invoice = invoiceOf(event);
            const result = await accounts.markPastDue({
              ...changeOf(event, invoice.account),
              invoiceId: invoice.id
            });
            ctx.logger.info(result === "marked" ? "account marked past due" : "account was already past due", {
              invoiceId: invoice.id
            });
          },
          compensate: async (event, ctx, accounts) => {
            const { account } = invoiceOf(event);
            const result = await accounts.unmarkPastDue(changeOf(event, account));
            ctx.logger.info(
              result === "unmarked" ? "past-due mark taken back" : "no past-due mark of this event to take back"
            );
          }
        },
        {
          name: "request-reminder",
          on: [PAYMENT_FAILED],
          run: async (event, ctx) => {
            const invoice = invoiceOf(event);
            await ctx.emit(REMINDER_REQUESTED, {
              account: invoice.account,
              invoiceId: invoice.id,
              ...invoice.amount_due === void 0 ? {} : { amountDue: invoice.amount_due },
              ...invoice.currency === void 0 ? {} : { currency: invoice.currency },
              ...invoice.attempt_count === void 0 ? {} : { attempt: invoice.attempt_count }
            });
          }
        },
        {
          name: "restore",
          on: [PAID],
          run: async (event, ctx, accounts) => {
            const invoice = invoiceOf(event);
            const result = await accounts.restore({ ...changeOf(event, invoice.account), invoiceId: invoice.id });
            if (result === "not-past-due") return;
            await ctx.emit(RESTORED, { account: invoice.account, invoiceId: invoice.id });
          }
        }
      ]
    });
  }
});

// functions/workflows/suppression-list.ts
var import_client_dynamodb3, import_lib_dynamodb9, suppressionKey, DynamoDbSuppressionList;
var init_suppression_list = __esm({
  "functions/workflows/suppression-list.ts"() {
    "use strict";
    import_client_dynamodb3 = require("@aws-sdk/client-dynamodb");
    import_lib_dynamodb9 = require("@aws-sdk/lib-dynamodb");
    init_errors2();
    suppressionKey = (tenant2, address) => ({
      PK: `SUPPRESS#${tenant2}`,
      SK: address
    });
    DynamoDbSuppressionList = class {
      constructor(client, tableName) {
        this.client = client;
        this.tableName = tableName;
      }
      client;
      tableName;
      async add(entry) {
        try {
          await this.client.send(
            new import_lib_dynamodb9.PutCommand({
              TableName: this.tableName,
              Item: { ...suppressionKey(entry.tenant, entry.address), ...entry },
              ConditionExpression: "attribute_not_exists(PK)"
            })
          );
          return "added";
        } catch (error) {
          if (error instanceof import_client_dynamodb3.ConditionalCheckFailedException || error instanceof Error && error.name === "ConditionalCheckFailedException") {
            return "already";
          }
          throw new InfrastructureError("event-store", "suppression list write failed", { cause: error });
        }
      }
    };
  }
});

// functions/workflows/suppress-bounced-recipient.ts
var z56, BouncedEmailSchema, bareAddress, BOUNCES, suppressBouncedRecipient, suppressBouncedRecipientWorkflow;
var init_suppress_bounced_recipient = __esm({
  "functions/workflows/suppress-bounced-recipient.ts"() {
    "use strict";
    z56 = __toESM(require("zod/mini"));
    init_records();
    init_errors();
    init_define();
    init_suppression_list();
    BouncedEmailSchema = z56.object({
      recipient: z56.string().check(z56.minLength(3)),
      reason: z56.optional(z56.string()),
      messageId: z56.optional(z56.string())
    });
    bareAddress = (recipient) => {
      const inAngles = /<([^<>]+)>/.exec(recipient)?.[1];
      const address = (inAngles ?? recipient).trim().toLowerCase();
      return /^[^\s@]+@[^\s@]+$/.test(address) ? address : void 0;
    };
    BOUNCES = /* @__PURE__ */ new Set(["email.bounced", "message.bounced"]);
    suppressBouncedRecipient = (list) => async (event, ctx) => {
      if (!BOUNCES.has(event.type)) {
        throw new PermanentWorkflowError(
          `suppress-bounced-recipient handles email.bounced and message.bounced, not ${event.type}; check the route`
        );
      }
      const data = BouncedEmailSchema.safeParse(event.data);
      const address = data.success ? bareAddress(data.data.recipient) : void 0;
      if (!data.success || !address)
        throw new PermanentWorkflowError("the bounce names no usable recipient address");
      const result = await list.add({
        tenant: event.tenant,
        address,
        reason: data.data.reason?.slice(0, 300) ?? "bounced",
        provider: event.provider,
        eventId: event.id,
        occurredAt: event.occurredAt
      });
      ctx.logger.info(result === "added" ? "recipient suppressed" : "recipient was already suppressed", {
        recipientSha256: sha256Hex(address).slice(0, 16)
      });
    };
    suppressBouncedRecipientWorkflow = defineWorkflow({
      name: "suppress-bounced-recipient",
      dependencies: (shared) => suppressBouncedRecipient(new DynamoDbSuppressionList(shared.documentClient, shared.eventTable)),
      steps: [{ name: "suppress", run: (event, ctx, suppress) => suppress(event, ctx) }]
    });
  }
});

// functions/workflows/index.ts
var registered, workflowCatalog, workflowNames;
var init_workflows = __esm({
  "functions/workflows/index.ts"() {
    "use strict";
    init_dunning();
    init_suppress_bounced_recipient();
    registered = [suppressBouncedRecipientWorkflow, dunningWorkflow];
    workflowCatalog = new Map(
      registered.map((workflow) => [workflow.name, workflow])
    );
    workflowNames = new Set(workflowCatalog.keys());
  }
});

// lib/schedule-expression.ts
var import_cron_parser, FIRST_YEAR, LAST_YEAR, RATE, UNIT_MS2, AT, refuse, parseRate, parseYears, DAY_NAMES, cronParserDay, translateDaysOfWeek, CRON_FIELDS, parseCron, parseAt, parseScheduleExpression, timezoneProblem, nextCron, atInstant, nextOccurrence, atTime, atExpression;
var init_schedule_expression = __esm({
  "lib/schedule-expression.ts"() {
    "use strict";
    import_cron_parser = require("cron-parser");
    FIRST_YEAR = 1970;
    LAST_YEAR = 2199;
    RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
    UNIT_MS2 = { minute: 6e4, hour: 36e5, day: 864e5 };
    AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
    refuse = (problem) => ({ ok: false, problem });
    parseRate = (source) => {
      const match = RATE.exec(source);
      if (!match)
        return refuse("must be rate(value unit) with a unit of minutes, hours or days, e.g. rate(5 minutes)");
      const value = Number(match[1]);
      const unit2 = String(match[2]);
      if (value < 1) return refuse("the rate must be at least 1");
      const singular = !unit2.endsWith("s");
      if (singular !== (value === 1))
        return refuse(`write rate(${value} ${unit2.replace(/s$/, "")}${value === 1 ? "" : "s"})`);
      return {
        ok: true,
        expression: {
          kind: "rate",
          source,
          periodMs: value * UNIT_MS2[unit2.replace(/s$/, "")]
        }
      };
    };
    parseYears = (field3) => {
      const items = [];
      for (const item of field3.split(",")) {
        const match = /^(\*|(\d{4})(?:-(\d{4}))?)(?:\/(\d+))?$/.exec(item);
        if (!match) return `year field "${field3}" must list years from ${FIRST_YEAR} to ${LAST_YEAR}`;
        const from = match[1] === "*" ? FIRST_YEAR : Number(match[2]);
        const to = match[3] ? Number(match[3]) : match[1] === "*" || match[4] ? LAST_YEAR : from;
        const step = match[4] ? Number(match[4]) : 1;
        if (from < FIRST_YEAR || to > LAST_YEAR || from > to || step < 1)
          return `year field "${field3}" must list years from ${FIRST_YEAR} to ${LAST_YEAR}`;
        items.push({ from, to, step });
      }
      const has = (year) => items.some(({ from, to, step }) => year >= from && year <= to && (year - from) % step === 0);
      return {
        has,
        firstFrom: (year) => {
          for (let y = Math.max(year, FIRST_YEAR); y <= LAST_YEAR; y += 1) if (has(y)) return y;
          return void 0;
        }
      };
    };
    DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    cronParserDay = (day) => {
      const named = DAY_NAMES.indexOf(day.toUpperCase());
      if (named >= 0) return named;
      return /^[1-7]$/.test(day) ? Number(day) - 1 : void 0;
    };
    translateDaysOfWeek = (field3) => {
      const bad = { problem: `day-of-week field "${field3}" must use 1-7 or SUN-SAT, with - , * / L #` };
      const items = [];
      for (const item of field3.split(",")) {
        if (item === "*" || item === "?") {
          items.push(item);
          continue;
        }
        if (item === "L") {
          items.push("6");
          continue;
        }
        const last = /^(\w+)L$/.exec(item);
        const nth = /^(\w+)#([1-5])$/.exec(item);
        const range = /^(\*|\w+)(?:-(\w+))?(?:\/(\d+))?$/.exec(item);
        if (last) {
          const day = cronParserDay(String(last[1]));
          if (day === void 0) return bad;
          items.push(`${day}L`);
        } else if (nth) {
          const day = cronParserDay(String(nth[1]));
          if (day === void 0) return bad;
          items.push(`${day}#${nth[2]}`);
        } else if (range) {
          const from = range[1] === "*" ? "*" : cronParserDay(String(range[1]));
          const to = range[2] === void 0 ? void 0 : cronParserDay(range[2]);
          if (from === void 0 || range[2] !== void 0 && (to === void 0 || from === "*")) return bad;
          items.push(`${from}${to === void 0 ? "" : `-${to}`}${range[3] ? `/${range[3]}` : ""}`);
        } else return bad;
      }
      return items.join(",");
    };
    CRON_FIELDS = "minutes hours day-of-month month day-of-week year";
    parseCron = (source) => {
      const inner = /^cron\((.*)\)$/.exec(source)?.[1];
      if (inner === void 0) return refuse(`must be cron(${CRON_FIELDS}), e.g. cron(0 9 ? * MON-FRI *)`);
      const fields = inner.trim().split(/\s+/);
      if (fields.length !== 6)
        return refuse(`cron needs 6 fields (${CRON_FIELDS}), not ${fields.length}: e.g. cron(0 9 ? * MON-FRI *)`);
      const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
      if (dayOfMonth === "?" === (dayOfWeek === "?"))
        return refuse("one of day-of-month and day-of-week must be ?, and only one (e.g. cron(0 9 ? * MON *))");
      if (/W/i.test(dayOfMonth))
        return refuse(
          "W (the nearest weekday) is not supported: RelayFlow computes ticks with cron-parser, which has no W"
        );
      const days = translateDaysOfWeek(dayOfWeek);
      if (typeof days !== "string") return refuse(days.problem);
      const years = parseYears(year);
      if (typeof years === "string") return refuse(years);
      const cron = `${minutes} ${hours} ${dayOfMonth} ${month} ${days}`;
      try {
        import_cron_parser.CronExpressionParser.parse(cron, { tz: "UTC", strict: false });
      } catch (error) {
        return refuse(`is not a valid cron expression: ${error.message}`);
      }
      return { ok: true, expression: { kind: "cron", source, cron, years } };
    };
    parseAt = (source) => {
      const match = AT.exec(source);
      if (!match) return refuse("must be at(yyyy-mm-ddThh:mm:ss)");
      const wallTime = `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}`;
      const date = /* @__PURE__ */ new Date(`${wallTime}Z`);
      if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== wallTime)
        return refuse(`${wallTime} is not a time`);
      return { ok: true, expression: { kind: "at", source, wallTime } };
    };
    parseScheduleExpression = (source) => {
      if (source.startsWith("cron(")) return parseCron(source);
      if (source.startsWith("rate(")) return parseRate(source);
      if (source.startsWith("at(")) return parseAt(source);
      return refuse("must be cron(\u2026), rate(\u2026) or at(\u2026)");
    };
    timezoneProblem = (timezone) => {
      const example = "an IANA time zone name, e.g. Europe/Paris or UTC";
      if (!/^[A-Za-z]/.test(timezone)) return `"${timezone}" is not ${example}`;
      let canonical;
      try {
        canonical = new Intl.DateTimeFormat("en-US", { timeZone: timezone }).resolvedOptions().timeZone;
      } catch {
        return `"${timezone}" is not ${example}`;
      }
      return canonical !== timezone && canonical.toLowerCase() === timezone.toLowerCase() ? `write "${canonical}"` : void 0;
    };
    nextCron = (expression, timezone, after) => {
      let iterator = import_cron_parser.CronExpressionParser.parse(expression.cron, {
        tz: timezone,
        currentDate: after
      });
      for (; ; ) {
        const candidate = iterator.next();
        const year = candidate.getFullYear();
        if (!expression.years.has(year)) {
          const next = expression.years.firstFrom(year + 1);
          if (next === void 0) return void 0;
          const newYear = import_cron_parser.CronExpressionParser.parse(`0 0 1 1 *`, { tz: timezone, currentDate: candidate });
          let start = newYear.next();
          while (start.getFullYear() < next) start = newYear.next();
          iterator = import_cron_parser.CronExpressionParser.parse(expression.cron, {
            tz: timezone,
            currentDate: new Date(start.getTime() - 1)
          });
          continue;
        }
        if (iterator.includesDate(candidate)) return candidate.toDate();
      }
    };
    atInstant = (wallTime, timezone) => {
      const [date, time] = wallTime.split("T");
      const [year, month, day] = date.split("-").map(Number);
      const [hour, minute, second] = time.split(":").map(Number);
      const from = new Date(Date.UTC(year, month - 1, day) - 2 * UNIT_MS2.day);
      const once = import_cron_parser.CronExpressionParser.parse(`${second} ${minute} ${hour} ${day} ${month} *`, {
        tz: timezone,
        currentDate: from
      });
      const candidate = once.next();
      return candidate.getFullYear() === year ? candidate.toDate() : void 0;
    };
    nextOccurrence = (expression, options, after) => {
      switch (expression.kind) {
        case "rate": {
          const start = options.start.getTime();
          if (after.getTime() < start) return new Date(start);
          const periods = Math.floor((after.getTime() - start) / expression.periodMs) + 1;
          return new Date(start + periods * expression.periodMs);
        }
        case "cron":
          return nextCron(expression, options.timezone, after);
        case "at": {
          const at2 = atInstant(expression.wallTime, options.timezone);
          return at2 && at2.getTime() > after.getTime() ? at2 : void 0;
        }
      }
    };
    atTime = (expression, timezone) => atInstant(expression.wallTime, timezone);
    atExpression = (time) => `at(${time.toISOString().slice(0, 19)})`;
  }
});

// functions/routing/route-graph.ts
var MAX_CYCLES, routeCycles;
var init_route_graph = __esm({
  "functions/routing/route-graph.ts"() {
    "use strict";
    init_internal();
    init_glob();
    MAX_CYCLES = 10;
    routeCycles = (routes, tenants, emitsOf) => {
      const found = /* @__PURE__ */ new Map();
      const emitted = [
        ...new Set(
          routes.flatMap(
            (route) => route.targets.flatMap(
              (target) => target.kind === "workflow" && target.name ? emitsOf(target.name) ?? [] : []
            )
          )
        )
      ].sort();
      const record11 = (tenant2, loop) => {
        const steps = loop.slice(1).map((step, i) => ({ from: loop[i]?.type ?? "", via: step.via }));
        const start = steps.reduce((best, step, i) => (steps[best]?.from ?? "") <= step.from ? best : i, 0);
        const rotated = [...steps.slice(start), ...steps.slice(0, start)];
        const path = [
          ...rotated.flatMap((step) => [
            step.from,
            `route[${step.via?.route}]`,
            `workflow ${step.via?.workflow}`
          ]),
          rotated[0]?.from ?? ""
        ].join(" \u2192 ");
        const route = Math.min(...rotated.map((step) => step.via?.route ?? Number.MAX_SAFE_INTEGER));
        const known = found.get(path);
        if (known) known.tenants.push(tenant2);
        else if (found.size < MAX_CYCLES) found.set(path, { route, tenants: [tenant2] });
      };
      for (const tenant2 of tenants) {
        const edgesOf = (type) => {
          const candidates = [];
          for (const [route, { match }] of routes.entries()) {
            if ((match.tenant === void 0 || match.tenant === tenant2) && (match.provider === void 0 || match.provider === INTERNAL_PROVIDER_ID) && globMatches(match.type, type)) {
              candidates.push(route);
              if (match.filter === void 0) break;
            }
          }
          return candidates.flatMap((route) => {
            const chosen = routes[route];
            if (!chosen || chosen.mode === "dry-run") return [];
            return chosen.targets.flatMap(
              (target) => target.kind === "workflow" && target.name && target.mode !== "dry-run" ? (emitsOf(target.name) ?? []).map((to) => ({ route, workflow: target.name ?? "", to })) : []
            );
          });
        };
        const finished = /* @__PURE__ */ new Set();
        const onPath = [];
        const visit = (type, via) => {
          const open = onPath.findIndex((step) => step.type === type);
          if (open >= 0) {
            record11(tenant2, [...onPath.slice(open), { type, via }]);
            return;
          }
          if (finished.has(type)) return;
          onPath.push({ type, via });
          for (const edge of edgesOf(type)) visit(edge.to, edge);
          onPath.pop();
          finished.add(type);
        };
        for (const type of emitted) visit(type);
      }
      return [...found.entries()].map(([path, { route, tenants: on }]) => ({
        route,
        path,
        tenants: [...new Set(on)]
      }));
    };
  }
});

// lib/event-pattern.ts
var OPERATORS2, COMPARISONS2, isObject, isScalar2, matcherProblems, eventPatternProblems;
var init_event_pattern = __esm({
  "lib/event-pattern.ts"() {
    "use strict";
    OPERATORS2 = /* @__PURE__ */ new Set([
      "prefix",
      "suffix",
      "equals-ignore-case",
      "wildcard",
      "anything-but",
      "numeric",
      "exists",
      "cidr"
    ]);
    COMPARISONS2 = /* @__PURE__ */ new Set(["=", "<", "<=", ">", ">="]);
    isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
    isScalar2 = (value) => value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
    matcherProblems = (matcher, path) => {
      if (isScalar2(matcher)) return [];
      if (!isObject(matcher))
        return [{ path, message: "a matcher is a string, number, boolean, null or an operator object" }];
      const operators = Object.keys(matcher);
      const [operator2] = operators;
      if (operator2 === void 0 || operators.length > 1)
        return [{ path, message: "an operator object has exactly one operator" }];
      if (!OPERATORS2.has(operator2))
        return [{ path: [...path, operator2], message: `unknown operator (known: ${[...OPERATORS2].join(", ")})` }];
      const operand = matcher[operator2];
      const at2 = [...path, operator2];
      switch (operator2) {
        case "exists":
          return typeof operand === "boolean" ? [] : [{ path: at2, message: "must be true or false" }];
        case "numeric": {
          const pairs = Array.isArray(operand) ? operand : [];
          const valid = pairs.length > 0 && pairs.length % 2 === 0 && pairs.every(
            (item, index) => index % 2 === 0 ? typeof item === "string" && COMPARISONS2.has(item) : typeof item === "number"
          );
          return valid ? [] : [{ path: at2, message: 'must list operator, number pairs ("<", 10, ">=", 0)' }];
        }
        case "anything-but":
          return isScalar2(operand) || Array.isArray(operand) || isObject(operand) ? [] : [{ path: at2, message: "must be a value, a list of values or an operator object" }];
        case "prefix":
        case "suffix":
          return typeof operand === "string" || isObject(operand) ? [] : [{ path: at2, message: 'must be a string (or { "equals-ignore-case": \u2026 })' }];
        default:
          return typeof operand === "string" ? [] : [{ path: at2, message: "must be a string" }];
      }
    };
    eventPatternProblems = (pattern, path = []) => {
      if (!isObject(pattern)) return [{ path, message: "an event pattern is a JSON object" }];
      const fields = Object.entries(pattern);
      if (fields.length === 0) return [{ path, message: "an event pattern matches on at least one field" }];
      return fields.flatMap(([key, value]) => {
        const at2 = [...path, key];
        if (key === "$or") {
          if (!Array.isArray(value) || value.length < 2)
            return [{ path: at2, message: "$or lists at least two patterns" }];
          return value.flatMap(
            (alternative, index) => eventPatternProblems(alternative, [...at2, index])
          );
        }
        if (Array.isArray(value)) {
          if (value.length === 0) return [{ path: at2, message: "an empty list matches nothing" }];
          return value.flatMap((matcher, index) => matcherProblems(matcher, [...at2, index]));
        }
        if (isObject(value)) return eventPatternProblems(value, at2);
        return [{ path: at2, message: 'must be a list of matchers (["value"]) or a nested pattern' }];
      });
    };
  }
});

// lib/constructs/event-queue.ts
var import_aws_cdk_lib, import_aws_sqs, import_constructs, maxReceiveCountFor;
var init_event_queue = __esm({
  "lib/constructs/event-queue.ts"() {
    "use strict";
    import_aws_cdk_lib = require("aws-cdk-lib");
    import_aws_sqs = require("aws-cdk-lib/aws-sqs");
    import_constructs = require("constructs");
    maxReceiveCountFor = (maxAttempts) => Math.min(1e3, maxAttempts * 4);
  }
});

// functions/reconciliation/error-lines.ts
var init_error_lines = __esm({
  "functions/reconciliation/error-lines.ts"() {
    "use strict";
    init_contract2();
  }
});

// functions/reconciliation/retry.ts
var init_retry = __esm({
  "functions/reconciliation/retry.ts"() {
    "use strict";
    init_contract2();
  }
});

// functions/reconciliation/missing-receipts.ts
var init_missing_receipts = __esm({
  "functions/reconciliation/missing-receipts.ts"() {
    "use strict";
    init_error_lines();
    init_retry();
  }
});

// functions/reconciliation/capabilities.ts
var RECONCILIATION_CAPABILITIES, DURATION, UNIT_MS3, durationMs;
var init_capabilities = __esm({
  "functions/reconciliation/capabilities.ts"() {
    "use strict";
    RECONCILIATION_CAPABILITIES = {
      stripe: { retentionDays: 30, entityKinds: ["subscription", "invoice"], channelCredentials: false },
      github: { retentionDays: 3, entityKinds: [], channelCredentials: false },
      twilio: { retentionDays: 400, entityKinds: ["message"], channelCredentials: true },
      postmark: { retentionDays: 45, entityKinds: [], channelCredentials: true },
      mailgun: { retentionDays: 5, entityKinds: [], channelCredentials: true }
    };
    DURATION = /^(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)$/;
    UNIT_MS3 = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
    durationMs = (text4) => {
      const match = DURATION.exec(text4.trim());
      if (!match) return void 0;
      const amount = Number(match[1]);
      const unit2 = (match[2] ?? "").startsWith("min") ? "m" : (match[2] ?? "").charAt(0);
      const ms = UNIT_MS3[unit2];
      return ms === void 0 || amount <= 0 ? void 0 : amount * ms;
    };
  }
});

// lib/reconciliation-config.ts
var import_zod14, duration2, UNIT_OF, reconciliationScheduleExpression, reconciliationEntry, receiptDeadlinesSchema, reconciliationSchema, reconciledProviders, DAY_MS3, quoted, reconciliationProblems;
var init_reconciliation_config = __esm({
  "lib/reconciliation-config.ts"() {
    "use strict";
    import_zod14 = require("zod");
    init_contract();
    init_missing_receipts();
    init_capabilities();
    init_providers();
    init_schedule_expression();
    duration2 = (example) => import_zod14.z.string().superRefine((text4, ctx) => {
      if (durationMs(text4) === void 0)
        ctx.addIssue({ code: "custom", message: `must be a duration such as "${example}" (s, m, h or d)` });
    });
    UNIT_OF = [
      ["day", 864e5],
      ["hour", 36e5],
      ["minute", 6e4]
    ];
    reconciliationScheduleExpression = (every) => {
      if (every.startsWith("rate(") || every.startsWith("cron("))
        return parseScheduleExpression(every).ok ? every : void 0;
      const ms = durationMs(every);
      if (ms === void 0) return void 0;
      for (const [unit2, size] of UNIT_OF) {
        if (ms % size === 0) {
          const count = ms / size;
          return `rate(${count} ${unit2}${count === 1 ? "" : "s"})`;
        }
      }
      return void 0;
    };
    reconciliationEntry = import_zod14.z.object({
      /** How often a run starts: a duration (`1 hour`, at least a minute) or Scheduler's `rate(…)`/`cron(…)`. */
      every: import_zod14.z.string().superRefine((every, ctx) => {
        if (reconciliationScheduleExpression(every) === void 0)
          ctx.addIssue({
            code: "custom",
            message: "must be whole minutes (`1 hour`, `15 minutes`) or rate(\u2026) / cron(\u2026) as Scheduler reads them"
          });
      }).default("1 hour"),
      /** How far back a first run, missing receipts and drift look. */
      lookback: duration2("2 days").default("2 days"),
      /**
       * Days the provider keeps what it sent, when the account's plan differs from the default
       * (Mailgun keeps 5 days on its free plans and up to 30 on paid ones; Postmark's retention is a
       * server setting). Bounds the lookback. @default the provider's (docs/reconciliation.md)
       */
      retentionDays: import_zod14.z.number().int().positive().optional(),
      /** Entity kinds whose state is compared with the provider's (`subscription`, `invoice`, `message`). */
      entities: import_zod14.z.array(import_zod14.z.string()).default([]),
      /** Tenants reconciled, each with its own API credentials secret. @default ['default'] */
      tenants: import_zod14.z.array(import_zod14.z.string()).min(1).default(["default"]),
      /** The provider API's own options: GitHub `{ repository, hookId }`, Mailgun `{ domain }`. */
      options: import_zod14.z.record(import_zod14.z.string(), import_zod14.z.unknown()).default({}),
      /** The provider's API, when not its public one (a regional endpoint, a proxy). */
      baseUrl: import_zod14.z.url({ protocol: /^https?$/, error: "must be an http or https URL" }).optional(),
      /**
       * Twilio, Postmark, Mailgun: read the API with the channel's credentials (its secret) instead of
       * a secret of its own, when the channel is configured. @default true
       */
      useChannelSecret: import_zod14.z.boolean().default(true)
    }).strict();
    receiptDeadlinesSchema = import_zod14.z.object({
      email: duration2("1 hour").optional(),
      sms: duration2("15 minutes").optional(),
      whatsapp: duration2("15 minutes").optional(),
      push: duration2("15 minutes").optional(),
      webhook: duration2("15 minutes").optional()
    }).strict().default({});
    reconciliationSchema = import_zod14.z.record(import_zod14.z.string(), reconciliationEntry).default({});
    reconciledProviders = (config) => Object.entries(config);
    DAY_MS3 = 864e5;
    quoted = (names) => [...names].map((n) => `"${n}"`).join(", ") || "none";
    reconciliationProblems = (config, context) => {
      const problems = [];
      for (const [provider, entry] of reconciledProviders(config)) {
        const at2 = ["reconciliation", provider];
        const capability = Object.hasOwn(RECONCILIATION_CAPABILITIES, provider) ? RECONCILIATION_CAPABILITIES[provider] : void 0;
        if (!capability || !RECONCILABLE_PROVIDERS.includes(provider)) {
          problems.push({
            path: at2,
            message: `${provider} cannot be reconciled (reconcilable: ${quoted(RECONCILABLE_PROVIDERS)}; docs/reconciliation.md says why the others cannot)`
          });
          continue;
        }
        if (context.enabledProviders && !context.enabledProviders.has(provider))
          problems.push({ path: at2, message: `enable ${provider} under \`providers\` to reconcile it` });
        const lookback = durationMs(entry.lookback);
        const retentionDays = entry.retentionDays ?? capability.retentionDays;
        if (lookback !== void 0 && lookback > retentionDays * DAY_MS3)
          problems.push({
            path: [...at2, "lookback"],
            message: `${provider} keeps what it sent for ${retentionDays} days${entry.retentionDays === void 0 ? " (set retentionDays if your plan keeps more)" : ""}: a lookback of ${entry.lookback} cannot be honoured`
          });
        entry.entities.forEach((kind, index) => {
          if (!capability.entityKinds.includes(kind))
            problems.push({
              path: [...at2, "entities", index],
              message: `${provider} cannot read "${kind}" (entities: ${quoted(capability.entityKinds)})`
            });
        });
        entry.tenants.forEach((tenant2, index) => {
          if (context.tenantIds && !context.tenantIds.has(tenant2))
            problems.push({
              path: [...at2, "tenants", index],
              message: `no tenant "${tenant2}" (tenants: ${quoted(context.tenantIds)})`
            });
        });
      }
      return problems;
    };
  }
});

// lib/config.ts
var config_exports = {};
__export(config_exports, {
  CONFIG_WARNINGS: () => CONFIG_WARNINGS,
  ConfigError: () => ConfigError,
  LOCAL_DEMO_TARGET_CONTEXT: () => LOCAL_DEMO_TARGET_CONTEXT,
  MAX_JSON_ENV_BYTES: () => MAX_JSON_ENV_BYTES,
  RelayFlowConfigSchema: () => RelayFlowConfigSchema,
  SCHEDULE_NAME: () => SCHEDULE_NAME,
  TRACING_DEFAULTS: () => TRACING_DEFAULTS,
  checkConfig: () => checkConfig,
  checkConfigFile: () => checkConfigFile,
  consumerQuotas: () => consumerQuotas,
  defineConfig: () => defineConfig,
  formatConfigProblems: () => formatConfigProblems,
  loadConfig: () => loadConfig,
  needsLocalDemoRoute: () => needsLocalDemoRoute,
  parseConfig: () => parseConfig,
  replayProvidersJson: () => replayProvidersJson,
  tenantQuotas: () => tenantQuotas,
  withLocalDemoRoute: () => withLocalDemoRoute
});
var import_node_fs5, import_node_path7, import_jsonata, import_zod15, TENANT_ID, MAX_BODY_LIMIT, verifierLimits, providerCommon, API_DEFAULTS, TRACING_DEFAULTS, ROUTE_THROTTLE_DEFAULTS, tenantQuota, tenant, SCHEDULE_NAME, scheduleExpression, schedule, EVENT_BUS, eventSource, MAX_EVENT_SOURCES, ConfigObjectSchema, CONFIG_WARNINGS, MAX_JSON_ENV_BYTES, replayProvidersJson, tenantQuotas, consumerQuotas, defineConfig, ROUTE_LIMIT_FIELDS, resolveLimits, enableProviders, isRecord5, section, retryPolicyProblems, messageTargetProblems, quoted2, crossFieldProblems, RelayFlowConfigSchema, FIELD_ORDER, inConfigOrder, checkConfig, readConfigFile, checkConfigFile, formatConfigProblems, LOCAL_DEMO_TARGET_CONTEXT, catchesAll, needsLocalDemoRoute, withLocalDemoRoute, ConfigError, parseConfig, loadConfig;
var init_config = __esm({
  "lib/config.ts"() {
    "use strict";
    import_node_fs5 = require("node:fs");
    import_node_path7 = require("node:path");
    import_jsonata = __toESM(require("jsonata"));
    import_zod15 = require("zod");
    init_registry2();
    init_types();
    init_routes();
    init_route_graph();
    init_transform();
    init_workflows();
    init_registry();
    init_render();
    init_templates();
    init_schedule_expression();
    init_internal();
    init_event_pattern();
    init_event_queue();
    init_reconciliation_config();
    TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
    MAX_BODY_LIMIT = 45e5;
    verifierLimits = import_zod15.z.object({
      /** Steady requests per second on each of the provider's routes. */
      rateLimit: import_zod15.z.number().min(1).optional(),
      /** Requests the provider's routes take at once before the steady rate applies. */
      burstLimit: import_zod15.z.int().min(1).optional(),
      /** Verifier instances reserved for (and at most used by) this provider; `false` reserves none. */
      reservedConcurrency: import_zod15.z.union([import_zod15.z.int().min(1).max(1e3), import_zod15.z.literal(false)]).optional()
    }).strict();
    providerCommon = import_zod15.z.object({
      /** The entity whose events stay in order, e.g. `{ kind: 'customer', path: 'data.object.customer' }`. */
      entity: import_zod15.z.custom().optional(),
      limits: verifierLimits.optional()
    }).passthrough();
    API_DEFAULTS = {
      throttlingRateLimit: 100,
      throttlingBurstLimit: 200,
      verifierReservedConcurrency: 50
    };
    TRACING_DEFAULTS = { enabled: true, samplingRate: 0.05, reservoirPerSecond: 1 };
    ROUTE_THROTTLE_DEFAULTS = { rateLimit: 50, burstLimit: 100 };
    tenantQuota = import_zod15.z.object({
      /** Events per second started into processing, across every consumer instance. */
      eventsPerSecond: import_zod15.z.number({ error: "must be a number of events per second" }).positive("must be a positive number of events per second").max(1e4, "must be at most 10000 events per second").optional(),
      /** Events whose targets run at once, across every consumer instance. */
      maxConcurrent: import_zod15.z.int({ error: "must be a whole number of events" }).min(1, "must be at least 1").max(999, "must be at most 999").optional(),
      /** The tenant's delivery SLA: alarm when its events take longer than this from receipt to done. */
      lagAlarmMinutes: import_zod15.z.int({ error: "must be a whole number of minutes" }).min(1, "must be at least 1 minute").max(20160, "must be at most 20160 minutes (14 days)").optional()
    }).strict().refine((quota) => Object.values(quota).some((value) => value !== void 0), {
      message: "set at least one of eventsPerSecond, maxConcurrent and lagAlarmMinutes, or leave quota out"
    });
    tenant = import_zod15.z.object({
      id: import_zod15.z.string().regex(TENANT_ID, "lower-case letters, digits and dashes, at most 63"),
      /**
       * Give this tenant its own secret per provider. `false` shares the provider's secret, so a
       * delivery signed for one tenant is also accepted at another tenant's URL (a synth warning).
       */
      dedicatedSecrets: import_zod15.z.boolean().default(true),
      quota: tenantQuota.optional()
    }).strict();
    SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;
    scheduleExpression = (kind) => import_zod15.z.string().superRefine((source, ctx) => {
      const parsed = parseScheduleExpression(source);
      const problem = !source.startsWith(`${kind}(`) ? `must be written ${kind}(\u2026), e.g. ${kind === "cron" ? "cron(0 9 ? * MON-FRI *)" : "rate(15 minutes)"}` : parsed.ok ? void 0 : parsed.problem;
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
    schedule = import_zod15.z.object({
      name: import_zod15.z.string().regex(SCHEDULE_NAME, 'letters, digits, "-" and "_", at most 48'),
      /** `cron(minutes hours day-of-month month day-of-week year)`, e.g. `cron(0 9 ? * MON-FRI *)`. */
      cron: scheduleExpression("cron").optional(),
      /** `rate(value unit)`, e.g. `rate(15 minutes)`: from the schedule's creation, every period. */
      rate: scheduleExpression("rate").optional(),
      /** The IANA time zone `cron` is read in. @default 'UTC' */
      timezone: import_zod15.z.string().superRefine((timezone, ctx) => {
        const problem = timezoneProblem(timezone);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }).default("UTC"),
      /** The canonical type of each tick's event, `report.daily`. */
      type: import_zod15.z.string().regex(/^[A-Za-z0-9_.-]{1,256}$/, 'letters, digits, ".", "_" and "-", at most 256'),
      /** @default the default tenant */
      tenant: import_zod15.z.string().optional(),
      /** Carried in every tick's event as its data. */
      data: import_zod15.z.record(import_zod15.z.string(), import_zod15.z.unknown()).optional()
    }).strict();
    EVENT_BUS = /^(?:[/.\-_A-Za-z0-9]{1,256}|arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256})$/;
    eventSource = import_zod15.z.object({
      /** The event bus (name, or ARN in the stack's account): `default`, `orders`. */
      bus: import_zod15.z.string().regex(EVENT_BUS, "an event bus name or ARN"),
      /** An EventBridge event pattern, checked at synth (lib/event-pattern.ts). */
      pattern: import_zod15.z.record(import_zod15.z.string(), import_zod15.z.unknown()).superRefine((pattern, ctx) => {
        for (const problem of eventPatternProblems(pattern))
          ctx.addIssue({ code: "custom", path: [...problem.path], message: problem.message });
      }),
      /** @default the default tenant */
      tenant: import_zod15.z.string().optional(),
      /** Where a detail that is not an envelope keeps its entity id: a dot path into the detail. */
      entity: import_zod15.z.object({ kind: import_zod15.z.string().min(1), path: import_zod15.z.string().min(1) }).strict().optional()
    }).strict();
    MAX_EVENT_SOURCES = 50;
    ConfigObjectSchema = import_zod15.z.object({
      /** CloudFormation stack name; the CLI finds everything through it. */
      stackName: import_zod15.z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/).default("RelayFlow"),
      /** `dev` stacks destroy their data on delete; `prod` stacks retain it. */
      stage: import_zod15.z.enum(["dev", "prod"]).default("prod"),
      /**
       * The base URL providers call, when it is not the one API Gateway sees: a custom domain mapped
       * under a path, or CloudFront in front of the API. URL-signed providers (HubSpot, Twilio)
       * sign the full URL; without this the verifier rebuilds it from the request's domain name,
       * which is right for the API's own URL and for a custom domain mapped at its root.
       */
      publicBaseUrl: import_zod15.z.url({ protocol: /^https?$/, error: "must be an http or https URL" }).optional(),
      /** Where alarms are e-mailed. */
      alarmEmail: import_zod15.z.email().optional(),
      /** How long events, audit entries and raw bodies are kept. */
      retentionDays: import_zod15.z.int().min(1).max(3650).default(30),
      /** Largest body accepted; larger ones are answered 413. */
      maxBodyBytes: import_zod15.z.int().min(1024).max(MAX_BODY_LIMIT).default(4 * 1024 * 1024),
      /** Compressed bodies above this go to S3 (claim check) instead of the table. */
      inlineBodyMaxBytes: import_zod15.z.int().min(1024).max(300 * 1024).default(64 * 1024),
      tenants: import_zod15.z.array(tenant).default([]),
      /**
       * The quota of the implicit `default` tenant (webhook URLs without a tenant), which has no
       * entry in `tenants`: listing it there would give it dedicated secrets and URLs of its own.
       */
      defaultTenantQuota: tenantQuota.optional(),
      /** Enabled built-in providers and their options. */
      providers: import_zod15.z.record(import_zod15.z.string(), providerCommon).default({}),
      /**
       * Outbound channel adapters that `message` targets send through (docs/channels.md), by id
       * (`postmark`, `sendgrid`, `mailgun`, `ses`, `twilio`, `fcm`, `webhook`). Each gets a Secrets
       * Manager secret for its credentials, and one per tenant listed here.
       */
      channels: import_zod15.z.record(
        import_zod15.z.string(),
        import_zod15.z.object({
          /** The provider's API, when not its public one (a regional endpoint, a proxy). */
          baseUrl: import_zod15.z.url({ protocol: /^https?$/, error: "must be an http or https URL" }).optional(),
          /** Tenants with credentials of their own for this adapter; the others use the adapter's. */
          tenants: import_zod15.z.array(import_zod15.z.string()).default([])
        }).strict()
      ).default({}),
      /** Any number of HMAC-signed senders, each with its own route, Lambda and secret. */
      genericHmac: import_zod15.z.record(import_zod15.z.string(), import_zod15.z.object({}).passthrough()).default({}),
      retry: import_zod15.z.object({
        maxAttempts: import_zod15.z.int().min(1).max(1e3).default(5),
        backoffBaseSeconds: import_zod15.z.int().min(0).max(43200).default(2),
        backoffMaxSeconds: import_zod15.z.int().min(0).max(43200).default(300)
      }).strict().default({ maxAttempts: 5, backoffBaseSeconds: 2, backoffMaxSeconds: 300 }),
      api: import_zod15.z.object({
        /** The stage's default route throttle, and the most any provider's route may be given. */
        throttlingRateLimit: import_zod15.z.number().min(1).default(100),
        throttlingBurstLimit: import_zod15.z.int().min(1).default(200),
        /** Each provider's route throttle unless the provider sets `limits`. @default 50/s and 100, or the stage's if lower */
        routeThrottlingRateLimit: import_zod15.z.number().min(1).optional(),
        routeThrottlingBurstLimit: import_zod15.z.int().min(1).optional(),
        /** Reserved concurrency of each verifier unless the provider sets `limits`; `false` reserves none. */
        verifierReservedConcurrency: import_zod15.z.union([import_zod15.z.int().min(1).max(1e3), import_zod15.z.literal(false)]).default(50)
      }).strict().default(API_DEFAULTS),
      logLevel: import_zod15.z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
      /**
       * Lambda's own log lines. START, END and REPORT come at INFO, three per invocation, billed
       * like any line; WARN keeps only Lambda's failures (timeouts, crashes).
       */
      platformLogLevel: import_zod15.z.enum(["DEBUG", "INFO", "WARN"]).default("WARN"),
      /**
       * X-Ray tracing of the functions and the replay state machine. `false` records nothing and
       * keeps the X-Ray SDK out of the functions' cold starts. The stack's sampling rule records
       * `reservoirPerSecond` requests each second, then `samplingRate` of the rest.
       */
      tracing: import_zod15.z.object({
        enabled: import_zod15.z.boolean().default(TRACING_DEFAULTS.enabled),
        /** Share of requests recorded once the second's reservoir is used up, 0 to 1. */
        samplingRate: import_zod15.z.number().min(0).max(1).default(TRACING_DEFAULTS.samplingRate),
        /** Requests recorded each second before `samplingRate` applies; 0 leaves only the rate. */
        reservoirPerSecond: import_zod15.z.int().min(0).default(TRACING_DEFAULTS.reservoirPerSecond)
      }).strict().default(TRACING_DEFAULTS),
      /** Where processed events go: the first matching route wins (schema: functions/routing/routes.ts). */
      routes: import_zod15.z.array(RouteSchema).default([]),
      /**
       * An event more workflow emissions than this away from an outside event is quarantined as a
       * cycle, never processed (docs/workflows.md). Loops the routes make are refused at synth.
       */
      maxCausationDepth: import_zod15.z.int().min(1).max(100).default(8),
      /** Scheduled triggers: each tick of each schedule becomes one domain event. */
      schedules: import_zod15.z.array(schedule).default([]),
      /** EventBridge rules whose events become domain events (one rule per entry). */
      eventSources: import_zod15.z.array(eventSource).max(MAX_EVENT_SOURCES).default([]),
      /**
       * Providers asked what they sent, on a schedule, so that lost webhooks, missing receipts and
       * drifted entities are found (docs/reconciliation.md).
       */
      reconciliation: reconciliationSchema,
      /** Per channel, how long a sent message may wait for its final receipt (`1 hour`; docs/reconciliation.md). */
      receiptDeadlines: receiptDeadlinesSchema,
      consumer: import_zod15.z.object({
        /** Event source mapping MaximumConcurrency (2–1000). */
        maxConcurrency: import_zod15.z.int().min(2).max(1e3).default(10),
        /** How long the consumer remembers a completed event (Powertools idempotency), at least 72 h. */
        idempotencyTtlHours: import_zod15.z.int().min(72).max(24 * 365).default(72)
      }).strict().default({ maxConcurrency: 10, idempotencyTtlHours: 72 }),
      /** The audit archive: every audit entry and rejection count, kept past `retentionDays` (docs/audit.md). */
      audit: import_zod15.z.object({
        /** Days the archive keeps an entry; absent, it keeps every entry. */
        archiveRetentionDays: import_zod15.z.int().min(1).max(36500).optional(),
        /**
         * S3 Object Lock on the archive bucket: an archived entry cannot be changed or deleted for
         * `days`, in `governance` mode (users with a special permission can) or `compliance` mode
         * (no one can, the root user included). It can only be chosen when the bucket is created.
         */
        objectLock: import_zod15.z.object({ mode: import_zod15.z.enum(["governance", "compliance"]), days: import_zod15.z.int().min(1).max(36500) }).strict().optional()
      }).strict().default({}),
      observability: import_zod15.z.object({
        /** Alarm when the main queue's oldest message is older than this. */
        oldestMessageAlarmMinutes: import_zod15.z.int().min(1).max(20160).default(15),
        /** Alarm when more signature rejections than this arrive per minute (3 of 5 minutes). */
        signatureFailureAlarmPerMinute: import_zod15.z.int().min(1).default(50),
        /**
         * Log paths never printed (dot paths from the log line's root; `*` is one key, `**` any
         * depth, array indices are skipped), e.g. `**.email`, `items.*.address`.
         */
        piiPaths: import_zod15.z.array(
          import_zod15.z.string().regex(
            /^(\*\*|\*|[A-Za-z0-9_$-]+)(\.(\*\*|\*|[A-Za-z0-9_$-]+))*$/,
            "dot path of keys, * and **"
          )
        ).max(50).default([]),
        /**
         * Per provider, the ISO date after which an event verified by an older secret (index > 0)
         * raises the OldSecretUsed alarm: the provider still signs with a secret being retired.
         */
        secretRetirement: import_zod15.z.record(import_zod15.z.string(), import_zod15.z.iso.date()).default({}),
        /**
         * Shares of sent messages (0–1) above which MessageBounceRate (default 0.05) and
         * MessageFailureRate (default 0.1) fire, over 15 minutes and every channel and tenant.
         */
        channelHealth: import_zod15.z.object({
          bounceRate: import_zod15.z.number().min(0).max(1).optional(),
          failureRate: import_zod15.z.number().min(0).max(1).optional()
        }).strict().optional()
      }).strict().default({
        oldestMessageAlarmMinutes: 15,
        signatureFailureAlarmPerMinute: 50,
        piiPaths: [],
        secretRetirement: {}
      })
    }).strict();
    CONFIG_WARNINGS = {
      unsignedIdentity: UNSIGNED_IDENTITY_WARNING
    };
    MAX_JSON_ENV_BYTES = 3e3;
    replayProvidersJson = (providers) => JSON.stringify(Object.fromEntries(providers.map((p) => [p.id, { kind: p.kind, options: p.options }])));
    tenantQuotas = (config) => new Map([
      ...config.defaultTenantQuota ? [["default", config.defaultTenantQuota]] : [],
      ...config.tenants.flatMap((t) => t.quota ? [[t.id, t.quota]] : [])
    ]);
    consumerQuotas = (quotas) => Object.fromEntries(
      [...quotas].filter(([, q]) => q.eventsPerSecond !== void 0 || q.maxConcurrent !== void 0).map(([id2, { eventsPerSecond, maxConcurrent }]) => [id2, { eventsPerSecond, maxConcurrent }])
    );
    defineConfig = (config) => config;
    ROUTE_LIMIT_FIELDS = {
      rateLimit: { fallback: "routeThrottlingRateLimit", ceiling: "throttlingRateLimit" },
      burstLimit: { fallback: "routeThrottlingBurstLimit", ceiling: "throttlingBurstLimit" }
    };
    resolveLimits = (path, limits, api, problems) => {
      const routeLimit = (field3) => {
        const { fallback, ceiling } = ROUTE_LIMIT_FIELDS[field3];
        const own2 = limits?.[field3];
        const configured = own2 ?? api[fallback];
        if (configured === void 0) return Math.min(ROUTE_THROTTLE_DEFAULTS[field3], api[ceiling]);
        if (configured > api[ceiling]) {
          problems.push({
            path: own2 === void 0 ? ["api", fallback] : [...path, "limits", field3],
            message: `${configured} exceeds the stage's api.${ceiling} (${api[ceiling]})`
          });
        }
        return configured;
      };
      const reserved = limits?.reservedConcurrency ?? api.verifierReservedConcurrency;
      return {
        rateLimit: routeLimit("rateLimit"),
        burstLimit: routeLimit("burstLimit"),
        reservedConcurrency: reserved === false ? void 0 : reserved
      };
    };
    enableProviders = (providers, genericHmac, api) => {
      const problems = [];
      const enabled = [];
      const enable = (section2, declaration, limits) => {
        const path = [section2, declaration.id];
        const resolved = resolveProvider(declaration);
        if (!resolved.success) {
          problems.push(...resolved.issues.map((i) => ({ path: [...path, ...i.path], message: i.message })));
          return;
        }
        const { id: id2, kind, options, entityOverride, warnings } = resolved.data;
        enabled.push({
          id: id2,
          kind,
          options: { ...options, ...entityOverride ? { entity: entityOverride } : {} },
          limits: resolveLimits(path, limits, api ?? API_DEFAULTS, api ? problems : []),
          warnings
        });
      };
      for (const [id2, { limits, ...options }] of Object.entries(providers)) {
        enable("providers", { id: id2, kind: "builtin", options }, limits);
      }
      for (const [id2, raw] of Object.entries(genericHmac)) {
        const { limits: rawLimits, ...options } = raw;
        const limits = verifierLimits.optional().safeParse(rawLimits);
        if (!limits.success)
          problems.push(
            ...limits.error.issues.map((i) => ({
              path: ["genericHmac", id2, "limits", ...i.path],
              message: i.message
            }))
          );
        enable("genericHmac", { id: id2, kind: "generic-hmac", options }, limits.data);
      }
      return { enabled, problems };
    };
    isRecord5 = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
    section = (config, key) => {
      const parsed = ConfigObjectSchema.shape[key].safeParse(config[key]);
      return parsed.success ? parsed.data : void 0;
    };
    retryPolicyProblems = (defaults, layers, at2) => {
      const own2 = layers[layers.length - 1];
      if (!own2) return [];
      const merged = layers.reduce(
        (policy, layer) => ({
          maxAttempts: layer?.maxAttempts ?? policy.maxAttempts,
          backoffBaseSeconds: layer?.backoffBaseSeconds ?? policy.backoffBaseSeconds,
          backoffMaxSeconds: layer?.backoffMaxSeconds ?? policy.backoffMaxSeconds
        }),
        defaults
      );
      const problems = [];
      if (merged.backoffMaxSeconds < merged.backoffBaseSeconds && (own2.backoffBaseSeconds === void 0 || own2.backoffMaxSeconds === void 0))
        problems.push({
          path: [...at2, own2.backoffMaxSeconds === void 0 ? "backoffBaseSeconds" : "backoffMaxSeconds"],
          message: `backoffMaxSeconds (${merged.backoffMaxSeconds}) would be below backoffBaseSeconds (${merged.backoffBaseSeconds}) once merged with the policies above it`
        });
      const receives = maxReceiveCountFor(defaults.maxAttempts);
      if (own2.maxAttempts !== void 0 && own2.maxAttempts > receives)
        problems.push({
          path: [...at2, "maxAttempts"],
          message: `must be at most ${receives}, the queue's maxReceiveCount (4 \xD7 retry.maxAttempts): raise retry.maxAttempts`
        });
      return problems;
    };
    messageTargetProblems = (target, configured) => {
      const problems = [];
      const channels2 = Object.hasOwn(ADAPTER_CHANNELS, target.via) ? ADAPTER_CHANNELS[target.via] : void 0;
      if (!channels2)
        problems.push({
          path: ["via"],
          message: `no channel adapter "${target.via}" (adapters: ${quoted2(ADAPTER_IDS)})`
        });
      else if (!channels2.includes(target.channel))
        problems.push({
          path: ["channel"],
          message: `${target.via} sends ${channels2.join(", ")}, not ${target.channel}`
        });
      else if (!configured.includes(target.via))
        problems.push({
          path: ["via"],
          message: `add ${target.via} to \`channels\` (it holds the adapter's credentials); configured: ${quoted2(configured)}`
        });
      if (target.template === void 0 === (target.content === void 0))
        problems.push({ path: [], message: "give exactly one of `template` (a name) and `content`" });
      const syntax = (template, path) => {
        const problem = templateProblem(template);
        if (problem) problems.push({ path, message: `template: ${problem}` });
      };
      syntax(target.to, ["to"]);
      for (const [key, value] of Object.entries(target.metadata ?? {})) syntax(value, ["metadata", key]);
      if (target.template !== void 0 || target.content !== void 0) {
        const content = contentOf(target, templates);
        if (typeof content === "string") problems.push({ path: ["template"], message: content });
        else {
          const at2 = target.content ? ["content"] : ["template"];
          for (const problem of contentProblems(target.channel, content))
            problems.push({ path: at2, message: problem });
          const strings = (value, path) => {
            if (typeof value === "string") syntax(value, path);
            else if (isRecord5(value)) for (const [k, v] of Object.entries(value)) strings(v, [...path, k]);
          };
          strings(content, at2);
        }
      }
      return problems;
    };
    quoted2 = (names) => [...names].map((n) => `"${n}"`).join(", ") || "none";
    crossFieldProblems = (config) => {
      const problems = [];
      const providers = section(config, "providers");
      const genericHmac = section(config, "genericHmac");
      const tenants = section(config, "tenants");
      const retry2 = section(config, "retry");
      const observability = section(config, "observability");
      const channels2 = section(config, "channels");
      for (const [via, options] of Object.entries(channels2 ?? {})) {
        if (!ADAPTER_IDS.includes(via))
          problems.push({
            path: ["channels", via],
            message: `no channel adapter "${via}" (adapters: ${quoted2(ADAPTER_IDS)})`
          });
        options.tenants.forEach((tenant2, i) => {
          if (tenants && !tenants.some((t) => t.id === tenant2) && tenant2 !== "default")
            problems.push({
              path: ["channels", via, "tenants", i],
              message: `no tenant "${tenant2}" (tenants: ${quoted2(["default", ...tenants.map((t) => t.id)])})`
            });
        });
      }
      const providerIds = providers && genericHmac ? /* @__PURE__ */ new Set([...Object.keys(providers), ...Object.keys(genericHmac)]) : void 0;
      const tenantIds = tenants ? /* @__PURE__ */ new Set(["default", ...tenants.map((t) => t.id)]) : void 0;
      if (providers && genericHmac) {
        const { enabled, problems: providerProblems } = enableProviders(
          providers,
          genericHmac,
          section(config, "api")
        );
        problems.push(...providerProblems);
        if (providerIds?.size === 0)
          problems.push({
            path: ["providers"],
            message: "enable at least one provider (or one genericHmac sender)"
          });
        const bytes = Buffer.byteLength(replayProvidersJson(enabled));
        if (bytes > MAX_JSON_ENV_BYTES)
          problems.push({
            path: [],
            message: `providers and genericHmac: their options take ${bytes} bytes of the replay function's environment, which allows ${MAX_JSON_ENV_BYTES}`
          });
        const accounts = enabled.find((p) => p.id === "stripe")?.options.accounts;
        if (tenantIds && isRecord5(accounts)) {
          for (const tenant2 of Object.keys(accounts).filter((t) => !tenantIds.has(t)))
            problems.push({
              path: ["providers", "stripe", "accounts", tenant2],
              message: `no tenant "${tenant2}" (tenants: ${quoted2(tenantIds)})`
            });
        }
      }
      tenants?.forEach(({ id: id2 }, index) => {
        if (tenants.findIndex((t) => t.id === id2) !== index)
          problems.push({ path: ["tenants", index, "id"], message: `"${id2}" is listed twice` });
      });
      const consumer = section(config, "consumer");
      const defaultTenantQuota = section(config, "defaultTenantQuota");
      if (tenants && consumer) {
        const quotaEntries = [
          [["defaultTenantQuota"], defaultTenantQuota],
          ...tenants.map((t, index) => [
            ["tenants", index, "quota"],
            t.quota
          ])
        ];
        for (const [path, quota] of quotaEntries) {
          if (quota?.maxConcurrent !== void 0 && quota.maxConcurrent >= consumer.maxConcurrency)
            problems.push({
              path: [...path, "maxConcurrent"],
              message: `must be below consumer.maxConcurrency (${consumer.maxConcurrency}), which already caps every tenant together`
            });
        }
        tenants.forEach((t, index) => {
          if (t.id === "default" && t.quota)
            problems.push({
              path: ["tenants", index, "quota"],
              message: "the default tenant takes its quota from defaultTenantQuota"
            });
        });
      }
      if (genericHmac && Object.hasOwn(genericHmac, INTERNAL_PROVIDER_ID))
        problems.push({
          path: ["genericHmac", INTERNAL_PROVIDER_ID],
          message: 'id is reserved: domain events are published as provider "internal"'
        });
      const eventSources = Array.isArray(config.eventSources) ? config.eventSources : [];
      eventSources.forEach((entry, index) => {
        if (isRecord5(entry) && typeof entry.tenant === "string" && tenantIds && !tenantIds.has(entry.tenant))
          problems.push({
            path: ["eventSources", index, "tenant"],
            message: `no tenant "${entry.tenant}" (tenants: ${quoted2(tenantIds)})`
          });
      });
      const audit = section(config, "audit");
      if (audit?.objectLock && audit.archiveRetentionDays !== void 0 && audit.objectLock.days > audit.archiveRetentionDays)
        problems.push({
          path: ["audit", "objectLock", "days"],
          message: `must be at most audit.archiveRetentionDays (${audit.archiveRetentionDays}): a locked entry cannot expire`
        });
      if (retry2 && retry2.backoffMaxSeconds < retry2.backoffBaseSeconds)
        problems.push({
          path: ["retry", "backoffMaxSeconds"],
          message: `must be at least retry.backoffBaseSeconds (${retry2.backoffBaseSeconds})`
        });
      if (providerIds) {
        for (const provider of Object.keys(observability?.secretRetirement ?? {}).filter(
          (p) => !providerIds.has(p)
        ))
          problems.push({
            path: ["observability", "secretRetirement", provider],
            message: `no provider "${provider}" is enabled (enabled: ${quoted2(providerIds)})`
          });
      }
      const routes = Array.isArray(config.routes) ? config.routes : [];
      const routeIds = routes.map(
        (route) => isRecord5(route) && typeof route.id === "string" ? route.id : void 0
      );
      routes.forEach((route, index) => {
        if (!isRecord5(route)) return;
        const id2 = routeIds[index];
        if (id2 !== void 0 && routeIds.indexOf(id2) !== index)
          problems.push({
            path: ["routes", index, "id"],
            message: `two routes share the id "${id2}"; a pause names one route`
          });
        const match = RouteSchema.shape.match.safeParse(route.match);
        const { provider, tenant: tenant2 } = match.success ? match.data : {};
        if (provider !== void 0 && provider !== INTERNAL_PROVIDER_ID && providerIds && !providerIds.has(provider))
          problems.push({
            path: ["routes", index, "match", "provider"],
            message: `no provider "${provider}" is enabled (enabled: ${quoted2(providerIds)})`
          });
        if (tenant2 !== void 0 && tenantIds && !tenantIds.has(tenant2))
          problems.push({
            path: ["routes", index, "match", "tenant"],
            message: `no tenant "${tenant2}" (tenants: ${quoted2(tenantIds)})`
          });
        const targets2 = Array.isArray(route.targets) ? route.targets : [];
        const valid = targets2.map((target) => {
          const parsed = TargetSchema.safeParse(target);
          return parsed.success ? parsed.data : void 0;
        });
        for (const problem of targetProblems(valid, workflowNames))
          problems.push({ path: ["routes", index, ...problem.path], message: problem.message });
        valid.forEach((target, t) => {
          if (target?.kind === "message")
            for (const problem of messageTargetProblems(target, Object.keys(channels2 ?? {})))
              problems.push({ path: ["routes", index, "targets", t, ...problem.path], message: problem.message });
        });
        valid.forEach((target, t) => {
          const problem = target && "transform" in target && target.transform !== void 0 ? transformProblem(import_jsonata.default, target.transform) : void 0;
          if (problem) problems.push({ path: ["routes", index, "targets", t, "transform"], message: problem });
        });
        if (retry2) {
          const routeRetry = RetryPolicySchema.safeParse(route.retry);
          const routePolicy = routeRetry.success ? routeRetry.data : void 0;
          problems.push(...retryPolicyProblems(retry2, [routePolicy], ["routes", index, "retry"]));
          targets2.forEach((target, t) => {
            if (!isRecord5(target) || target.retry === void 0) return;
            const own2 = RetryPolicySchema.safeParse(target.retry);
            if (own2.success)
              problems.push(
                ...retryPolicyProblems(retry2, [routePolicy, own2.data], ["routes", index, "targets", t, "retry"])
              );
          });
        }
      });
      const schedules = Array.isArray(config.schedules) ? config.schedules : [];
      const scheduleNames = /* @__PURE__ */ new Map();
      schedules.forEach((entry, index) => {
        if (!isRecord5(entry)) return;
        const expressions = ["cron", "rate"].filter((field3) => entry[field3] !== void 0);
        if (expressions.length !== 1)
          problems.push({
            path: ["schedules", index],
            message: expressions.length === 0 ? "needs cron or rate" : "has both cron and rate: keep one"
          });
        const first = scheduleNames.get(entry.name);
        if (typeof entry.name === "string" && first !== void 0)
          problems.push({
            path: ["schedules", index, "name"],
            message: `"${entry.name}" already names schedules[${first}]`
          });
        else scheduleNames.set(entry.name, index);
        if (typeof entry.tenant === "string" && tenantIds && !tenantIds.has(entry.tenant))
          problems.push({
            path: ["schedules", index, "tenant"],
            message: `no tenant "${entry.tenant}" (tenants: ${quoted2(tenantIds)})`
          });
      });
      const reconciliation = section(config, "reconciliation");
      if (reconciliation)
        problems.push(
          ...reconciliationProblems(reconciliation, {
            enabledProviders: providers ? new Set(Object.keys(providers)) : void 0,
            tenantIds
          })
        );
      const validRoutes = section(config, "routes");
      if (validRoutes) {
        for (const cycle of routeCycles(
          validRoutes,
          [...tenantIds ?? ["default"]],
          (name) => workflowCatalog.get(name)?.emits
        ))
          problems.push({
            path: ["routes", cycle.route],
            message: `workflow events loop: ${cycle.path}${tenantIds && cycle.tenants.length < tenantIds.size ? ` (tenant ${cycle.tenants.join(", ")})` : ""}; break the loop with a narrower match, or mode: 'dry-run' on the route or target`
          });
      }
      const routesBytes = Buffer.byteLength(JSON.stringify(section(config, "routes") ?? []));
      if (routesBytes > MAX_JSON_ENV_BYTES)
        problems.push({
          path: ["routes"],
          message: `take ${routesBytes} bytes of the consumer's environment, which allows ${MAX_JSON_ENV_BYTES}`
        });
      else if (tenants) {
        const quotasBytes = Buffer.byteLength(
          JSON.stringify(consumerQuotas(tenantQuotas({ tenants, defaultTenantQuota })))
        );
        if (routesBytes + quotasBytes > MAX_JSON_ENV_BYTES)
          problems.push({
            path: ["tenants"],
            message: `their quotas (${quotasBytes} bytes) and the routes (${routesBytes}) take more of the consumer's environment than the ${MAX_JSON_ENV_BYTES} bytes it allows`
          });
      }
      return problems;
    };
    RelayFlowConfigSchema = ConfigObjectSchema.superRefine(
      (config, ctx) => {
        for (const { path, message } of crossFieldProblems(config))
          ctx.addIssue({ code: "custom", path: [...path], message });
      },
      { when: (payload) => isRecord5(payload.value) }
    );
    FIELD_ORDER = Object.keys(ConfigObjectSchema.shape);
    inConfigOrder = (a, b) => {
      const field3 = FIELD_ORDER.indexOf(String(a.path[0])) - FIELD_ORDER.indexOf(String(b.path[0]));
      const [entryA, entryB] = [a.path[1], b.path[1]];
      return field3 !== 0 || typeof entryA !== "number" || typeof entryB !== "number" ? field3 : entryA - entryB;
    };
    checkConfig = (input) => {
      const parsed = RelayFlowConfigSchema.safeParse(input);
      if (!parsed.success) {
        const issues = [...parsed.error.issues].sort(inConfigOrder);
        return { ok: false, problems: [...new Set(issues.map((i) => formatIssue([], i)))] };
      }
      const { providers, genericHmac, ...rest } = parsed.data;
      return {
        ok: true,
        config: { ...rest, enabledProviders: enableProviders(providers, genericHmac, rest.api).enabled }
      };
    };
    readConfigFile = (source) => {
      if (!(0, import_node_fs5.existsSync)(source)) return { ok: false, problem: "file not found" };
      try {
        if ((0, import_node_path7.extname)(source) === ".json")
          return { ok: true, input: JSON.parse((0, import_node_fs5.readFileSync)(source, "utf8")) };
        const mod = require(source);
        const input = mod.default ?? mod.config;
        return input === void 0 ? { ok: false, problem: "exports no configuration: write `export default defineConfig({ \u2026 })`" } : { ok: true, input };
      } catch (error) {
        return { ok: false, problem: `cannot be read: ${error.message}` };
      }
    };
    checkConfigFile = (env = process.env, cwd = process.cwd()) => {
      const source = (0, import_node_path7.resolve)(cwd, env.RELAYFLOW_CONFIG ?? "relayflow.config.ts");
      const read3 = readConfigFile(source);
      return read3.ok ? { ...checkConfig(read3.input), source } : { ok: false, problems: [read3.problem], source };
    };
    formatConfigProblems = (source, problems) => [
      `Invalid RelayFlow configuration (${source}): ${problems.length} ${problems.length === 1 ? "problem" : "problems"}`,
      ...problems.map((p) => `  - ${p}`)
    ].join("\n");
    LOCAL_DEMO_TARGET_CONTEXT = "relayflow:localDemoTarget";
    catchesAll = (route) => route.match.type === "*" && route.match.tenant === void 0 && route.match.provider === void 0 && route.match.filter === void 0;
    needsLocalDemoRoute = (config) => !config.routes.some(catchesAll);
    withLocalDemoRoute = (config, url3) => !needsLocalDemoRoute(config) ? config : {
      ...config,
      routes: [
        ...config.routes,
        RouteSchema.parse({
          match: { type: "*" },
          // A short half-open time lets the demo outage end visibly within seconds.
          targets: [{ kind: "http", id: "demo", url: url3, circuitHalfOpenAfterMs: 5e3 }]
        })
      ]
    };
    ConfigError = class extends Error {
      constructor(source, problems) {
        super(formatConfigProblems(source, problems));
        this.source = source;
        this.problems = problems;
        this.name = "ConfigError";
      }
      source;
      problems;
    };
    parseConfig = (input, source = "inline") => {
      const check = checkConfig(input);
      if (!check.ok) throw new ConfigError(source, check.problems);
      return check.config;
    };
    loadConfig = (env = process.env, cwd = process.cwd()) => {
      const check = checkConfigFile(env, cwd);
      if (!check.ok) throw new ConfigError(check.source, check.problems);
      return check.config;
    };
  }
});

// cli/environment.ts
var import_node_fs = require("node:fs");
var import_node_path = require("node:path");
var import_client_athena = require("@aws-sdk/client-athena");
var import_client_cloudformation = require("@aws-sdk/client-cloudformation");
var import_client_cloudwatch = require("@aws-sdk/client-cloudwatch");
var import_client_dynamodb = require("@aws-sdk/client-dynamodb");
var import_client_lambda = require("@aws-sdk/client-lambda");
var import_client_s3 = require("@aws-sdk/client-s3");
var import_client_scheduler = require("@aws-sdk/client-scheduler");
var import_client_secrets_manager = require("@aws-sdk/client-secrets-manager");
var import_client_sfn = require("@aws-sdk/client-sfn");
var import_client_sns = require("@aws-sdk/client-sns");
var import_client_sqs = require("@aws-sdk/client-sqs");
var import_lib_dynamodb = require("@aws-sdk/lib-dynamodb");
var import_zod = require("zod");
var CliError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "CliError";
  }
};
var LocalStateSchema = import_zod.z.object({
  stackName: import_zod.z.string().min(1),
  region: import_zod.z.string().min(1),
  endpoints: import_zod.z.object({
    sqs: import_zod.z.string().url(),
    dynamodb: import_zod.z.string().url(),
    secretsmanager: import_zod.z.string().url(),
    stepfunctions: import_zod.z.string().url(),
    cloudformation: import_zod.z.string().url(),
    s3: import_zod.z.string().url(),
    sns: import_zod.z.string().url(),
    cloudwatch: import_zod.z.string().url(),
    lambda: import_zod.z.string().url(),
    scheduler: import_zod.z.string().url()
  }).passthrough(),
  providerApis: import_zod.z.record(import_zod.z.string(), import_zod.z.string().url()).optional()
});
var describeError = (error, options, cloudformation) => {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  const code = error?.code ?? error?.cause?.code;
  if (code === "ECONNREFUSED" || /ECONNREFUSED/.test(message)) {
    return options.local ? `The local runtime is not running (nothing answers at ${cloudformation ?? "its endpoints"}); start it with npm start.` : `Could not reach AWS: ${message}.`;
  }
  if (name === "CredentialsProviderError" || /credentials/i.test(message)) {
    return "No AWS credentials found; configure them (AWS_PROFILE, aws configure or aws sso login) or use --local.";
  }
  if (/does not exist/.test(message)) {
    return `Stack ${options.stack} does not exist in ${options.region ?? "this region"}; deploy it with cdk deploy or pass --stack.`;
  }
  return `Could not read stack ${options.stack}: ${message.replace(/\.$/, "")}.`;
};
var connect = async (options) => {
  let stackName = options.stack;
  let region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  let endpoints = {};
  let credentials;
  let providerApis;
  const file = options.localStateFile ?? (0, import_node_path.resolve)(process.cwd(), ".relayflow", "local.json");
  if (options.local) {
    if (!(0, import_node_fs.existsSync)(file))
      throw new CliError(`The local runtime is not running (no ${file}); start it with npm start.`);
    let state;
    try {
      state = LocalStateSchema.parse(JSON.parse((0, import_node_fs.readFileSync)(file, "utf8")));
    } catch {
      throw new CliError(`${file} is not what the local runtime writes; restart it with npm start.`);
    }
    stackName = state.stackName;
    region = state.region;
    endpoints = state.endpoints;
    providerApis = state.providerApis;
    credentials = { accessKeyId: "local", secretAccessKey: "local" };
  }
  if (!region) {
    throw new CliError(
      (0, import_node_fs.existsSync)(file) ? `No AWS region configured, and the local runtime is running (${file}): pass --local to use it, or set AWS_REGION or --region for a deployed stack.` : "No AWS region configured; set AWS_REGION or pass --region."
    );
  }
  const config = (endpoint) => ({
    region,
    ...endpoint ? { endpoint } : {},
    ...credentials ? { credentials } : {},
    maxAttempts: options.local ? 1 : 3
  });
  const cloudformation = new import_client_cloudformation.CloudFormationClient(config(endpoints.cloudformation));
  let outputs;
  try {
    const result = await cloudformation.send(new import_client_cloudformation.DescribeStacksCommand({ StackName: stackName }));
    const stack = result.Stacks?.[0];
    if (!stack)
      throw new CliError(
        `Stack ${stackName} does not exist in ${region}; deploy it with cdk deploy or pass --stack.`
      );
    outputs = Object.fromEntries(
      (stack.Outputs ?? []).flatMap(
        (o) => o.OutputKey && o.OutputValue !== void 0 ? [[o.OutputKey, o.OutputValue]] : []
      )
    );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      describeError(error, { ...options, stack: stackName, region }, endpoints.cloudformation)
    );
  } finally {
    cloudformation.destroy();
  }
  return {
    stackName,
    region,
    local: options.local,
    outputs,
    dynamodb: import_lib_dynamodb.DynamoDBDocumentClient.from(new import_client_dynamodb.DynamoDBClient(config(endpoints.dynamodb)), {
      marshallOptions: { removeUndefinedValues: true }
    }),
    sqs: new import_client_sqs.SQSClient(config(endpoints.sqs)),
    sfn: new import_client_sfn.SFNClient(config(endpoints.stepfunctions)),
    secrets: new import_client_secrets_manager.SecretsManagerClient(config(endpoints.secretsmanager)),
    sns: new import_client_sns.SNSClient(config(endpoints.sns)),
    cloudwatch: new import_client_cloudwatch.CloudWatchClient(config(endpoints.cloudwatch)),
    lambda: new import_client_lambda.LambdaClient(config(endpoints.lambda)),
    // The S3 emulator is addressed by path: a local host name has no bucket subdomains.
    s3: new import_client_s3.S3Client({ ...config(endpoints.s3), forcePathStyle: options.local }),
    athena: new import_client_athena.AthenaClient(config(void 0)),
    scheduler: new import_client_scheduler.SchedulerClient(config(endpoints.scheduler)),
    ...providerApis ? { providerApis } : {},
    output: (key) => {
      const value = outputs[key];
      if (value === void 0)
        throw new CliError(
          `Stack ${stackName} has no output ${key}; redeploy it with this version of RelayFlow.`
        );
      return value;
    }
  };
};
var sentenceOf = (error, local) => {
  if (error instanceof CliError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
  if (/ECONNREFUSED/.test(message) || /ECONNREFUSED/.test(cause)) {
    return local ? "The local runtime stopped answering; start it with npm start." : `Could not reach AWS: ${message}.`;
  }
  return `${message.replace(/\.$/, "")}${cause ? ` (${cause.replace(/\.$/, "")})` : ""}.`;
};

// cli/program.ts
var import_commander4 = require("commander");

// functions/operator/audit-archive.ts
var import_node_zlib = require("node:zlib");
var import_client_athena2 = require("@aws-sdk/client-athena");
var import_client_s32 = require("@aws-sdk/client-s3");
var matches = (query, row) => {
  if (query.since && row.at < (row.kind === "rejection" ? query.since.slice(0, 16) : query.since))
    return false;
  if (query.by === "event") return row.kind === "audit" && row.eventId === query.eventId;
  if (query.by === "correlation")
    return row.kind === "audit" && (row.correlationId === query.correlationId || row.eventCorrelationId === query.correlationId);
  return true;
};
var ordered = (rows) => {
  const unique = /* @__PURE__ */ new Map();
  for (const row of rows) unique.set(row.id, row);
  return [...unique.values()].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
};
var ObjectArchiveReader = class {
  constructor(s3, bucket, prefix = "audit/") {
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix;
  }
  s3;
  bucket;
  prefix;
  async query(query) {
    const rows = [];
    let token;
    do {
      const page = await this.s3.send(
        new import_client_s32.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token })
      );
      for (const object30 of page.Contents ?? []) {
        const day = /day=(\d{4}-\d{2}-\d{2})\//.exec(object30.Key ?? "")?.[1];
        if (!object30.Key || query.since && day && day < query.since.slice(0, 10)) continue;
        const body = await this.s3.send(new import_client_s32.GetObjectCommand({ Bucket: this.bucket, Key: object30.Key }));
        const bytes = Buffer.from(
          await (body.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))
        );
        const text4 = (object30.Key.endsWith(".gz") ? (0, import_node_zlib.gunzipSync)(bytes) : bytes).toString("utf8");
        for (const line of text4.split("\n")) {
          if (!line.trim()) continue;
          const row = JSON.parse(line);
          if (matches(query, row)) rows.push(row);
        }
      }
      token = page.NextContinuationToken;
    } while (token);
    return ordered(rows);
  }
};
var rowOf = (columns, cells) => {
  const get = (name) => cells[columns.indexOf(name)];
  const common = {
    id: get("id") ?? "",
    v: Number(get("v") ?? 1),
    day: get("day") ?? "",
    tenant: get("tenant") ?? "",
    at: get("at") ?? ""
  };
  if (get("kind") === "pause") {
    const reason = get("reason");
    return {
      ...common,
      kind: "pause",
      pause: get("pause") ?? "",
      action: get("action") ?? "",
      by: get("by") ?? "",
      ...reason ? { reason } : {}
    };
  }
  if (get("kind") === "rejection")
    return {
      ...common,
      kind: "rejection",
      provider: get("provider") ?? "",
      reason: get("reason") ?? "",
      sourceIp: get("sourceip") ?? "",
      count: Number(get("count") ?? 0)
    };
  const status2 = get("status");
  const detail = get("detail");
  return {
    ...common,
    kind: "audit",
    eventId: get("eventid") ?? "",
    correlationId: get("correlationid") ?? "",
    eventCorrelationId: get("eventcorrelationid") ?? "",
    provider: get("provider") ?? "",
    type: get("type") ?? "",
    providerType: get("providertype") ?? "",
    externalId: get("externalid") ?? "",
    entityKind: get("entitykind") ?? "",
    entityId: get("entityid") ?? "",
    receivedAt: get("receivedat") ?? "",
    action: get("action") ?? "",
    by: get("by") ?? "",
    ...status2 ? { status: status2 } : {},
    ...detail ? { detail } : {}
  };
};
var athenaStatement = (database, query) => {
  const where = [];
  const parameters = [];
  const quote = (value) => `'${value.replace(/'/g, "''")}'`;
  if (query.by === "event") {
    where.push("kind = 'audit'", "eventid = ?");
    parameters.push(quote(query.eventId));
  } else if (query.by === "correlation") {
    where.push("kind = 'audit'", "(correlationid = ? OR eventcorrelationid = ?)");
    parameters.push(quote(query.correlationId), quote(query.correlationId));
  }
  if (query.since) {
    where.push("day >= ?");
    parameters.push(quote(query.since.slice(0, 10)));
    if (query.by === "since") {
      where.push("(at >= ? OR (kind = 'rejection' AND at >= ?))");
      parameters.push(quote(query.since), quote(query.since.slice(0, 16)));
    } else {
      where.push("at >= ?");
      parameters.push(quote(query.since));
    }
  }
  const clause = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
  return { sql: `SELECT * FROM "${database}"."audit"${clause} ORDER BY at`, parameters };
};
var AthenaArchiveReader = class {
  constructor(athena, options) {
    this.athena = athena;
    this.options = options;
  }
  athena;
  options;
  async query(query) {
    const { sql, parameters } = athenaStatement(this.options.database, query);
    const started = await this.athena.send(
      new import_client_athena2.StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workGroup,
        ...parameters.length > 0 ? { ExecutionParameters: parameters } : {}
      })
    );
    const id2 = started.QueryExecutionId;
    if (!id2) throw new Error("Athena started no query");
    for (let poll = 0; ; poll += 1) {
      const execution = await this.athena.send(new import_client_athena2.GetQueryExecutionCommand({ QueryExecutionId: id2 }));
      const state = execution.QueryExecution?.Status?.State;
      if (state === "SUCCEEDED") break;
      if (state === "FAILED" || state === "CANCELLED")
        throw new Error(
          `Athena query ${id2} ${state.toLowerCase()}: ${execution.QueryExecution?.Status?.StateChangeReason ?? "no reason given"}`
        );
      if (poll >= (this.options.maxPolls ?? 300))
        throw new Error(
          `Athena query ${id2} did not finish; see it in the ${this.options.workGroup} workgroup`
        );
      await this.options.sleep(1e3);
    }
    const rows = [];
    let columns;
    let token;
    do {
      const page = await this.athena.send(
        new import_client_athena2.GetQueryResultsCommand({ QueryExecutionId: id2, NextToken: token })
      );
      const data = page.ResultSet?.Rows ?? [];
      for (const [index, row] of data.entries()) {
        const cells = (row.Data ?? []).map((d) => d.VarCharValue);
        if (!columns && index === 0) {
          columns = cells.map((c) => c ?? "");
          continue;
        }
        rows.push(rowOf(columns ?? [], cells));
      }
      token = page.NextToken;
    } while (token);
    return ordered(rows);
  }
};

// cli/format.ts
var table = (headers, rows) => {
  const cells = [headers, ...rows.map((row) => row.map((cell) => cell === void 0 ? "" : String(cell)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells.map(
    (row) => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()
  ).join("\n");
};
var json = (value) => JSON.stringify(value, null, 2);
var RELATIVE = /^(\d+)\s*(s|m|h|d)$/;
var UNIT_MS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
var parseTime = (value, now, option) => {
  const relative = RELATIVE.exec(value.trim());
  if (relative) {
    const amount = Number(relative[1]);
    const unit2 = relative[2];
    return new Date(now.getTime() - amount * UNIT_MS[unit2]).toISOString();
  }
  const parsed = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(parsed)) {
    throw new CliError(
      `${option} must be an ISO 8601 time (2025-06-01T10:00:00Z) or a duration back from now (30m, 2h, 1d), not "${value}".`
    );
  }
  return new Date(parsed).toISOString();
};
var collect = (value, previous = []) => [
  ...previous,
  ...value.split(",").map((v) => v.trim()).filter(Boolean)
];
var positiveInt = (option, max) => (value) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new CliError(`${option} must be a whole number from 1 to ${max}, not "${value}".`);
  return n;
};
var positiveNumber = (option, max) => (value) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new CliError(`${option} must be a number above 0 and at most ${max}, not "${value}".`);
  return n;
};
var age = (iso5, now) => {
  if (!iso5) return "";
  const seconds2 = Math.max(0, Math.round((now.getTime() - Date.parse(iso5)) / 1e3));
  if (seconds2 < 120) return `${seconds2}s`;
  if (seconds2 < 7200) return `${Math.round(seconds2 / 60)}m`;
  if (seconds2 < 172800) return `${Math.round(seconds2 / 3600)}h`;
  return `${Math.round(seconds2 / 86400)}d`;
};

// cli/commands/audit.ts
var queryOf = (options, now) => {
  const chosen = [options.event, options.correlation].filter(Boolean).length;
  if (chosen > 1) throw new CliError("Give one of --event and --correlation, not both.");
  const since = options.since ? parseTime(options.since, now, "--since") : void 0;
  if (options.event) return { by: "event", eventId: options.event, ...since ? { since } : {} };
  if (options.correlation)
    return { by: "correlation", correlationId: options.correlation, ...since ? { since } : {} };
  if (since) return { by: "since", since };
  throw new CliError("Say what to look for: --event <id>, --correlation <id> or --since <time>.");
};
var describe = (query) => query.by === "event" ? `event ${query.eventId}` : query.by === "correlation" ? `correlation id ${query.correlationId}` : `anything since ${query.since}`;
var rowCells = (row) => row.kind === "audit" ? [row.at, row.tenant, row.eventId, row.by, row.action, row.status, row.detail] : row.kind === "pause" ? [row.at, row.tenant, row.pause, row.by, row.action, void 0, row.reason] : [
  row.at,
  row.tenant,
  `${row.provider} refused`,
  "ingest",
  `${row.reason} \xD7 ${row.count}`,
  void 0,
  `from ${row.sourceIp}`
];
var registerAudit = (program, deps, globals) => {
  const audit = program.command("audit").description("The audit archive: every audit entry and rejection count, kept past the events' retention");
  audit.command("query").description(
    "Read the archive by event id, by correlation id, or everything since a time (Athena on a deployed stack; the archive objects with --local or --objects)"
  ).option("--event <id>", "an event's whole timeline, also after the event itself has expired").option("--correlation <id>", "every entry a request (or replay) made, across its events").option(
    "--since <time>",
    "only entries from this ISO 8601 time or duration back (7d); alone, everything since then"
  ).option(
    "--objects",
    "read the archive objects directly instead of through Athena (slow on a large archive)",
    false
  ).addHelpText(
    "after",
    "\nRows reach the archive within five minutes of the change (Firehose buffering; at once with --local)."
  ).action(async (options) => {
    const query = queryOf(options, deps.now());
    const env = await deps.connect(globals());
    const reader = env.local || options.objects ? new ObjectArchiveReader(env.s3, env.output("AuditBucketName")) : new AthenaArchiveReader(env.athena, {
      database: env.output("AuditDatabaseName"),
      workGroup: env.output("AuditWorkGroupName"),
      sleep: (ms) => deps.sleep(ms)
    });
    const rows = await reader.query(query);
    if (globals().json) {
      deps.output.out(json(rows));
      return;
    }
    if (rows.length === 0) {
      deps.output.out(
        `The archive holds nothing for ${describe(query)}. Rows arrive within five minutes of the change; an event id or correlation id is shown by relayflow events show.`
      );
      return;
    }
    deps.output.out(
      [
        `Audit archive: ${rows.length} entr${rows.length === 1 ? "y" : "ies"} for ${describe(query)}, oldest first`,
        table(["AT", "TENANT", "EVENT", "BY", "ACTION", "STATUS", "DETAIL"], rows.map(rowCells))
      ].join("\n")
    );
  });
};

// cli/commands/channels.ts
var import_client_secrets_manager4 = require("@aws-sdk/client-secrets-manager");
init_registry();

// cli/suggest.ts
var editDistance = (a, b) => {
  const rows = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_2, j) => i === 0 ? j : j === 0 ? i : 0)
  );
  const at2 = (i, j) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i += 1) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(at2(i - 1, j) + 1, at2(i, j - 1) + 1, at2(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(at2(i, j), at2(i - 2, j - 2) + 1);
    }
  }
  return at2(a.length, b.length);
};
var nearest = (word, known) => {
  const limit = Math.max(1, Math.floor(word.length / 3));
  const scored = known.map((k) => ({ k, distance: editDistance(word.toLowerCase(), k.toLowerCase()) }));
  const best = Math.min(...scored.map((s) => s.distance));
  return best > limit ? [] : scored.filter((s) => s.distance === best).map((s) => s.k);
};

// cli/commands/secrets.ts
var import_node_crypto23 = require("node:crypto");
var import_client_secrets_manager3 = require("@aws-sdk/client-secrets-manager");
var import_zod4 = require("zod");
init_registry2();
init_types();

// cli/commands/send.ts
var import_node_fs3 = require("node:fs");
var import_node_path3 = require("node:path");
var import_client_secrets_manager2 = require("@aws-sdk/client-secrets-manager");
var import_commander = require("commander");
var import_zod3 = require("zod");

// local/emulators/provider-apis/harness.ts
var import_zod2 = require("zod");
var HARNESS_PREFIX = "_harness";
var LOST_WEBHOOK_AGE_SECONDS = 10 * 60;
var JsonObjectSchema = import_zod2.z.record(import_zod2.z.string(), import_zod2.z.unknown());
var AgeSchema = import_zod2.z.number().int().min(0);
var StripeHarnessSendSchema = import_zod2.z.strictObject({
  event: import_zod2.z.object({
    id: import_zod2.z.string().min(1).optional(),
    type: import_zod2.z.string().min(1),
    data: import_zod2.z.object({ object: JsonObjectSchema, previous_attributes: JsonObjectSchema.optional() }),
    account: import_zod2.z.string().min(1).optional()
  }),
  drop: import_zod2.z.boolean().optional(),
  tenant: import_zod2.z.string().min(1).optional(),
  /** @default 600 for a dropped event, 0 otherwise */
  createdSecondsAgo: AgeSchema.optional()
});
var GithubHarnessSendSchema = import_zod2.z.strictObject({
  event: import_zod2.z.string().min(1),
  payload: JsonObjectSchema,
  drop: import_zod2.z.boolean().optional(),
  tenant: import_zod2.z.string().min(1).optional(),
  /** The delivery's `delivered_at`, this long ago. @default 600 for a dropped delivery, 0 otherwise */
  deliveredSecondsAgo: AgeSchema.optional()
});

// cli/commands/send.ts
init_registry2();
init_types();

// functions/reconciliation/checkpoints.ts
var import_lib_dynamodb2 = require("@aws-sdk/lib-dynamodb");
init_conditions();
var checkpointKey = (provider, tenant2) => ({
  PK: `RECON#${provider}#${tenant2}`,
  SK: "CHECKPOINT"
});
var CheckpointStore = class {
  constructor(client, tableName) {
    this.client = client;
    this.tableName = tableName;
  }
  client;
  tableName;
  /**
   * Takes the lease for `runId` until `until` unless another run holds one that has not expired;
   * returns the checkpoint, or undefined when the lease is held.
   */
  async acquire(provider, tenant2, runId, now, until) {
    const taken = await conditionalWrite(
      "checkpoint store",
      "lease",
      () => this.client.send(
        new import_lib_dynamodb2.UpdateCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant2),
          UpdateExpression: "SET leaseRun = :run, leaseUntil = :until",
          ConditionExpression: "attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseRun = :run",
          ExpressionAttributeValues: {
            ":run": runId,
            ":until": until.toISOString(),
            ":now": now.toISOString()
          }
        })
      )
    );
    if (!taken) return void 0;
    return this.read(provider, tenant2);
  }
  async read(provider, tenant2) {
    const result = await storeCall(
      "checkpoint store",
      "read",
      () => this.client.send(
        new import_lib_dynamodb2.GetCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant2),
          ConsistentRead: true
        })
      )
    );
    const item = result.Item ?? {};
    return {
      ...typeof item.at === "string" ? { at: item.at } : {},
      ...typeof item.openCursor === "string" && typeof item.openSince === "string" && typeof item.openUntil === "string" ? { open: { since: item.openSince, until: item.openUntil, cursor: item.openCursor } } : {}
    };
  }
  /**
   * Records how far a run got, on condition that it still holds the lease (a run that outlived
   * it must not overwrite the next one's progress). Returns false when the lease was lost.
   */
  async save(provider, tenant2, runId, checkpoint) {
    const { open } = checkpoint;
    return conditionalWrite(
      "checkpoint store",
      "write",
      () => this.client.send(
        new import_lib_dynamodb2.UpdateCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant2),
          UpdateExpression: open ? `SET ${checkpoint.at ? "#at = :at, " : ""}openSince = :since, openUntil = :until, openCursor = :cursor` : `SET #at = :at REMOVE openSince, openUntil, openCursor`,
          ConditionExpression: "leaseRun = :run",
          ExpressionAttributeNames: checkpoint.at || !open ? { "#at": "at" } : void 0,
          ExpressionAttributeValues: {
            ":run": runId,
            ...checkpoint.at ? { ":at": checkpoint.at } : {},
            ...open ? { ":since": open.since, ":until": open.until, ":cursor": open.cursor } : {}
          }
        })
      )
    );
  }
  /** Gives the lease back, so that the next run need not wait for it to expire. */
  async release(provider, tenant2, runId) {
    await conditionalWrite(
      "checkpoint store",
      "release",
      () => this.client.send(
        new import_lib_dynamodb2.UpdateCommand({
          TableName: this.tableName,
          Key: checkpointKey(provider, tenant2),
          UpdateExpression: "REMOVE leaseRun, leaseUntil",
          ConditionExpression: "leaseRun = :run",
          ExpressionAttributeValues: { ":run": runId }
        })
      )
    );
  }
};

// cli/commands/emit.ts
var import_node_fs2 = require("node:fs");
var import_node_path2 = require("node:path");

// functions/producer/client.ts
var import_node_crypto22 = require("node:crypto");

// functions/producer/sigv4.ts
var import_node_crypto21 = require("node:crypto");
var import_signature_v4 = require("@smithy/signature-v4");
var bytesOf = (data) => typeof data === "string" ? Buffer.from(data, "utf8") : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
var Sha256 = class {
  constructor(secret) {
    this.secret = secret;
    this.hash = this.fresh();
  }
  secret;
  hash;
  update(data) {
    this.hash.update(bytesOf(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset() {
    this.hash = this.fresh();
  }
  fresh() {
    return this.secret === void 0 ? (0, import_node_crypto21.createHash)("sha256") : (0, import_node_crypto21.createHmac)("sha256", bytesOf(this.secret));
  }
};
var EXECUTE_API = "execute-api";
var executeApiSigner = (credentials, region) => new import_signature_v4.SignatureV4({ service: EXECUTE_API, region, credentials, sha256: Sha256, applyChecksum: false });

// functions/producer/client.ts
var PublishError = class extends Error {
  /** The last HTTP status, undefined when the stack could not be reached. */
  status;
  /** Per event, when the answer had them (a 400 names why each event was refused). */
  events;
  constructor(message, status2, events) {
    super(message);
    this.name = "PublishError";
    this.status = status2;
    this.events = events;
  }
};
var RETRYABLE = /* @__PURE__ */ new Set([429, 500, 502, 503, 504]);
var BASE_DELAY_MS = 200;
var MAX_DELAY_MS = 5e3;
var EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
var defaultCredentials = async (region) => {
  const { EventBridgeClient } = await import("@aws-sdk/client-eventbridge");
  const { config } = new EventBridgeClient({ region });
  return () => config.credentials();
};
var regionOf = (options, url3) => {
  const region = options.region ?? EXECUTE_API_HOST.exec(url3.hostname)?.[1] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region)
    throw new PublishError(
      "No region to sign for: pass region, or set AWS_REGION (the URL is not an execute-api one).",
      void 0
    );
  return region;
};
var readAnswer = async (response) => {
  try {
    return await response.json();
  } catch {
    return {};
  }
};
var publishEvents = async (events, options) => {
  const newKey = options.newKey ?? import_node_crypto22.randomUUID;
  const list = Array.isArray(events) ? events : [events];
  const settled = list.map((event) => ({ ...event, idempotencyKey: event.idempotencyKey ?? newKey() }));
  const url3 = new URL(
    options.tenant ? `${options.url.replace(/\/+$/, "")}/${encodeURIComponent(options.tenant)}` : options.url
  );
  const region = regionOf(options, url3);
  const signer = executeApiSigner(options.credentials ?? await defaultCredentials(region), region);
  const body = JSON.stringify({ events: settled });
  const send = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve9) => setTimeout(resolve9, ms)));
  const random = options.random ?? Math.random;
  const attempts = Math.max(1, options.maxAttempts ?? 3);
  let failure = "no attempt was made";
  let lastStatus;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (attempt > 1) await sleep(random() * Math.min(BASE_DELAY_MS * 2 ** (attempt - 2), MAX_DELAY_MS));
    const signed = await signer.sign({
      method: "POST",
      protocol: url3.protocol,
      hostname: url3.hostname,
      ...url3.port ? { port: Number(url3.port) } : {},
      path: url3.pathname,
      query: {},
      headers: {
        host: url3.host,
        "content-type": "application/json",
        ...options.correlationId ? { "x-correlation-id": options.correlationId } : {}
      },
      body
    });
    let response;
    try {
      response = await send(url3, { method: "POST", headers: signed.headers, body });
    } catch (error) {
      failure = `could not reach ${url3.origin}: ${error instanceof Error ? error.message : String(error)}`;
      lastStatus = void 0;
      continue;
    }
    const answer = await readAnswer(response);
    lastStatus = response.status;
    if (response.status === 200 || response.status === 202) {
      return {
        status: response.status,
        correlationId: answer.correlationId ?? response.headers.get("x-correlation-id") ?? "",
        events: answer.events ?? []
      };
    }
    const reason = answer.message ?? answer.events?.find((event) => event.error)?.error;
    failure = `the producer API answered ${response.status}${reason ? `: ${reason}` : ""}`;
    if (!RETRYABLE.has(response.status)) throw new PublishError(failure, response.status, answer.events);
  }
  throw new PublishError(`${failure} (after ${attempts} attempts)`, lastStatus);
};

// cli/commands/emit.ts
var entityOf5 = (value) => {
  const at2 = value.indexOf(":");
  if (at2 < 1 || at2 === value.length - 1)
    throw new CliError(`--entity must be kind:id (order:ord_1001), not "${value}".`);
  return { kind: value.slice(0, at2), id: value.slice(at2 + 1) };
};
var dataOf = (value) => {
  const source = value.startsWith("@") ? (0, import_node_path2.resolve)(value.slice(1)) : void 0;
  let text4 = value;
  if (source) {
    try {
      text4 = (0, import_node_fs2.readFileSync)(source, "utf8");
    } catch {
      throw new CliError(`--data ${value}: cannot read ${source}.`);
    }
  }
  let parsed;
  try {
    parsed = JSON.parse(text4);
  } catch {
    throw new CliError(`--data ${source ? `${source} does not hold` : "is not"} JSON.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new CliError("--data must be a JSON object.");
  return parsed;
};
var publishOne = async (deps, env, event, tenant2) => {
  const url3 = env.output("ProducerUrl");
  try {
    const result = await publishEvents(event, {
      url: url3,
      ...tenant2 ? { tenant: tenant2 } : {},
      region: env.region,
      // The operator's credentials as every client of the environment resolves them (the
      // local runtime's with --local).
      credentials: () => env.secrets.config.credentials(),
      // The local runtime answers at once or not at all.
      maxAttempts: env.local ? 1 : 3,
      fetch: deps.fetch,
      sleep: (ms) => deps.sleep(ms)
    });
    return { url: url3, result };
  } catch (error) {
    if (error instanceof PublishError) throw new CliError(`${error.message.replace(/\.$/, "")}.`);
    throw error;
  }
};
var registerEmit = (program, deps, globals) => {
  program.command("emit <type>").description(
    "Publish one domain event to the stack's producer API, signed with your AWS credentials (the local runtime's with --local)"
  ).requiredOption("--entity <kind:id>", "what orders the event (order:ord_1001)").option("--data <json|@file>", "the event data: a JSON object, or @ and a file holding one", "{}").option("--tenant <id>", "publish for the tenant (the producer's /events/<tenant>)").option(
    "--key <key>",
    "idempotency key: the same key (and type) again is a duplicate (default: generated)"
  ).option("--occurred-at <time>", "when it happened, ISO 8601 (default: when the stack receives it)").action(async (type, options) => {
    const event = {
      type,
      entity: entityOf5(options.entity),
      data: dataOf(options.data),
      ...options.key ? { idempotencyKey: options.key } : {},
      ...options.occurredAt ? { occurredAt: options.occurredAt } : {}
    };
    const env = await deps.connect(globals());
    const { url: url3, result } = await publishOne(deps, env, event, options.tenant);
    if (globals().json) deps.output.out(json({ url: url3, ...result }));
    else
      deps.output.out(
        `POST ${url3}${options.tenant ? `/${options.tenant}` : ""} \u2192 ${result.status}  correlation id ${result.correlationId}
${table(
          ["outcome", "idempotency key", "event id", "error"],
          result.events.map((e) => [e.outcome, e.idempotencyKey, e.eventId, e.error])
        )}`
      );
    const refused = result.events.find((e) => e.outcome === "rejected");
    if (refused) throw new CliError(`The event was refused: ${refused.error ?? "no reason given"}.`);
  });
};

// cli/commands/send.ts
var SecretSchema = import_zod3.z.object({
  signingSecrets: import_zod3.z.array(import_zod3.z.string().min(1)).min(1),
  signingPrivateKey: import_zod3.z.string().min(1).optional()
});
var FixtureSchema = import_zod3.z.object({
  headers: import_zod3.z.record(import_zod3.z.string(), import_zod3.z.string()).default({}),
  body: import_zod3.z.union([import_zod3.z.string(), import_zod3.z.record(import_zod3.z.string(), import_zod3.z.unknown()), import_zod3.z.array(import_zod3.z.unknown())])
});
var outputId = (id2) => id2.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part[0]?.toUpperCase() + part.slice(1)).join("");
var loadRequest = (root, provider, fixture) => {
  const folder = (0, import_node_path3.join)(root, "functions", "providers", provider, "fixtures");
  let file;
  if (fixture && (0, import_node_fs3.existsSync)((0, import_node_path3.resolve)(fixture))) file = (0, import_node_path3.resolve)(fixture);
  else {
    const names = (0, import_node_fs3.existsSync)(folder) ? (0, import_node_fs3.readdirSync)(folder).filter((f) => f.endsWith(".json")).sort() : [];
    const name = fixture ?? names[0]?.replace(/\.json$/, "");
    if (!name)
      throw new CliError(
        `No fixtures for ${provider}; pass a file: relayflow send ${provider} ./payload.json.`
      );
    if (!names.includes(`${name}.json`)) {
      throw new CliError(
        `No fixture ${name} for ${provider} (and no such file); fixtures: ${names.map((n) => n.replace(/\.json$/, "")).join(", ") || "none"}.`
      );
    }
    file = (0, import_node_path3.join)(folder, `${name}.json`);
  }
  let parsed;
  try {
    parsed = JSON.parse((0, import_node_fs3.readFileSync)(file, "utf8"));
  } catch {
    throw new CliError(`${file} is not JSON.`);
  }
  const asFixture = FixtureSchema.safeParse(parsed);
  if (asFixture.success && typeof parsed === "object" && parsed !== null && "body" in parsed) {
    const { headers, body } = asFixture.data;
    return { name: file, headers, body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)) };
  }
  return {
    name: file,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(parsed))
  };
};
var resolvedFor = async (deps, provider) => {
  let declaration;
  if (Object.hasOwn(builtInProviders, provider)) declaration = { id: provider, kind: "builtin", options: {} };
  else {
    const senders = (await deps.loadConfig()).enabledProviders.filter((p) => p.kind === "generic-hmac");
    declaration = senders.find((p) => p.id === provider);
    if (!declaration) {
      const known = [...Object.keys(builtInProviders), ...senders.map((p) => p.id)];
      const guesses = nearest(provider, known);
      throw new CliError(
        guesses.length > 0 ? `Unknown provider '${provider}'; did you mean ${guesses.map((g) => `'${g}'`).join(" or ")}?` : `Unknown provider '${provider}': not built in, and no genericHmac sender of the configuration has that id (known: ${known.join(", ")}).`
      );
    }
  }
  const resolved = resolveProvider(declaration);
  if (!resolved.success)
    throw new CliError(`${provider}: ${resolved.issues.map((issue) => formatIssue([], issue)).join("; ")}.`);
  return resolved.data;
};
var verifiedUrlOf = (posted) => {
  const url3 = new URL(posted);
  return `https://${url3.hostname}${url3.pathname}${url3.search}`;
};
var checkEnabled = (env, entry, tenant2) => {
  const where = env.local ? "the local runtime" : `stack ${env.stackName}`;
  const apply = env.local ? "restart npm start" : "deploy with npx cdk deploy";
  if (env.outputs[`WebhookUrl${outputId(entry.id)}`] === void 0) {
    throw new CliError(
      entry.kind === "builtin" ? `${entry.id} is not enabled in ${where}; enable it in relayflow.config.ts (providers: { ${/^[a-z]\w*$/i.test(entry.id) ? entry.id : `'${entry.id}'`}: {} }) and ${apply}.` : `${entry.id} is declared in the configuration but not enabled in ${where}; ${apply} to enable it.`
    );
  }
  if (tenant2 && env.outputs[`WebhookUrl${outputId(entry.id)}${outputId(tenant2)}`] === void 0) {
    throw new CliError(
      `Tenant ${tenant2} is not in ${where}; add it to tenants in relayflow.config.ts and ${apply}.`
    );
  }
};
var signAndPost = async (deps, env, entry, request, options) => {
  const provider = entry.id;
  checkEnabled(env, entry, options.tenant);
  const suffix = options.tenant ? outputId(options.tenant) : "";
  const url3 = options.url ?? env.output(`WebhookUrl${outputId(provider)}${suffix}`);
  const secretId = options.tenant && env.outputs[`Secret${outputId(provider)}${suffix}`] || env.output(`Secret${outputId(provider)}`);
  const value = await env.secrets.send(new import_client_secrets_manager2.GetSecretValueCommand({ SecretId: secretId }));
  let secret;
  try {
    secret = SecretSchema.parse(JSON.parse(value.SecretString ?? ""));
  } catch {
    throw new CliError(
      `Secret ${secretId} is not {"signingSecrets": ["..."]}; put ${provider}'s signing secret there.`
    );
  }
  const key = entry.signingKey === "private-key" ? secret.signingPrivateKey : secret.signingSecrets[0];
  if (!key) {
    throw new CliError(
      `Secret ${secretId} has no signingPrivateKey: ${provider} signs with a private key that only a development secret holds.`
    );
  }
  const signed = entry.sign(
    { url: env.local ? verifiedUrlOf(url3) : url3, headers: request.headers, body: request.body },
    key,
    deps.now()
  );
  const response = await deps.fetch(url3, {
    method: "POST",
    headers: { ...request.headers, ...signed.headers },
    body: signed.body
  });
  const correlationId = response.headers.get("x-correlation-id") ?? void 0;
  return {
    url: url3,
    status: response.status,
    ...correlationId ? { correlationId } : {},
    body: await response.text()
  };
};
var MESSAGE_CHANNELS = ["email", "sms", "whatsapp", "push"];
var sendMessage = async (deps, globals, channel, options) => {
  if (!channel || !MESSAGE_CHANNELS.includes(channel))
    throw new CliError(
      `send message takes a channel: ${MESSAGE_CHANNELS.join(", ")} (send message email --to you@example.com).`
    );
  if (!options.to) throw new CliError(`send message ${channel} needs --to <recipient>.`);
  const text4 = options.text ?? "Hello from RelayFlow.";
  const event = {
    type: `notify.${channel}`,
    entity: { kind: "recipient", id: options.to },
    data: { to: options.to, subject: text4, text: text4, title: text4 }
  };
  const env = await deps.connect(globals());
  const { url: url3, result } = await publishOne(deps, env, event, options.tenant);
  const [published] = result.events;
  if (globals().json) deps.output.out(json({ url: url3, ...result }));
  else
    deps.output.out(
      [
        `POST ${url3} \u2192 ${result.status}  notify.${channel} ${published?.outcome ?? ""} as event ${published?.eventId ?? "?"}`,
        `The route sends it as one ${channel} message; follow it with relayflow messages list --tenant ${options.tenant ?? "default"}${env.local ? " --local" : ""}.`
      ].join("\n")
    );
  if (published?.outcome === "rejected")
    throw new CliError(`The event was refused: ${published.error ?? "no reason given"}.`);
};
var LOSABLE = ["stripe", "github"];
var ProviderApisSchema = import_zod3.z.object({ stripe: import_zod3.z.string().url(), github: import_zod3.z.string().url() });
var HarnessAnswerSchema = {
  stripe: import_zod3.z.object({ id: import_zod3.z.string(), created: import_zod3.z.number(), delivered: import_zod3.z.boolean() }),
  github: import_zod3.z.object({
    deliveryId: import_zod3.z.string(),
    guid: import_zod3.z.string(),
    delivered: import_zod3.z.boolean(),
    deliveredAt: import_zod3.z.string()
  })
};
var HarnessRefusalSchema = import_zod3.z.object({ message: import_zod3.z.string() });
var parsedOrUndefined = (text4) => {
  try {
    return JSON.parse(text4);
  } catch {
    return void 0;
  }
};
var harnessBodyOf = (provider, request, tenant2) => {
  const payload = parsedOrUndefined(request.body.toString("utf8"));
  const common = { drop: true, ...tenant2 ? { tenant: tenant2 } : {} };
  if (provider === "stripe") {
    const body2 = StripeHarnessSendSchema.safeParse({
      ...common,
      event: { ...typeof payload === "object" ? payload : {}, id: void 0 },
      createdSecondsAgo: LOST_WEBHOOK_AGE_SECONDS
    });
    if (!body2.success)
      throw new CliError(`${request.name} is not a Stripe event (it needs a type and data.object).`);
    return body2.data;
  }
  const event = Object.entries(request.headers).find(
    ([name]) => name.toLowerCase() === "x-github-event"
  )?.[1];
  const body = GithubHarnessSendSchema.safeParse({
    ...common,
    event,
    payload,
    deliveredSecondsAgo: LOST_WEBHOOK_AGE_SECONDS
  });
  if (!body.success)
    throw new CliError(
      `${request.name} is not a GitHub delivery (it needs an x-github-event header and a JSON object body); use a fixture of functions/providers/github/fixtures.`
    );
  return body.data;
};
var providerApisOf = (env) => {
  const apis = ProviderApisSchema.safeParse(env.providerApis);
  if (!apis.success)
    throw new CliError(
      "The local runtime names no provider API fakes in its state file; restart npm start with this version of RelayFlow."
    );
  return apis.data;
};
var AGO = `${LOST_WEBHOOK_AGE_SECONDS / 60} minutes ago`;
var sendLost = async (deps, globals, provider, fixture, options) => {
  if (!LOSABLE.includes(provider))
    throw new CliError(
      `--lost works for ${LOSABLE.join(" and ")} only, whose APIs the local runtime fakes; ${provider} cannot lose a webhook locally.`
    );
  const losable = provider;
  if (!globals().local)
    throw new CliError("--lost needs --local: only the local runtime's provider fakes can lose a webhook.");
  const entry = await resolvedFor(deps, provider);
  const request = loadRequest(deps.projectRoot, provider, fixture);
  const body = harnessBodyOf(losable, request, options.tenant);
  const env = await deps.connect(globals());
  checkEnabled(env, entry, options.tenant);
  const apis = providerApisOf(env);
  const url3 = new URL(`/${HARNESS_PREFIX}/${losable}/send`, apis[losable]).toString();
  const response = await deps.fetch(url3, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  });
  const answer = parsedOrUndefined(await response.text());
  if (response.status !== 200) {
    const refusal = HarnessRefusalSchema.safeParse(answer);
    throw new CliError(
      `The ${provider} fake refused the lost webhook (${response.status}): ${refusal.success ? refusal.data.message : "no reason given."}`
    );
  }
  const sent = HarnessAnswerSchema[losable].safeParse(answer);
  if (!sent.success) throw new CliError(`The ${provider} fake answered something that is not a send result.`);
  const lost = sent.data;
  const at2 = "id" in lost ? new Date(lost.created * 1e3) : new Date(lost.deliveredAt);
  const checkpoint = await new CheckpointStore(env.dynamodb, env.output("EventTableName")).read(
    provider,
    options.tenant ?? "default"
  );
  const since = checkpoint.at !== void 0 && Date.parse(checkpoint.at) > at2.getTime() ? ` --since ${new Date(at2.getTime() - 6e4).toISOString()}` : "";
  const reconcile = `npx relayflow reconcile run --provider ${provider}${options.tenant ? ` --tenant ${options.tenant}` : ""} --local --dry-run${since}`;
  if (globals().json) {
    deps.output.out(json({ provider, fixture: request.name, ...lost, reconcile }));
    return;
  }
  deps.output.out(
    [
      "id" in lost ? `Stripe now lists event ${lost.id} (created ${AGO}); its webhook was never delivered.` : `GitHub now lists delivery ${lost.deliveryId} (guid ${lost.guid}, delivered ${AGO}) as failed; it never reached the webhook URL.`,
      `Find it with: ${reconcile}`,
      ...since === "" ? [] : [`(A run already checked up to ${checkpoint.at}, past it: --since looks again.)`]
    ].join("\n")
  );
};
var registerSend = (program, deps, globals) => {
  program.command("send <provider> [fixture]").description(
    "Sign a provider fixture (or a JSON file) with the configured secret and post it to the webhook URL; `send message <channel> --to <recipient>` triggers a message instead"
  ).option("--url <url>", "post here instead of the stack's WebhookUrl<Provider> output").option("--tenant <id>", "post to the tenant's URL (and sign with its secret when it has its own)").option("--to <recipient>", "send message: the recipient (an address, an E.164 number, a device token)").option("--text <text>", "send message: the text (and subject, title)").addOption(
    new import_commander.Option(
      "--lost",
      "with --local, stripe and github: the provider fake lists the fixture as sent but never delivers it, for reconcile run to find"
    ).conflicts(["url", "to", "text"])
  ).action(
    async (provider, fixture, options) => {
      if (options.lost) {
        await sendLost(deps, globals, provider, fixture, options);
        return;
      }
      if (provider === "message") {
        await sendMessage(deps, globals, fixture, options);
        return;
      }
      const entry = await resolvedFor(deps, provider);
      const request = loadRequest(deps.projectRoot, provider, fixture);
      const env = await deps.connect(globals());
      const { url: url3, status: status2, correlationId, body } = await signAndPost(deps, env, entry, request, options);
      if (globals().json) {
        deps.output.out(json({ url: url3, fixture: request.name, status: status2, correlationId, body }));
      } else {
        deps.output.out(
          `POST ${url3} \u2192 ${status2}${correlationId ? `  correlation id ${correlationId}` : ""}
${body}`
        );
      }
      if (status2 < 200 || status2 > 299) throw new CliError(`The webhook answered ${status2}.`);
    }
  );
};

// cli/commands/secrets.ts
var SecretDocumentSchema = import_zod4.z.object({
  signingSecrets: import_zod4.z.array(import_zod4.z.string()),
  signingPrivateKey: import_zod4.z.string().min(1).optional()
});
var PICKUP = "within 5 minutes";
var fingerprintOf = (value) => (0, import_node_crypto23.createHash)("sha256").update(`relayflow:secret-fingerprint:${value}`).digest("hex").slice(0, 8);
var outputId2 = (id2) => id2.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part[0]?.toUpperCase() + part.slice(1)).join("");
var secretVariableFor = (provider, tenant2) => ["RELAYFLOW_SECRET", provider, ...tenant2 ? [tenant2] : []].join("_").toUpperCase().replace(/[^A-Z0-9_]/g, "_");
var entryFor = async (deps, provider, configured) => {
  const declaration = configured?.get(provider);
  if (!declaration) return resolvedFor(deps, provider);
  const resolved = resolveProvider(declaration);
  if (!resolved.success)
    throw new CliError(`${provider}: ${resolved.issues.map((issue) => formatIssue([], issue)).join("; ")}.`);
  return resolved.data;
};
var secretTargetOf = (env, provider, tenant2) => {
  const where = env.local ? "the local runtime" : `stack ${env.stackName}`;
  const apply = env.local ? "restart npm start" : "deploy with npx cdk deploy";
  const own2 = env.outputs[`Secret${outputId2(provider)}`];
  if (own2 === void 0 || env.outputs[`WebhookUrl${outputId2(provider)}`] === void 0)
    throw new CliError(
      `${provider} is not enabled in ${where}; enable it in relayflow.config.ts and ${apply}.`
    );
  if (!tenant2 || tenant2 === "default") return { provider, secretId: own2, shared: false };
  if (env.outputs[`WebhookUrl${outputId2(provider)}${outputId2(tenant2)}`] === void 0)
    throw new CliError(
      `Tenant ${tenant2} is not in ${where}; add it to tenants in relayflow.config.ts and ${apply}.`
    );
  const dedicated = env.outputs[`Secret${outputId2(provider)}${outputId2(tenant2)}`];
  return dedicated === void 0 ? { provider, tenant: tenant2, secretId: own2, shared: true } : { provider, tenant: tenant2, secretId: dedicated, shared: false };
};
var labelOf = (target) => target.tenant ? `${target.provider} (tenant ${target.tenant})` : target.provider;
var argumentsOf = (target) => `${target.provider}${target.tenant && !target.shared ? ` --tenant ${target.tenant}` : ""}`;
var writable = (target) => {
  if (target.shared)
    throw new CliError(
      `Tenant ${target.tenant} shares ${target.provider}'s secret (dedicatedSecrets: false); change it without --tenant, which changes it for every tenant that shares it.`
    );
  return target;
};
var readDocument = async (env, target) => {
  const value = await env.secrets.send(new import_client_secrets_manager3.GetSecretValueCommand({ SecretId: target.secretId }));
  try {
    return SecretDocumentSchema.parse(JSON.parse(value.SecretString ?? ""));
  } catch {
    return void 0;
  }
};
var readableDocument = async (env, target) => {
  const document = await readDocument(env, target);
  if (!document)
    throw new CliError(
      `Secret ${target.secretId} is not {"signingSecrets": [...]}; replace it with relayflow secrets set ${argumentsOf(target)}.`
    );
  return document;
};
var withSecrets = (entry, previous, secrets) => {
  const privateKey = previous?.signingPrivateKey;
  const publicKey = privateKey ? entry.setup.secret.publicKeyOf?.(privateKey) : void 0;
  return {
    signingSecrets: secrets,
    ...privateKey && publicKey !== void 0 && secrets.includes(publicKey) ? { signingPrivateKey: privateKey } : {}
  };
};
var writeDocument = (env, target, document) => env.secrets.send(
  new import_client_secrets_manager3.PutSecretValueCommand({ SecretId: target.secretId, SecretString: JSON.stringify(document) })
);
var ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
var readProcessStdin = async () => {
  if (process.stdin.isTTY)
    throw new CliError(
      '--stdin reads a pipe (printf %s "$SECRET" | relayflow secrets \u2026); typed at a terminal, the value would be shown.'
    );
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
};
var newValue = async (deps, entry, options) => {
  if (Boolean(options.fromEnv) === Boolean(options.stdin))
    throw new CliError(
      "Give the secret with --from-env <VARIABLE> or --stdin (one of them): a value on the command line would stay in the shell history."
    );
  let raw;
  if (options.fromEnv) {
    const name = options.fromEnv;
    raw = (deps.env ?? process.env)[name];
    if (raw === void 0)
      throw new CliError(
        ENV_NAME.test(name) && entry.setup.secret.parse(name) === void 0 ? `Environment variable ${name} is not set.` : "--from-env takes the name of an environment variable, and what it was given looks like a secret; nothing was written (remove it from your shell history)."
      );
  } else raw = await (deps.readStdin ?? readProcessStdin)();
  const value = raw.trim();
  if (value === "")
    throw new CliError(
      `${options.fromEnv ? `Environment variable ${options.fromEnv}` : "Standard input"} is empty.`
    );
  const parsed = entry.setup.secret.parse(value);
  if (parsed === void 0)
    throw new CliError(
      `The value given for ${entry.id} is not ${entry.setup.secret.expected}; nothing was written.`
    );
  return parsed;
};
var plural = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;
var positionOf = (document, target, which) => {
  const fingerprints = document.signingSecrets.map(fingerprintOf);
  const count = fingerprints.length;
  if (/^\d{1,3}$/.test(which)) {
    const position = Number(which);
    if (position < 1 || position > count)
      throw new CliError(
        `${labelOf(target)} has ${plural(count, "active secret")}; --retire takes a position from 1 to ${count} or a fingerprint (relayflow secrets list ${argumentsOf(target)}).`
      );
    return position;
  }
  if (!/^[0-9a-f]{8}$/i.test(which))
    throw new CliError(
      `--retire takes a fingerprint (8 hex digits) or a position, as relayflow secrets list ${argumentsOf(target)} shows them.`
    );
  const index = fingerprints.indexOf(which.toLowerCase());
  if (index < 0)
    throw new CliError(
      `No active secret of ${labelOf(target)} has fingerprint ${which} (active: ${fingerprints.join(", ") || "none"}).`
    );
  return index + 1;
};
var VALUE_HELP = {
  fromEnv: "read the value from this environment variable",
  stdin: "read the value from standard input (a pipe)"
};
var ROTATE_HELP = `
Rotating a signing secret without refusing a delivery:
  1. relayflow secrets rotate <provider> --add --from-env NEW_SECRET
     The new secret goes first and the others stay active; verifiers read it ${PICKUP}.
  2. Switch the provider to the new secret in its dashboard (Stripe: roll the endpoint secret,
     keeping the old one valid for a while).
  3. Watch the secretIndex of new events (relayflow events show <id>): 0 is the new secret.
     observability.secretRetirement raises OldSecretUsed when an older one still verifies
     deliveries after the date you set.
  4. relayflow secrets list <provider> shows each secret's position and fingerprint; retire the
     old one by either of them: relayflow secrets rotate <provider> --retire <fingerprint|position>

The last active secret cannot be retired. Values are read from an environment variable or from
standard input and are never printed: a fingerprint (8 hex digits of a salted SHA-256) names each.`;
var registerSecrets = (program, deps, globals) => {
  const secrets = program.command("secrets").description("Set, list and rotate the providers' signing secrets (values are never printed)");
  const target = async (provider, tenant2) => {
    const entry = await entryFor(deps, provider);
    const env = await deps.connect(globals());
    return { entry, env, target: secretTargetOf(env, provider, tenant2) };
  };
  secrets.command("set <provider>").description(
    "Put a provider's signing secret in the stack's secret for it, checked against the provider's format; it replaces any active one"
  ).option("--tenant <id>", "the tenant's own secret (a tenant with dedicatedSecrets: true)").option("--from-env <variable>", VALUE_HELP.fromEnv).option("--stdin", VALUE_HELP.stdin, false).action(async (provider, options) => {
    const entry = await entryFor(deps, provider);
    const value = await newValue(deps, entry, options);
    const env = await deps.connect(globals());
    const to = writable(secretTargetOf(env, provider, options.tenant));
    const previous = await readDocument(env, to);
    const replaced = (previous?.signingSecrets ?? []).map(fingerprintOf);
    await writeDocument(env, to, withSecrets(entry, previous, [value]));
    const fingerprint = fingerprintOf(value);
    if (globals().json) {
      deps.output.out(json({ provider, tenant: to.tenant, secret: to.secretId, fingerprint, replaced }));
      return;
    }
    deps.output.out(
      `${to.secretId} now holds ${labelOf(to)}'s signing secret ${fingerprint}; verifiers use it ${PICKUP}.${replaced.length > 0 ? ` It replaced ${plural(replaced.length, "secret")} (${replaced.join(", ")}).` : ""}`
    );
  });
  secrets.command("list <provider>").description("List a provider's active signing secrets by position and fingerprint, newest first").option("--tenant <id>", "the tenant's own secret").action(async (provider, options) => {
    const { entry, env, target: of } = await target(provider, options.tenant);
    const document = await readableDocument(env, of);
    const rows = document.signingSecrets.map((secret, index) => ({
      position: index + 1,
      fingerprint: fingerprintOf(secret),
      format: entry.setup.secret.parse(secret) === void 0 ? "unexpected" : "ok"
    }));
    if (globals().json) {
      deps.output.out(
        json({ provider, tenant: of.tenant, secret: of.secretId, shared: of.shared, secrets: rows })
      );
      return;
    }
    if (rows.length === 0) {
      deps.output.out(
        `${of.secretId} holds no signing secret for ${labelOf(of)}: its deliveries are answered 503 until you run relayflow secrets set ${argumentsOf(of)} --from-env <VARIABLE>.`
      );
      return;
    }
    deps.output.out(
      [
        `${of.secretId}: ${plural(rows.length, "active signing secret")} of ${labelOf(of)}${of.shared ? " (shared with the provider: dedicatedSecrets false)" : ""}, newest first; an event's secretIndex is its position - 1.`,
        table(
          ["POSITION", "FINGERPRINT", "FORMAT"],
          rows.map((row) => [row.position, row.fingerprint, row.format])
        )
      ].join("\n")
    );
  });
  secrets.command("rotate <provider>").description(
    "Add a new signing secret ahead of the active ones, or retire one (by fingerprint or position)"
  ).option("--tenant <id>", "the tenant's own secret").option("--add", "add the value given by --from-env or --stdin as the newest secret", false).option(
    "--retire <fingerprint|position>",
    "remove one active secret, named as relayflow secrets list shows it"
  ).option("--from-env <variable>", VALUE_HELP.fromEnv).option("--stdin", VALUE_HELP.stdin, false).addHelpText("after", ROTATE_HELP).action(
    async (provider, options) => {
      if (options.add === (options.retire !== void 0))
        throw new CliError(
          "Give --add (with --from-env or --stdin) or --retire <fingerprint|position>: one step of the rotation at a time."
        );
      const entry = await entryFor(deps, provider);
      const value = options.add ? await newValue(deps, entry, options) : void 0;
      const env = await deps.connect(globals());
      const of = writable(secretTargetOf(env, provider, options.tenant));
      const document = await readableDocument(env, of);
      const fingerprints = document.signingSecrets.map(fingerprintOf);
      if (value !== void 0) {
        const fingerprint = fingerprintOf(value);
        const existing = document.signingSecrets.indexOf(value);
        if (existing >= 0)
          throw new CliError(
            `That secret is already active for ${labelOf(of)} at position ${existing + 1} (${fingerprint}); nothing was written.`
          );
        await writeDocument(env, of, withSecrets(entry, document, [value, ...document.signingSecrets]));
        if (globals().json) {
          deps.output.out(
            json({
              provider,
              tenant: of.tenant,
              secret: of.secretId,
              added: fingerprint,
              active: [fingerprint, ...fingerprints]
            })
          );
          return;
        }
        deps.output.out(
          `Added ${fingerprint} to ${labelOf(of)} as position 1 of ${document.signingSecrets.length + 1}; verifiers use it ${PICKUP}. Switch ${provider} to the new secret, then retire the old one: relayflow secrets rotate ${argumentsOf(of)} --retire ${fingerprints[0] ?? "<fingerprint>"}`
        );
        return;
      }
      const position = positionOf(document, of, options.retire ?? "");
      const retired = fingerprints[position - 1] ?? "";
      if (document.signingSecrets.length === 1)
        throw new CliError(
          `${retired} is the only active secret of ${labelOf(of)}; retiring it would refuse every delivery (add its successor first with relayflow secrets rotate ${argumentsOf(of)} --add).`
        );
      const kept = document.signingSecrets.filter((_, index) => index !== position - 1);
      await writeDocument(env, of, withSecrets(entry, document, kept));
      const active = kept.map(fingerprintOf);
      if (globals().json) {
        deps.output.out(json({ provider, tenant: of.tenant, secret: of.secretId, retired, active }));
        return;
      }
      deps.output.out(
        `Retired ${retired} from ${labelOf(of)}; ${plural(active.length, "secret")} active (${active.join(", ")}). Verifiers stop accepting it ${PICKUP}.`
      );
    }
  );
};

// cli/commands/channels.ts
var PICKUP2 = "within 5 minutes";
var readmeOf = (via) => `functions/channels/${via}/README.md`;
var channelSecretOutput = (via, tenant2) => `ChannelSecret${outputId2(via)}${tenant2 ? outputId2(tenant2) : ""}`;
var adapterOf = async (via) => {
  const load = Object.hasOwn(ADAPTER_LOADERS, via) ? ADAPTER_LOADERS[via] : void 0;
  if (!load) {
    const near = nearest(via, ADAPTER_IDS);
    throw new CliError(
      `No channel adapter ${via}${near.length > 0 ? `; did you mean ${near.join(" or ")}?` : ""} (adapters: ${ADAPTER_IDS.join(", ")}).`
    );
  }
  return load();
};
var whereOf = (env) => env.local ? "the local runtime" : `stack ${env.stackName}`;
var applyOf = (env) => env.local ? "restart npm start" : "deploy with npx cdk deploy";
var channelSecretTargetOf = (env, via, tenant2) => {
  const own2 = env.outputs[channelSecretOutput(via)];
  if (own2 === void 0)
    throw new CliError(
      `The ${via} channel adapter is not configured in ${whereOf(env)}; add it under channels in relayflow.config.ts (channels: { ${via}: {} }) and ${applyOf(env)}.`
    );
  if (!tenant2 || tenant2 === "default") return { via, secretId: own2 };
  const dedicated = env.outputs[channelSecretOutput(via, tenant2)];
  if (dedicated === void 0)
    throw new CliError(
      `Tenant ${tenant2} has no ${via} credentials of its own in ${whereOf(env)} (it uses ${via}'s); list it in channels.${via}.tenants in relayflow.config.ts and ${applyOf(env)}, or set ${via}'s without --tenant.`
    );
  return { via, tenant: tenant2, secretId: dedicated };
};
var labelOf2 = (target) => target.tenant ? `${target.via} (tenant ${target.tenant})` : target.via;
var valueAt = (document, path) => path.reduce(
  (value, key) => typeof value === "object" && value !== null ? value[key] : void 0,
  document
);
var pathOf = (path) => path.map((key, i) => typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`).join("");
var problemOf = (issue, document) => {
  const field3 = pathOf(issue.path);
  const at2 = (what) => field3 ? `${field3}: ${what}` : what;
  switch (issue.code) {
    case "invalid_type":
      return at2(
        valueAt(document, issue.path) === void 0 ? "missing" : `not a ${issue.expected ?? "value"}`
      );
    case "too_small":
      return at2("empty");
    case "invalid_format":
      return at2(issue.format === "url" ? "not a URL" : `not ${issue.format ?? "in its format"}`);
    case "invalid_value":
      return at2(`not one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(", ")}`);
    case "unrecognized_keys":
      return at2(`unknown fields ${(issue.keys ?? []).join(", ")}`);
    case "custom":
      return field3 ? `${field3}: ${issue.message}` : issue.message;
    default:
      return at2("invalid");
  }
};
var keysOf = (value) => typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
var GOOGLE_KEY_FILE = ["project_id", "client_email", "private_key"];
var checkedCredentials = (adapter, text4, source) => {
  let document;
  try {
    document = JSON.parse(text4);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
    throw new CliError(
      `${source} is not JSON${position === void 0 ? "" : ` (at character ${position})`}: ${adapter.id} credentials are a JSON object (${readmeOf(adapter.id)}); nothing was written.`
    );
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    throw new CliError(
      `${source} is JSON but not an object: ${adapter.id} credentials are a JSON object (${readmeOf(adapter.id)}); nothing was written.`
    );
  const parsed = adapter.credentials.safeParse(document);
  if (!parsed.success) {
    const problems = [
      ...new Set(parsed.error.issues.map((issue) => problemOf(issue, document)))
    ];
    const keyFile = adapter.id === "fcm" && GOOGLE_KEY_FILE.some((key) => keysOf(document).includes(key)) ? " A service account key file names them project_id, client_email, private_key and token_uri: give them as projectId, clientEmail, privateKey and tokenUrl." : "";
    throw new CliError(
      `${source} is not ${adapter.id} credentials (${readmeOf(adapter.id)}): ${problems.join("; ")}; nothing was written.${keyFile}`
    );
  }
  const credentials = parsed.data;
  const kept = new Set(keysOf(credentials));
  return { credentials, ignored: keysOf(document).filter((key) => !kept.has(key)) };
};
var stateOf = async (env, adapter, secretId) => {
  let text4;
  try {
    text4 = (await env.secrets.send(new import_client_secrets_manager4.GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    if (error instanceof import_client_secrets_manager4.ResourceNotFoundException) return "missing";
    throw error;
  }
  let document;
  try {
    document = JSON.parse(text4 ?? "");
  } catch {
    return "invalid";
  }
  if (adapter.credentials.safeParse(document).success) return "set";
  return keysOf(document).length === 0 && typeof document === "object" && document !== null ? "empty" : "invalid";
};
var ENV_NAME2 = /^[A-Za-z_][A-Za-z0-9_]*$/;
var readProcessStdin2 = async () => {
  if (process.stdin.isTTY)
    throw new CliError(
      "--stdin reads a pipe (relayflow channels credentials <via> --stdin < credentials.json); typed at a terminal, the credentials would be shown."
    );
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
};
var credentialsText = async (deps, options) => {
  if (Boolean(options.fromEnv) === Boolean(options.stdin))
    throw new CliError(
      "Give the credentials with --from-env <VARIABLE> or --stdin (one of them): a value on the command line would stay in the shell history."
    );
  if (options.fromEnv) {
    const name = options.fromEnv;
    if (!ENV_NAME2.test(name))
      throw new CliError(
        "--from-env takes the name of an environment variable, and what it was given is not one; nothing was written (if it was the credentials, remove them from your shell history)."
      );
    const text5 = (deps.env ?? process.env)[name];
    if (text5 === void 0) throw new CliError(`Environment variable ${name} is not set.`);
    if (text5.trim() === "") throw new CliError(`Environment variable ${name} is empty.`);
    return { text: text5, source: `Environment variable ${name}` };
  }
  const text4 = await (deps.readStdin ?? readProcessStdin2)();
  if (text4.trim() === "") throw new CliError("Standard input is empty.");
  return { text: text4, source: "Standard input" };
};
var tenantsOf = (outputs, via, configured) => {
  const prefix = channelSecretOutput(via);
  const longer = ADAPTER_IDS.map((id2) => channelSecretOutput(id2)).filter(
    (other) => other !== prefix && other.startsWith(prefix)
  );
  return Object.entries(outputs).filter(([key]) => key.startsWith(prefix) && key !== prefix && !longer.some((o) => key.startsWith(o))).map(([key, secretId]) => {
    const suffix = key.slice(prefix.length);
    return { tenant: configured.find((t) => outputId2(t) === suffix) ?? suffix, secretId };
  }).sort((a, b) => a.tenant.localeCompare(b.tenant));
};
var CREDENTIALS_HELP = `
The credentials are a JSON object, as functions/channels/<via>/README.md describes them, read from
standard input or an environment variable (set by your CI or secret store) and never printed:
  relayflow channels credentials postmark --stdin < postmark.json
  relayflow channels credentials twilio --tenant acme --from-env TWILIO_ACME_CREDENTIALS
  jq '{projectId: .project_id, clientEmail: .client_email, privateKey: .private_key, tokenUrl: .token_uri}' \\
    service-account.json | relayflow channels credentials fcm --stdin
They are checked against the adapter's schema first; a refusal names the fields, not their values.
relayflow channels list shows which secrets hold credentials the adapter takes.`;
var registerChannels = (program, deps, globals) => {
  const channels2 = program.command("channels").description("Set and check the channel adapters' credentials (values are never printed)");
  channels2.command("credentials <via>").description(
    "Put a channel adapter's credentials (JSON) in the stack's secret for it, checked against the adapter's schema; they replace the ones it holds"
  ).option("--tenant <id>", "the tenant's own credentials (a tenant listed in channels.<via>.tenants)").option("--from-env <variable>", "read the JSON from this environment variable").option("--stdin", "read the JSON from standard input (a pipe or a file)", false).addHelpText("after", CREDENTIALS_HELP).action(async (via, options) => {
    const adapter = await adapterOf(via);
    const { text: text4, source } = await credentialsText(deps, options);
    const { credentials, ignored } = checkedCredentials(adapter, text4, source);
    const env = await deps.connect(globals());
    const to = channelSecretTargetOf(env, via, options.tenant);
    const replaced = await stateOf(env, adapter, to.secretId) === "set";
    await env.secrets.send(
      new import_client_secrets_manager4.PutSecretValueCommand({ SecretId: to.secretId, SecretString: JSON.stringify(credentials) })
    );
    const fields = Object.keys(credentials);
    if (globals().json) {
      deps.output.out(json({ via, tenant: to.tenant, secret: to.secretId, fields, ignored, replaced }));
      return;
    }
    deps.output.out(
      `${to.secretId} now holds ${labelOf2(to)}'s credentials (${fields.join(", ")})${replaced ? ", replacing the ones it held" : ""}; the consumer uses them ${PICKUP2}.${ignored.length > 0 ? ` Ignored fields the adapter does not read: ${ignored.join(", ")}.` : ""}`
    );
  });
  channels2.command("list").description(
    "List the configured channel adapters, whether their secrets hold credentials the adapter takes, and their tenants"
  ).action(async () => {
    const env = await deps.connect(globals());
    const configured = ADAPTER_IDS.filter((via) => env.outputs[channelSecretOutput(via)] !== void 0);
    const configTenants = await Promise.resolve().then(() => deps.loadConfig()).then(
      (config) => Object.fromEntries(Object.entries(config.channels).map(([via, c]) => [via, c.tenants])),
      () => ({})
    );
    const rows = await Promise.all(
      configured.map(async (via) => {
        const adapter = await adapterOf(via);
        const secretId = env.outputs[channelSecretOutput(via)] ?? "";
        const tenants = tenantsOf(env.outputs, via, configTenants[via] ?? []);
        return {
          via,
          channels: adapter.channels,
          secret: secretId,
          credentials: await stateOf(env, adapter, secretId),
          tenants: await Promise.all(
            tenants.map(async (t) => ({
              tenant: t.tenant,
              secret: t.secretId,
              credentials: await stateOf(env, adapter, t.secretId)
            }))
          )
        };
      })
    );
    if (globals().json) {
      deps.output.out(
        json(
          rows.map((row) => ({
            via: row.via,
            channels: row.channels,
            secret: row.secret,
            credentials: row.credentials,
            ok: row.credentials === "set",
            tenants: row.tenants.map((t) => ({ ...t, ok: t.credentials === "set" }))
          }))
        )
      );
      return;
    }
    if (rows.length === 0) {
      deps.output.out(
        `No channel adapter is configured in ${whereOf(env)}; add them under channels in relayflow.config.ts (adapters: ${ADAPTER_IDS.join(", ")}) and ${applyOf(env)}.`
      );
      return;
    }
    const yesNo = (state) => state === "set" ? "yes" : `no (${state})`;
    const lines = rows.flatMap((row) => [
      [row.via, "", row.channels.join(", "), yesNo(row.credentials), row.secret],
      ...row.tenants.map((t) => [row.via, t.tenant, "", yesNo(t.credentials), t.secret])
    ]);
    const missing3 = [
      ...rows.filter((row) => row.credentials !== "set").map((row) => row.via),
      ...rows.flatMap(
        (row) => row.tenants.filter((t) => t.credentials !== "set").map((t) => `${row.via} --tenant ${t.tenant}`)
      )
    ];
    deps.output.out(
      [
        table(["VIA", "TENANT", "CHANNELS", "CREDENTIALS", "SECRET"], lines),
        ...missing3.length > 0 ? [
          "",
          `Messages through an adapter without credentials wait and retry; set them with relayflow channels credentials ${missing3.length === 1 ? missing3[0] : "<via> [--tenant <id>]"} --from-env <VARIABLE>.`
        ] : []
      ].join("\n")
    );
  });
};

// cli/commands/console.ts
var import_node_child_process = require("node:child_process");
var import_node_path5 = require("node:path");
var import_commander3 = require("commander");
init_routes();

// cli/console/api/overview.ts
var import_client_cloudwatch2 = require("@aws-sdk/client-cloudwatch");
var import_client_sfn3 = require("@aws-sdk/client-sfn");
var import_zod6 = require("zod");

// functions/flow/pause-store.ts
var import_lib_dynamodb3 = require("@aws-sdk/lib-dynamodb");
init_conditions();
init_errors2();

// functions/flow/pauses.ts
var PAUSE_SCOPES = ["provider", "tenant", "route", "target"];
var pauseKeyOf = (pause2) => `${pause2.scope}#${pause2.id}`;
var isActive = (pause2) => pause2.state !== "ended";

// functions/flow/pause-store.ts
var PAUSES_PK = "PAUSE";
var pauseKey = (key) => ({ PK: PAUSES_PK, SK: key });
var holdListKey = (key, groupId) => ({ PK: `HELD#${key}`, SK: groupId });
var BATCH_GET_KEYS = 100;
var pauseOf = (item) => ({
  scope: item.scope,
  id: item.id,
  state: item.state,
  reason: item.reason,
  by: item.by,
  at: item.at,
  effectiveAt: item.effectiveAt ?? item.at,
  holds: item.holds ?? 0,
  history: item.history ?? []
});
var listOf = (item) => ({
  pauseKey: item.PK.slice("HELD#".length),
  groupId: item.SK,
  events: item.events ?? []
});
var PAUSES_CACHE_MS = 5e3;
var PauseStore = class {
  constructor(client, settings) {
    this.client = client;
    this.settings = settings;
  }
  client;
  settings;
  call(what, run) {
    return storeCall("pause store", what, run);
  }
  conditional(what, run) {
    return conditionalWrite("pause store", what, run);
  }
  /** Every pause, ended ones included, strongly consistent. */
  async list() {
    const pauses = [];
    let start;
    do {
      const page = await this.call(
        "list",
        () => this.client.send(
          new import_lib_dynamodb3.QueryCommand({
            TableName: this.settings.tableName,
            KeyConditionExpression: "PK = :pk",
            ExpressionAttributeValues: { ":pk": PAUSES_PK },
            ConsistentRead: true,
            ExclusiveStartKey: start
          })
        )
      );
      pauses.push(...(page.Items ?? []).map(pauseOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return pauses;
  }
  async get(key) {
    const result = await this.call(
      "read",
      () => this.client.send(
        new import_lib_dynamodb3.GetCommand({ TableName: this.settings.tableName, Key: pauseKey(key), ConsistentRead: true })
      )
    );
    return result.Item ? pauseOf(result.Item) : void 0;
  }
  /**
   * Pauses `scope`/`id` (again, if it was resuming or ended). `onlyIfInactive`: auto-disable never
   * overwrites an operator's pause or a resume in progress. Returns false when it did not write.
   */
  async pause(scope, id2, entry, onlyIfInactive = false) {
    return this.conditional(
      "pause",
      () => this.client.send(
        new import_lib_dynamodb3.UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(pauseKeyOf({ scope, id: id2 })),
          UpdateExpression: "SET #scope = :scope, #id = :id, #state = :paused, reason = :reason, #by = :by, #at = :at, effectiveAt = :effective, history = list_append(if_not_exists(history, :none), :entry), holds = if_not_exists(holds, :zero) REMOVE expiresAt",
          ConditionExpression: onlyIfInactive ? "attribute_not_exists(PK) OR #state = :ended" : void 0,
          ExpressionAttributeNames: {
            "#scope": "scope",
            "#id": "id",
            "#state": "state",
            "#by": "by",
            "#at": "at"
          },
          ExpressionAttributeValues: {
            ":scope": scope,
            ":id": id2,
            ":paused": "paused",
            ":reason": entry.reason,
            ":by": entry.by,
            ":at": entry.at,
            ":effective": new Date(
              Date.parse(entry.at) + (this.settings.takesEffectAfterMs ?? PAUSES_CACHE_MS + 1e3)
            ).toISOString(),
            ":none": [],
            ":entry": [entry],
            ":zero": 0,
            ...onlyIfInactive ? { ":ended": "ended" } : {}
          }
        })
      )
    );
  }
  /** Marks an active pause as resuming. Returns false when there is no active pause under `key`. */
  async startResume(key, entry) {
    return this.conditional(
      "resume",
      () => this.client.send(
        new import_lib_dynamodb3.UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(key),
          UpdateExpression: "SET #state = :resuming, history = list_append(history, :entry)",
          ConditionExpression: "#state IN (:paused, :resuming)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":resuming": "resuming",
            ":paused": "paused",
            ":entry": [entry]
          }
        })
      )
    );
  }
  /**
   * Ends a resuming pause, on condition that no hold was committed since its counter read
   * `holdsSeen`: a hold that came in after the resume last looked keeps it resuming.
   */
  async end(key, holdsSeen, entry, now) {
    return this.conditional(
      "end",
      () => this.client.send(
        new import_lib_dynamodb3.UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(key),
          UpdateExpression: "SET #state = :ended, history = list_append(history, :entry), expiresAt = :x",
          ConditionExpression: "#state = :resuming AND holds = :h",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: {
            ":ended": "ended",
            ":resuming": "resuming",
            ":h": holdsSeen,
            ":entry": [entry],
            ":x": Math.floor(now.getTime() / 1e3) + this.settings.retentionDays * 86400
          }
        })
      )
    );
  }
  /** The hold lists of one entity under each of `keys`, strongly consistent; empty ones are left out. */
  async listsFor(keys, groupId) {
    const lists = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
      let pending = keys.slice(start, start + BATCH_GET_KEYS).map((key) => holdListKey(key, groupId));
      for (let round = 0; pending.length > 0; round += 1) {
        if (round === 8)
          throw new InfrastructureError("event-store", "hold list read kept returning unprocessed keys");
        if (round > 0) await new Promise((resolve9) => setTimeout(resolve9, 2 ** round * 10));
        const result = await this.call(
          "hold list read",
          () => this.client.send(
            new import_lib_dynamodb3.BatchGetCommand({
              RequestItems: { [this.settings.tableName]: { Keys: pending, ConsistentRead: true } }
            })
          )
        );
        lists.push(...(result.Responses?.[this.settings.tableName] ?? []).map(listOf));
        pending = result.UnprocessedKeys?.[this.settings.tableName]?.Keys ?? [];
      }
    }
    return lists.filter((list) => list.events.length > 0).sort((a, b) => keys.indexOf(a.pauseKey) - keys.indexOf(b.pauseKey));
  }
  /** Every hold list of one pause, strongly consistent. */
  async listsOf(key) {
    const lists = [];
    let start;
    do {
      const page = await this.call(
        "hold lists read",
        () => this.client.send(
          new import_lib_dynamodb3.QueryCommand({
            TableName: this.settings.tableName,
            KeyConditionExpression: "PK = :pk",
            ExpressionAttributeValues: { ":pk": `HELD#${key}` },
            ConsistentRead: true,
            ExclusiveStartKey: start
          })
        )
      );
      lists.push(...(page.Items ?? []).map(listOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return lists;
  }
  /** Hold, step 1: the event joins the end of its entity's list (once). */
  async appendHold(key, groupId, eventId) {
    await this.conditional(
      "hold",
      () => this.client.send(
        new import_lib_dynamodb3.UpdateCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          UpdateExpression: "SET events = list_append(if_not_exists(events, :none), :id)",
          ConditionExpression: "attribute_not_exists(events) OR NOT contains(events, :eventId)",
          ExpressionAttributeValues: { ":none": [], ":id": [eventId], ":eventId": eventId }
        })
      )
    );
  }
  /** Hold, step 2, the commit: false when the pause ended (or never was) meanwhile. */
  async commitHold(key) {
    return this.conditional(
      "hold commit",
      () => this.client.send(
        new import_lib_dynamodb3.UpdateCommand({
          TableName: this.settings.tableName,
          Key: pauseKey(key),
          UpdateExpression: "ADD holds :one",
          ConditionExpression: "#state IN (:paused, :resuming)",
          ExpressionAttributeNames: { "#state": "state" },
          ExpressionAttributeValues: { ":one": 1, ":paused": "paused", ":resuming": "resuming" }
        })
      )
    );
  }
  /**
   * Takes the first `eventIds.length` entries off an entity's list, on condition that they are
   * these (only a resume removes, and only holds append, at the end). The list goes when empty.
   */
  async dropFront(key, groupId, eventIds) {
    if (eventIds.length === 0) return true;
    const values = {};
    const conditions = eventIds.map((id2, i) => {
      values[`:e${i}`] = id2;
      return `events[${i}] = :e${i}`;
    });
    const dropped = await this.conditional(
      "hold list update",
      () => this.client.send(
        new import_lib_dynamodb3.UpdateCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          // Highest index first: DynamoDB removes the listed elements all at once, dynalite one
          // after another (shifting the rest); in this order both remove the same ones.
          UpdateExpression: `REMOVE ${eventIds.map((_, i) => `events[${i}]`).reverse().join(", ")}`,
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeValues: values
        })
      )
    );
    if (dropped) await this.deleteIfEmpty(key, groupId);
    return dropped;
  }
  /** Undoes step 1 of a hold whose commit failed: the event leaves its list. */
  async removeHold(key, groupId, eventId) {
    const item = await this.call(
      "hold list read",
      () => this.client.send(
        new import_lib_dynamodb3.GetCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          ConsistentRead: true
        })
      )
    );
    const index = (item.Item?.events ?? []).indexOf(eventId);
    if (index < 0) return;
    await this.conditional(
      "hold list update",
      () => this.client.send(
        new import_lib_dynamodb3.UpdateCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          UpdateExpression: `REMOVE events[${index}]`,
          ConditionExpression: `events[${index}] = :id`,
          ExpressionAttributeValues: { ":id": eventId }
        })
      )
    );
    await this.deleteIfEmpty(key, groupId);
  }
  async deleteIfEmpty(key, groupId) {
    await this.conditional(
      "hold list delete",
      () => this.client.send(
        new import_lib_dynamodb3.DeleteCommand({
          TableName: this.settings.tableName,
          Key: holdListKey(key, groupId),
          ConditionExpression: "size(events) = :zero",
          ExpressionAttributeValues: { ":zero": 0 }
        })
      )
    );
  }
};

// functions/operator/dead-letter-queue.ts
var import_client_sqs2 = require("@aws-sdk/client-sqs");
init_errors2();

// functions/queue/claim-check.ts
var z33 = __toESM(require("zod/mini"));
var ClaimCheckSchema = z33.object({
  v: z33.literal(1),
  eventId: z33.string().check(z33.minLength(1)),
  correlationId: z33.string().check(z33.minLength(1)),
  /**
   * Set by a forced replay of an event that already finished: the n-th deliberate re-run. The
   * replay records the same number on the event's state before it sends; the consumer keys its
   * idempotency record, target completions and downstream keys on the run the state names, so
   * that the run happens again instead of being answered from the first run's record. Anyone
   * allowed to send to the queue can write this field: it is only compared with the state.
   */
  run: z33.optional(z33.int().check(z33.positive()))
});

// functions/operator/dead-letter-queue.ts
var claimOf = (body) => {
  try {
    const parsed = ClaimCheckSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : void 0;
  } catch {
    return void 0;
  }
};
var DeadLetterQueue = class {
  constructor(client, queueUrl) {
    this.client = client;
    this.queueUrl = queueUrl;
  }
  client;
  queueUrl;
  async call(what, run) {
    try {
      return await run();
    } catch (error) {
      throw new InfrastructureError("event-queue", `dead-letter queue ${what} failed`, { cause: error });
    }
  }
  /** Up to 10 messages, held for `visibilitySeconds`; a FIFO queue returns a group's messages in order. */
  async receive(visibilitySeconds, max = 10) {
    const result = await this.call(
      "receive",
      () => this.client.send(
        new import_client_sqs2.ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: max,
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["MessageGroupId", "SentTimestamp", "ApproximateReceiveCount"]
        })
      )
    );
    return (result.Messages ?? []).flatMap((m) => {
      if (!m.MessageId || !m.ReceiptHandle) return [];
      const sent = Number(m.Attributes?.SentTimestamp);
      return [
        {
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          groupId: m.Attributes?.MessageGroupId ?? m.MessageId,
          sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : void 0,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
          claim: claimOf(m.Body ?? ""),
          body: m.Body ?? ""
        }
      ];
    });
  }
  async delete(message) {
    await this.call(
      "delete",
      () => this.client.send(
        new import_client_sqs2.DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle })
      )
    );
  }
  /** Makes messages visible again at once, which also unlocks their groups. */
  async release(messages) {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.call(
        "release",
        () => this.client.send(
          new import_client_sqs2.ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.receiptHandle,
              VisibilityTimeout: 0
            }))
          })
        )
      );
    }
  }
  async depth() {
    return queueDepth(this.client, this.queueUrl);
  }
  /**
   * Reads up to `max` messages without consuming them: every message stays in flight while the
   * queue is walked (so that each group is read in full, in order) and all are released at the end.
   */
  async peek(max, visibilitySeconds = 60) {
    const seen = [];
    try {
      while (seen.length < max) {
        const batch = await this.receive(visibilitySeconds, Math.min(10, max - seen.length));
        if (batch.length === 0) break;
        seen.push(...batch);
      }
    } finally {
      await this.release(seen);
    }
    return seen;
  }
};
var queueDepth = async (client, queueUrl) => {
  try {
    const result = await client.send(
      new import_client_sqs2.GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
      })
    );
    return {
      visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    };
  } catch (error) {
    throw new InfrastructureError("event-queue", "queue attributes could not be read", { cause: error });
  }
};

// functions/operator/event-queries.ts
var import_lib_dynamodb5 = require("@aws-sdk/lib-dynamodb");
init_errors2();

// functions/store/event-store.ts
var import_node_buffer2 = require("node:buffer");
init_conditions();
var import_node_zlib2 = require("node:zlib");
var import_lib_dynamodb4 = require("@aws-sdk/lib-dynamodb");
init_errors2();
init_records();
var DEFAULT_INLINE_EVENT_MAX_BYTES = 96 * 1024;
var BATCH_GET_KEYS2 = 100;
var isItemTooLarge = (error) => error instanceof Error && error.name === "ValidationException" && /item size|size has exceeded/i.test(error.message);
var unzipJson = (value) => JSON.parse((0, import_node_zlib2.gunzipSync)(value).toString("utf8"));
var pack = (parts) => {
  const body = parts.rawBody;
  const text4 = body && (0, import_node_buffer2.isUtf8)(body) ? body.toString("utf8") : void 0;
  return (0, import_node_zlib2.brotliCompressSync)(
    JSON.stringify({
      request: parts.request,
      event: parts.event,
      ...body ? text4 !== void 0 ? { body: text4 } : { body64: body.toString("base64") } : {}
    }),
    { params: { [import_node_zlib2.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }
  );
};
var unpack = (blob) => {
  const parts = JSON.parse((0, import_node_zlib2.brotliDecompressSync)(blob).toString("utf8"));
  const rawBody = parts.body !== void 0 ? Buffer.from(parts.body, "utf8") : parts.body64 !== void 0 ? Buffer.from(parts.body64, "base64") : void 0;
  return { request: parts.request, event: parts.event, rawBody };
};
var legacyParts = (item) => ({
  request: unzipJson(item.request),
  event: item.event ? unzipJson(item.event) : void 0,
  rawBody: item.rawBody ? (0, import_node_zlib2.gunzipSync)(item.rawBody) : void 0
});
var BROTLI_QUALITY = 5;
var EventStore = class {
  /**
   * @param overflow where normalized events too large for an item are written and read back;
   *   a reader without it (the CLI) sees `eventLocation` instead of the event.
   */
  constructor(client, settings, overflow) {
    this.client = client;
    this.settings = settings;
    this.overflow = overflow;
  }
  client;
  settings;
  overflow;
  expiresAt(from) {
    return Math.floor(from.getTime() / 1e3) + this.settings.retentionDays * 86400;
  }
  async call(what, run) {
    try {
      return await run();
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      if (isItemTooLarge(error))
        throw new ItemTooLargeError(`event store ${what} refused an item over 400 KB`, { cause: error });
      throw new InfrastructureError("event-store", `event store ${what} failed`, { cause: error });
    }
  }
  async getState(eventId) {
    const result = await this.call(
      "read",
      () => this.client.send(
        new import_lib_dynamodb4.GetCommand({ TableName: this.settings.tableName, Key: stateKey(eventId), ConsistentRead: true })
      )
    );
    return result.Item ? stateOf2(result.Item) : void 0;
  }
  /**
   * The states of many events, strongly consistent, in as few calls as BatchGetItem allows (a
   * batch body of 10,000 elements must not cost 10,000 round trips). Absent events are missing.
   */
  async getStates(eventIds) {
    const found = /* @__PURE__ */ new Map();
    const unique = [...new Set(eventIds)];
    if (unique.length === 1 && unique[0] !== void 0) {
      const state = await this.getState(unique[0]);
      if (state) found.set(unique[0], state);
      return found;
    }
    for (let start = 0; start < unique.length; start += BATCH_GET_KEYS2) {
      let keys = unique.slice(start, start + BATCH_GET_KEYS2).map((id2) => stateKey(id2));
      for (let round = 0; keys.length > 0; round += 1) {
        if (round === 8)
          throw new InfrastructureError(
            "event-store",
            "event store batch read kept returning unprocessed keys"
          );
        if (round > 0) await new Promise((resolve9) => setTimeout(resolve9, 2 ** round * 10));
        const result = await this.call(
          "batch read",
          () => this.client.send(
            new import_lib_dynamodb4.BatchGetCommand({
              RequestItems: { [this.settings.tableName]: { Keys: keys, ConsistentRead: true } }
            })
          )
        );
        for (const item of result.Responses?.[this.settings.tableName] ?? []) {
          const state = stateOf2(item);
          found.set(state.eventId, state);
        }
        keys = result.UnprocessedKeys?.[this.settings.tableName]?.Keys ?? [];
      }
    }
    return found;
  }
  async getPayload(eventId) {
    const result = await this.call(
      "read",
      () => this.client.send(
        new import_lib_dynamodb4.GetCommand({
          TableName: this.settings.tableName,
          Key: payloadKey(eventId),
          ConsistentRead: true
        })
      )
    );
    const item = result.Item;
    if (!item) return void 0;
    const eventLocation = item.eventLocation;
    const parts = item.blob ? unpack(item.blob) : legacyParts(item);
    let event = parts.event;
    if (eventLocation && this.overflow) {
      const bytes = await this.overflow.get(eventLocation.bucket, eventLocation.key);
      event = JSON.parse(bytes.toString("utf8"));
    }
    return {
      eventId,
      event,
      eventLocation,
      quarantineReason: item.quarantineReason,
      request: parts.request,
      raw: item.raw,
      rawBody: parts.rawBody,
      bodySha256: item.bodySha256
    };
  }
  /** Reads a body kept in a shared raw item (batch requests). */
  async getRawItem(pk) {
    const result = await this.call(
      "read",
      () => this.client.send(new import_lib_dynamodb4.GetCommand({ TableName: this.settings.tableName, Key: { PK: pk, SK: "RAW" } }))
    );
    const item = result.Item;
    if (!item) return void 0;
    return {
      body: item.body ? (0, import_node_zlib2.gunzipSync)(item.body) : void 0,
      raw: item.raw
    };
  }
  /** Stores a body shared by the events of one batch request, once, keyed by its digest. */
  async putRawItem(sha256, body, raw, now) {
    const key = rawKey(sha256);
    await this.call(
      "raw write",
      () => this.client.send(
        new import_lib_dynamodb4.PutCommand({
          TableName: this.settings.tableName,
          Item: { ...key, raw, ...body ? { body: (0, import_node_zlib2.gzipSync)(body) } : {}, expiresAt: this.expiresAt(now) }
        })
      )
    );
    return key.PK;
  }
  /**
   * Writes the immutable payload item unless it exists. Returns false when it already existed:
   * an earlier delivery of the same event got this far.
   * @throws ItemTooLargeError when the item cannot be stored at any retry (quarantine it).
   */
  async putPayloadIfAbsent(payload, now) {
    const put = await this.payloadPut(payload, now, true);
    try {
      await this.call("payload write", () => this.client.send(put));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
  /** Replaces a quarantined event's payload once its body can be read. */
  async replacePayload(payload, now) {
    const put = await this.payloadPut(payload, now, false);
    await this.call("payload write", () => this.client.send(put));
  }
  /**
   * The payload item; a normalized event too large to share it goes to S3 first, under a key
   * derived from the event id, so that a retry overwrites the same object.
   */
  async payloadPut(payload, now, onlyIfAbsent) {
    let blob = pack({ request: payload.request, event: payload.event, rawBody: payload.rawBody });
    let eventLocation;
    if (payload.event && this.overflow && blob.length > (this.settings.inlineEventMaxBytes ?? DEFAULT_INLINE_EVENT_MAX_BYTES)) {
      eventLocation = await this.overflow.put(
        normalizedEventKey(payload.event),
        Buffer.from(JSON.stringify(payload.event)),
        "application/json"
      );
      blob = pack({ request: payload.request, rawBody: payload.rawBody });
    }
    return new import_lib_dynamodb4.PutCommand({
      TableName: this.settings.tableName,
      Item: {
        ...payloadKey(payload.eventId),
        blob,
        ...eventLocation ? { eventLocation } : {},
        ...payload.quarantineReason ? { quarantineReason: payload.quarantineReason } : {},
        raw: payload.raw,
        ...payload.bodySha256 ? { bodySha256: payload.bodySha256 } : {},
        expiresAt: this.expiresAt(now)
      },
      ...onlyIfAbsent ? { ConditionExpression: "attribute_not_exists(PK)" } : {}
    });
  }
  /** Creates the state item unless it exists. Returns false when another delivery won. */
  async createState(state, now) {
    try {
      await this.call(
        "state write",
        () => this.client.send(
          new import_lib_dynamodb4.PutCommand({
            TableName: this.settings.tableName,
            Item: {
              ...stateKey(state.eventId),
              ...withoutDerivable(state),
              ...indexAttributes(state),
              expiresAt: this.expiresAt(now)
            },
            ConditionExpression: "attribute_not_exists(PK)"
          })
        )
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
  /**
   * Moves an event from one of `from` to `to`, appending the audit entry in the same write.
   * Returns false when the event was not in an expected status (someone else moved it).
   */
  async transition(eventId, from, to, entry, extra = {}) {
    const change = transitionExpression(from, to, entry, extra);
    return this.conditionalUpdate("state update", eventId, change);
  }
  /**
   * Claims a run of the event for the consumer (its Powertools idempotency record, kept in the
   * state item: decision 0044). Succeeds when the item holds no record, another run's, an expired
   * one, or an INPROGRESS one whose lease ran out; returns false otherwise.
   */
  async claimRun(eventId, run, nowMs) {
    return this.conditionalUpdate("run claim", eventId, {
      names: { "#k": "idem", "#s": "idemStatus", "#x": "idemExpiry", "#l": "idemLease", "#r": "idemResult" },
      values: {
        ":k": run.key,
        ":inprogress": "INPROGRESS",
        ":x": run.expiry,
        ":l": run.lease ?? 0,
        ":now": Math.floor(nowMs / 1e3),
        ":nowMs": nowMs
      },
      sets: ["#k = :k", "#s = :inprogress", "#x = :x", "#l = :l"],
      removes: ["#r"],
      condition: "attribute_exists(PK) AND (attribute_not_exists(#k) OR #k <> :k OR #x < :now OR (#s = :inprogress AND #l < :nowMs))"
    });
  }
  /** The run record the state item holds under `key`, if that is the run it holds. */
  async readRun(eventId, key) {
    const result = await this.call(
      "run read",
      () => this.client.send(
        new import_lib_dynamodb4.GetCommand({
          TableName: this.settings.tableName,
          Key: stateKey(eventId),
          ConsistentRead: true,
          ProjectionExpression: "idem, idemStatus, idemExpiry, idemLease, idemResult"
        })
      )
    );
    const item = result.Item;
    if (item?.idem !== key) return void 0;
    return {
      key,
      status: item.idemStatus,
      expiry: item.idemExpiry,
      lease: item.idemLease || void 0,
      result: item.idemResult
    };
  }
  /**
   * Completes the run held under `key` and, in the same write, moves the event as the run's
   * result says. Returns false when the status had been moved by someone else: the run is then
   * completed on its own, without the status change.
   */
  async completeRun(eventId, run, change) {
    const completion = {
      names: { "#k": "idem", "#s": "idemStatus", "#x": "idemExpiry", "#r": "idemResult", "#l": "idemLease" },
      values: { ":k": run.key, ":completed": "COMPLETED", ":x": run.expiry, ":r": run.result },
      sets: ["#s = :completed", "#x = :x", "#r = :r"],
      removes: ["#l"],
      condition: "#k = :k"
    };
    if (change) {
      const moved = transitionExpression(change.from, change.to, change.entry);
      const both = {
        names: { ...moved.names, ...completion.names },
        values: { ...moved.values, ...completion.values },
        sets: [...moved.sets, ...completion.sets],
        removes: [...moved.removes, ...completion.removes],
        condition: `${completion.condition} AND ${moved.condition}`
      };
      if (await this.conditionalUpdate("run completion", eventId, both)) return true;
    }
    if (!await this.conditionalUpdate("run completion", eventId, completion)) {
      throw new InfrastructureError(
        "event-store",
        `the run record of ${eventId} was taken over before it completed`
      );
    }
    return change === void 0;
  }
  /**
   * Audits a duplicate delivery of an event (issue 19): appended to its timeline while it holds
   * fewer than {@link DUPLICATES_IN_TIMELINE}, else counted and kept as the latest. Both keep
   * every duplicate in the audit archive, which reads the counter's changes from the stream.
   */
  async recordDuplicate(eventId, entry) {
    const appended = await this.conditionalUpdate("duplicate audit", eventId, {
      names: { "#audit": "audit", "#d": "duplicates" },
      values: { ":entry": [entry], ":one": 1, ":zero": 0, ":cap": DUPLICATES_IN_TIMELINE },
      sets: ["#audit = list_append(#audit, :entry)", "#d = if_not_exists(#d, :zero) + :one"],
      removes: [],
      condition: "attribute_exists(PK) AND (attribute_not_exists(#d) OR #d < :cap)"
    });
    if (appended) return;
    await this.conditionalUpdate("duplicate audit", eventId, {
      names: { "#d": "duplicates", "#l": "lastDuplicate" },
      values: { ":entry": entry, ":one": 1, ":zero": 0 },
      sets: ["#d = if_not_exists(#d, :zero) + :one", "#l = :entry"],
      removes: [],
      condition: "attribute_exists(PK)"
    });
  }
  /** Forgets the run held under `key` (it failed), so that the next attempt can claim it. */
  async forgetRun(eventId, key) {
    await this.conditionalUpdate("run release", eventId, {
      names: { "#k": "idem" },
      values: { ":k": key },
      sets: [],
      removes: ["#k", "idemStatus", "idemExpiry", "idemLease", "idemResult"],
      condition: "#k = :k"
    });
  }
  async conditionalUpdate(what, eventId, update) {
    const clauses = [
      update.sets.length ? `SET ${update.sets.join(", ")}` : "",
      update.removes.length ? `REMOVE ${update.removes.join(", ")}` : ""
    ].filter(Boolean);
    try {
      await this.call(
        what,
        () => this.client.send(
          new import_lib_dynamodb4.UpdateCommand({
            TableName: this.settings.tableName,
            Key: stateKey(eventId),
            UpdateExpression: clauses.join(" "),
            ConditionExpression: update.condition,
            ExpressionAttributeNames: update.names,
            ...Object.keys(update.values).length ? { ExpressionAttributeValues: update.values } : {}
          })
        )
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
  /**
   * Records a one-time value (Mailgun's token) for the secret that verified it, bound to the body
   * it came with. Returns false when the value was seen before with another body: a captured
   * token reused. The same body again is the provider retrying a delivery we answered 5xx, which
   * must go through (the event's own id then deduplicates it).
   */
  async recordNonce(provider, secretId, nonce, bodySha256, ttlSeconds, now) {
    const nowSeconds = Math.floor(now.getTime() / 1e3);
    const key = nonceKey(provider, secretId, nonce);
    try {
      await this.call(
        "nonce write",
        () => this.client.send(
          new import_lib_dynamodb4.PutCommand({
            TableName: this.settings.tableName,
            Item: { ...key, bodySha256, expiresAt: nowSeconds + ttlSeconds },
            // An expired nonce may linger until TTL deletion runs: treat it as absent.
            ConditionExpression: "attribute_not_exists(PK) OR expiresAt < :now",
            ExpressionAttributeValues: { ":now": nowSeconds }
          })
        )
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const seen = await this.call(
        "nonce read",
        () => this.client.send(
          new import_lib_dynamodb4.GetCommand({ TableName: this.settings.tableName, Key: key, ConsistentRead: true })
        )
      );
      return seen.Item?.bodySha256 === bodySha256;
    }
  }
  /** The event that the signed bytes under this key produced first, if any. */
  async getSignedBytes(key) {
    const result = await this.call(
      "signed-bytes read",
      () => this.client.send(
        new import_lib_dynamodb4.GetCommand({
          TableName: this.settings.tableName,
          Key: signedBytesKey(key),
          ConsistentRead: true
        })
      )
    );
    return result.Item?.eventId;
  }
  /**
   * Binds signed bytes to the event they produced, unless they are bound already. Returns the
   * event they are bound to: `eventId` when this call bound them, else the first one's.
   */
  async bindSignedBytes(key, eventId, now) {
    try {
      await this.call(
        "signed-bytes write",
        () => this.client.send(
          new import_lib_dynamodb4.PutCommand({
            TableName: this.settings.tableName,
            Item: { ...signedBytesKey(key), eventId, expiresAt: this.expiresAt(now) },
            ConditionExpression: "attribute_not_exists(PK)"
          })
        )
      );
      return eventId;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return await this.getSignedBytes(key) ?? eventId;
    }
  }
  /** Adds a window of rejection counts: one write per flush, however many requests were refused. */
  async addRejections(provider, tenant2, minute, counts, bySource, now) {
    const reasons = Object.entries(counts);
    if (reasons.length === 0) return;
    const names = {};
    const values = { ":exp": this.expiresAt(now) };
    const adds = [
      ...reasons,
      ...Object.entries(bySource).map(([key, n]) => [`${REJECTION_SOURCE_PREFIX}${key}`, n])
    ].map(([name, count], i) => {
      names[`#r${i}`] = name;
      values[`:c${i}`] = count;
      return `#r${i} :c${i}`;
    });
    await this.call(
      "rejection counter write",
      () => this.client.send(
        new import_lib_dynamodb4.UpdateCommand({
          TableName: this.settings.tableName,
          Key: rejectionsKey(provider, tenant2, minute),
          UpdateExpression: `ADD ${adds.join(", ")} SET expiresAt = :exp`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values
        })
      )
    );
  }
};
var transitionExpression = (from, to, entry, extra = {}) => {
  const names = { "#status": "status", "#audit": "audit", "#statusAt": "statusAt" };
  const values = { ":to": to, ":at": entry.at, ":entry": [entry] };
  const sets = ["#status = :to", "#statusAt = :at", "#audit = list_append(#audit, :entry)"];
  const removes = [];
  if (ATTENTION_STATUSES.has(to)) {
    sets.push("attention = :to", "attentionAt = :at");
  } else {
    removes.push("attention", "attentionAt");
  }
  if (extra.sends !== void 0) {
    sets.push("sends = :sends");
    values[":sends"] = extra.sends;
  }
  if (extra.attempts !== void 0) {
    sets.push("attempts = :attempts");
    values[":attempts"] = extra.attempts;
  }
  if (extra.lastError !== void 0) {
    sets.push("lastError = :lastError");
    values[":lastError"] = extra.lastError;
  }
  if (extra.run !== void 0) {
    sets.push("#run = :run");
    names["#run"] = "run";
    values[":run"] = extra.run;
  }
  if (to === "HELD" && extra.heldBy !== void 0) {
    sets.push("heldBy = :heldBy");
    values[":heldBy"] = extra.heldBy;
  } else if (from.includes("HELD")) {
    removes.push("heldBy");
  }
  if (extra.releasedBy !== void 0) {
    sets.push("released = list_append(if_not_exists(released, :none), :releasedBy)");
    values[":none"] = [];
    values[":releasedBy"] = [extra.releasedBy];
  }
  from.forEach((status2, i) => values[`:from${i}`] = status2);
  const condition = `#status IN (${from.map((_, i) => `:from${i}`).join(", ")})`;
  return { names, values, sets, removes, condition };
};
var normalizedEventKey = (event) => `raw/${event.tenant}/${event.provider}/${event.receivedAt.slice(0, 10)}/${event.id}.event.json.gz`;
var indexAttributes = (state) => ({
  entityKey: entityIndexKey(state.tenant, state.provider, state.entityKind, state.entityId),
  entitySort: `${state.occurredAt}#${state.eventId}`,
  receivedDay: receivedDayKey(state.receivedAt.slice(0, 10), receivedShardOf(state.eventId)),
  ...ATTENTION_STATUSES.has(state.status) ? { attention: state.status, attentionAt: state.statusAt } : {}
});
var withoutDerivable = ({
  idempotencyKey: _key,
  groupId: _group,
  eventId: _id,
  providerType,
  secretIndex,
  ...stored
}) => ({
  ...stored,
  ...providerType === stored.type ? {} : { providerType },
  ...secretIndex === 0 ? {} : { secretIndex }
});
var derived = (state, keyEventId) => {
  const eventId = state.eventId ?? keyEventId;
  const providerType = state.providerType ?? state.type;
  return {
    ...state,
    eventId,
    providerType,
    secretIndex: state.secretIndex ?? 0,
    idempotencyKey: state.idempotencyKey ?? idempotencyKeyOf(state.tenant, state.provider, providerType, state.externalId),
    groupId: state.groupId ?? groupIdOf(
      state.tenant,
      state.provider,
      state.entityKind === "event" ? void 0 : { kind: state.entityKind, id: state.entityId },
      eventId
    )
  };
};
var stateOf2 = (item) => {
  const {
    PK: _pk,
    SK: _sk,
    entityKey: _ek,
    entitySort: _es,
    receivedDay: _rd,
    attention: _a,
    attentionAt: _aa,
    expiresAt: _x,
    idem: _ik,
    idemStatus: _is,
    idemExpiry: _ix,
    idemLease: _il,
    idemResult: _ir,
    ...state
  } = item;
  return derived(state, eventIdOfPk(item.PK) ?? "");
};

// functions/contract/correlation-id.ts
var UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
var SUFFIXED = /\.([0-9a-f]{12})[0-9a-f]{8}$/;
var receivedAtOf = (correlationId) => {
  const v7 = UUID_V7.exec(correlationId);
  const hex = v7 ? `${v7[1]}${v7[2]}` : SUFFIXED.exec(correlationId)?.[1];
  if (!hex) return void 0;
  const at2 = new Date(Number.parseInt(hex, 16));
  return Number.isNaN(at2.getTime()) ? void 0 : at2;
};

// functions/operator/event-queries.ts
init_records();
var INDEXES = {
  byEntity: "byEntity",
  byAttention: "byAttention",
  byReceived: "byReceived"
};
var BATCH_GET_MAX = 100;
var EventQueries = class {
  constructor(client, tableName) {
    this.client = client;
    this.tableName = tableName;
  }
  client;
  tableName;
  async call(what, run) {
    try {
      return await run();
    } catch (error) {
      throw new InfrastructureError("event-store", `event store ${what} failed`, { cause: error });
    }
  }
  /** State items of `eventIds`, in the order asked; ids with no item are left out. */
  async states(eventIds) {
    const found = /* @__PURE__ */ new Map();
    for (let i = 0; i < eventIds.length; i += BATCH_GET_MAX) {
      let keys = [...new Set(eventIds.slice(i, i + BATCH_GET_MAX))].map(stateKey);
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt === 5)
          throw new InfrastructureError("event-store", "event store batch read kept being throttled");
        const result = await this.call(
          "batch read",
          () => this.client.send(
            new import_lib_dynamodb5.BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } })
          )
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const state = stateOf2(item);
          found.set(state.eventId, state);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (keys.length > 0) await new Promise((resolve9) => setTimeout(resolve9, 50 * 2 ** attempt));
      }
    }
    return eventIds.flatMap((id2) => {
      const state = found.get(id2);
      return state ? [state] : [];
    });
  }
  async state(eventId) {
    return (await this.states([eventId]))[0];
  }
  /** Events in an operator status (the sparse byAttention index), oldest status change first. */
  attentionPage(status2, options) {
    return this.indexPage(INDEXES.byAttention, "#k = :k", { "#k": "attention" }, { ":k": status2 }, options);
  }
  /** One entity's events in the order they happened (byEntity sorts by occurredAt, then id), or newest first. */
  entityPage(entity, options) {
    const key = entityIndexKey(entity.tenant, entity.provider, entity.kind, entity.id);
    return this.indexPage(INDEXES.byEntity, "#k = :k", { "#k": "entityKey" }, { ":k": key }, options);
  }
  /**
   * One page of one shard of a day (YYYY-MM-DD) of byReceived, newest first: the events received
   * at or after `since` and before `until` (ISO 8601 times). With `match`, `limit` still counts
   * every entry read, so that a page costs the same whatever it matches.
   */
  async receivedPage(day, shard, options) {
    const names = { "#day": "receivedDay", "#at": "receivedAt" };
    const values = { ":day": receivedDayKey(day, shard) };
    let condition = "#day = :day";
    if (options.since !== void 0 && options.until !== void 0) {
      values[":since"] = options.since;
      values[":last"] = new Date(Date.parse(options.until) - 1).toISOString();
      condition += " AND #at BETWEEN :since AND :last";
    } else if (options.since !== void 0) {
      values[":since"] = options.since;
      condition += " AND #at >= :since";
    } else if (options.until !== void 0) {
      values[":until"] = options.until;
      condition += " AND #at < :until";
    }
    const filters = [];
    const match = options.match;
    if (match) {
      const fields = { externalId: match.externalId, provider: match.provider, tenant: match.tenant };
      for (const [name, value] of Object.entries(fields)) {
        if (value === void 0) continue;
        names[`#${name}`] = name;
        values[`:${name}`] = value;
        filters.push(`#${name} = :${name}`);
      }
    }
    const result = await this.call(
      "index query",
      () => this.client.send(
        new import_lib_dynamodb5.QueryCommand({
          TableName: this.tableName,
          IndexName: INDEXES.byReceived,
          KeyConditionExpression: condition,
          ...filters.length > 0 ? { FilterExpression: filters.join(" AND ") } : {},
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: options.startKey,
          Limit: options.limit,
          ScanIndexForward: false
        })
      )
    );
    const entries = (result.Items ?? []).flatMap((item) => {
      const eventId = eventIdOfPk(item.PK);
      if (!eventId || item.SK !== "STATE") return [];
      return [
        {
          eventId,
          receivedAt: String(item.receivedAt),
          tenant: String(item.tenant),
          provider: String(item.provider),
          type: String(item.type),
          externalId: String(item.externalId),
          entityKind: String(item.entityKind),
          entityId: String(item.entityId)
        }
      ];
    });
    return {
      entries,
      scanned: result.ScannedCount ?? entries.length,
      lastKey: result.LastEvaluatedKey
    };
  }
  /**
   * Every event of one correlation id (one request can carry several events). There is no index
   * by correlation id (decision 0045): the id carries the millisecond its request was received,
   * which is its events' `receivedAt`, so the events of that millisecond are read from
   * byReceived and kept when their state names this correlation id. An id that is not one of
   * ours (minted before correlation ids carried the time) finds nothing.
   */
  async correlated(correlationId) {
    const at2 = receivedAtOf(correlationId);
    if (!at2) return [];
    const since = at2.toISOString();
    const until = new Date(at2.getTime() + 1).toISOString();
    const candidates = (await Promise.all(
      Array.from({ length: RECEIVED_SHARDS }, async (_, shard) => {
        const ids = [];
        let startKey;
        do {
          const page = await this.receivedPage(since.slice(0, 10), shard, {
            since,
            until,
            startKey,
            limit: 100
          });
          ids.push(...page.entries.map((entry) => entry.eventId));
          startKey = page.lastKey;
        } while (startKey);
        return ids;
      })
    )).flat();
    return (await this.states(candidates)).filter((state) => state.correlationId === correlationId).map((state) => state.eventId);
  }
  /** How many events are in an operator status (counts index entries, reads no item). */
  async countInStatus(status2) {
    let count = 0;
    let startKey;
    do {
      const result = await this.call(
        "count",
        () => this.client.send(
          new import_lib_dynamodb5.QueryCommand({
            TableName: this.tableName,
            IndexName: INDEXES.byAttention,
            KeyConditionExpression: "#k = :k",
            ExpressionAttributeNames: { "#k": "attention" },
            ExpressionAttributeValues: { ":k": status2 },
            Select: "COUNT",
            ExclusiveStartKey: startKey
          })
        )
      );
      count += result.Count ?? 0;
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return count;
  }
  async indexPage(indexName, condition, names, values, options) {
    const result = await this.call(
      "index query",
      () => this.client.send(
        new import_lib_dynamodb5.QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: options.startKey,
          Limit: options.limit,
          ScanIndexForward: !options.newestFirst
        })
      )
    );
    const entries = (result.Items ?? []).flatMap((item) => {
      const eventId = eventIdOfPk(item.PK);
      return eventId && item.SK === "STATE" ? [{ eventId, key: item }] : [];
    });
    return { entries, lastKey: result.LastEvaluatedKey };
  }
};

// functions/operator/recent-events.ts
init_records();
var DAY_MS = 864e5;
var startOf = (day) => Date.parse(`${day}T00:00:00.000Z`);
var daysOf = (window) => {
  if (window.until !== void 0 && window.until <= window.since) return [];
  const first = window.since.slice(0, 10);
  const days = [];
  for (let day = (window.until ?? window.now.toISOString()).slice(0, 10); day >= first; day = new Date(startOf(day) - DAY_MS).toISOString().slice(0, 10)) {
    days.push(day);
  }
  return days;
};
var shards = () => Array.from({ length: RECEIVED_SHARDS }, (_, shard) => shard);
async function* recentlyReceived(queries, window, pageSize) {
  for (const day of daysOf(window)) {
    const cursors = shards().map((shard) => ({
      shard,
      buffer: [],
      lastKey: void 0,
      done: false
    }));
    const fill = async (cursor) => {
      while (cursor.buffer.length === 0 && !cursor.done) {
        const page = await queries.receivedPage(day, cursor.shard, {
          since: window.since,
          until: window.until,
          startKey: cursor.lastKey,
          limit: pageSize
        });
        cursor.buffer = [...page.entries];
        cursor.lastKey = page.lastKey;
        cursor.done = !page.lastKey;
      }
    };
    await Promise.all(cursors.map(fill));
    for (; ; ) {
      let newest;
      for (const cursor of cursors) {
        const head = cursor.buffer[0];
        if (head && (!newest || head.receivedAt > (newest.buffer[0]?.receivedAt ?? ""))) newest = cursor;
      }
      const entry = newest?.buffer.shift();
      if (!newest || !entry) break;
      yield entry;
      await fill(newest);
    }
  }
}
var SEARCH_PAGE = 1e3;
var MAX_SEARCH_PAGES = 200;
var findByExternalId = async (queries, match, window, { maxPages = MAX_SEARCH_PAGES, pageSize = SEARCH_PAGE } = {}) => {
  const found = [];
  const newestFirst = () => found.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
  let pages = 0;
  for (const day of daysOf(window)) {
    if (pages >= maxPages)
      return { found: newestFirst(), stoppedAt: new Date(startOf(day) + DAY_MS).toISOString() };
    let open = shards().map((shard) => ({ shard, lastKey: void 0 }));
    while (open.length > 0) {
      const read3 = await Promise.all(
        open.map(async (cursor) => ({
          cursor,
          page: await queries.receivedPage(day, cursor.shard, {
            since: window.since,
            until: window.until,
            match,
            startKey: cursor.lastKey,
            limit: pageSize
          })
        }))
      );
      for (const { page } of read3) {
        found.push(...page.entries);
        if (page.scanned > 0) pages += 1;
      }
      open = read3.flatMap(({ cursor, page }) => page.lastKey ? [{ ...cursor, lastKey: page.lastKey }] : []);
      if (open.length > 0 && pages >= maxPages) {
        const reached = open.map(({ lastKey }) => String(lastKey?.receivedAt)).sort();
        return { found: newestFirst(), stoppedAt: reached.at(-1) };
      }
    }
  }
  return { found: newestFirst() };
};

// cli/commands/replay.ts
var import_node_crypto26 = require("node:crypto");
var import_client_sfn2 = require("@aws-sdk/client-sfn");

// functions/replay/request.ts
var z34 = __toESM(require("zod/mini"));
init_glob();
var SELECTABLE_STATUSES = [
  "DEAD_LETTERED",
  "QUARANTINED",
  "STALE",
  "PROCESSED",
  "COMPENSATED",
  "COMPENSATION_FAILED"
];
var MAX_LIMIT = 1e4;
var MAX_RATE_PER_SECOND = 100;
var nonEmpty15 = () => z34.string().check(z34.trim(), z34.minLength(1), z34.maxLength(512));
var isoTime = () => z34.iso.datetime({ offset: true });
var FilterSchema2 = z34.strictObject({
  tenant: z34.optional(nonEmpty15()),
  provider: z34.optional(nonEmpty15()),
  /** A canonical type, or a glob with `*` (`payment.*`). */
  type: z34.optional(nonEmpty15().check(z34.refine((glob) => starsIn(glob) <= MAX_GLOB_STARS, GLOB_STARS_MESSAGE))),
  /** `kind:id` of the entity (`customer:cus_123`); needs `provider`. */
  entity: z34.optional(
    z34.string().check(z34.regex(/^[^:\s]+:\S+$/, "entity must be written kind:id, e.g. customer:cus_123"))
  ),
  /** Received at or after (ISO 8601). */
  since: z34.optional(isoTime()),
  /** Received before (ISO 8601). */
  until: z34.optional(isoTime()),
  eventIds: z34.optional(z34.array(nonEmpty15()).check(z34.minLength(1), z34.maxLength(MAX_LIMIT)))
});
var ReplayInputSchema = z34.strictObject({
  source: z34._default(z34.enum(["dlq", "store"]), "dlq"),
  statuses: z34.optional(z34.array(z34.enum(SELECTABLE_STATUSES)).check(z34.minLength(1))),
  filter: z34._default(FilterSchema2, {}),
  limit: z34._default(z34.int().check(z34.gte(1), z34.lte(MAX_LIMIT)), 100),
  ratePerSecond: z34._default(z34.number().check(z34.gt(0), z34.lte(MAX_RATE_PER_SECOND)), 10),
  dryRun: z34._default(z34.boolean(), true),
  force: z34._default(z34.boolean(), false),
  renormalize: z34._default(z34.boolean(), false),
  reason: z34.string().check(
    z34.trim(),
    z34.minLength(3, "is required (at least 3 characters): it is written to every event's audit timeline"),
    z34.maxLength(500)
  )
}).check(
  z34.superRefine((input, ctx) => {
    const { filter } = input;
    if (filter.since && filter.until && Date.parse(filter.since) >= Date.parse(filter.until)) {
      ctx.issues.push({
        code: "custom",
        message: "filter.since must be before filter.until",
        input: filter,
        path: ["filter"]
      });
    }
    if (filter.entity && !filter.provider) {
      ctx.issues.push({
        code: "custom",
        message: "filter.entity needs filter.provider (entities are per provider)",
        input: filter,
        path: ["filter", "entity"]
      });
    }
    const selectsById = Boolean(filter.eventIds ?? filter.entity);
    if (input.source === "store" && input.statuses?.includes("PROCESSED") && !selectsById) {
      ctx.issues.push({
        code: "custom",
        message: "PROCESSED events are not indexed by status: select them with filter.eventIds or filter.entity",
        input: input.statuses,
        path: ["statuses"]
      });
    }
  })
);
var describeIssues = (error) => error.issues.map(
  (issue) => issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message
).join("; ");
var parseEntity = (entity) => {
  const at2 = entity.indexOf(":");
  return { kind: entity.slice(0, at2), id: entity.slice(at2 + 1) };
};
var matchesFilter = (request, state) => {
  const { filter, statuses } = request;
  if (statuses && !statuses.includes(state.status)) return false;
  if (filter.tenant && filter.tenant !== state.tenant) return false;
  if (filter.provider && filter.provider !== state.provider) return false;
  if (filter.type && !globMatches(filter.type, state.type)) return false;
  if (filter.entity) {
    const { kind, id: id2 } = parseEntity(filter.entity);
    if (kind !== state.entityKind || id2 !== state.entityId) return false;
  }
  const received = Date.parse(state.receivedAt);
  if (filter.since && received < Date.parse(filter.since)) return false;
  if (filter.until && received >= Date.parse(filter.until)) return false;
  if (filter.eventIds && !filter.eventIds.includes(state.eventId)) return false;
  return true;
};

// functions/replay/state.ts
var z35 = __toESM(require("zod/mini"));
var SampleEventSchema = z35.object({
  eventId: z35.string(),
  status: z35.string(),
  tenant: z35.string(),
  provider: z35.string(),
  type: z35.string(),
  entity: z35.string(),
  receivedAt: z35.string(),
  lastError: z35.optional(z35.string())
});
var PlanSchema = z35.object({
  source: z35.enum(["dlq", "store"]),
  /** Matching events found (stops counting at the scan cap; see `truncated`). */
  matching: z35.int(),
  /** Events the execution would handle: matching, capped by the limit. */
  selected: z35.int(),
  /** DLQ messages or index entries looked at. */
  scanned: z35.int(),
  /** True when counting stopped at the scan cap: there may be more matching events. */
  truncated: z35.boolean(),
  /** DLQ messages whose claim check names no stored event (left in the DLQ). */
  unknownMessages: z35.int(),
  sample: z35.array(SampleEventSchema),
  batchSize: z35.int(),
  waitSeconds: z35.int()
});
var SummarySchema = z35.object({
  replayed: z35.int(),
  skipped: z35.int(),
  failed: z35.int(),
  /** replayed + skipped + failed: what counts against the limit. */
  handled: z35.int(),
  batches: z35.int(),
  skippedReasons: z35.record(z35.string(), z35.int()),
  /** The first failures, for the operator; `failed` counts them all. */
  failures: z35.array(z35.object({ eventId: z35.string(), error: z35.string() })),
  /** Why the loop ended before the selection was exhausted, when it did. */
  stoppedEarly: z35.optional(z35.string())
});
var CursorSchema = z35.union([
  z35.object({ kind: z35.literal("dlq"), remaining: z35.int() }),
  z35.object({
    kind: z35.literal("store"),
    /** Which of the selected statuses (index partitions) is being walked. */
    statusIndex: z35.int(),
    /** DynamoDB LastEvaluatedKey of the index walk; absent at a partition's start. */
    lastKey: z35.optional(z35.record(z35.string(), z35.string())),
    /** Position in filter.eventIds. */
    offset: z35.int()
  })
]);
var ReplayStateSchema = z35.object({
  request: ReplayInputSchema,
  plan: PlanSchema,
  cursor: CursorSchema,
  summary: SummarySchema,
  /** Events that failed in this execution: not tried again by later batches. */
  failedIds: z35.array(z35.string()),
  /** More may remain and the limit is not reached. */
  more: z35.boolean()
});
var ReplayTaskSchema = z35.discriminatedUnion("action", [
  z35.object({ action: z35.literal("plan"), input: z35.unknown(), executionId: z35.string().check(z35.minLength(1)) }),
  z35.object({ action: z35.literal("batch"), state: z35.unknown(), executionId: z35.string().check(z35.minLength(1)) })
]);

// cli/commands/replay.ts
var replayInputOf = (options, now) => {
  if (options.from !== "dlq" && options.from !== "store")
    throw new CliError(`--from must be dlq or store, not "${options.from}".`);
  const statuses = options.status?.map((s) => s.toUpperCase());
  const unknown14 = statuses?.filter((s) => !SELECTABLE_STATUSES.includes(s)) ?? [];
  if (unknown14.length > 0)
    throw new CliError(
      `--status must be one of ${SELECTABLE_STATUSES.join(", ")}, not ${unknown14.join(", ")}.`
    );
  if (!options.reason)
    throw new CliError(
      "--reason is required: say why you replay, it is written to every event's audit timeline."
    );
  const filter = {
    ...options.tenant ? { tenant: options.tenant } : {},
    ...options.provider ? { provider: options.provider } : {},
    ...options.type ? { type: options.type } : {},
    ...options.entity ? { entity: options.entity } : {},
    ...options.since ? { since: parseTime(options.since, now, "--since") } : {},
    ...options.until ? { until: parseTime(options.until, now, "--until") } : {},
    ...options.id?.length ? { eventIds: options.id } : {}
  };
  const input = {
    source: options.from,
    ...statuses?.length ? { statuses } : {},
    filter,
    ...options.limit ? { limit: options.limit } : {},
    ...options.rate ? { ratePerSecond: options.rate } : {},
    dryRun: !options.execute,
    force: Boolean(options.force),
    renormalize: Boolean(options.renormalize),
    reason: options.reason
  };
  const checked2 = ReplayInputSchema.safeParse(input);
  if (!checked2.success) throw new CliError(`${describeIssues(checked2.error)}.`);
  return input;
};
var executionName = (now, by = "cli") => `${by}-${now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}-${(0, import_node_crypto26.randomBytes)(3).toString("hex")}`;
var progressOf = async (sfn, executionArn) => {
  const history = await sfn.send(
    new import_client_sfn2.GetExecutionHistoryCommand({
      executionArn,
      reverseOrder: true,
      maxResults: 25,
      includeExecutionData: true
    })
  );
  for (const event of history.events ?? []) {
    const output = event.stateExitedEventDetails?.output;
    if (!output) continue;
    try {
      const parsed = JSON.parse(output);
      const plan = PlanSchema.safeParse(parsed.plan);
      const summary = SummarySchema.safeParse(parsed.summary);
      if (plan.success) return { plan: plan.data, ...summary.success ? { summary: summary.data } : {} };
    } catch {
    }
  }
  return {};
};
var executionProgressOf = async (sfn, executionArn, execution) => {
  const progress = await progressOf(sfn, executionArn);
  if (execution.status !== "SUCCEEDED" || !execution.output) return progress;
  const output = JSON.parse(execution.output);
  const plan = PlanSchema.safeParse(output);
  const summary = SummarySchema.safeParse(output);
  return {
    ...progress,
    ...plan.success ? { plan: plan.data } : {},
    ...summary.success ? { summary: summary.data } : {}
  };
};
var bar = (done, total, width = 30) => {
  const filled = total > 0 ? Math.min(width, Math.round(done / total * width)) : 0;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
};
var progressLine = ({ plan, summary }) => {
  if (!plan) return void 0;
  const s = summary ?? { handled: 0, replayed: 0, skipped: 0, failed: 0 };
  return `${bar(s.handled, plan.selected)} ${s.handled}/${plan.selected}  replayed ${s.replayed}  skipped ${s.skipped}  failed ${s.failed}`;
};
var printPlan = (deps, plan, dryRun) => {
  const lines = [
    `${dryRun ? "Dry run: " : ""}${plan.matching}${plan.truncated ? "+" : ""} matching events (${plan.scanned} ${plan.source === "dlq" ? "dead-letter messages" : "index entries"} read); ${plan.selected} would be replayed.`,
    `Batches of ${plan.batchSize}, ${plan.waitSeconds} s apart.`,
    ...plan.unknownMessages > 0 ? [`${plan.unknownMessages} dead-letter messages name no stored event; they stay in the DLQ.`] : []
  ];
  if (plan.sample.length > 0) {
    lines.push(
      "",
      table(
        ["EVENT", "STATUS", "PROVIDER", "TYPE", "ENTITY", "RECEIVED", "LAST ERROR"],
        plan.sample.map((e) => [
          e.eventId,
          e.status,
          e.provider,
          e.type,
          e.entity,
          e.receivedAt,
          e.lastError
        ])
      )
    );
  }
  if (dryRun) lines.push("", "Nothing was changed. Add --execute to replay.");
  deps.output.out(lines.join("\n"));
};
var printSummary = (deps, summary) => {
  const reasons = Object.entries(summary.skippedReasons).map(([reason, n]) => `${reason} ${n}`).join(", ");
  const lines = [
    `Replayed ${summary.replayed}, skipped ${summary.skipped}${reasons ? ` (${reasons})` : ""}, failed ${summary.failed}, in ${summary.batches} batches.`
  ];
  if (summary.stoppedEarly) lines.push(`Stopped early: ${summary.stoppedEarly}.`);
  if (summary.failures.length > 0)
    lines.push(
      "",
      table(
        ["EVENT", "ERROR"],
        summary.failures.map((f) => [f.eventId, f.error])
      )
    );
  deps.output.out(lines.join("\n"));
};
var registerReplay = (program, deps, globals) => {
  program.command("replay").description(
    "Replay dead-lettered or stored events through the replay state machine (a dry run unless --execute)"
  ).option(
    "--from <source>",
    "dlq (read the dead-letter queue) or store (select from the event store)",
    "dlq"
  ).option("--status <status>", `${SELECTABLE_STATUSES.join(" | ")} (repeat or comma-separate)`, collect).option("--provider <id>", "only events of this provider").option("--type <type>", "only this canonical type, or a glob (payment.*)").option("--entity <kind:id>", "only this entity (needs --provider), e.g. customer:cus_123").option("--tenant <id>", "only this tenant").option("--since <time>", "received at or after: ISO 8601 or a duration back from now (2h)").option("--until <time>", "received before: ISO 8601 or a duration back from now").option("--id <eventId>", "only these event ids (repeat or comma-separate)", collect).option(
    "--limit <n>",
    `most events to handle (default 100, at most ${MAX_LIMIT})`,
    positiveInt("--limit", MAX_LIMIT)
  ).option(
    "--rate <perSecond>",
    `events per second (default 10, at most ${MAX_RATE_PER_SECOND})`,
    positiveNumber("--rate", MAX_RATE_PER_SECOND)
  ).option("--force", "replay events that were already PROCESSED").option(
    "--renormalize",
    "re-run the provider's current normalizer on the stored raw body (recovers QUARANTINED events)"
  ).option("--reason <text>", "why (required; written to every event's audit timeline)").option("--execute", "replay for real (without it, only the plan runs)").option("--wait", "follow the execution until it ends and print the summary").action(async (options) => {
    const { json: asJson } = globals();
    const input = replayInputOf(options, deps.now());
    const env = await deps.connect(globals());
    const stateMachineArn = env.output("ReplayStateMachineArn");
    const started = await env.sfn.send(
      new import_client_sfn2.StartExecutionCommand({
        stateMachineArn,
        name: executionName(deps.now()),
        input: JSON.stringify(input)
      })
    );
    const executionArn = started.executionArn;
    if (!executionArn) throw new CliError("Step Functions started no execution.");
    const dryRun = input.dryRun !== false;
    if (!dryRun && !options.wait) {
      deps.output.out(
        asJson ? json({ executionArn, input }) : `Replay started: ${executionArn}
Follow it with --wait, or in the Step Functions console.`
      );
      return;
    }
    if (!asJson) deps.output.err(`${dryRun ? "Planning" : "Replaying"}: ${executionArn}`);
    let last = "";
    for (; ; ) {
      const execution = await env.sfn.send(new import_client_sfn2.DescribeExecutionCommand({ executionArn }));
      if (execution.status === "RUNNING" || execution.status === "PENDING_REDRIVE") {
        if (!asJson && !dryRun) {
          const line = progressLine(await progressOf(env.sfn, executionArn));
          if (line && line !== last) {
            deps.output.err(deps.output.interactive ? `\r${line}` : line);
            last = line;
          }
        }
        await deps.sleep(2e3);
        continue;
      }
      if (last && deps.output.interactive) deps.output.err("\n");
      if (execution.status !== "SUCCEEDED") {
        const cause = execution.cause ?? execution.error ?? execution.status ?? "unknown";
        throw new CliError(
          `The replay execution ${execution.status?.toLowerCase() ?? "ended"}: ${causeText(cause)}`
        );
      }
      const output = JSON.parse(execution.output ?? "{}");
      if (dryRun) {
        const plan = PlanSchema.parse(output);
        if (asJson) deps.output.out(json({ executionArn, plan }));
        else printPlan(deps, plan, true);
      } else {
        const summary = SummarySchema.parse(output);
        if (asJson) deps.output.out(json({ executionArn, summary }));
        else printSummary(deps, summary);
      }
      return;
    }
  });
};
var causeText = (cause) => {
  try {
    const parsed = JSON.parse(cause);
    if (typeof parsed.errorMessage === "string") return parsed.errorMessage.replace(/\.?$/, ".");
  } catch {
  }
  return cause.replace(/\.?$/, ".");
};

// cli/console/contract.ts
var TOKEN_COOKIE = "relayflow_console";
var TOKEN_HEADER = "x-relayflow-token";
var WINDOWS = ["15m", "1h", "6h", "24h", "7d"];

// cli/console/api/events.ts
var import_zod5 = require("zod");
init_render();

// functions/operator/store-walk.ts
var START = { statusIndex: 0, offset: 0 };
var PAGE = 100;
async function* walkStore(queries, selection, from = START) {
  if (selection.eventIds) {
    for (let offset = from.offset; offset < selection.eventIds.length; offset += PAGE) {
      const ids = selection.eventIds.slice(offset, offset + PAGE);
      const states = new Map((await queries.states(ids)).map((s) => [s.eventId, s]));
      for (const [i, id2] of ids.entries()) {
        const state = states.get(id2);
        if (state) yield { state, after: { statusIndex: 0, offset: offset + i + 1 } };
      }
    }
    return;
  }
  const entity = selection.entity;
  if (entity) {
    yield* walkIndex(
      queries,
      (startKey) => queries.entityPage(entity, { startKey, limit: PAGE, newestFirst: selection.newestFirst }),
      0,
      from.lastKey,
      void 0
    );
    return;
  }
  for (let statusIndex = from.statusIndex; statusIndex < selection.statuses.length; statusIndex += 1) {
    const status2 = selection.statuses[statusIndex];
    if (!status2) continue;
    const startKey = statusIndex === from.statusIndex ? from.lastKey : void 0;
    yield* walkIndex(
      queries,
      (key) => queries.attentionPage(status2, { startKey: key, limit: PAGE, newestFirst: selection.newestFirst }),
      statusIndex,
      startKey,
      status2
    );
  }
}
async function* walkIndex(queries, page, statusIndex, startKey, status2) {
  let key = startKey;
  do {
    const { entries, lastKey } = await page(key);
    const states = new Map((await queries.states(entries.map((e) => e.eventId))).map((s) => [s.eventId, s]));
    for (const entry of entries) {
      const state = states.get(entry.eventId);
      if (state && (!status2 || state.status === status2)) {
        yield { state, after: { statusIndex, lastKey: entry.key, offset: 0 } };
      }
    }
    key = lastKey;
  } while (key);
}

// functions/store/raw-bodies.ts
var import_node_zlib3 = require("node:zlib");
init_errors2();
var RawBodies = class {
  constructor(client, bucket) {
    this.client = client;
    this.bucket = bucket;
  }
  client;
  bucket;
  async s3() {
    return typeof this.client === "function" ? this.client() : this.client;
  }
  /** Writes the body under a key derived from its digest, so a redelivery overwrites nothing new. */
  async put(key, body, contentType) {
    try {
      const [client, { PutObjectCommand: PutObjectCommand2 }] = await Promise.all([
        this.s3(),
        Promise.resolve().then(() => (init_s3_commands(), s3_commands_exports))
      ]);
      await client.send(
        new PutObjectCommand2({
          Bucket: this.bucket,
          Key: key,
          Body: (0, import_node_zlib3.gzipSync)(body),
          ContentEncoding: "gzip",
          ContentType: contentType ?? "application/octet-stream"
        })
      );
      return { bucket: this.bucket, key };
    } catch (error) {
      throw new InfrastructureError("raw-bodies", "raw body upload failed", { cause: error });
    }
  }
  async get(bucket, key) {
    try {
      const [client, { GetObjectCommand: GetObjectCommand3 }] = await Promise.all([
        this.s3(),
        Promise.resolve().then(() => (init_s3_commands(), s3_commands_exports))
      ]);
      const result = await client.send(new GetObjectCommand3({ Bucket: bucket, Key: key }));
      const bytes = await result.Body?.transformToByteArray();
      if (!bytes) throw new Error("empty object");
      return (0, import_node_zlib3.gunzipSync)(bytes);
    } catch (error) {
      throw new InfrastructureError("raw-bodies", "raw body download failed", { cause: error });
    }
  }
};
var RawBodyMissingError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "RawBodyMissingError";
  }
};
var readRawBody = async (from, payload) => {
  const raw = payload.raw;
  if (raw.kind === "s3") return from.rawBodies.get(raw.bucket, raw.key);
  if (raw.kind === "item") {
    const item = await from.store.getRawItem(raw.pk);
    if (item?.body) return item.body;
    if (item?.raw.kind === "s3") return from.rawBodies.get(item.raw.bucket, item.raw.key);
    throw new RawBodyMissingError(`raw body item ${raw.pk} is missing`);
  }
  if (payload.rawBody) return payload.rawBody;
  throw new RawBodyMissingError("the raw body is missing from the payload item");
};

// functions/targets/index.ts
init_records();

// functions/targets/plan.ts
init_records();

// functions/targets/eventbridge.ts
var import_client_eventbridge = require("@aws-sdk/client-eventbridge");
init_errors();
var MAX_ENTRY_BYTES = 256 * 1024;
var eventBridgeEntryOf = (target, event, detail = event) => ({
  EventBusName: target.eventBusName,
  Source: `relayflow.${event.provider}`,
  DetailType: event.type,
  Detail: JSON.stringify(detail),
  Time: new Date(event.occurredAt)
});
var entrySizeOf = (entry) => Buffer.byteLength(entry.Detail) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Source);

// functions/targets/plan.ts
init_http();
var SIGNATURE_PLACEHOLDER = "(signed with the target signing secret when sent)";
var maskRecipient = (to) => {
  const at2 = to.lastIndexOf("@");
  if (at2 > 0) return `${to[0] ?? ""}\u2026${to.slice(at2)}`;
  if (/^(whatsapp:)?\+?\d{6,}$/.test(to)) return `\u2026${to.slice(-4)}`;
  return to.length > 12 ? `${to.slice(0, 6)}\u2026` : "\u2026";
};
var messagePlanOf = (targetId2, message) => {
  const content = JSON.stringify(message.content);
  return {
    kind: "message",
    targetId: targetId2,
    messageId: message.id,
    channel: message.channel,
    via: message.via,
    to: maskRecipient(message.to),
    contentSha256: sha256Hex(content),
    contentBytes: Buffer.byteLength(content)
  };
};
var stepsFor = (steps, type) => steps.filter((step) => step.on === void 0 || step.on.includes(type));
var planDelivery = (target, event, ctx, payload = event) => {
  switch (target.kind) {
    case "http": {
      const request = httpRequestOf(target, event, ctx, ctx.at, payload);
      return {
        kind: "http",
        targetId: target.id,
        method: request.method,
        url: request.url,
        headers: { ...request.headers, "webhook-signature": SIGNATURE_PLACEHOLDER },
        bodySha256: sha256Hex(request.body),
        bodyBytes: Buffer.byteLength(request.body)
      };
    }
    case "eventbridge": {
      const entry = eventBridgeEntryOf(target, event, payload);
      return {
        kind: "eventbridge",
        targetId: target.id,
        eventBusName: entry.EventBusName,
        source: entry.Source,
        detailType: entry.DetailType,
        time: entry.Time.toISOString(),
        detailSha256: sha256Hex(entry.Detail),
        entryBytes: entrySizeOf(entry)
      };
    }
    case "workflow": {
      const outline = ctx.workflowOf(target.name);
      return {
        kind: "workflow",
        targetId: target.id,
        workflow: target.name,
        steps: outline ? stepsFor(outline.steps, event.type).map((step) => step.name) : [],
        emits: outline?.emits ?? []
      };
    }
  }
};

// functions/targets/index.ts
init_transform();

// functions/targets/validate.ts
init_errors();
var isRecord4 = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
var validatePayload = (target, payload) => {
  const refuse2 = (message) => {
    throw new TargetError(target.id, "invalid-request", false, message);
  };
  let json2;
  try {
    json2 = JSON.stringify(payload);
  } catch {
  }
  if (json2 === void 0)
    refuse2("the body is not JSON: the transform yielded a function or a circular value");
  if (target.kind === "eventbridge" && !isRecord4(payload))
    refuse2(
      `EventBridge takes a JSON object as detail; the transform yielded ${Array.isArray(payload) ? "an array" : typeof payload}`
    );
};

// functions/targets/index.ts
var downstreamKeyOf = (eventId, targetId2) => `rf_${sha256Hex(`${eventId}#${targetId2}`).slice(0, 40)}`;

// cli/console/api/events.ts
init_records();

// functions/powertools/redaction.ts
var REDACTED = "[REDACTED]";
var MAX_LOG_DEPTH = 24;
var MAX_LOG_STRING = 8192;
var SENSITIVE_KEY = /signature|hmac|authorization|cookie|password|passwd|secret$|secrets$|token$|apikey$|privatekey$|credential/;
var SENSITIVE_TEXT = [
  [/\b(whsec|whpk|sk_live|sk_test|rk_live|rk_test|xoxb|ghp|github_pat)_[A-Za-z0-9+/=_-]+/g, `$1_${REDACTED}`],
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/\b(v1|v0|sha1|sha256)=[0-9a-f]{40,}/gi, `$1=${REDACTED}`],
  [/\b(v1a?),[A-Za-z0-9+/]{20,}={0,2}/g, `$1,${REDACTED}`],
  // JSON.parse quotes what it could not parse (`Unexpected token 'h', "hooks:s3cret" is not valid
  // JSON`): a secret stored in the wrong shape would otherwise be logged with the error.
  [/Unexpected token [^\n]*?, "/g, `Unexpected token ${REDACTED}, "`],
  [/"[^\n]*"(?:\.\.\.)? is not valid JSON/g, `"${REDACTED}" is not valid JSON`]
];
var normalizeKey = (key) => key.toLowerCase().replace(/[^a-z0-9]/g, "");
var isSensitiveKey = (key) => {
  const normalized2 = normalizeKey(key);
  return normalized2 !== "secretindex" && SENSITIVE_KEY.test(normalized2);
};
var redactText = (text4) => {
  let result = text4.length > MAX_LOG_STRING ? `${text4.slice(0, MAX_LOG_STRING)}\u2026[${text4.length - MAX_LOG_STRING} more characters]` : text4;
  for (const [pattern, replacement] of SENSITIVE_TEXT) result = result.replace(pattern, replacement);
  return result;
};
var parsePathPatterns = (paths) => paths.map((path) => path.split(".").filter((segment) => segment.length > 0)).filter((segments) => segments.length > 0);
var matches2 = (pattern, path, p = 0, k = 0) => {
  if (p === pattern.length) return k === path.length;
  const segment = pattern[p];
  if (segment === "**") {
    for (let skip = k; skip <= path.length; skip += 1) if (matches2(pattern, path, p + 1, skip)) return true;
    return false;
  }
  if (k === path.length) return false;
  return (segment === "*" || segment === path[k]) && matches2(pattern, path, p + 1, k + 1);
};
var isPlainObject = (value) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};
var createRedactor = (options = {}) => {
  const patterns = parsePathPatterns(options.paths ?? []);
  const formatError = options.formatError ?? ((error) => ({ name: error.name, message: error.message }));
  const isPii = (path) => patterns.some((pattern) => matches2(pattern, path));
  const visit = (value, path, depth, ancestors) => {
    if (typeof value === "string") return redactText(value);
    if (typeof value !== "object" || value === null) return value;
    if (depth >= MAX_LOG_DEPTH) return "[Truncated: too deep]";
    if (ancestors.has(value)) return "[Circular]";
    if (ArrayBuffer.isView(value)) return `[Binary: ${value.byteLength} bytes]`;
    if (value instanceof Error) return visit(formatError(value), path, depth, ancestors);
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) return value;
    ancestors.add(value);
    let copy;
    if (isArray) {
      copy = value.map((element) => visit(element, path, depth + 1, ancestors));
    } else {
      const out = {};
      for (const [key, child] of Object.entries(value)) {
        const childPath = [...path, key];
        Object.defineProperty(out, key, {
          value: isSensitiveKey(key) || isPii(childPath) ? REDACTED : visit(child, childPath, depth + 1, ancestors),
          enumerable: true,
          writable: true,
          configurable: true
        });
      }
      copy = out;
    }
    ancestors.delete(value);
    return copy;
  };
  return (attributes) => visit(attributes, [], 0, /* @__PURE__ */ new Set());
};

// functions/store/masking.ts
init_records();
var MASKED_PREFIX = "masked:sha256:";
var maskSignatureHeaders = (headers, signatureHeaders = []) => {
  const declared = new Set(signatureHeaders.map((name) => name.toLowerCase()));
  return Object.fromEntries(
    Object.entries(headers).map(
      ([name, value]) => (declared.has(name.toLowerCase()) || isSensitiveKey(name)) && !value.startsWith(MASKED_PREFIX) ? [name, `${MASKED_PREFIX}${sha256Hex(value).slice(0, 16)}`] : [name, value]
    )
  );
};

// cli/commands/events.ts
init_records();
var ALL_STATUSES = [
  "RECEIVED",
  "QUARANTINED",
  "QUEUED",
  "PROCESSING",
  "RETRYING",
  "PROCESSED",
  "DEAD_LETTERED",
  "STALE",
  "COMPENSATED",
  "COMPENSATION_FAILED",
  "HELD"
];
var listOf2 = (items, last) => items.length < 2 ? items[0] ?? "" : `${items.slice(0, -1).join(", ")} ${last} ${items.at(-1)}`;
var windowText = ({ since, until }) => [...since ? [`since ${since}`] : [], ...until ? [`before ${until}`] : []].join(" and ");
var filterText = (statuses, options, { since, until }) => {
  const conditions = [
    ...statuses.length > 0 ? [`status ${listOf2(statuses, "or")}`] : [],
    ...options.provider ? [`provider ${options.provider}`] : [],
    ...options.tenant ? [`tenant ${options.tenant}`] : [],
    ...options.type ? [`type ${options.type}`] : [],
    ...options.entity ? [`entity ${options.entity}`] : []
  ];
  const received = windowText({ since, until });
  return `${listOf2(conditions, "and")}${received ? `, received ${received}` : ""}`;
};
var webhookRoutes = (outputs) => Object.entries(outputs).flatMap(([key, value]) => {
  if (!key.startsWith("WebhookUrl") || !URL.canParse(value)) return [];
  const [, provider, tenant2] = /\/webhooks\/([^/]+)(?:\/([^/]+))?\/?$/.exec(new URL(value).pathname) ?? [];
  return provider ? [{ provider: decodeURIComponent(provider), tenant: tenant2 ? decodeURIComponent(tenant2) : "default" }] : [];
});
var listing = (states) => table(
  ["EVENT", "STATUS", "TENANT", "PROVIDER", "TYPE", "ENTITY", "RECEIVED", "LAST ERROR"],
  states.map((s) => [
    s.eventId,
    s.status,
    s.tenant,
    s.provider,
    s.type,
    `${s.entityKind}:${s.entityId}`,
    s.receivedAt,
    s.lastError
  ])
);
var DEFAULT_LIST_DAYS = 7;
var DEFAULT_SHOW_SINCE = "24h";
var rawLocationText = (raw) => {
  switch (raw.kind) {
    case "inline":
      return "inline in the payload item";
    case "item":
      return `shared raw item ${raw.pk}`;
    case "s3":
      return `s3://${raw.bucket}/${raw.key}`;
  }
};
var showable = async (store, state) => {
  const payload = await store.getPayload(state.eventId);
  const timeline = [...state.audit].sort((a, b) => a.at.localeCompare(b.at));
  return {
    state: { ...state, audit: timeline },
    event: payload?.event,
    quarantineReason: payload?.quarantineReason,
    raw: payload ? { ...payload.raw, description: rawLocationText(payload.raw), bytes: payload.rawBody?.length } : void 0,
    // Items stored before masking was introduced still hold live signatures: mask on the way out too.
    request: payload ? { ...payload.request, headers: maskSignatureHeaders(payload.request.headers) } : void 0,
    eventLocation: payload?.eventLocation
  };
};
var shownText = ({
  state,
  event,
  eventLocation,
  quarantineReason,
  raw
}) => [
  `Event ${state.eventId}  ${state.status} since ${state.statusAt}`,
  table(
    ["FIELD", "VALUE"],
    [
      ["tenant", state.tenant],
      ["provider", state.provider],
      ["type", `${state.type} (${state.providerType})`],
      ["external id", state.externalId],
      ["entity", `${state.entityKind}:${state.entityId}`],
      ["message group", state.groupId],
      ["correlation id", state.correlationId],
      ["occurred", state.occurredAt],
      ["received", state.receivedAt],
      ["sends", state.sends],
      ["last error", state.lastError],
      ["raw body", raw?.description],
      ["quarantined", quarantineReason]
    ].filter(([, value]) => value !== void 0)
  ),
  "",
  "Audit timeline (oldest first):",
  table(
    ["AT", "BY", "ACTION", "STATUS", "DETAIL"],
    state.audit.map((a) => [a.at, a.by, a.action, a.status, a.detail])
  ),
  ...moreDuplicates(state),
  "",
  event ? `Normalized data:
${json(event.data)}` : eventLocation ? `Normalized event stored in s3://${eventLocation.bucket}/${eventLocation.key} (too large for the table).` : "No normalized event (quarantined)."
].join("\n");
var moreDuplicates = (state) => {
  const inTimeline = state.audit.filter((a) => a.action === "duplicate").length;
  const more = (state.duplicates ?? 0) - inTimeline;
  if (more <= 0) return [];
  return [
    `\u2026 and ${more} more duplicate deliver${more === 1 ? "y" : "ies"}, the latest at ${state.lastDuplicate?.at ?? "an unknown time"} (${state.lastDuplicate?.detail ?? "no detail"}); each is in the audit archive: relayflow audit query --event ${state.eventId}`
  ];
};
var eventsByOurIds = async (queries, id2) => {
  const direct = await queries.state(id2);
  return direct ? [direct] : queries.states(await queries.correlated(id2));
};
var byOurIds = async (queries, id2) => {
  const states = await eventsByOurIds(queries, id2);
  if (states.length === 0 && id2.startsWith("ev_"))
    throw new CliError(
      `No event has the id or correlation id ${id2}; if it expired (retentionDays), its timeline is in the audit archive: relayflow audit query --event ${id2}.`
    );
  return states;
};
var byRecentProviderEventId = async (queries, id2, window, options) => {
  const { found, stoppedAt } = await findByExternalId(
    queries,
    { externalId: id2, provider: options.provider, tenant: options.tenant },
    window
  );
  const states = await queries.states(found.map((entry) => entry.eventId));
  if (states.length > 0) return states;
  const of = [
    ...options.provider ? [`of provider ${options.provider}`] : [],
    ...options.tenant ? [`for tenant ${options.tenant}`] : []
  ].join(" ");
  const searched = stoppedAt ? `no event ${of ? `${of} ` : ""}received since ${stoppedAt} has it as the provider's event id (the search reads at most ${MAX_SEARCH_PAGES} pages of the index, and stopped before ${window.since})` : `no event ${of ? `${of} ` : ""}received since ${window.since} has it as the provider's event id`;
  const further = stoppedAt ? "" : "search further back with --since (7d), or ";
  throw new CliError(
    `No event has the id or correlation id ${id2}, and ${searched}; ${further}add its provider event type to look it up at any age: relayflow events show ${id2} --provider-type <type> (payment_intent.succeeded for a Stripe one).`
  );
};
var byProviderEventId = async (queries, outputs, id2, providerType, options) => {
  const routes = webhookRoutes(outputs);
  const providers = options.provider ? [options.provider] : [...new Set(routes.map((r) => r.provider))];
  const tenants = options.tenant ? [options.tenant] : [.../* @__PURE__ */ new Set(["default", ...routes.map((r) => r.tenant)])];
  const states = await queries.states(
    providers.flatMap(
      (provider) => tenants.map((tenant2) => eventIdOf(idempotencyKeyOf(tenant2, provider, providerType, id2)))
    )
  );
  if (states.length > 0) return states;
  throw new CliError(
    `No event has the provider's event id ${id2} and provider type ${providerType} (providers ${listOf2(providers, "and") || "none"}; tenants ${listOf2(tenants, "and")}).`
  );
};
var registerEvents = (program, deps, globals) => {
  const events = program.command("events").description("Find events and read their story");
  events.command("list").description(
    "List the events received most recently, newest first, in any status; or, with a filter, events by status (default: every status that needs an operator) or by entity"
  ).option("--status <status>", `${ALL_STATUSES.join(" | ")} (repeat or comma-separate)`, collect).option("--provider <id>", "only events of this provider").option("--type <type>", "only this canonical type, or a glob (payment.*)").option("--entity <kind:id>", "one entity's events in order (needs --provider)").option("--tenant <id>", "only this tenant").option(
    "--since <time>",
    `received at or after: ISO 8601 or a duration back from now (2h); with no filter, default ${DEFAULT_LIST_DAYS}d`
  ).option("--until <time>", "received before").option("--limit <n>", "most events to show", positiveInt("--limit", 1e4), 50).action(async (options) => {
    const statuses = options.status?.map((s) => s.toUpperCase());
    const unknown14 = statuses?.filter((s) => !ALL_STATUSES.includes(s)) ?? [];
    if (unknown14.length > 0)
      throw new CliError(`--status must be one of ${ALL_STATUSES.join(", ")}, not ${unknown14.join(", ")}.`);
    if (options.entity && !/^[^:\s]+:\S+$/.test(options.entity))
      throw new CliError("--entity must be written kind:id, e.g. customer:cus_123.");
    if (options.entity && !options.provider)
      throw new CliError("--entity needs --provider (entities are per provider).");
    const unindexed = (statuses ?? []).filter((s) => !ATTENTION_STATUSES.has(s));
    if (unindexed.length > 0 && !options.entity) {
      throw new CliError(
        `${unindexed.join(", ")} events are not indexed by status; list them with --entity, among the most recent events with events list and no filter, or look one up with events show.`
      );
    }
    const now = deps.now();
    const filter = {
      tenant: options.tenant,
      provider: options.provider,
      type: options.type,
      entity: options.entity,
      since: options.since ? parseTime(options.since, now, "--since") : void 0,
      until: options.until ? parseTime(options.until, now, "--until") : void 0
    };
    const env = await deps.connect(globals());
    const queries = new EventQueries(env.dynamodb, env.output("EventTableName"));
    if (!statuses && !options.provider && !options.type && !options.entity && !options.tenant) {
      const since = filter.since ?? new Date(
        Date.parse(filter.until ?? now.toISOString()) - DEFAULT_LIST_DAYS * 864e5
      ).toISOString();
      const ids = [];
      for await (const entry of recentlyReceived(
        queries,
        { since, until: filter.until, now },
        Math.min(options.limit, 100)
      )) {
        ids.push(entry.eventId);
        if (ids.length === options.limit) break;
      }
      const found2 = await queries.states(ids);
      if (globals().json) deps.output.out(json(found2));
      else if (found2.length === 0)
        deps.output.out(
          filter.since ? `No events received ${windowText(filter)}.` : `No events received ${windowText({ since, until: filter.until })} (by default, the last ${DEFAULT_LIST_DAYS} days); --since reaches further back.`
        );
      else deps.output.out(listing(found2));
      return;
    }
    const selection = options.entity && options.provider ? {
      entity: {
        tenant: options.tenant ?? "default",
        provider: options.provider,
        ...parseEntity(options.entity)
      },
      statuses: []
    } : { statuses: statuses ?? [...ATTENTION_STATUSES] };
    const found = [];
    for await (const { state } of walkStore(queries, selection)) {
      if (!matchesFilter({ filter, statuses }, state)) continue;
      found.push(state);
      if (found.length === options.limit) break;
    }
    if (globals().json) {
      deps.output.out(json(found));
      return;
    }
    if (found.length === 0) {
      const applied = filterText(
        statuses ?? selection.statuses,
        // An entity's index partition is per tenant: without --tenant, the default tenant's.
        { ...options, tenant: selection.entity?.tenant ?? options.tenant },
        filter
      );
      deps.output.out(
        statuses || options.entity ? `No events with ${applied}.` : `No events with ${applied} (by default, the statuses that need an operator); events in other statuses are listed by entity (--entity kind:id --provider <id>), or among the most recent events by events list with no filter.`
      );
      return;
    }
    deps.output.out(listing(found));
  });
  events.command("show <id>").description(
    "Show an event (by event id, correlation id, or the provider's event id: received recently, or at any age with --provider-type): status, normalized data, raw body location, audit timeline"
  ).option(
    "--provider-type <type>",
    "read <id> as the provider's event id, of this provider event type (payment_intent.succeeded)"
  ).option("--provider <id>", "by the provider's event id: only this provider").option("--tenant <id>", "by the provider's event id: only this tenant").option(
    "--since <time>",
    `without --provider-type: how far back to look for the provider's event id, as ISO 8601 or a duration back from now (default ${DEFAULT_SHOW_SINCE})`
  ).action(async (id2, options) => {
    if (options.since && options.providerType)
      throw new CliError(
        "--since bounds the search by the provider's event id; with --provider-type the lookup is exact, at any age."
      );
    const now = deps.now();
    const since = parseTime(options.since ?? DEFAULT_SHOW_SINCE, now, "--since");
    const env = await deps.connect(globals());
    const tableName = env.output("EventTableName");
    const queries = new EventQueries(env.dynamodb, tableName);
    const store = new EventStore(env.dynamodb, { tableName, retentionDays: 1 });
    const ambiguous = (states2, narrow) => {
      deps.output.out(
        globals().json ? json(states2) : table(
          ["EVENT", "STATUS", "TENANT", "PROVIDER", "TYPE", "RECEIVED"],
          states2.map((s) => [s.eventId, s.status, s.tenant, s.provider, s.type, s.receivedAt])
        )
      );
      return new CliError(
        `${id2} is the provider's event id of ${states2.length} events (${listOf2(
          states2.map((s) => `${s.provider} for tenant ${s.tenant}`),
          "and"
        )}); show one by its event id, or narrow with ${narrow}.`
      );
    };
    let states;
    if (options.providerType) {
      states = await byProviderEventId(queries, env.outputs, id2, options.providerType, options);
      if (states.length > 1) throw ambiguous(states, "--provider and --tenant");
    } else {
      states = await byOurIds(queries, id2);
      if (states.length === 0) {
        states = await byRecentProviderEventId(queries, id2, { since, now }, options);
        if (states.length > 1) throw ambiguous(states, "--provider, --tenant or --provider-type");
      }
    }
    const shown = [];
    for (const state of states) shown.push(await showable(store, state));
    if (globals().json) {
      deps.output.out(json(shown.length === 1 ? shown[0] : shown));
      return;
    }
    deps.output.out(shown.map(shownText).join("\n\n"));
  });
};

// cli/commands/messages.ts
init_contract();

// functions/channels/message-store.ts
var import_lib_dynamodb6 = require("@aws-sdk/lib-dynamodb");
init_conditions();
init_errors2();
init_status();
var messageKey = (messageId) => ({ PK: `MSG#${messageId}`, SK: "MESSAGE" });
var providerIdKey = (via, providerMessageId) => ({
  PK: `MSGPID#${via}#${providerMessageId}`,
  SK: "MSGPID"
});
var tenantMessagesKey = (tenant2) => `MSGS#${tenant2}`;
var recordOf = (item) => {
  const { PK: _pk, SK: _sk, entityKey: _ek, entitySort: _es, expiresAt: _x, ...record11 } = item;
  return record11;
};
var MessageStore = class {
  constructor(client, settings) {
    this.client = client;
    this.settings = settings;
  }
  client;
  settings;
  expiresAt(now) {
    return Math.floor(now.getTime() / 1e3) + this.settings.retentionDays * 86400;
  }
  call(what, run) {
    return storeCall("message store", what, run);
  }
  conditional(what, run) {
    return conditionalWrite("message store", what, run);
  }
  async get(messageId) {
    const result = await this.call(
      "read",
      () => this.client.send(
        new import_lib_dynamodb6.GetCommand({
          TableName: this.settings.tableName,
          Key: messageKey(messageId),
          ConsistentRead: true
        })
      )
    );
    return result.Item ? recordOf(result.Item) : void 0;
  }
  async getMany(messageIds) {
    const records = [];
    for (let start = 0; start < messageIds.length; start += 100) {
      let keys = messageIds.slice(start, start + 100).map(messageKey);
      while (keys.length > 0) {
        const result = await this.call(
          "batch read",
          () => this.client.send(
            new import_lib_dynamodb6.BatchGetCommand({ RequestItems: { [this.settings.tableName]: { Keys: keys } } })
          )
        );
        records.push(...(result.Responses?.[this.settings.tableName] ?? []).map(recordOf));
        keys = result.UnprocessedKeys?.[this.settings.tableName]?.Keys ?? [];
      }
    }
    return records;
  }
  /** Our message id for a provider's, once the message was SENT. */
  async idOfProviderMessage(via, providerMessageId) {
    const result = await this.call(
      "read",
      () => this.client.send(
        new import_lib_dynamodb6.GetCommand({ TableName: this.settings.tableName, Key: providerIdKey(via, providerMessageId) })
      )
    );
    return result.Item?.messageId;
  }
  /** Records the intent to send (SENDING) unless the message exists; returns what is there. */
  async begin(message, now) {
    const at2 = now.toISOString();
    const record11 = {
      messageId: message.id,
      tenant: message.tenant,
      channel: message.channel,
      via: message.via,
      to: message.to,
      status: "SENDING",
      statusAt: at2,
      createdAt: at2,
      causationEventId: message.causationEventId,
      correlationId: message.correlationId,
      timeline: [{ at: at2, action: "sending", status: "SENDING", detail: `via ${message.via}` }]
    };
    const created = await this.conditional(
      "create",
      () => this.client.send(
        new import_lib_dynamodb6.PutCommand({
          TableName: this.settings.tableName,
          Item: {
            ...messageKey(message.id),
            ...record11,
            entityKey: tenantMessagesKey(message.tenant),
            entitySort: `${at2}#${message.id}`,
            expiresAt: this.expiresAt(now)
          },
          ConditionExpression: "attribute_not_exists(PK)"
        })
      )
    );
    if (created) return { kind: "created", record: record11 };
    const existing = await this.get(message.id);
    if (!existing)
      throw new InfrastructureError("event-store", `message ${message.id} vanished while it was created`);
    return { kind: "exists", record: existing };
  }
  /** Moves a message, appending the entry, on condition that it is in one of `from`. */
  async move(messageId, from, to, entry, sets = {}, removes = [], timelineLength) {
    const names = { "#status": "status", "#timeline": "timeline" };
    const values = { ":to": to, ":at": entry.at, ":entry": [entry] };
    const clauses = ["#status = :to", "statusAt = :at", "#timeline = list_append(#timeline, :entry)"];
    Object.entries(sets).forEach(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      clauses.push(`#s${i} = :s${i}`);
    });
    from.forEach((status2, i) => values[`:from${i}`] = status2);
    const unchanged = timelineLength === void 0 ? "" : " AND size(#timeline) = :length";
    if (timelineLength !== void 0) values[":length"] = timelineLength;
    return this.conditional(
      "update",
      () => this.client.send(
        new import_lib_dynamodb6.UpdateCommand({
          TableName: this.settings.tableName,
          Key: messageKey(messageId),
          UpdateExpression: `SET ${clauses.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(", ")})${unchanged}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values
        })
      )
    );
  }
  /** The provider took it: SENT with its id, which receipts are matched by. */
  async sent(record11, providerMessageId, now, action = "sent") {
    await this.call(
      "index write",
      () => this.client.send(
        new import_lib_dynamodb6.PutCommand({
          TableName: this.settings.tableName,
          Item: {
            ...providerIdKey(record11.via, providerMessageId),
            messageId: record11.messageId,
            expiresAt: this.expiresAt(now)
          }
        })
      )
    );
    const at2 = now.toISOString();
    return this.move(
      record11.messageId,
      ["SENDING", "UNCERTAIN"],
      "SENT",
      { at: at2, action, status: "SENT", detail: `provider id ${providerMessageId}` },
      { providerMessageId, sentAt: at2 },
      ["lastCall"]
    );
  }
  /** The provider answered no, and may say yes later: the next attempt may send again. */
  async refused(messageId, reason, now) {
    return this.move(
      messageId,
      ["SENDING"],
      "SENDING",
      { at: now.toISOString(), action: "refused", detail: reason },
      { lastCall: "refused", lastError: reason }
    );
  }
  /** The provider refused it for good (an invalid recipient): FAILED with its reason. */
  async failed(messageId, reason, now) {
    return this.move(
      messageId,
      ["SENDING", "UNCERTAIN"],
      "FAILED",
      { at: now.toISOString(), action: "failed", status: "FAILED", detail: reason },
      { lastError: reason }
    );
  }
  /** A call whose outcome is unknown, for a provider that cannot be asked: an operator decides. */
  async uncertain(messageId, detail, now) {
    return this.move(messageId, ["SENDING"], "UNCERTAIN", {
      at: now.toISOString(),
      action: "uncertain",
      status: "UNCERTAIN",
      detail
    });
  }
  /** Marks the message's next call as about to happen: its outcome is unknown until recorded. */
  async calling(messageId, now, action = "sending") {
    return this.move(messageId, ["SENDING", "UNCERTAIN"], "SENDING", { at: now.toISOString(), action }, {}, [
      "lastCall"
    ]);
  }
  /**
   * Appends a receipt and moves the status up the precedence order (status.ts). A receipt seen
   * before (same status and time) changes nothing. Returns the status after, and whether it moved.
   */
  async applyReceipt(record11, receipt, now, source) {
    const detail = `${receipt.status} at ${receipt.at}${receipt.reason ? `: ${receipt.reason}` : ""}`;
    if (record11.timeline.some(
      (e) => e.action === "receipt" && (e.detail === detail || e.detail?.startsWith(`${detail} (from `))
    ))
      return { moved: false, duplicate: true, status: record11.status };
    const next = afterReceipt(record11.status, receipt.status);
    const entry = {
      at: now.toISOString(),
      action: "receipt",
      status: next,
      detail: source ? `${detail} (from ${source})` : detail
    };
    const applied = await this.move(
      record11.messageId,
      [record11.status],
      next,
      entry,
      receipt.reason && next !== record11.status && (next === "BOUNCED" || next === "FAILED") ? { lastError: receipt.reason } : {},
      [],
      // On the timeline read too, not the status alone: the same receipt handled twice at once,
      // moving nothing, would otherwise pass both conditions and be appended twice.
      record11.timeline.length
    );
    if (!applied) {
      const current = await this.get(record11.messageId);
      if (!current) return { moved: false, duplicate: false, status: record11.status };
      return this.applyReceipt(current, receipt, now, source);
    }
    return { moved: next !== record11.status, duplicate: false, status: next };
  }
  /**
   * No final receipt came by the channel's deadline, and the provider could not say more
   * (reconciliation, issue 16). A receipt arriving later still moves it (status.ts ranks it as SENT).
   */
  async receiptMissing(messageId, detail, now) {
    return this.move(messageId, ["SENT"], "RECEIPT_MISSING", {
      at: now.toISOString(),
      action: "receipt-missing",
      status: "RECEIPT_MISSING",
      detail
    });
  }
  /** A line in the timeline that changes no status (what reconciliation learnt of an UNCERTAIN message). */
  async note(messageId, status2, action, detail, now) {
    return this.move(messageId, [status2], status2, { at: now.toISOString(), action, detail });
  }
  /** A tenant's messages created at or after `since`, newest first (or the first `limit` of them, oldest first). */
  async list(tenant2, since, limit, order = "newest") {
    const ids = [];
    let start;
    do {
      const page = await this.call(
        "list",
        () => this.client.send(
          new import_lib_dynamodb6.QueryCommand({
            TableName: this.settings.tableName,
            IndexName: INDEXES.byEntity,
            KeyConditionExpression: "entityKey = :k AND entitySort >= :since",
            ExpressionAttributeValues: { ":k": tenantMessagesKey(tenant2), ":since": since },
            ScanIndexForward: order === "oldest",
            Limit: limit - ids.length,
            ExclusiveStartKey: start
          })
        )
      );
      ids.push(...(page.Items ?? []).map((item) => String(item.PK).slice("MSG#".length)));
      start = page.LastEvaluatedKey;
    } while (start && ids.length < limit);
    const records = await this.getMany(ids);
    return records.sort(
      (a, b) => order === "oldest" ? a.createdAt.localeCompare(b.createdAt) : b.createdAt.localeCompare(a.createdAt)
    );
  }
};

// cli/commands/messages.ts
var STATUSES = Object.keys({
  SENDING: 0,
  SENT: 0,
  UNCERTAIN: 0,
  DELIVERED: 0,
  OPENED: 0,
  BOUNCED: 0,
  FAILED: 0,
  RECEIPT_MISSING: 0
});
var DEFAULT_LIST_SINCE = "7d";
var DEFAULT_REPORT_SINCE = "24h";
var MAX_READ = 1e4;
var HIDDEN = "***";
var maskRecipient2 = (channel, to) => {
  switch (channel) {
    case "email": {
      const at2 = to.lastIndexOf("@");
      return at2 > 0 ? `${to[0]}${HIDDEN}${to.slice(at2)}` : HIDDEN;
    }
    case "sms":
    case "whatsapp": {
      const digits = to.replace(/\D/g, "");
      return digits.length > 4 ? `${HIDDEN}${digits.slice(-4)}` : HIDDEN;
    }
    case "push":
      return to.length > 6 ? `${to.slice(0, 6)}${HIDDEN}` : HIDDEN;
    case "webhook":
      return URL.canParse(to) ? `${new URL(to).origin}/${HIDDEN}` : HIDDEN;
  }
};
var masked = (record11) => {
  const to = maskRecipient2(record11.channel, record11.to);
  const hide = (text4) => text4?.split(record11.to).join(to);
  return {
    ...record11,
    to,
    ...record11.lastError === void 0 ? {} : { lastError: hide(record11.lastError) },
    timeline: record11.timeline.map(
      (entry) => entry.detail === void 0 ? entry : { ...entry, detail: hide(entry.detail) }
    )
  };
};
var parseStatuses = (values) => {
  if (!values) return void 0;
  const statuses = values.map((s) => s.toUpperCase());
  const unknown14 = statuses.filter((s) => !STATUSES.includes(s));
  if (unknown14.length > 0)
    throw new CliError(`--status must be one of ${STATUSES.join(", ")}, not ${unknown14.join(", ")}.`);
  return statuses;
};
var parseChannel = (value) => {
  if (value === void 0) return void 0;
  if (!CHANNELS.includes(value))
    throw new CliError(`--channel must be one of ${CHANNELS.join(", ")}, not ${value}.`);
  return value;
};
var sentAtOf = (record11) => record11.sentAt ?? record11.timeline.find((e) => e.status === "SENT")?.at;
var deliveryLatencyMs = (record11) => {
  const sent = sentAtOf(record11);
  const delivered = record11.timeline.find((e) => e.action === "receipt" && e.status === "DELIVERED")?.at;
  if (!sent || !delivered) return void 0;
  const ms = Date.parse(delivered) - Date.parse(sent);
  return ms >= 0 ? ms : void 0;
};
var percentile = (sorted, p) => sorted[Math.max(0, Math.ceil(p / 100 * sorted.length) - 1)] ?? 0;
var duration = (ms) => {
  if (ms === void 0) return "";
  if (ms < 1e3) return `${ms}ms`;
  if (ms < 6e4) return `${(ms / 1e3).toFixed(1)}s`;
  if (ms < 36e5) return `${Math.floor(ms / 6e4)}m ${Math.round(ms % 6e4 / 1e3)}s`;
  return `${Math.floor(ms / 36e5)}h ${Math.round(ms % 36e5 / 6e4)}m`;
};
var reportRow = (channel, via, records) => {
  const statuses = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const record11 of records) statuses[record11.status] += 1;
  const latencies = records.map(deliveryLatencyMs).filter((ms) => ms !== void 0).sort((a, b) => a - b);
  return {
    channel,
    via,
    messages: records.length,
    statuses,
    latencyMs: latencies.length === 0 ? null : {
      measured: latencies.length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99)
    }
  };
};
var report = (records) => {
  const groups = /* @__PURE__ */ new Map();
  for (const record11 of records) {
    const key = `${record11.channel}\0${record11.via}`;
    groups.set(key, [...groups.get(key) ?? [], record11]);
  }
  const rows = [...groups.entries()].map(([key, members]) => {
    const [channel = "", via = ""] = key.split("\0");
    return reportRow(channel, via, members);
  }).sort((a, b) => a.channel.localeCompare(b.channel) || a.via.localeCompare(b.via));
  return { rows, total: reportRow("all", "all", records) };
};
var reportText = (tenant2, since, { rows, total }, capped) => {
  const seen = STATUSES.filter((s) => total.statuses[s] > 0);
  const measured = [...rows, ...rows.length > 1 ? [total] : []];
  return [
    `Delivery report for tenant ${tenant2}: ${total.messages} messages created since ${since}${capped ? ` (the newest ${MAX_READ} only: narrow --since for a complete report)` : ""}`,
    "",
    table(
      ["CHANNEL", "VIA", "MESSAGES", ...seen],
      measured.map((r) => [r.channel, r.via, r.messages, ...seen.map((s) => r.statuses[s])])
    ),
    "",
    "Send \u2192 delivered latency (from the sent entry to the first receipt that made it DELIVERED):",
    table(
      ["CHANNEL", "VIA", "MEASURED", "P50", "P95", "P99"],
      measured.map((r) => [
        r.channel,
        r.via,
        r.latencyMs?.measured ?? 0,
        duration(r.latencyMs?.p50),
        duration(r.latencyMs?.p95),
        duration(r.latencyMs?.p99)
      ])
    )
  ].join("\n");
};
var listing2 = (records) => table(
  ["MESSAGE", "CHANNEL", "VIA", "TO", "STATUS", "SINCE", "LAST ERROR"],
  records.map((r) => [
    r.messageId,
    r.channel,
    r.via,
    r.to,
    r.status,
    r.statusAt,
    r.lastError?.slice(0, 80)
  ])
);
var shownText2 = (record11) => [
  `Message ${record11.messageId}  ${record11.status} since ${record11.statusAt}`,
  ...record11.status === "UNCERTAIN" ? [
    "The provider may or may not have taken it, and cannot be asked: an operator decides (docs/operations.md#messageuncertain)."
  ] : [],
  table(
    ["FIELD", "VALUE"],
    [
      ["tenant", record11.tenant],
      ["channel", record11.channel],
      ["via", record11.via],
      ["to", record11.to],
      ["provider message id", record11.providerMessageId],
      ["created", record11.createdAt],
      ["sent", record11.sentAt],
      ["caused by event", `${record11.causationEventId} (relayflow events show ${record11.causationEventId})`],
      ["correlation id", record11.correlationId],
      ["last error", record11.lastError]
    ].filter(([, value]) => value !== void 0)
  ),
  "",
  "Timeline (oldest first):",
  table(
    ["AT", "ACTION", "STATUS", "DETAIL"],
    [...record11.timeline].sort((a, b) => a.at.localeCompare(b.at)).map((e) => [e.at, e.action, e.status, e.detail])
  )
].join("\n");
var registerMessages = (program, deps, globals) => {
  const messages = program.command("messages").description("Outbound messages (email, sms, whatsapp, push, webhook): their fate and delivery report");
  const storeOf = async () => {
    const env = await deps.connect(globals());
    return new MessageStore(env.dynamodb, { tableName: env.output("EventTableName"), retentionDays: 1 });
  };
  messages.command("list").description("A tenant's messages, newest first, with their status and last error").requiredOption("--tenant <id>", "the tenant whose messages to list").option(
    "--since <time>",
    `created at or after: ISO 8601 or a duration back from now (2h, 7d); default ${DEFAULT_LIST_SINCE}`
  ).option("--status <status>", `${STATUSES.join(" | ")} (repeat or comma-separate)`, collect).option("--channel <channel>", `only this channel: ${CHANNELS.join(" | ")}`).option("--limit <n>", "most messages to show", positiveInt("--limit", MAX_READ), 50).action(async (options) => {
    const statuses = parseStatuses(options.status);
    const channel = parseChannel(options.channel);
    const since = parseTime(options.since ?? DEFAULT_LIST_SINCE, deps.now(), "--since");
    const store = await storeOf();
    const filtered = statuses !== void 0 || channel !== void 0;
    const read3 = await store.list(options.tenant, since, filtered ? MAX_READ : options.limit);
    const found = read3.filter((r) => (!statuses || statuses.includes(r.status)) && (!channel || r.channel === channel)).slice(0, options.limit).map(masked);
    if (filtered && read3.length === MAX_READ && found.length < options.limit)
      deps.output.err(
        `Only the newest ${MAX_READ} messages since ${since} were read; narrow --since to reach older ones.`
      );
    if (globals().json) {
      deps.output.out(json(found));
      return;
    }
    if (found.length === 0) {
      const conditions = [
        ...statuses ? [`status ${statuses.join(" or ")}`] : [],
        ...channel ? [`channel ${channel}`] : []
      ];
      deps.output.out(
        `No messages for tenant ${options.tenant}${conditions.length ? ` with ${conditions.join(" and ")}` : ""} created since ${since}.`
      );
      return;
    }
    deps.output.out(listing2(found));
  });
  messages.command("show <messageId>").description(
    "A message, its whole timeline (sending, sent, receipts, uncertain\u2026), the event that caused it and its correlation id"
  ).action(async (messageId) => {
    const record11 = await (await storeOf()).get(messageId);
    if (!record11)
      throw new CliError(
        `No message has the id ${messageId}; messages are kept retentionDays days, and relayflow messages list --tenant <id> lists recent ones.`
      );
    const shown = masked(record11);
    deps.output.out(globals().json ? json(shown) : shownText2(shown));
  });
  messages.command("report").description(
    "A tenant's delivery report: messages by status, and send \u2192 delivered latency p50/p95/p99, per channel and adapter"
  ).requiredOption("--tenant <id>", "the tenant to report on").option(
    "--since <time>",
    `created at or after: ISO 8601 or a duration back from now (2h, 7d); default ${DEFAULT_REPORT_SINCE}`
  ).action(async (options) => {
    const since = parseTime(options.since ?? DEFAULT_REPORT_SINCE, deps.now(), "--since");
    const records = await (await storeOf()).list(options.tenant, since, MAX_READ);
    const capped = records.length === MAX_READ;
    const result = report(records);
    if (globals().json) {
      deps.output.out(json({ tenant: options.tenant, since, capped, ...result }));
      return;
    }
    deps.output.out(
      records.length === 0 ? `No messages for tenant ${options.tenant} created since ${since}.` : reportText(options.tenant, since, result, capped)
    );
  });
};

// cli/console/api/redact.ts
var import_node_buffer3 = require("node:buffer");
var exceedsLogLimits = (value, depth = 0) => {
  if (typeof value === "string") return value.length > MAX_LOG_STRING;
  if (typeof value !== "object" || value === null) return false;
  if (depth >= MAX_LOG_DEPTH) return true;
  return Object.values(value).some((child) => exceedsLogLimits(child, depth + 1));
};
var parseJson = (text4) => {
  try {
    return { ok: true, value: JSON.parse(text4) };
  } catch {
    return { ok: false };
  }
};
var contentTypeOf = (headers) => Object.entries(headers).find(([name]) => name.toLowerCase() === "content-type")?.[1];
var payloadRedactor = (paths) => {
  const redact = createRedactor({ paths });
  const value = (input) => {
    if (typeof input === "string") return redactText(input);
    if (typeof input !== "object" || input === null) return input;
    return redact(input);
  };
  return {
    // A masked value is a digest already: it stays, for the operator to match against a dashboard.
    headers: (headers) => Object.fromEntries(
      Object.entries(maskSignatureHeaders(headers)).map(([name, field3]) => [
        name,
        field3.startsWith(MASKED_PREFIX) ? field3 : String(redact({ [name]: field3 })[name])
      ])
    ),
    value,
    body: (bytes, contentType) => {
      if (!(0, import_node_buffer3.isUtf8)(bytes)) return { body: `[Binary: ${bytes.length} bytes]`, truncated: false };
      const text4 = bytes.toString("utf8");
      const json2 = /json/i.test(contentType ?? "") || /^\s*[[{]/.test(text4) ? parseJson(text4) : void 0;
      if (json2?.ok) {
        return { body: JSON.stringify(value(json2.value), null, 2), truncated: exceedsLogLimits(json2.value) };
      }
      if (/application\/x-www-form-urlencoded/i.test(contentType ?? "")) {
        const fields = [...new URLSearchParams(text4)];
        const shown = fields.map(([key, field3]) => [
          key,
          String(redact({ [key]: field3 })[key])
        ]);
        return {
          body: new URLSearchParams(shown).toString(),
          truncated: fields.some(([key, field3]) => !isSensitiveKey(key) && field3.length > MAX_LOG_STRING)
        };
      }
      return { body: redactText(text4), truncated: text4.length > MAX_LOG_STRING };
    }
  };
};

// cli/console/api/events.ts
var BadRequest = class extends Error {
  constructor(message) {
    super(message);
    this.name = "BadRequest";
  }
};
var MAX_SCANNED = 2e3;
var DEFAULT_SEARCH_DAYS = 7;
var DEFAULT_PROVIDER_ID_HOURS = 24;
var MESSAGES_READ = 500;
var text2 = () => import_zod5.z.string().trim().min(1).max(512);
var EventsQuerySchema = import_zod5.z.strictObject({
  id: text2().optional(),
  correlationId: text2().optional(),
  entity: import_zod5.z.string().regex(/^[^:\s]+:\S+$/, "entity must be written kind:id, e.g. customer:cus_123").optional(),
  type: text2().optional(),
  provider: text2().optional(),
  tenant: text2().optional(),
  status: import_zod5.z.string().transform(
    (value) => value.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean)
  ).pipe(
    import_zod5.z.array(
      import_zod5.z.enum(ALL_STATUSES, {
        error: `status must be among ${ALL_STATUSES.join(", ")}`
      })
    ).min(1)
  ).optional(),
  since: text2().optional(),
  until: text2().optional(),
  field: import_zod5.z.string().regex(
    /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/,
    "field must be a dot path into the event, e.g. data.customer"
  ).optional(),
  value: import_zod5.z.string().max(512).optional(),
  cursor: import_zod5.z.string().max(8192).optional(),
  limit: import_zod5.z.coerce.number().int().min(1).max(200).default(50)
}).refine((q) => q.field === void 0 === (q.value === void 0), "field and value go together").refine((q) => !q.entity || q.provider, "entity needs provider (entities are per provider)");
var CursorSchema2 = import_zod5.z.discriminatedUnion("kind", [
  import_zod5.z.object({
    kind: import_zod5.z.literal("walk"),
    position: import_zod5.z.object({
      statusIndex: import_zod5.z.int().min(0),
      offset: import_zod5.z.int().min(0),
      lastKey: import_zod5.z.record(import_zod5.z.string(), import_zod5.z.string()).optional()
    })
  }),
  import_zod5.z.object({
    kind: import_zod5.z.literal("received"),
    /** The receivedAt of the last entry read: the next page reads from there back. */
    until: import_zod5.z.iso.datetime(),
    /** Ids read at exactly `until` (events of one request share it). */
    seen: import_zod5.z.array(import_zod5.z.string()).max(1e3)
  })
]);
var encodeCursor = (cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
var decodeCursor = (cursor) => {
  try {
    return CursorSchema2.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw new BadRequest("cursor is not one this console gave; start the search again without it.");
  }
};
var CountingQueries = class extends EventQueries {
  scanned = 0;
  async receivedPage(...args) {
    const page = await super.receivedPage(...args);
    this.scanned += page.scanned;
    return page;
  }
  async attentionPage(...args) {
    const page = await super.attentionPage(...args);
    this.scanned += page.entries.length;
    return page;
  }
  async entityPage(...args) {
    const page = await super.entityPage(...args);
    this.scanned += page.entries.length;
    return page;
  }
};
var summaryOf = (state) => ({
  eventId: state.eventId,
  correlationId: state.correlationId,
  tenant: state.tenant,
  provider: state.provider,
  type: state.type,
  entity: `${state.entityKind}:${state.entityId}`,
  status: state.status,
  receivedAt: state.receivedAt,
  statusAt: state.statusAt,
  attempts: state.attempts ?? 0,
  ...state.lastError === void 0 ? {} : { lastError: state.lastError }
});
var valueAt3 = (root, path) => path.split(".").reduce((node, key) => {
  if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return void 0;
  return node[key];
}, root);
var fieldMatches = (found, wanted) => {
  if (found === void 0) return false;
  if (typeof found === "string") return found === wanted;
  return JSON.stringify(found) === wanted;
};
var timeOf = (value, now, name) => {
  if (value === void 0) return void 0;
  try {
    return parseTime(value, now, name);
  } catch (error) {
    throw new BadRequest(error instanceof Error ? error.message : String(error));
  }
};
var searchEvents = async (deps, query) => {
  const queries = new CountingQueries(deps.client, deps.tableName);
  const since = timeOf(query.since, deps.now, "since");
  const until = timeOf(query.until, deps.now, "until");
  if (since && until && since >= until) throw new BadRequest("since must be before until.");
  const filter = {
    filter: {
      tenant: query.tenant,
      provider: query.provider,
      type: query.type,
      entity: query.entity,
      since,
      until
    },
    statuses: query.status
  };
  const accepts = async (state) => {
    if (!matchesFilter(filter, state)) return false;
    if (query.field === void 0 || query.value === void 0) return true;
    const payload = await deps.store.getPayload(state.eventId);
    return fieldMatches(valueAt3(payload?.event, query.field), query.value);
  };
  const items = [];
  const lookup2 = query.id ?? query.correlationId;
  if (lookup2 !== void 0) {
    let states = await eventsByOurIds(queries, lookup2);
    if (states.length === 0 && query.id !== void 0) {
      const window = {
        since: since ?? new Date(deps.now.getTime() - DEFAULT_PROVIDER_ID_HOURS * 36e5).toISOString(),
        until,
        now: deps.now
      };
      const { found } = await findByExternalId(
        queries,
        { externalId: lookup2, provider: query.provider, tenant: query.tenant },
        window
      );
      states = await queries.states(found.map((entry) => entry.eventId));
    }
    for (const state of states) if (await accepts(state)) items.push(summaryOf(state));
    return { items: items.slice(0, query.limit), scanned: queries.scanned };
  }
  const cursor = query.cursor === void 0 ? void 0 : decodeCursor(query.cursor);
  const statuses = query.status ?? [];
  const indexed = statuses.length > 0 && statuses.every((s) => ATTENTION_STATUSES.has(s));
  if (query.entity || indexed) {
    if (cursor && cursor.kind !== "walk")
      throw new BadRequest("cursor belongs to another search; start again without it.");
    const selection = query.entity ? {
      entity: {
        tenant: query.tenant ?? "default",
        provider: query.provider ?? "",
        ...parseEntity(query.entity)
      },
      statuses: [],
      newestFirst: true
    } : { statuses, newestFirst: true };
    let position;
    for await (const { state, after } of walkStore(queries, selection, cursor?.position)) {
      if (position && (items.length === query.limit || queries.scanned >= MAX_SCANNED)) {
        return { items, next: encodeCursor({ kind: "walk", position }), scanned: queries.scanned };
      }
      position = after;
      if (await accepts(state)) items.push(summaryOf(state));
    }
    return { items, scanned: queries.scanned };
  }
  if (cursor && cursor.kind !== "received")
    throw new BadRequest("cursor belongs to another search; start again without it.");
  const windowSince = since ?? new Date(Date.parse(until ?? deps.now.toISOString()) - DEFAULT_SEARCH_DAYS * 864e5).toISOString();
  const windowUntil = cursor ? new Date(Date.parse(cursor.until) + 1).toISOString() : until;
  const seen = new Set(cursor?.seen);
  const entries = recentlyReceived(queries, { since: windowSince, until: windowUntil, now: deps.now }, 100)[Symbol.asyncIterator]();
  let last = cursor ? { at: cursor.until, ids: [...seen] } : void 0;
  const answer = (more) => ({
    items,
    ...more && last ? { next: encodeCursor({ kind: "received", until: last.at, seen: last.ids }) } : {},
    scanned: queries.scanned
  });
  for (; ; ) {
    const batch = [];
    while (batch.length < 100) {
      const next = await entries.next();
      if (next.done) break;
      const entry = next.value;
      if (entry.receivedAt === cursor?.until && seen.has(entry.eventId)) continue;
      const candidate = (!query.tenant || entry.tenant === query.tenant) && (!query.provider || entry.provider === query.provider) && matchesFilter({ filter: { type: query.type } }, { ...entry, status: "RECEIVED" });
      batch.push({ eventId: entry.eventId, receivedAt: entry.receivedAt, candidate });
    }
    const states = new Map(
      (await queries.states(batch.filter((b) => b.candidate).map((b) => b.eventId))).map((s) => [
        s.eventId,
        s
      ])
    );
    const ended = () => items.length === query.limit || queries.scanned >= MAX_SCANNED;
    for (const entry of batch) {
      if (last && ended()) return answer(true);
      last = last?.at === entry.receivedAt ? { at: last.at, ids: [...last.ids, entry.eventId] } : { at: entry.receivedAt, ids: [entry.eventId] };
      const state = entry.candidate ? states.get(entry.eventId) : void 0;
      if (state && await accepts(state)) items.push(summaryOf(state));
    }
    if (batch.length < 100) return answer(false);
    if (ended()) return answer(!(await entries.next()).done);
  }
};
var eventDetail = async (deps, eventId) => {
  const state = await new EventQueries(deps.client, deps.tableName).state(eventId);
  if (!state) return void 0;
  const payload = await deps.store.getPayload(eventId);
  let raw;
  if (payload) {
    const headers = deps.redactor.headers(payload.request.headers);
    try {
      const bytes = await readRawBody(deps, payload);
      raw = { headers, ...deps.redactor.body(bytes, contentTypeOf(payload.request.headers)) };
    } catch (error) {
      if (!(error instanceof RawBodyMissingError)) throw error;
      raw = { headers, body: `[The raw body cannot be read: ${error.message}.]`, truncated: false };
    }
  }
  const [byId, listed] = await Promise.all([
    deps.messages.getMany(deps.targetIds.map((target) => messageIdOf2(downstreamKeyOf(eventId, target)))),
    deps.messages.list(state.tenant, state.receivedAt, MESSAGES_READ, "oldest")
  ]);
  const caused = new Map(
    [...byId, ...listed.filter((message) => message.causationEventId === eventId)].map((m) => [
      m.messageId,
      m
    ])
  );
  const messages = [...caused.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(masked);
  const summary = summaryOf(state);
  return {
    event: {
      ...summary,
      ...summary.lastError === void 0 ? {} : { lastError: deps.redactor.value(summary.lastError) },
      idempotencyKey: state.idempotencyKey,
      externalId: state.externalId,
      providerType: state.providerType,
      occurredAt: state.occurredAt,
      ...state.heldBy === void 0 ? {} : { heldBy: state.heldBy }
    },
    timeline: deps.redactor.value([...state.audit].sort((a, b) => a.at.localeCompare(b.at))),
    ...raw ? { raw } : {},
    ...payload?.event ? { normalized: deps.redactor.value({ ...payload.event }) } : {},
    ...payload?.quarantineReason === void 0 ? {} : { quarantineReason: deps.redactor.value(payload.quarantineReason) },
    messages
  };
};

// cli/console/api/overview.ts
var NAMESPACE = "RelayFlow";
var WINDOW_SECONDS = {
  "15m": 900,
  "1h": 3600,
  "6h": 21600,
  "24h": 86400,
  "7d": 604800
};
var THROUGHPUT = {
  received: ["Received"],
  processed: ["Processed", "Unrouted", "DryRun"],
  failed: ["DeadLettered", "CompensationFailed"],
  retried: ["Retried"]
};
var MESSAGE_METRICS = {
  MessageSent: "SENT",
  MessageDelivered: "DELIVERED",
  MessageOpened: "OPENED",
  MessageBounced: "BOUNCED",
  MessageFailed: "FAILED",
  MessageUncertain: "UNCERTAIN",
  MessageReceiptMissing: "RECEIPT_MISSING"
};
var QUERIES_PER_CALL = 500;
var MAX_REPLAYS = 20;
var MAX_EXECUTIONS_READ = 100;
var MAX_TARGET_EVENTS = 500;
var DLQ_SAMPLE = 10;
var sliceValue = () => import_zod6.z.string().trim().min(1).max(256).regex(/^[^\s'"\\]+$/, "must be an id without spaces or quotes");
var OverviewQuerySchema = import_zod6.z.strictObject({
  window: import_zod6.z.enum(WINDOWS, {
    error: (issue) => issue.input === void 0 ? `window is required: one of ${WINDOWS.join(", ")}` : `window must be one of ${WINDOWS.join(", ")}, not ${JSON.stringify(issue.input).slice(0, 40)}`
  }),
  tenant: sliceValue().optional(),
  provider: sliceValue().optional(),
  channel: sliceValue().optional(),
  target: sliceValue().optional()
});
var parseOverviewQuery = (input) => {
  const result = OverviewQuerySchema.safeParse(input);
  if (result.success) return result.data;
  throw new BadRequest(
    `${result.error.issues.map((i) => i.path.length > 0 && i.code !== "invalid_value" ? `${i.path.join(".")}: ${i.message}` : i.message).join("; ")}.`
  );
};
var bucketsOf = (window, now) => {
  const windowSeconds = WINDOW_SECONDS[window];
  const bucketSeconds = Math.max(60, Math.round(windowSeconds / 60 / 60) * 60);
  const bucketMs = bucketSeconds * 1e3;
  const end = Math.ceil(now.getTime() / bucketMs) * bucketMs;
  const count = Math.ceil(windowSeconds / bucketSeconds);
  const start = end - count * bucketMs;
  return { bucketSeconds, start: new Date(start), end: new Date(end), count };
};
var seriesOf = async (cloudwatch, metric, filters) => {
  const wanted = Object.entries(filters).flatMap(
    ([Name, Value]) => Value === void 0 ? [] : [{ Name, Value }]
  );
  const found = [];
  let token;
  do {
    const page = await cloudwatch.send(
      new import_client_cloudwatch2.ListMetricsCommand({
        Namespace: NAMESPACE,
        MetricName: metric,
        Dimensions: wanted,
        NextToken: token
      })
    );
    for (const m of page.Metrics ?? []) found.push({ metric, dimensions: m.Dimensions ?? [] });
    token = page.NextToken;
  } while (token);
  return found;
};
var bucketed = async (cloudwatch, queries, buckets, stat = "Sum") => {
  const values = queries.map(() => new Array(buckets.count).fill(0));
  for (let offset = 0; offset < queries.length; offset += QUERIES_PER_CALL) {
    const chunk = queries.slice(offset, offset + QUERIES_PER_CALL).map((q, i) => ({
      Id: `q${offset + i}`,
      MetricStat: {
        Metric: { Namespace: q.namespace, MetricName: q.metric, Dimensions: [...q.dimensions] },
        Period: buckets.bucketSeconds,
        Stat: stat
      }
    }));
    let token;
    do {
      const page = await cloudwatch.send(
        new import_client_cloudwatch2.GetMetricDataCommand({
          MetricDataQueries: chunk,
          StartTime: buckets.start,
          EndTime: buckets.end,
          ScanBy: "TimestampAscending",
          NextToken: token
        })
      );
      for (const result of page.MetricDataResults ?? []) {
        const row = values[Number(result.Id?.slice(1))];
        if (!row) continue;
        (result.Timestamps ?? []).forEach((at2, i) => {
          const index = Math.floor((at2.getTime() - buckets.start.getTime()) / (buckets.bucketSeconds * 1e3));
          if (index >= 0 && index < row.length) row[index] = (row[index] ?? 0) + (result.Values?.[i] ?? 0);
        });
      }
      token = page.NextToken;
    } while (token);
  }
  return values;
};
var pointsOf = (values, buckets) => values.map((v, i) => ({ t: buckets.start.getTime() + i * buckets.bucketSeconds * 1e3, v }));
var sum = (values) => values.reduce((total, v) => total + v, 0);
var throughput = async (cloudwatch, query, buckets) => {
  const filters = { tenant: query.tenant, provider: query.provider };
  const found = await Promise.all(
    Object.entries(THROUGHPUT).flatMap(
      ([measure, metrics]) => metrics.map(
        async (metric) => (await seriesOf(cloudwatch, metric, filters)).map((series) => ({
          measure,
          series
        }))
      )
    )
  );
  const all = found.flat();
  const values = await bucketed(
    cloudwatch,
    all.map(({ series }) => ({ namespace: NAMESPACE, ...series })),
    buckets
  );
  const totals = {};
  for (const measure of Object.keys(THROUGHPUT))
    totals[measure] = new Array(buckets.count).fill(0);
  all.forEach(
    ({ measure }, i) => (values[i] ?? []).forEach((v, bucket) => {
      totals[measure][bucket] = (totals[measure][bucket] ?? 0) + v;
    })
  );
  return totals;
};
var queueNameOf = (url3) => url3.slice(url3.lastIndexOf("/") + 1);
var publishedAge = async (cloudwatch, queueUrl, now) => {
  const minute = 6e4;
  const end = Math.ceil(now.getTime() / minute) * minute;
  const buckets = { bucketSeconds: 60, start: new Date(end - 5 * minute), end: new Date(end), count: 5 };
  const [row] = await bucketed(
    cloudwatch,
    [
      {
        namespace: "AWS/SQS",
        metric: "ApproximateAgeOfOldestMessage",
        dimensions: [{ Name: "QueueName", Value: queueNameOf(queueUrl) }]
      }
    ],
    buckets,
    "Maximum"
  );
  const latest = [...row ?? []].reverse().find((v) => v > 0);
  return latest;
};
var health = (depth, age2) => ({
  ...depth,
  ...age2 !== void 0 && depth.visible + depth.inFlight > 0 ? { oldestAgeSeconds: age2 } : {}
});
var deadLetterQueueHealth = async (env, now, notes = []) => {
  const deadLetterUrl = env.output("DeadLetterQueueUrl");
  const [deadLetter, deadLetterAge] = await Promise.all([
    queueDepth(env.sqs, deadLetterUrl),
    publishedAge(env.cloudwatch, deadLetterUrl, now)
  ]);
  let dlqAge = deadLetterAge;
  if (dlqAge === void 0 && deadLetter.visible > 0) {
    const sentAt2 = (await new DeadLetterQueue(env.sqs, deadLetterUrl).peek(DLQ_SAMPLE)).flatMap((m) => m.sentAt ? [Date.parse(m.sentAt)] : []).sort((a, b) => a - b)[0];
    if (sentAt2 !== void 0) {
      dlqAge = Math.max(0, Math.round((now.getTime() - sentAt2) / 1e3));
      notes.push(
        `Dead-letter queue: CloudWatch has no age of its oldest message; the age shown is the oldest of ${DLQ_SAMPLE} sampled messages, from when it was first sent.`
      );
    }
  }
  return health(deadLetter, dlqAge);
};
var queues = async (env, now, notes) => {
  const mainUrl = env.output("MainQueueUrl");
  const [main, mainAge, deadLetter] = await Promise.all([
    queueDepth(env.sqs, mainUrl),
    publishedAge(env.cloudwatch, mainUrl, now),
    deadLetterQueueHealth(env, now, notes)
  ]);
  if (mainAge === void 0 && main.visible + main.inFlight > 0)
    notes.push(
      "Main queue: CloudWatch has no age of its oldest message (the local runtime publishes no AWS/SQS metrics), and reading the queue would take messages from the consumer."
    );
  return { main: health(main, mainAge), deadLetter };
};
var ReplayInputSchema2 = import_zod6.z.object({
  dryRun: import_zod6.z.boolean().optional(),
  filter: import_zod6.z.object({ tenant: import_zod6.z.string().optional(), provider: import_zod6.z.string().optional() }).optional()
});
var executionsSince = async (env, arn, since, max) => {
  const found = [];
  let token;
  do {
    const page = await env.sfn.send(
      new import_client_sfn3.ListExecutionsCommand({ stateMachineArn: arn, maxResults: max, nextToken: token })
    );
    const items = page.executions ?? [];
    for (const item of items) if (item.startDate && item.startDate >= since) found.push(item);
    const last = items.at(-1)?.startDate;
    token = last && last >= since && found.length < max ? page.nextToken : void 0;
  } while (token);
  return found.slice(0, max);
};
var replays = async (env, query, buckets) => {
  const arn = env.output("ReplayStateMachineArn");
  const runs = [];
  for (const item of await executionsSince(env, arn, buckets.start, MAX_EXECUTIONS_READ)) {
    if (runs.length === MAX_REPLAYS || !item.executionArn) break;
    const execution = await env.sfn.send(new import_client_sfn3.DescribeExecutionCommand({ executionArn: item.executionArn }));
    let input = {};
    try {
      input = ReplayInputSchema2.parse(JSON.parse(execution.input ?? "{}"));
    } catch {
    }
    if (input.dryRun) continue;
    const { tenant: tenant2, provider } = input.filter ?? {};
    if (query.tenant && tenant2 && tenant2 !== query.tenant || query.provider && provider && provider !== query.provider)
      continue;
    const { plan, summary } = await executionProgressOf(env.sfn, item.executionArn, execution);
    runs.push({
      executionId: item.name ?? item.executionArn.slice(item.executionArn.lastIndexOf(":") + 1),
      status: item.status ?? "RUNNING",
      startedAt: (item.startDate ?? buckets.start).toISOString(),
      ...item.stopDate ? { stoppedAt: item.stopDate.toISOString() } : {},
      ...plan ? { plan } : {},
      ...summary ? { summary } : {}
    });
  }
  return runs;
};
var channels = async (cloudwatch, query, buckets) => {
  const metrics = Object.keys(MESSAGE_METRICS);
  const series = (await Promise.all(
    metrics.map((metric) => seriesOf(cloudwatch, metric, { tenant: query.tenant, channel: query.channel }))
  )).flat();
  const values = await bucketed(
    cloudwatch,
    series.map((s) => ({ namespace: NAMESPACE, ...s })),
    buckets
  );
  const byChannel = /* @__PURE__ */ new Map();
  series.forEach((s, i) => {
    const dimension = (name) => s.dimensions.find((d) => d.Name === name)?.Value ?? "unknown";
    const channel = dimension("channel");
    const via = dimension("via");
    const key = `${channel}\0${via}`;
    const entry = byChannel.get(key) ?? { via, channel, counts: {} };
    const status2 = MESSAGE_METRICS[s.metric] ?? s.metric;
    entry.counts[status2] = (entry.counts[status2] ?? 0) + sum(values[i] ?? []);
    byChannel.set(key, entry);
  });
  return [...byChannel.values()].filter((c) => Object.values(c.counts).some((n) => n > 0)).sort((a, b) => a.channel.localeCompare(b.channel) || a.via.localeCompare(b.via));
};
var deliveredTargetsOf = (detail) => {
  const match = /→ (.+?)(?: \([^)]*\))?(?:; attempt \d+)?$/.exec(detail ?? "");
  return match?.[1] ? match[1].split(", ").filter((id2) => id2.length > 0) : [];
};
var FAILURE_ACTIONS = /* @__PURE__ */ new Set([
  "retrying",
  "dead-lettered",
  "compensating",
  "compensation-failed"
]);
var escapeRegExp = (text4) => text4.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
var targets = async (env, query, buckets, pauses, now, notes) => {
  const queries = new EventQueries(env.dynamodb, env.output("EventTableName"));
  const ids = [];
  for await (const entry of recentlyReceived(
    queries,
    { since: buckets.start.toISOString(), until: buckets.end.toISOString(), now },
    100
  )) {
    if (query.tenant && entry.tenant !== query.tenant || query.provider && entry.provider !== query.provider)
      continue;
    ids.push(entry.eventId);
    if (ids.length === MAX_TARGET_EVENTS) {
      notes.push(
        `Targets: counted from the newest ${MAX_TARGET_EVENTS} events of the window (no metric counts deliveries per target).`
      );
      break;
    }
  }
  const states = await queries.states(ids);
  const disabled = new Set(pauses.filter((p) => p.scope === "target").map((p) => p.id));
  const counts = /* @__PURE__ */ new Map();
  const countOf = (target) => {
    const found = counts.get(target) ?? { delivered: 0, failed: 0 };
    counts.set(target, found);
    return found;
  };
  for (const target of disabled) countOf(target);
  const inWindow2 = (at2) => at2 >= buckets.start.toISOString() && at2 < buckets.end.toISOString();
  const failures = [];
  for (const state of states) {
    for (const entry of state.audit) {
      if (entry.by !== "consumer" || !inWindow2(entry.at)) continue;
      if (entry.action === "processed")
        for (const target of deliveredTargetsOf(entry.detail)) countOf(target).delivered += 1;
      else if (FAILURE_ACTIONS.has(entry.action))
        failures.push(`${entry.detail ?? ""} ${state.lastError ?? ""}`);
    }
  }
  const known = [...counts.keys()];
  for (const failure of failures) {
    for (const target of known) {
      if (new RegExp(`(^|[\\s:(])${escapeRegExp(target)}([\\s:,;)]|$)`).test(failure))
        countOf(target).failed += 1;
    }
  }
  return [...counts.entries()].filter(([target]) => !query.target || target === query.target).map(([target, c]) => ({ target, ...c, disabled: disabled.has(target) })).sort((a, b) => a.target.localeCompare(b.target));
};
var overview = async (env, query, now) => {
  const checked2 = parseOverviewQuery(query);
  const buckets = bucketsOf(checked2.window, now);
  const notes = [];
  if (checked2.channel)
    notes.push(
      `Throughput is the whole stack's${checked2.tenant || checked2.provider ? " (within the other filters)" : ""}: the received, processed, failed and retried counts carry no channel dimension.`
    );
  if (checked2.target)
    notes.push(
      "Throughput and channels are not sliced by target: no metric carries a target dimension; the target's own row is in Targets."
    );
  if (checked2.provider)
    notes.push(
      "Channels are not sliced by provider: the message metrics carry channel, adapter and tenant only."
    );
  const pauseStore = new PauseStore(env.dynamodb, {
    tableName: env.output("EventTableName"),
    retentionDays: Number(env.outputs.RetentionDays ?? 30)
  });
  const pauses = (await pauseStore.list()).filter(isActive);
  const [series, queueHealth, replayRuns, channelRows, targetRows] = await Promise.all([
    throughput(env.cloudwatch, checked2, buckets),
    queues(env, now, notes),
    replays(env, checked2, buckets),
    channels(env.cloudwatch, checked2, buckets),
    targets(env, checked2, buckets, pauses, now, notes)
  ]);
  const totals = {
    received: sum(series.received),
    processed: sum(series.processed),
    failed: sum(series.failed),
    retried: sum(series.retried)
  };
  return {
    window: checked2.window,
    bucketSeconds: buckets.bucketSeconds,
    series: {
      received: pointsOf(series.received, buckets),
      processed: pointsOf(series.processed, buckets),
      failed: pointsOf(series.failed, buckets),
      retried: pointsOf(series.retried, buckets)
    },
    totals,
    retryRate: totals.processed > 0 ? totals.retried / totals.processed : 0,
    queues: queueHealth,
    replays: replayRuns,
    channels: channelRows,
    targets: targetRows,
    pauses,
    notes
  };
};

// cli/console/server.ts
var import_node_crypto27 = require("node:crypto");
var import_promises = require("node:fs/promises");
var import_node_http = require("node:http");
var import_node_path4 = require("node:path");
var import_zod9 = require("zod");

// cli/commands/pause.ts
var import_node_os = require("node:os");
var import_commander2 = require("commander");

// functions/queue/event-queue.ts
var import_client_sqs3 = require("@aws-sdk/client-sqs");
init_map_limit();
init_errors2();
var EventQueue = class {
  constructor(client, queueUrl) {
    this.client = client;
    this.queueUrl = queueUrl;
  }
  client;
  queueUrl;
  async send(message) {
    try {
      const result = await this.client.send(
        new import_client_sqs3.SendMessageCommand({ QueueUrl: this.queueUrl, ...entryOf(message) })
      );
      return result.MessageId;
    } catch (error) {
      throw new InfrastructureError("event-queue", "enqueue failed", { cause: error });
    }
  }
  /**
   * Sends many messages in batches of 10, keeping the order of each message group: a group's
   * n-th message goes in the n-th wave, and a wave starts only when the one before it is in the
   * queue. Within a wave every group appears once, so its batches may run side by side.
   */
  async sendMany(messages) {
    if (messages.length === 0) return;
    const only = messages.length === 1 ? messages[0] : void 0;
    if (only) {
      await this.send(only);
      return;
    }
    const waves = [];
    const seen = /* @__PURE__ */ new Map();
    for (const message of messages) {
      const wave = seen.get(message.groupId) ?? 0;
      seen.set(message.groupId, wave + 1);
      (waves[wave] ??= []).push(message);
    }
    for (const wave of waves) {
      const batches = Array.from(
        { length: Math.ceil(wave.length / BATCH_SIZE) },
        (_, i) => wave.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE)
      );
      await mapLimit(batches, PARALLEL_BATCHES, (batch) => this.sendBatch(batch));
    }
  }
  async sendBatch(batch) {
    let pending = batch.map((message, index) => ({ Id: String(index), ...entryOf(message) }));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === BATCH_ROUNDS) {
        throw new InfrastructureError(
          "event-queue",
          `enqueue failed for ${pending.length} of a batch of ${batch.length}`
        );
      }
      let failed;
      try {
        const result = await this.client.send(
          new import_client_sqs3.SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending })
        );
        const senderFault = result.Failed?.find((entry) => entry.SenderFault);
        if (senderFault) throw new Error(`${senderFault.Code ?? "error"}: ${senderFault.Message ?? ""}`);
        failed = new Set((result.Failed ?? []).map((entry) => entry.Id ?? ""));
      } catch (error) {
        throw new InfrastructureError("event-queue", "batch enqueue failed", { cause: error });
      }
      pending = pending.filter((entry) => failed.has(entry.Id));
    }
  }
};
var BATCH_SIZE = 10;
var PARALLEL_BATCHES = 8;
var BATCH_ROUNDS = 3;
var attribute = (value) => ({ DataType: "String", StringValue: value });
var entryOf = (message) => ({
  MessageBody: JSON.stringify(message.claim),
  MessageGroupId: message.groupId,
  MessageDeduplicationId: message.deduplicationId,
  MessageAttributes: {
    correlationId: attribute(message.claim.correlationId),
    tenant: attribute(message.attributes.tenant),
    provider: attribute(message.attributes.provider),
    type: attribute(message.attributes.type)
  }
});
var deduplicationIdOf = (eventId, send) => send <= 1 ? eventId : `${eventId}#${send}`;

// functions/flow/release.ts
var DONE = /* @__PURE__ */ new Set([
  "PROCESSED",
  "STALE",
  "COMPENSATED",
  "DEAD_LETTERED",
  "COMPENSATION_FAILED",
  "QUARANTINED"
]);
var UNSENT_AFTER_MS = 2 * 6e4;
var releaseHeld = async (deps, pauseKey2, options) => {
  const pollMs = options.pollMs ?? 1e3;
  const started = deps.now().getTime();
  const interval = 1e3 / options.ratePerSecond;
  let released = 0;
  let nextSendAt = started;
  for (; ; ) {
    const pause2 = await deps.pauses.get(pauseKey2);
    if (!pause2 || pause2.state !== "resuming") return { released, listed: 0, ended: pause2?.state === "ended" };
    const lists = await deps.pauses.listsOf(pauseKey2);
    const listed = lists.reduce((n, list) => n + list.events.length, 0);
    if (lists.length === 0) {
      const entry = { at: deps.now().toISOString(), action: "ended", by: options.by };
      if (await deps.pauses.end(pauseKey2, pause2.holds, entry, deps.now())) {
        const progress = { released, listed: 0, ended: true };
        options.onProgress?.(progress);
        return progress;
      }
      continue;
    }
    let moved = false;
    for (const list of lists) {
      const states = await deps.store.getStates(list.events);
      for (const eventId of list.events) {
        const state = states.get(eventId);
        if (!state) continue;
        const send = sendOf(state, pauseKey2, deps.now());
        if (!send) continue;
        const wait = nextSendAt - deps.now().getTime();
        if (wait > 0) await deps.sleep(wait);
        nextSendAt = Math.max(deps.now().getTime(), nextSendAt) + interval;
        if (await release(deps, pauseKey2, state, send)) {
          released += 1;
          moved = true;
        }
      }
      if (await dropDone(deps, list, states)) moved = true;
    }
    options.onProgress?.({ released, listed, ended: false });
    if (options.timeoutMs !== void 0 && deps.now().getTime() - started > options.timeoutMs)
      return { released, listed, ended: false };
    if (!moved) await deps.sleep(pollMs);
  }
};
var sendOf = (state, pauseKey2, now) => {
  if (state.status === "HELD") return "mark";
  const releasedHere = state.released?.includes(pauseKey2) ?? false;
  if (releasedHere && state.status === "QUEUED" && now.getTime() - Date.parse(state.statusAt) > UNSENT_AFTER_MS)
    return "resend";
  return void 0;
};
var release = async (deps, pauseKey2, state, how) => {
  const send = how === "mark" ? state.sends + 1 : state.sends;
  if (how === "mark") {
    const entry = {
      at: deps.now().toISOString(),
      action: "released",
      by: "operator",
      status: "QUEUED",
      detail: `resumed: ${pauseKey2}; send #${send}`,
      correlationId: state.correlationId
    };
    const marked = await deps.store.transition(state.eventId, ["HELD"], "QUEUED", entry, {
      sends: send,
      releasedBy: pauseKey2
    });
    if (!marked) return false;
  }
  await deps.queue.send({
    claim: { v: 1, eventId: state.eventId, correlationId: state.correlationId },
    groupId: state.groupId,
    deduplicationId: deduplicationIdOf(state.eventId, send),
    attributes: { tenant: state.tenant, provider: state.provider, type: state.type }
  });
  return true;
};
var dropDone = async (deps, list, states) => {
  const done = [];
  for (const eventId of list.events) {
    const state = states.get(eventId);
    if (state && !DONE.has(state.status)) break;
    done.push(eventId);
  }
  return done.length > 0 && await deps.pauses.dropFront(list.pauseKey, list.groupId, done);
};

// cli/commands/pause.ts
var MAX_RELEASE_RATE = 100;
var scopeOf = (value) => {
  if (PAUSE_SCOPES.includes(value)) return value;
  throw new import_commander2.InvalidArgumentError(`must be one of ${PAUSE_SCOPES.join(", ")}`);
};
var rateOf = (value) => {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_RELEASE_RATE)
    throw new import_commander2.InvalidArgumentError(`must be a number above 0 and at most ${MAX_RELEASE_RATE}`);
  return rate;
};
var operator = () => {
  try {
    return (0, import_node_os.userInfo)().username;
  } catch {
    return "operator";
  }
};
var pauseStoresOf = (env) => {
  const tableName = env.output("EventTableName");
  const settings = { tableName, retentionDays: Number(env.outputs.RetentionDays ?? 30) };
  return {
    env,
    pauses: new PauseStore(env.dynamodb, settings),
    store: new EventStore(env.dynamodb, settings),
    queue: new EventQueue(env.sqs, env.output("MainQueueUrl"))
  };
};
var storesOf = async (deps, globals) => pauseStoresOf(await deps.connect(globals()));
var pauseScope = async ({ pauses }, request) => {
  await pauses.pause(request.scope, request.id, {
    at: request.at,
    action: "paused",
    by: request.by,
    reason: request.reason
  });
  return pauses.get(pauseKeyOf(request));
};
var startResume = ({ pauses }, key, request) => pauses.startResume(key, {
  at: request.at,
  action: "resume-started",
  by: request.by,
  ...request.reason ? { reason: request.reason } : {}
});
var releasePause = ({ pauses, store, queue }, key, options, clock) => releaseHeld({ pauses, store, queue, now: () => clock.now(), sleep: (ms) => clock.sleep(ms) }, key, options);
var pauseRows = (pauses) => table(
  ["PAUSE", "STATE", "SINCE", "BY", "REASON"],
  pauses.map((p) => [pauseKeyOf(p), p.state, p.at, p.by, p.reason])
);
var registerPause = (program, deps, globals) => {
  program.command("pause").description(
    "Hold the events of a provider, tenant, route or target: ingest keeps answering 2xx and storing"
  ).argument("<scope>", `what to pause: ${PAUSE_SCOPES.join(", ")}`, scopeOf).argument("<id>", "its id (a provider id, a tenant id, a route or target id)").requiredOption("--reason <text>", "why: kept in the pause, shown by relayflow status").action(async (scope, id2, options) => {
    const reason = options.reason.trim();
    if (reason.length < 3)
      throw new CliError("--reason needs at least 3 characters: it is the audit of the pause.");
    const stores = await storesOf(deps, globals);
    const at2 = deps.now().toISOString();
    const pause2 = await pauseScope(stores, { scope, id: id2, reason, by: operator(), at: at2 });
    if (globals().json) {
      deps.output.out(json(pause2));
      return;
    }
    deps.output.out(
      [
        `Paused ${pauseKeyOf({ scope, id: id2 })}. Its events are HELD from ${pause2?.effectiveAt ?? "a few seconds from now"}, once every`,
        "consumer knows of the pause; providers keep getting 2xx. Release them with:",
        `  relayflow resume ${scope} ${id2}`
      ].join("\n")
    );
  });
  program.command("resume").description("Release what a pause (or an auto-disabled target) holds, in order per entity, then end it").argument("<scope>", `what to resume: ${PAUSE_SCOPES.join(", ")}`, scopeOf).argument("<id>", "its id").option("--rate <n>", `events released per second (at most ${MAX_RELEASE_RATE})`, rateOf, 10).option("--reason <text>", "why, for the pause history").action(async (scope, id2, options) => {
    const stores = await storesOf(deps, globals);
    const key = pauseKeyOf({ scope, id: id2 });
    const by = operator();
    const started = await startResume(stores, key, {
      at: deps.now().toISOString(),
      by,
      ...options.reason ? { reason: options.reason } : {}
    });
    if (!started) throw new CliError(`There is no active pause ${key} (relayflow status lists them).`);
    let last = "";
    const outcome = await releasePause(
      stores,
      key,
      {
        ratePerSecond: options.rate,
        by,
        onProgress: (p) => {
          const line = `released ${p.released}; ${p.listed} still listed`;
          if (line !== last && !globals().json) deps.output.err(line);
          last = line;
        }
      },
      deps
    );
    if (globals().json) {
      deps.output.out(json({ pause: key, ...outcome }));
      return;
    }
    deps.output.out(
      outcome.ended ? `Resumed ${key}: ${outcome.released} held events released, in order per entity. The pause has ended.` : `${key} is no longer resuming (paused again?); ${outcome.released} events were released.`
    );
  });
};

// cli/error-class.ts
var errorClassOf = (lastError) => {
  if (!lastError) return "unknown";
  const match = /^([A-Za-z][\w.-]*)\s*:/.exec(lastError);
  return match?.[1] ?? lastError.slice(0, 40);
};
var failureOf = (state) => {
  if (state.lastError !== void 0 || state.status !== "QUARANTINED") return state.lastError;
  const entry = state.audit.findLast((a) => a.action === "quarantined");
  return `quarantined: ${entry?.detail ?? "the normalizer could not read the body"}`;
};
var groupFailures = (states, keyOf = () => "") => {
  const groups = /* @__PURE__ */ new Map();
  for (const state of states) {
    const failure = failureOf(state);
    const errorClass = errorClassOf(failure);
    const key = `${errorClass}\0${keyOf(state)}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { errorClass, latest: state.statusAt, example: failure ?? "", members: [state] });
      continue;
    }
    group.members.push(state);
    if (state.statusAt > group.latest) group.latest = state.statusAt;
  }
  return [...groups.values()].map((group) => ({ ...group, count: group.members.length })).sort((a, b) => b.count - a.count);
};

// cli/console/api/dead-letters.ts
var MAX_DEAD_LETTERS = 1e3;
var deadLetterGroups = (states, redactor) => groupFailures(states, (s) => `${s.provider}\0${s.entityKind}:${s.entityId}`).map((group) => {
  const first = group.members[0];
  return {
    errorClass: group.errorClass,
    provider: first?.provider ?? "",
    entity: first ? `${first.entityKind}:${first.entityId}` : "",
    count: group.count,
    latest: group.latest,
    example: redactor.value(group.example),
    eventIds: group.members.map((s) => s.eventId)
  };
});
var deadLetters = async (deps, max = MAX_DEAD_LETTERS) => {
  const states = [];
  for await (const { state } of walkStore(deps.queries, {
    statuses: ["DEAD_LETTERED", "QUARANTINED"],
    newestFirst: true
  })) {
    states.push(state);
    if (states.length === max) break;
  }
  const depth = await deps.queueHealth();
  return { depth, groups: deadLetterGroups(states, deps.redactor), scanned: states.length };
};

// cli/console/api/pauses.ts
var import_zod7 = require("zod");
var PauseRequestSchema = import_zod7.z.strictObject({
  scope: import_zod7.z.enum(PAUSE_SCOPES),
  id: import_zod7.z.string().trim().min(1).max(256),
  reason: import_zod7.z.string({ error: "reason is required: it is the audit of the pause" }).trim().min(3, "reason needs at least 3 characters: it is the audit of the pause").max(500),
  rate: import_zod7.z.number().gt(0).max(MAX_RELEASE_RATE).optional()
});
var PauseConflict = class extends Error {
  constructor(message) {
    super(message);
    this.name = "PauseConflict";
  }
};
var activePauses = async (stores) => (await stores.pauses.list()).filter(isActive);
var pause = async (stores, request, by, now) => {
  const stored = await pauseScope(stores, { ...request, by, at: now.toISOString() });
  if (!stored) throw new Error(`The pause ${pauseKeyOf(request)} was written but cannot be read back.`);
  return stored;
};
var resume = async (stores, request, by, clock, onReleaseError) => {
  const key = pauseKeyOf(request);
  const started = await startResume(stores, key, {
    by,
    at: clock.now().toISOString(),
    reason: request.reason
  });
  if (!started) throw new PauseConflict(`There is no active pause ${key}.`);
  releasePause(stores, key, { ratePerSecond: request.rate ?? 10, by }, clock).catch(onReleaseError);
  const resuming = await stores.pauses.get(key);
  if (!resuming) throw new Error(`The pause ${key} cannot be read back.`);
  return resuming;
};

// cli/console/api/replay.ts
var import_client_sfn4 = require("@aws-sdk/client-sfn");
var import_zod8 = require("zod");
var PLAN_REASON = "plan from the console";
var PLAN_TIMEOUT_MS = 12e4;
var POLL_MS = 500;
var text3 = () => import_zod8.z.string().trim().min(1).max(512);
var isoTime2 = () => import_zod8.z.iso.datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2025-06-01T10:00:00Z" });
var ReplaySelectionSchema = import_zod8.z.strictObject({
  eventIds: import_zod8.z.array(text3()).min(1).max(MAX_LIMIT).optional(),
  source: import_zod8.z.enum(["dlq", "store"]).optional(),
  statuses: import_zod8.z.array(import_zod8.z.enum(SELECTABLE_STATUSES)).min(1).optional(),
  provider: text3().optional(),
  tenant: text3().optional(),
  type: text3().optional(),
  entity: import_zod8.z.string().regex(/^[^:\s]+:\S+$/, "must be written kind:id, e.g. customer:cus_123").optional(),
  since: isoTime2().optional(),
  until: isoTime2().optional(),
  limit: import_zod8.z.int().min(1).max(MAX_LIMIT).optional(),
  ratePerSecond: import_zod8.z.number().gt(0).max(MAX_RATE_PER_SECOND).optional(),
  force: import_zod8.z.boolean().optional(),
  renormalize: import_zod8.z.boolean().optional(),
  confirm: import_zod8.z.boolean().optional(),
  reason: import_zod8.z.string().trim().max(500).optional()
});
var replayInputFor = (selection, dryRun, now) => {
  if (!dryRun) {
    if (!selection.reason || selection.reason.length < 3)
      throw new BadRequest(
        "reason is required (at least 3 characters): say why you replay, it is written to every event's audit timeline."
      );
    if ((selection.force || selection.renormalize) && !selection.confirm)
      throw new BadRequest(
        "force and renormalize change what runs again: confirm them with confirm: true after reading the plan."
      );
  }
  try {
    return replayInputOf(
      {
        from: selection.source ?? "dlq",
        status: selection.statuses ? [...selection.statuses] : void 0,
        provider: selection.provider,
        type: selection.type,
        entity: selection.entity,
        tenant: selection.tenant,
        since: selection.since,
        until: selection.until,
        id: selection.eventIds ? [...selection.eventIds] : void 0,
        limit: selection.limit,
        rate: selection.ratePerSecond,
        force: selection.force,
        renormalize: selection.renormalize,
        reason: selection.reason || (dryRun ? PLAN_REASON : void 0),
        execute: !dryRun
      },
      now
    );
  } catch (error) {
    if (error instanceof CliError) throw new BadRequest(error.message);
    throw error;
  }
};
var EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
var executionArnOf = (stateMachineArn, name) => {
  if (!EXECUTION_NAME.test(name)) throw new BadRequest(`${name.slice(0, 80)} is not a replay execution id.`);
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
};
var startReplay = async (deps, input) => {
  const name = executionName(deps.now(), "console");
  await deps.sfn.send(
    new import_client_sfn4.StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(input) })
  );
  return name;
};
var planReplay = async (deps, input) => {
  const executionArn = executionArnOf(deps.stateMachineArn, await startReplay(deps, input));
  const deadline = deps.now().getTime() + PLAN_TIMEOUT_MS;
  for (; ; ) {
    const execution = await deps.sfn.send(new import_client_sfn4.DescribeExecutionCommand({ executionArn }));
    if (execution.status === "SUCCEEDED") return PlanSchema.parse(JSON.parse(execution.output ?? "{}"));
    if (execution.status !== "RUNNING" && execution.status !== "PENDING_REDRIVE")
      throw new Error(
        `The plan's execution ${execution.status?.toLowerCase() ?? "ended"}: ${causeText(execution.cause ?? execution.error ?? "no cause given")}`
      );
    if (deps.now().getTime() > deadline)
      throw new Error(
        `The plan took longer than ${PLAN_TIMEOUT_MS / 1e3} s; its execution is ${executionArn}.`
      );
    await deps.sleep(POLL_MS);
  }
};
var InputIdsSchema = import_zod8.z.object({
  filter: import_zod8.z.object({ eventIds: import_zod8.z.array(import_zod8.z.string()).optional() }).optional()
});
var idsOf = (input) => {
  try {
    return InputIdsSchema.parse(JSON.parse(input ?? "{}")).filter?.eventIds;
  } catch {
    return void 0;
  }
};
var replayRun = async (deps, executionId) => {
  const executionArn = executionArnOf(deps.stateMachineArn, executionId);
  let execution;
  try {
    execution = await deps.sfn.send(new import_client_sfn4.DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof Error && error.name === "ExecutionDoesNotExist") return void 0;
    throw error;
  }
  const { plan, summary } = await executionProgressOf(deps.sfn, executionArn, execution);
  const ids = idsOf(execution.input) ?? plan?.sample.map((event) => event.eventId) ?? [];
  const outcomes = (await deps.queries.states(ids)).map((state) => ({
    eventId: state.eventId,
    status: state.status
  }));
  const failed = execution.status !== "RUNNING" && execution.status !== "SUCCEEDED";
  return {
    executionId,
    status: execution.status ?? "RUNNING",
    startedAt: (execution.startDate ?? deps.now()).toISOString(),
    ...execution.stopDate ? { stoppedAt: execution.stopDate.toISOString() } : {},
    ...plan ? { plan } : {},
    ...summary ? { summary } : {},
    outcomes,
    ...failed ? { error: causeText(execution.cause ?? execution.error ?? "no cause given") } : {}
  };
};

// cli/console/server.ts
var DEFAULT_PORT = 4800;
var MAX_BODY_BYTES = 64 * 1024;
var CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8"
};
var CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ");
var SECURITY_HEADERS = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin"
};
var HttpError = class extends Error {
  constructor(status2, message, headers = {}) {
    super(message);
    this.status = status2;
    this.headers = headers;
    this.name = "HttpError";
  }
  status;
  headers;
};
var digest2 = (value) => (0, import_node_crypto27.createHash)("sha256").update(value).digest();
var sameToken = (offered, token) => offered !== void 0 && (0, import_node_crypto27.timingSafeEqual)(digest2(offered), digest2(token));
var cookieOf = (request, name) => {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const at2 = part.indexOf("=");
    if (at2 > 0 && part.slice(0, at2).trim() === name) return part.slice(at2 + 1).trim();
  }
  return void 0;
};
var headerOf = (request, name) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};
var issueText = (error) => {
  const issue = error.issues[0];
  if (!issue) return "The request is not valid.";
  const where = issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ` : "";
  return `${where}${issue.message.replace(/\.$/, "")}.`;
};
var parseWith = (schema, input) => {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new HttpError(400, issueText(parsed.error));
  return parsed.data;
};
var OverviewQuerySchema2 = import_zod9.z.strictObject({
  window: import_zod9.z.enum(WINDOWS).default("1h"),
  tenant: import_zod9.z.string().trim().min(1).max(256).optional(),
  provider: import_zod9.z.string().trim().min(1).max(256).optional(),
  channel: import_zod9.z.string().trim().min(1).max(256).optional(),
  target: import_zod9.z.string().trim().min(1).max(256).optional()
});
var EVENT_ID2 = /^[A-Za-z0-9_-]{1,128}$/;
var stackOf = (env) => {
  const tableName = env.output("EventTableName");
  const retentionDays = Number(env.outputs.RetentionDays ?? 30);
  const rawBodies = new RawBodies(env.s3, env.output("RawBucketName"));
  return {
    env,
    tableName,
    queries: new EventQueries(env.dynamodb, tableName),
    // With the raw-body bucket, a normalized event too large for its item is read from S3.
    store: new EventStore(env.dynamodb, { tableName, retentionDays }, rawBodies),
    rawBodies,
    messages: new MessageStore(env.dynamodb, { tableName, retentionDays }),
    pauses: pauseStoresOf(env)
  };
};
var listen = (server, port) => new Promise((done, fail) => {
  const onError = (error) => {
    server.off("listening", onListening);
    fail(error);
  };
  const onListening = () => {
    server.off("error", onError);
    done(server.address().port);
  };
  server.once("error", onError);
  server.once("listening", onListening);
  server.listen(port, "127.0.0.1");
});
var startConsole = async (deps, options = {}) => {
  const token = (0, import_node_crypto27.randomBytes)(32).toString("base64url");
  const redactor = payloadRedactor(deps.redactPaths);
  let port = 0;
  let closed = false;
  let stack;
  const connected = () => {
    if (stack) return stack;
    const attempt = deps.connect().then(stackOf);
    stack = attempt;
    attempt.catch(() => {
      if (stack === attempt) stack = void 0;
    });
    return attempt;
  };
  const session = async () => {
    const { catalog, target } = deps;
    try {
      const { env } = await connected();
      const routes2 = webhookRoutes(env.outputs);
      return {
        stack: env.stackName,
        local: env.local,
        region: env.region,
        connected: true,
        providers: [...new Set(routes2.map((r) => r.provider))].sort(),
        tenants: [.../* @__PURE__ */ new Set(["default", ...routes2.map((r) => r.tenant), ...catalog.tenants])].sort(),
        channels: [...catalog.channels].sort(),
        targets: [...catalog.targets].sort()
      };
    } catch (error) {
      return {
        stack: target.stack,
        local: target.local,
        region: target.region ?? "",
        connected: false,
        problem: sentenceOf(error, target.local),
        providers: [],
        tenants: [],
        channels: [...catalog.channels].sort(),
        targets: [...catalog.targets].sort()
      };
    }
  };
  const reach = async () => {
    try {
      return await connected();
    } catch (error) {
      throw new HttpError(503, sentenceOf(error, deps.target.local));
    }
  };
  const eventsDeps = (s) => ({
    client: s.env.dynamodb,
    tableName: s.tableName,
    store: s.store,
    rawBodies: s.rawBodies,
    messages: s.messages,
    targetIds: deps.catalog.targets,
    redactor,
    now: deps.now()
  });
  const replayDeps = (s) => ({
    sfn: s.env.sfn,
    stateMachineArn: s.env.output("ReplayStateMachineArn"),
    queries: s.queries,
    now: () => deps.now(),
    sleep: (ms) => deps.sleep(ms)
  });
  const releaseClock = {
    now: () => deps.now(),
    sleep: (ms) => closed ? Promise.reject(new Error("the console stopped")) : deps.sleep(ms)
  };
  const routes = [
    { method: "GET", path: /^\/api\/session$/, handle: () => session() },
    {
      method: "GET",
      path: /^\/api\/overview$/,
      handle: async ({ query }) => {
        const asked = parseWith(OverviewQuerySchema2, Object.fromEntries(query));
        const s = await reach();
        return deps.overview(s.env, asked, deps.now());
      }
    },
    {
      method: "GET",
      path: /^\/api\/events$/,
      handle: async ({ query }) => {
        const asked = parseWith(EventsQuerySchema, Object.fromEntries(query));
        return searchEvents(eventsDeps(await reach()), asked);
      }
    },
    {
      method: "GET",
      path: /^\/api\/events\/([^/]+)$/,
      handle: async ({ params: [id2 = ""] }) => {
        if (!EVENT_ID2.test(id2)) throw new HttpError(400, `${id2.slice(0, 128)} is not an event id.`);
        const detail = await eventDetail(eventsDeps(await reach()), id2);
        if (!detail)
          throw new HttpError(
            404,
            `No event has the id ${id2}; if it expired (retentionDays), its timeline is in the audit archive: relayflow audit query --event ${id2}.`
          );
        return detail;
      }
    },
    {
      method: "GET",
      path: /^\/api\/dead-letters$/,
      handle: async () => {
        const s = await reach();
        return deadLetters({
          queries: s.queries,
          queueHealth: () => deadLetterQueueHealth(s.env, deps.now()),
          redactor
        });
      }
    },
    {
      method: "POST",
      path: /^\/api\/replay\/plan$/,
      handle: async ({ body }) => {
        const selection = parseWith(ReplaySelectionSchema, body);
        const input = replayInputFor(selection, true, deps.now());
        return { plan: await planReplay(replayDeps(await reach()), input) };
      }
    },
    {
      method: "POST",
      path: /^\/api\/replay$/,
      handle: async ({ body }) => {
        const selection = parseWith(ReplaySelectionSchema, body);
        const input = replayInputFor(selection, false, deps.now());
        return { executionId: await startReplay(replayDeps(await reach()), input) };
      }
    },
    {
      method: "GET",
      // `plan` is the POST route's, not an execution's id.
      path: /^\/api\/replay\/(?!plan$)([^/]+)$/,
      handle: async ({ params: [id2 = ""] }) => {
        const run = await replayRun(replayDeps(await reach()), id2);
        if (!run) throw new HttpError(404, `No replay execution ${id2}.`);
        return run;
      }
    },
    {
      method: "GET",
      path: /^\/api\/pauses$/,
      handle: async () => ({ pauses: await activePauses((await reach()).pauses) })
    },
    {
      method: "POST",
      path: /^\/api\/pauses$/,
      handle: async ({ body }) => {
        const asked = parseWith(PauseRequestSchema, body);
        return { pause: await pause((await reach()).pauses, asked, deps.operator, deps.now()) };
      }
    },
    {
      method: "POST",
      path: /^\/api\/resume$/,
      handle: async ({ body }) => {
        const asked = parseWith(PauseRequestSchema, body);
        const resumed = await resume(
          (await reach()).pauses,
          asked,
          deps.operator,
          releaseClock,
          (error) => deps.log(
            `relayflow console: the release of ${asked.scope} ${asked.id} stopped: ${sentenceOf(error, deps.target.local)}`
          )
        );
        return { pause: resumed };
      }
    }
  ];
  const send = (response, status2, body, headers) => {
    response.writeHead(status2, {
      ...SECURITY_HEADERS,
      "Content-Length": String(Buffer.byteLength(body)),
      ...headers
    });
    response.end(response.req.method === "HEAD" ? void 0 : body);
  };
  const sendJson = (response, status2, value, headers = {}) => send(response, status2, JSON.stringify(value), {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    ...headers
  });
  const sendText = (response, status2, text4, headers = {}) => send(response, status2, `${text4}
`, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-store",
    ...headers
  });
  const refuse2 = (response, api, error) => api ? sendJson(response, error.status, { error: error.message }, error.headers) : sendText(response, error.status, error.message, error.headers);
  const readBody = async (request) => {
    const type = headerOf(request, "content-type") ?? "";
    if (!/^application\/json(\s*;|$)/i.test(type))
      throw new HttpError(415, "Send the body as JSON (Content-Type: application/json).");
    const declared = Number(headerOf(request, "content-length") ?? 0);
    if (declared > MAX_BODY_BYTES)
      throw new HttpError(413, `The body is larger than ${MAX_BODY_BYTES / 1024} KB.`);
    const chunks = [];
    let size = 0;
    for await (const chunk of request) {
      const bytes = chunk;
      size += bytes.length;
      if (size > MAX_BODY_BYTES)
        throw new HttpError(413, `The body is larger than ${MAX_BODY_BYTES / 1024} KB.`);
      chunks.push(bytes);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      throw new HttpError(400, "The body is not valid JSON.");
    }
  };
  const handleApi = async (request, response, url3, viaHeader) => {
    const method = request.method ?? "GET";
    const matching2 = routes.filter((route2) => route2.path.test(url3.pathname));
    if (matching2.length === 0) throw new HttpError(404, `No API route ${url3.pathname}.`);
    const route = matching2.find((r) => r.method === method);
    if (!route) {
      const allowed = [...new Set(matching2.map((r) => r.method))].join(", ");
      throw new HttpError(405, `${url3.pathname} answers ${allowed} only.`, { Allow: allowed });
    }
    if (method === "POST" && !viaHeader)
      throw new HttpError(403, `State-changing calls need the ${TOKEN_HEADER} header, not only the cookie.`);
    const params = (route.path.exec(url3.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
    const body = method === "POST" ? await readBody(request) : void 0;
    try {
      const answer = await route.handle({ query: url3.searchParams, body, params });
      sendJson(response, 200, answer);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (error instanceof BadRequest) throw new HttpError(400, error.message);
      if (error instanceof PauseConflict) throw new HttpError(409, error.message);
      if (error instanceof CliError) throw new HttpError(503, error.message);
      if (/ECONNREFUSED/.test(String(error)) || /ECONNREFUSED/.test(String(error.cause)))
        stack = void 0;
      throw new HttpError(500, sentenceOf(error, deps.target.local));
    }
  };
  const handleStatic = async (request, response, url3) => {
    if (request.method !== "GET" && request.method !== "HEAD")
      throw new HttpError(405, "Pages answer GET only.", { Allow: "GET, HEAD" });
    const root = (0, import_node_path4.resolve)(deps.assetsDir);
    if (url3.pathname.startsWith("/assets/")) {
      const file = (0, import_node_path4.resolve)(root, `.${decodeURIComponent(url3.pathname)}`);
      if (!file.startsWith(`${(0, import_node_path4.join)(root, "assets")}${import_node_path4.sep}`)) throw new HttpError(404, "No such file.");
      let bytes;
      try {
        bytes = await (0, import_promises.readFile)(file);
      } catch {
        throw new HttpError(404, "No such file.");
      }
      send(response, 200, bytes, {
        "Content-Type": CONTENT_TYPES[(0, import_node_path4.extname)(file).toLowerCase()] ?? "application/octet-stream",
        "Cache-Control": "no-cache"
      });
      return;
    }
    let page;
    try {
      page = await (0, import_promises.readFile)((0, import_node_path4.join)(root, "index.html"), "utf8");
    } catch {
      sendText(
        response,
        503,
        `The console's web UI is not built (no ${(0, import_node_path4.join)(root, "index.html")}): run npm run build:console, then reload this page.`
      );
      return;
    }
    const meta = `<meta name="relayflow-token" content="${token}">`;
    const injected = /<head[^>]*>/i.test(page) ? page.replace(/<head[^>]*>/i, (head) => `${head}${meta}`) : `${meta}${page}`;
    send(response, 200, injected, {
      "Content-Type": CONTENT_TYPES[".html"] ?? "text/html",
      "Cache-Control": "no-store"
    });
  };
  const allowedHosts = () => /* @__PURE__ */ new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const handle = async (request, response) => {
    const host = (headerOf(request, "host") ?? "").toLowerCase();
    const url3 = new URL(request.url ?? "/", "http://console.invalid");
    const api = url3.pathname === "/api" || url3.pathname.startsWith("/api/");
    try {
      if (!allowedHosts().has(host))
        throw new HttpError(
          403,
          `The console answers only requests to 127.0.0.1:${port} or localhost:${port}.`
        );
      const origin = headerOf(request, "origin");
      if (origin !== void 0 && origin !== `http://${host}`)
        throw new HttpError(403, "Requests from another origin are refused.");
      if (headerOf(request, "sec-fetch-site") === "cross-site")
        throw new HttpError(403, "Requests from another site are refused.");
      const offered = url3.searchParams.get("token");
      if (offered !== null) {
        if (!sameToken(offered, token) || request.method !== "GET")
          throw new HttpError(401, "This console link is not valid: open the URL relayflow console printed.");
        url3.searchParams.delete("token");
        send(response, 302, "", {
          Location: `${url3.pathname}${url3.search}`,
          "Set-Cookie": `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          "Cache-Control": "no-store"
        });
        return;
      }
      const viaHeader = sameToken(headerOf(request, TOKEN_HEADER), token);
      if (!viaHeader && !sameToken(cookieOf(request, TOKEN_COOKIE), token))
        throw new HttpError(401, "Open the URL relayflow console printed: it carries this session\u2019s token.");
      if (api) await handleApi(request, response, url3, viaHeader);
      else await handleStatic(request, response, url3);
    } catch (error) {
      const refusal = error instanceof HttpError ? error : new HttpError(500, sentenceOf(error, deps.target.local));
      if (refusal.status >= 500)
        deps.log(
          `relayflow console: ${request.method ?? "GET"} ${url3.pathname} failed (${refusal.status}): ${refusal.message}`
        );
      if (response.headersSent) response.destroy();
      else refuse2(response, api, refusal);
    }
  };
  const server = (0, import_node_http.createServer)((request, response) => {
    void handle(request, response);
  });
  if (options.port === void 0) {
    try {
      port = await listen(server, DEFAULT_PORT);
    } catch (error) {
      if (error.code !== "EADDRINUSE") throw error;
      port = await listen(server, 0);
    }
  } else {
    try {
      port = await listen(server, options.port);
    } catch (error) {
      if (error.code === "EADDRINUSE")
        throw new CliError(
          `Port ${options.port} is in use; pass another --port, or --port 0 for any free port.`
        );
      throw error;
    }
  }
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      closed = true;
      await new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      const current = stack;
      stack = void 0;
      if (current) await current.then((s) => destroyClients(s.env)).catch(() => void 0);
    }
  };
};
var destroyClients = (env) => {
  for (const client of [
    env.dynamodb,
    env.sqs,
    env.sfn,
    env.secrets,
    env.sns,
    env.cloudwatch,
    env.lambda,
    env.s3,
    env.athena,
    env.scheduler
  ])
    client?.destroy?.();
};

// cli/commands/console.ts
var portOf = (value) => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new import_commander3.InvalidArgumentError("must be a port number from 0 (any free port) to 65535");
  return port;
};
var fromConfig = (config) => ({
  redactPaths: config.observability.piiPaths,
  catalog: {
    tenants: config.tenants.map((t) => t.id),
    channels: Object.keys(config.channels),
    targets: [...new Set(config.routes.flatMap((route) => route.targets.map(targetIdOf)))]
  }
});
var openInBrowser = (url3) => {
  const [command, args] = process.platform === "darwin" ? ["open", [url3]] : process.platform === "win32" ? ["cmd", ["/c", "start", '""', url3]] : ["xdg-open", [url3]];
  try {
    const child = (0, import_node_child_process.spawn)(command, args, { stdio: "ignore", detached: true });
    child.on("error", () => void 0);
    child.unref();
  } catch {
  }
};
var interrupted = () => new Promise((done) => {
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    done();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
});
var registerConsole = (program, deps, globals) => {
  program.command("console").description(
    "Open the operator console: a web UI on 127.0.0.1, run with your own credentials (or --local), until Ctrl-C"
  ).option(
    "--port <port>",
    "port on 127.0.0.1 (default 4800, else any free port; 0 for any free port)",
    portOf
  ).option("--no-open", "print the URL without opening a browser").action(async (options) => {
    const connectOptions = globals();
    let configured;
    try {
      configured = fromConfig(await deps.loadConfig());
    } catch (error) {
      deps.output.err(
        `relayflow console: the configuration could not be read (${sentenceOf(error, connectOptions.local).replace(/\.$/, "")}); payloads are redacted by the built-in rules only.`
      );
      configured = { redactPaths: [], catalog: { tenants: [], channels: [], targets: [] } };
    }
    const consoleDeps = {
      connect: () => deps.connect(connectOptions),
      target: connectOptions,
      now: () => deps.now(),
      sleep: (ms) => deps.sleep(ms),
      assetsDir: (0, import_node_path5.join)(deps.projectRoot, "cli", "dist", "console"),
      overview,
      ...configured,
      operator: operator(),
      log: (message) => deps.output.err(message)
    };
    const stop = interrupted();
    const running = await startConsole(
      consoleDeps,
      options.port === void 0 ? {} : { port: options.port }
    );
    deps.output.out(
      [
        `RelayFlow console for ${connectOptions.local ? "the local runtime" : `stack ${connectOptions.stack}`}:`,
        `  ${running.url}`,
        "The link carries this session\u2019s token: keep it to yourself. Ctrl-C stops the console."
      ].join("\n")
    );
    if (options.open) openInBrowser(running.url);
    await stop;
    await running.close();
  });
};

// cli/commands/dlq.ts
var registerDlq = (program, deps, globals) => {
  program.command("dlq").description("Dead-letter queue: depth, oldest message age and a sample with each event's status").option(
    "--sample <n>",
    "messages to read (they are made visible again at once)",
    positiveInt("--sample", 1e3),
    10
  ).action(async (options) => {
    const env = await deps.connect(globals());
    const deadLetters2 = new DeadLetterQueue(env.sqs, env.output("DeadLetterQueueUrl"));
    const queries = new EventQueries(env.dynamodb, env.output("EventTableName"));
    const depth = await deadLetters2.depth();
    const messages = await deadLetters2.peek(options.sample);
    const states = new Map(
      (await queries.states(messages.flatMap((m) => m.claim ? [m.claim.eventId] : []))).map((s) => [
        s.eventId,
        s
      ])
    );
    const now = deps.now();
    const oldest = messages.map((m) => m.sentAt).filter((t) => Boolean(t)).sort()[0];
    const sample = messages.map((m) => {
      const state = m.claim ? states.get(m.claim.eventId) : void 0;
      return {
        messageId: m.messageId,
        groupId: m.groupId,
        sentAt: m.sentAt,
        eventId: m.claim?.eventId,
        status: state?.status ?? (m.claim ? "NOT IN STORE" : "NOT A CLAIM CHECK"),
        type: state?.type,
        lastError: state?.lastError
      };
    });
    if (globals().json) {
      deps.output.out(json({ depth, oldestSentAt: oldest, sample }));
      return;
    }
    const lines = [
      `Dead-letter queue: ${depth.visible} visible, ${depth.inFlight} in flight.${oldest ? ` Oldest sampled message was first sent ${age(oldest, now)} ago (${oldest}).` : ""}`
    ];
    if (sample.length > 0) {
      lines.push(
        "",
        table(
          ["EVENT", "STATUS", "TYPE", "GROUP", "SENT", "LAST ERROR"],
          sample.map((s) => [s.eventId ?? s.messageId, s.status, s.type, s.groupId, s.sentAt, s.lastError])
        )
      );
      lines.push("", 'Replay them: relayflow replay --reason "\u2026" (a dry run; add --execute).');
    }
    deps.output.out(lines.join("\n"));
  });
};

// cli/commands/doctor.ts
var import_node_crypto28 = require("node:crypto");
var import_client_cloudwatch3 = require("@aws-sdk/client-cloudwatch");
var import_client_lambda2 = require("@aws-sdk/client-lambda");
var import_client_secrets_manager5 = require("@aws-sdk/client-secrets-manager");
var import_client_sfn5 = require("@aws-sdk/client-sfn");
var import_client_sns2 = require("@aws-sdk/client-sns");
var import_zod11 = require("zod");

// cli/doctor-checks.ts
var import_zod10 = require("zod");
var DEAD_LETTER_SAMPLE = 100;
var plural2 = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
var counted = (items) => {
  const counts = /* @__PURE__ */ new Map();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).map(([item, count]) => `${count} ${item}`).join(", ");
};
var SecretDocumentSchema2 = import_zod10.z.object({ signingSecrets: import_zod10.z.array(import_zod10.z.string()) });
var secretCheck = (name, secretId, stored, fixes) => {
  if (stored === void 0)
    return { name, ok: false, detail: `${secretId} does not exist`, fix: fixes.redeploy };
  let document;
  try {
    document = SecretDocumentSchema2.parse(JSON.parse(stored));
  } catch {
    document = void 0;
  }
  if (!document)
    return {
      name,
      ok: false,
      detail: `${secretId} is not {"signingSecrets": [...]}: every delivery is answered 503`,
      fix: fixes.set
    };
  const active = document.signingSecrets.filter((secret) => secret.length > 0).length;
  if (active === 0)
    return {
      name,
      ok: false,
      detail: `${secretId} holds no signing secret: every delivery is answered 503 and retried by the provider`,
      fix: fixes.set
    };
  return {
    name,
    ok: true,
    detail: active === 1 ? "1 signing secret set" : `${active} signing secrets set (a rotation is under way)`
  };
};
var secretFix = (provider, tenant2, remedies) => {
  const variable = secretVariableFor(provider, remedies.local ? void 0 : tenant2);
  return remedies.local ? `restart npm start with ${variable}=<${provider}'s signing secret>` : `put ${provider}'s signing secret in ${variable}, then run ${remedies.relayflow(
    `secrets set ${provider}${tenant2 ? ` --tenant ${tenant2}` : ""} --from-env ${variable}`
  )}`;
};
var subscriptionCheck = (subscriptions, remedies) => {
  const name = "alarm topic subscription";
  const described = (list) => list.map((s) => `${s.protocol} ${s.endpoint}`).join(", ");
  const confirmed = subscriptions.filter((s) => s.confirmed);
  if (confirmed.length > 0) return { name, ok: true, detail: `confirmed: ${described(confirmed)}` };
  if (subscriptions.length > 0) {
    return {
      name,
      ok: false,
      detail: `${plural2(subscriptions.length, "subscription waits", "subscriptions wait")} for confirmation (${described(subscriptions)}): alarms reach no one`,
      fix: `follow the Confirm subscription link in the message AWS Notifications sent to ${subscriptions.map((s) => s.endpoint).join(" and ")}`
    };
  }
  return {
    name,
    ok: false,
    detail: "the alarm topic has no subscription: alarms reach no one",
    fix: `set alarmEmail in relayflow.config.ts and ${remedies.local ? "restart npm start" : "deploy: npx cdk deploy"}`
  };
};
var unexplained = ({ claimed, state }) => {
  if (!claimed) return "not a claim check";
  if (!state) return "event not in the store";
  if (state.status !== "DEAD_LETTERED" && state.status !== "COMPENSATION_FAILED")
    return `event ${state.status}`;
  return state.lastError ? void 0 : "no error recorded";
};
var deadLetterCheck = (depth, read3, remedies) => {
  const name = "dead-letter queue";
  const total = depth.visible + depth.inFlight;
  if (total === 0) return { name, ok: true, detail: "empty" };
  const replay = remedies.relayflow('replay --from dlq --reason "<why>"');
  const classes = read3.flatMap(
    (r) => unexplained(r) === void 0 ? [errorClassOf(r.state?.lastError)] : []
  );
  const reasons = read3.flatMap((r) => unexplained(r) ?? []);
  const notRead = Math.max(0, total - read3.length);
  const parts = [
    ...classes.length > 0 ? [`${plural2(classes.length, "DEAD_LETTERED event")} (${counted(classes)})`] : [],
    ...reasons.length > 0 ? [`${reasons.length} unexplained (${counted(reasons)})`] : [],
    ...notRead > 0 ? [
      `${notRead} not read (in flight${total > DEAD_LETTER_SAMPLE ? `, or past the first ${DEAD_LETTER_SAMPLE}` : ""})`
    ] : []
  ];
  const detail = `${plural2(total, "message")}: ${parts.join(", ")}`;
  if (read3.length === 0) {
    return {
      name,
      ok: false,
      detail,
      fix: `run ${remedies.relayflow("doctor")} again once the replay (or other reader) holding them is done`
    };
  }
  if (reasons.length === 0)
    return {
      name,
      ok: true,
      detail: `${detail}; once the cause is fixed, replay them: ${replay} (a dry run; add --execute)`
    };
  const fixes = [
    `read them with ${remedies.relayflow("dlq")}`,
    ...reasons.some((r) => r.startsWith("event ") && r !== "event not in the store") ? [
      `a DLQ replay deletes the messages of events already queued or processed again, and replays the DEAD_LETTERED ones: ${replay} (a dry run; add --execute)`
    ] : [],
    ...reasons.some((r) => r === "not a claim check" || r === "event not in the store") ? ["delete a message that names no stored event by hand once understood (aws sqs delete-message)"] : []
  ];
  return { name, ok: false, detail, fix: fixes.join("; ") };
};
var alarmChecks = (alarms, stackName, remedies) => {
  if (alarms.length === 0)
    return [
      { name: "alarms", ok: false, detail: "no alarm notifies the alarm topic", fix: remedies.redeploy }
    ];
  const firing = alarms.filter((alarm) => alarm.state === "ALARM");
  if (firing.length === 0)
    return [{ name: "alarms", ok: true, detail: `none of ${plural2(alarms.length, "alarm")} is firing` }];
  return firing.map((alarm) => {
    const [meaning = "", runbook] = (alarm.description ?? "").split(/\s*Runbook:\s*/);
    const short = alarm.name.startsWith(`${stackName}-`) ? alarm.name.slice(stackName.length + 1) : alarm.name;
    return {
      name: `alarm ${short}`,
      ok: false,
      detail: `firing${alarm.reason ? ` (${alarm.reason.replace(/\.$/, "")})` : ""}${meaning ? `: ${meaning.replace(/\.$/, "")}` : ""}`,
      fix: `follow ${runbook?.trim() || "docs/operations.md#alarms"}`
    };
  });
};
var mappingCheck = (uuid, mapping, remedies) => {
  const name = "consumer event source mapping";
  if (!mapping) return { name, ok: false, detail: `no event source mapping ${uuid}`, fix: remedies.redeploy };
  if (mapping.state === "Enabled") return { name, ok: true, detail: "enabled" };
  if (mapping.state === "Disabled") {
    return {
      name,
      ok: false,
      detail: `disabled${mapping.reason ? ` (${mapping.reason})` : ""}: the consumer reads nothing and the main queue grows`,
      fix: remedies.local ? "restart npm start (it enables every event source mapping)" : `aws lambda update-event-source-mapping --uuid ${uuid} --enabled`
    };
  }
  return {
    name,
    ok: false,
    detail: `${mapping.state ?? "in no state"}: it is changing`,
    fix: `run ${remedies.relayflow("doctor")} again in a minute`
  };
};
var stateMachineCheck = (arn, status2, remedies) => {
  const name = "replay state machine";
  if (status2 === "ACTIVE") return { name, ok: true, detail: "ACTIVE" };
  return {
    name,
    ok: false,
    detail: status2 ? `${arn} is ${status2}` : `${arn} does not exist`,
    fix: remedies.redeploy
  };
};
var apiCheck = (apiUrl, answer, remedies) => {
  const name = "api";
  if ("error" in answer) {
    return {
      name,
      ok: false,
      detail: `${apiUrl} could not be reached: ${answer.error.replace(/\.$/, "")}`,
      fix: remedies.local ? "start the local runtime: npm start" : `check the network path from here to ${apiUrl}`
    };
  }
  if (answer.status === 404) return { name, ok: true, detail: "an unknown provider's URL is answered 404" };
  return {
    name,
    ok: false,
    detail: `an unknown provider's URL was answered ${answer.status}, not 404`,
    fix: `check that ApiUrl (${apiUrl}) is this stack's API and that nothing in front of it answers for it`
  };
};
var renameStrings = (value, rename) => {
  if (typeof value === "string") return rename(value);
  if (Array.isArray(value)) return value.map((item) => renameStrings(item, rename));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renameStrings(item, rename)]));
  return value;
};
var parsedJson = (body) => {
  try {
    return { value: JSON.parse(body.toString("utf8")) };
  } catch {
    return void 0;
  }
};
var freshTestRequest = (entry, request, url3, suffix) => {
  const idsOf2 = ({ headers: headers2, body: body2 }) => {
    const webhook = {
      method: "POST",
      url: url3,
      path: new URL(url3).pathname,
      rawQueryString: "",
      headers: Object.fromEntries(Object.entries(headers2).map(([key, value]) => [key.toLowerCase(), value])),
      body: body2,
      sourceIp: "127.0.0.1"
    };
    return new Set(
      entry.provider.normalize(webhook, entry.options).flatMap((item) => item.kind === "event" ? [item.draft.externalId] : item.externalId ?? [])
    );
  };
  const before = idsOf2(request);
  if (before.size === 0) return void 0;
  let renamed = 0;
  const rename = (text4) => {
    if (!before.has(text4)) return text4;
    renamed += 1;
    return `${text4}${suffix}`;
  };
  const json2 = parsedJson(request.body);
  const body = json2 ? renameStrings(json2.value, rename) : void 0;
  const bodyChanged = renamed > 0;
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([key, value]) => [key, rename(value)])
  );
  const fresh = { headers, body: bodyChanged ? Buffer.from(JSON.stringify(body)) : request.body };
  const after = idsOf2(fresh);
  const isNew = after.size > 0 && [...after].every((id2) => !before.has(id2));
  const bound = entry.provider.identityFromUnsignedHeaders(entry.options);
  return isNew && (bodyChanged || !bound) ? fresh : void 0;
};
var SETTLED = /* @__PURE__ */ new Set([
  "PROCESSED",
  "STALE",
  "DEAD_LETTERED",
  "QUARANTINED",
  "COMPENSATED",
  "COMPENSATION_FAILED",
  "HELD"
]);
var testEventCheck = (provider, state, waitedMs, timedOut, remedies) => {
  const name = "test event";
  const seconds2 = (waitedMs / 1e3).toFixed(1);
  const event = `${provider} event ${state.eventId}`;
  const show2 = remedies.relayflow(`events show ${state.eventId}`);
  if (state.status === "PROCESSED")
    return { name, ok: true, detail: `${event} reached PROCESSED in ${seconds2} s` };
  const error = state.lastError ? `: ${state.lastError}` : "";
  if (timedOut) {
    return {
      name,
      ok: false,
      detail: `${event} was still ${state.status} after ${seconds2} s${state.lastError ? ` (${state.lastError})` : ""}`,
      fix: `follow it with ${show2}: RECEIVED or QUEUED means the consumer does not read the queue (see the event source mapping line), RETRYING that a target fails (docs/operations.md#oldestmessagetooold)`
    };
  }
  const runbook = {
    DEAD_LETTERED: "docs/operations.md#deadletterqueuenotempty",
    QUARANTINED: "docs/operations.md#quarantined",
    COMPENSATION_FAILED: "docs/operations.md#compensationfailed",
    HELD: "docs/flow-control.md#pause-and-resume (relayflow status lists the pauses)"
  };
  return {
    name,
    ok: false,
    detail: `${event} ended ${state.status}${error}`,
    fix: state.status === "STALE" ? `its route skips events older than its entity's latest (onStale: 'skip'); test with another provider: ${remedies.relayflow("doctor --send-test <provider>")}` : `${show2} says why; then follow ${runbook[state.status] ?? "docs/operations.md"}`
  };
};
var lineOf = (check) => `${check.ok ? "\u2713" : "\u2717"} ${check.name}: ${check.detail}${check.ok || !check.fix ? "" : `. Fix: ${check.fix}`}`;

// cli/commands/doctor.ts
var ResponseSchema = import_zod11.z.object({
  correlationId: import_zod11.z.string().optional(),
  events: import_zod11.z.array(import_zod11.z.object({ id: import_zod11.z.string() })).optional()
});
var unlessMissing = async (codes, ask) => {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && codes.includes(error.name)) return void 0;
    throw error;
  }
};
var notChecked = (name, error, remedies) => {
  if (error instanceof CliError)
    return { name, ok: false, detail: error.message.replace(/\.$/, ""), fix: remedies.redeploy };
  return {
    name,
    ok: false,
    detail: `could not be checked: ${sentenceOf(error, remedies.local).replace(/\.$/, "")}`,
    fix: remedies.local ? "restart npm start" : "check that your credentials may read it, then run relayflow doctor again"
  };
};
var checked = async (name, remedies, run) => {
  try {
    return [await run()].flat();
  } catch (error) {
    return [notChecked(name, error, remedies)];
  }
};
var DEFAULT_STACK = "RelayFlow";
var secretTargets = (env) => webhookRoutes(env.outputs).sort(
  (a, b) => a.provider.localeCompare(b.provider) || (a.tenant === "default" ? "" : a.tenant).localeCompare(b.tenant === "default" ? "" : b.tenant)
).flatMap(({ provider, tenant: tenant2 }) => {
  const target = secretTargetOf(env, provider, tenant2 === "default" ? void 0 : tenant2);
  if (target.shared) return [];
  return [
    {
      name: `secret ${provider}${target.tenant ? ` (tenant ${target.tenant})` : ""}`,
      provider,
      tenant: target.tenant,
      secretId: target.secretId
    }
  ];
});
var subscriptionsOf = async (env, topicArn) => {
  const found = [];
  let token;
  do {
    const page = await env.sns.send(
      new import_client_sns2.ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token })
    );
    for (const s of page.Subscriptions ?? []) {
      found.push({
        protocol: s.Protocol ?? "",
        endpoint: s.Endpoint ?? "",
        confirmed: Boolean(s.SubscriptionArn?.startsWith("arn:"))
      });
    }
    token = page.NextToken;
  } while (token);
  return found;
};
var alarmsOf = async (env, topicArn) => {
  const found = [];
  let token;
  do {
    const page = await env.cloudwatch.send(
      new import_client_cloudwatch3.DescribeAlarmsCommand({ ActionPrefix: topicArn, MaxRecords: 100, NextToken: token })
    );
    for (const alarm of page.MetricAlarms ?? []) {
      if (!alarm.AlarmName) continue;
      found.push({
        name: alarm.AlarmName,
        description: alarm.AlarmDescription,
        state: alarm.StateValue,
        reason: alarm.StateReason
      });
    }
    token = page.NextToken;
  } while (token);
  return found.sort((a, b) => a.name.localeCompare(b.name));
};
var readDeadLetters = async (env, remedies) => {
  const deadLetters2 = new DeadLetterQueue(env.sqs, env.output("DeadLetterQueueUrl"));
  const queries = new EventQueries(env.dynamodb, env.output("EventTableName"));
  const depth = await deadLetters2.depth();
  if (depth.visible === 0 && depth.inFlight === 0) return deadLetterCheck(depth, [], remedies);
  const messages = await deadLetters2.peek(DEAD_LETTER_SAMPLE);
  const states = new Map(
    (await queries.states(messages.flatMap((m) => m.claim ? [m.claim.eventId] : []))).map((s) => [
      s.eventId,
      s
    ])
  );
  return deadLetterCheck(
    depth,
    messages.map((m) => {
      const state = m.claim ? states.get(m.claim.eventId) : void 0;
      return { claimed: m.claim !== void 0, ...state ? { state } : {} };
    }),
    remedies
  );
};
var testRequest = async (deps, env, remedies, requested, secretsSet, suffix) => {
  const enabled = [...new Set(webhookRoutes(env.outputs).map((route) => route.provider))].sort();
  const refused = [];
  const another = `test another provider: ${remedies.relayflow("doctor --send-test <provider>")}`;
  for (const provider of requested ? [requested] : enabled) {
    if (!enabled.includes(provider)) {
      refused.push({ reason: `${provider} is not enabled in this stack`, fix: another });
      continue;
    }
    if (!secretsSet.has(provider)) {
      refused.push({
        reason: `${provider} has no signing secret set`,
        fix: `set ${provider}'s signing secret (its secret line says how)`
      });
      continue;
    }
    let entry;
    let fixture;
    try {
      entry = await resolvedFor(deps, provider);
      fixture = loadRequest(deps.projectRoot, provider, void 0);
    } catch (error) {
      refused.push({
        reason: `${provider}: ${sentenceOf(error, env.local).replace(/\.$/, "")}`,
        fix: another
      });
      continue;
    }
    const request = freshTestRequest(entry, fixture, env.output(`WebhookUrl${outputId2(provider)}`), suffix);
    if (request) return { entry, request };
    refused.push({ reason: `${provider}'s fixtures cannot be made into a new event`, fix: another });
  }
  return { refused };
};
var sendTestEvent = async (deps, env, remedies, options) => {
  const name = "test event";
  const suffix = `-doctor-${(0, import_node_crypto28.randomBytes)(4).toString("hex")}`;
  const chosen = await testRequest(deps, env, remedies, options.requested, options.secretsSet, suffix);
  if ("refused" in chosen) {
    const first = chosen.refused.find((r) => r.reason.endsWith("no signing secret set")) ?? chosen.refused[0];
    return {
      check: {
        name,
        ok: false,
        detail: options.requested ? chosen.refused.map((r) => r.reason).join("; ") : `no provider can send a test event (${chosen.refused.map((r) => r.reason).join("; ")})`,
        fix: first?.fix ?? remedies.redeploy
      }
    };
  }
  const { entry, request } = chosen;
  const answer = await signAndPost(deps, env, entry, request, {});
  if (answer.status !== 202) {
    return {
      check: {
        name,
        ok: false,
        detail: `${entry.id}'s webhook answered ${answer.status}, not 202: ${answer.body.slice(0, 200)}`,
        fix: answer.status >= 500 ? "follow docs/operations.md#apiservererrors" : `${remedies.relayflow(`send ${entry.id}`)} shows the whole answer`
      }
    };
  }
  const tableName = env.output("EventTableName");
  const queries = new EventQueries(env.dynamodb, tableName);
  const parsed = ResponseSchema.safeParse(parsedJson(Buffer.from(answer.body))?.value);
  const listed = parsed.success ? (parsed.data.events ?? []).map((e) => e.id) : [];
  const correlationId = answer.correlationId ?? (parsed.success ? parsed.data.correlationId : void 0);
  const eventId = listed[0] ?? (correlationId ? (await queries.correlated(correlationId))[0] : void 0);
  if (!eventId) {
    return {
      check: {
        name,
        ok: false,
        detail: `${entry.id}'s webhook answered 202 but named no event`,
        fix: `${remedies.relayflow(`events show ${correlationId ?? "<correlation id>"}`)} finds it`
      }
    };
  }
  const started = deps.now().getTime();
  let state = await queries.state(eventId);
  while (!(state && SETTLED.has(state.status)) && deps.now().getTime() - started < options.timeoutMs) {
    await deps.sleep(500);
    state = await queries.state(eventId);
  }
  const waited = deps.now().getTime() - started;
  if (!state) {
    return {
      check: {
        name,
        ok: false,
        detail: `${entry.id} event ${eventId} was accepted but is not in the store`,
        fix: "follow docs/operations.md#apiservererrors"
      }
    };
  }
  const shown = await showable(new EventStore(env.dynamodb, { tableName, retentionDays: 1 }), state);
  return {
    check: testEventCheck(entry.id, state, waited, !SETTLED.has(state.status), remedies),
    shown
  };
};
var registerDoctor = (program, deps, globals) => {
  program.command("doctor").description(
    "Check the stack's health and say what to fix: signing secrets, alarm subscription, dead-letter queue, alarms, consumer, replay, API"
  ).option(
    "--send-test [provider]",
    "also send a signed test event (the provider's first fixture as a new event) and wait for it to be PROCESSED"
  ).option(
    "--timeout <seconds>",
    "how long --send-test waits for its event",
    positiveInt("--timeout", 900),
    60
  ).action(async (options) => {
    const env = await deps.connect(globals());
    const { region } = globals();
    const stackArguments2 = env.local ? " --local" : `${env.stackName === DEFAULT_STACK ? "" : ` --stack ${env.stackName}`}${region ? ` --region ${region}` : ""}`;
    const remedies = {
      local: env.local,
      relayflow: (args) => `relayflow ${args}${stackArguments2}`,
      redeploy: env.local ? "restart npm start" : "deploy this version of RelayFlow: npx cdk deploy"
    };
    const targets2 = secretTargets(env);
    const secretChecks = targets2.map(
      ({ name, provider, tenant: tenant2, secretId }) => checked(name, remedies, async () => {
        const value = await unlessMissing(
          ["ResourceNotFoundException"],
          () => env.secrets.send(new import_client_secrets_manager5.GetSecretValueCommand({ SecretId: secretId }))
        );
        return secretCheck(name, secretId, value ? value.SecretString ?? "" : void 0, {
          set: secretFix(provider, tenant2, remedies),
          redeploy: remedies.redeploy
        });
      })
    );
    const [secretResults, otherResults] = await Promise.all([
      Promise.all(secretChecks),
      Promise.all([
        checked(
          "alarm topic subscription",
          remedies,
          async () => subscriptionCheck(await subscriptionsOf(env, env.output("AlarmTopicArn")), remedies)
        ),
        checked("dead-letter queue", remedies, () => readDeadLetters(env, remedies)),
        checked(
          "alarms",
          remedies,
          async () => alarmChecks(await alarmsOf(env, env.output("AlarmTopicArn")), env.stackName, remedies)
        ),
        checked("consumer event source mapping", remedies, async () => {
          const uuid = env.output("ConsumerEventSourceMappingId");
          const mapping = await unlessMissing(
            ["ResourceNotFoundException"],
            () => env.lambda.send(new import_client_lambda2.GetEventSourceMappingCommand({ UUID: uuid }))
          );
          return mappingCheck(
            uuid,
            mapping && { state: mapping.State, reason: mapping.StateTransitionReason },
            remedies
          );
        }),
        checked("replay state machine", remedies, async () => {
          const arn = env.output("ReplayStateMachineArn");
          const machine = await unlessMissing(
            ["StateMachineDoesNotExist"],
            () => env.sfn.send(new import_client_sfn5.DescribeStateMachineCommand({ stateMachineArn: arn }))
          );
          return stateMachineCheck(arn, machine?.status, remedies);
        }),
        checked("api", remedies, async () => {
          const apiUrl = env.output("ApiUrl").replace(/\/$/, "");
          const unknown14 = `${apiUrl}/webhooks/relayflow-doctor-${(0, import_node_crypto28.randomBytes)(6).toString("hex")}`;
          const answer = await deps.fetch(unknown14).then(
            async (response) => {
              await response.body?.cancel();
              return { status: response.status };
            },
            (error) => ({ error: sentenceOf(error, env.local) })
          );
          return apiCheck(apiUrl, answer, remedies);
        })
      ])
    ]);
    const checks = [...secretResults, ...otherResults].flat();
    let testEvent;
    if (options.sendTest !== void 0) {
      const secretsSet = new Set(
        targets2.flatMap(
          (target, index) => !target.tenant && secretResults[index]?.every((c) => c.ok) ? [target.provider] : []
        )
      );
      testEvent = await sendTestEvent(deps, env, remedies, {
        requested: options.sendTest === true ? void 0 : options.sendTest,
        secretsSet,
        timeoutMs: options.timeout * 1e3
      }).catch((error) => ({ check: notChecked("test event", error, remedies) }));
      checks.push(testEvent.check);
    }
    const failed = checks.filter((c) => !c.ok).length;
    if (globals().json) {
      deps.output.out(
        json({
          checks: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, fix: c.fix ?? null })),
          ...testEvent?.shown ? { testEvent: testEvent.shown } : {}
        })
      );
    } else {
      deps.output.out(
        [
          `Stack ${env.stackName} (${env.local ? "local" : env.region})`,
          ...checks.map(lineOf),
          ...testEvent?.shown ? ["", shownText(testEvent.shown)] : [],
          ...failed === 0 ? ["", `All ${checks.length} checks passed.`] : []
        ].join("\n")
      );
    }
    if (failed > 0)
      throw new CliError(
        `${failed} of ${plural2(checks.length, "check")} failed; each \u2717 line ends with its fix.`
      );
  });
};

// cli/commands/reconcile.ts
var import_client_lambda3 = require("@aws-sdk/client-lambda");
var import_zod12 = require("zod");
init_providers();

// functions/reconciliation/report.ts
var import_lib_dynamodb7 = require("@aws-sdk/lib-dynamodb");
var z49 = __toESM(require("zod/mini"));
init_conditions();
var MissingRecordSchema = z49.object({
  id: z49.string(),
  at: z49.string(),
  eventId: z49.string(),
  /** What the run did: recovered through the ingest, asked the provider to redeliver, or nothing (dry run). */
  action: z49.enum(["recovered", "redelivered", "duplicate", "listed", "failed"])
});
var DriftSchema = z49.object({
  kind: z49.string(),
  id: z49.string(),
  field: z49.string(),
  ours: z49.string(),
  theirs: z49.string(),
  eventId: z49.string()
});
var ReconciliationReportSchema = z49.object({
  runId: z49.string(),
  provider: z49.string(),
  tenant: z49.string(),
  dryRun: z49.boolean(),
  startedAt: z49.string(),
  finishedAt: z49.string(),
  /** The window checked: from `since` to `until` (now minus the settle margin). */
  window: z49.object({ since: z49.string(), until: z49.string() }),
  /** Whether the window was paged to its end; when not, the next run continues from the checkpoint. */
  complete: z49.boolean(),
  pages: z49.number(),
  checked: z49.number(),
  missing: z49.number(),
  recovered: z49.number(),
  redelivered: z49.number(),
  /** Missing when listed, but already there when recovered (the webhook arrived meanwhile). */
  duplicates: z49.number(),
  drifted: z49.number(),
  receiptsResolved: z49.number(),
  receiptsMissing: z49.number(),
  uncertainResolved: z49.number(),
  /** The first missing records and drifts, for the operator (the counts above are complete). */
  missingRecords: z49.array(MissingRecordSchema),
  drifts: z49.array(DriftSchema),
  /** One clear line per problem: `stripe: 401 unauthorized — the API key was refused; …`. */
  errors: z49.array(z49.string())
});
var REPORTS_PK = "RECONREPORT";
var ReportStore = class {
  constructor(client, settings) {
    this.client = client;
    this.settings = settings;
  }
  client;
  settings;
  async put(report2) {
    await storeCall(
      "report store",
      "write",
      () => this.client.send(
        new import_lib_dynamodb7.PutCommand({
          TableName: this.settings.tableName,
          Item: {
            PK: REPORTS_PK,
            SK: `${report2.startedAt}#${report2.provider}#${report2.tenant}#${report2.runId}`,
            report: JSON.stringify(report2),
            expiresAt: Math.floor(Date.parse(report2.finishedAt) / 1e3) + this.settings.retentionDays * 86400
          }
        })
      )
    );
  }
  /** The newest reports first, of one provider when given. */
  async list(options) {
    const reports = [];
    let start;
    do {
      const page = await storeCall(
        "report store",
        "list",
        () => this.client.send(
          new import_lib_dynamodb7.QueryCommand({
            TableName: this.settings.tableName,
            KeyConditionExpression: "PK = :pk",
            ExpressionAttributeValues: { ":pk": REPORTS_PK },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
            Limit: 100
          })
        )
      );
      for (const item of page.Items ?? []) {
        const parsed = ReconciliationReportSchema.safeParse(JSON.parse(String(item.report)));
        if (!parsed.success) continue;
        if (options.provider && parsed.data.provider !== options.provider) continue;
        reports.push(parsed.data);
        if (reports.length >= options.limit) return reports;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return reports;
  }
};

// cli/commands/reconcile.ts
var LambdaErrorSchema = import_zod12.z.object({ errorType: import_zod12.z.string().optional(), errorMessage: import_zod12.z.string() });
var notReconciling = (env) => `Stack ${env.stackName} reconciles no provider: add a \`reconciliation\` section to relayflow.config.ts and deploy (docs/reconciliation.md).`;
var checkProvider = (provider) => {
  if (!RECONCILABLE_PROVIDERS.includes(provider))
    throw new CliError(
      `"${provider}" cannot be reconciled (reconcilable: ${RECONCILABLE_PROVIDERS.join(", ")}; docs/reconciliation.md says why the others cannot).`
    );
};
var reportText2 = (report2) => {
  const lines = [
    `Reconciliation of ${report2.provider} (tenant ${report2.tenant}), run ${report2.runId}${report2.dryRun ? " \u2014 dry run, nothing changed" : ""}`,
    `Window ${report2.window.since} \u2192 ${report2.window.until}: ${report2.complete ? "checked to its end" : "not finished; the next run continues from the checkpoint"}`,
    `checked ${report2.checked}  missing ${report2.missing}  recovered ${report2.recovered}  redelivered ${report2.redelivered}  duplicates ${report2.duplicates}`,
    `drifted ${report2.drifted}  receipts resolved ${report2.receiptsResolved}  receipts missing ${report2.receiptsMissing}  uncertain resolved ${report2.uncertainResolved}`
  ];
  if (report2.missingRecords.length > 0) {
    lines.push("", report2.dryRun ? "Missing (would be recovered):" : "Missing:");
    lines.push(
      table(
        ["ID", "AT", "EVENT", "ACTION"],
        report2.missingRecords.map((r) => [r.id, r.at, r.eventId, r.action])
      )
    );
  }
  if (report2.drifts.length > 0) {
    lines.push("", "Drifted (a reconciliation.drift event each):");
    lines.push(
      table(
        ["KIND", "ID", "FIELD", "OURS", "PROVIDER", "FROM EVENT"],
        report2.drifts.map((d) => [d.kind, d.id, d.field, d.ours, d.theirs, d.eventId])
      )
    );
  }
  if (report2.errors.length > 0) lines.push("", "Problems:", ...report2.errors.map((e) => `  ${e}`));
  return lines.join("\n");
};
var runReconciliation = async (deps, globals, options) => {
  checkProvider(options.provider);
  const since = options.since ? parseTime(options.since, deps.now(), "--since") : void 0;
  const env = await deps.connect(globals());
  const functionName = env.outputs.ReconcileFunctionName;
  if (functionName === void 0) throw new CliError(notReconciling(env));
  const invocation = {
    provider: options.provider,
    ...options.tenant ? { tenant: options.tenant } : {},
    ...options.dryRun ? { dryRun: true } : {},
    ...since ? { since } : {}
  };
  const answer = await env.lambda.send(
    new import_client_lambda3.InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(invocation)) })
  );
  const text4 = Buffer.from(answer.Payload ?? []).toString("utf8");
  let payload;
  try {
    payload = JSON.parse(text4);
  } catch {
    payload = void 0;
  }
  if (answer.FunctionError) {
    const error = LambdaErrorSchema.safeParse(payload);
    throw new CliError(
      `The reconcile function failed: ${error.success ? error.data.errorMessage : "no error message"}.`
    );
  }
  const report2 = ReconciliationReportSchema.safeParse(payload);
  if (!report2.success) throw new CliError("The reconcile function answered something that is not a report.");
  deps.output.out(globals().json ? json(report2.data) : reportText2(report2.data));
  if (report2.data.errors.length > 0)
    throw new CliError(
      `The run reported ${report2.data.errors.length} ${report2.data.errors.length === 1 ? "problem" : "problems"} (above).`
    );
};
var listReports = async (deps, globals, options) => {
  if (options.provider) checkProvider(options.provider);
  const env = await deps.connect(globals());
  if (env.outputs.ReconcileFunctionName === void 0) throw new CliError(notReconciling(env));
  const reports = await new ReportStore(env.dynamodb, {
    tableName: env.output("EventTableName"),
    retentionDays: Number(env.outputs.RetentionDays ?? 30)
  }).list({ ...options.provider ? { provider: options.provider } : {}, limit: options.limit });
  if (globals().json) {
    deps.output.out(json({ stack: env.stackName, reports }));
    return;
  }
  if (reports.length === 0) {
    deps.output.out(`No reconciliation report${options.provider ? ` for ${options.provider}` : ""} yet.`);
    return;
  }
  deps.output.out(
    table(
      [
        "STARTED",
        "PROVIDER",
        "TENANT",
        "CHECKED",
        "MISSING",
        "RECOVERED",
        "DRIFTED",
        "RECEIPTS",
        "PROBLEMS",
        "RUN"
      ],
      reports.map((r) => [
        r.startedAt,
        r.provider,
        r.tenant,
        r.checked,
        r.missing,
        r.recovered + r.redelivered,
        r.drifted,
        `${r.receiptsResolved} resolved, ${r.receiptsMissing} missing`,
        r.errors.length,
        r.runId
      ])
    )
  );
};
var registerReconcile = (program, deps, globals) => {
  const reconcile = program.command("reconcile").description(
    "Ask providers what they sent: recover lost webhooks, resolve missing receipts, find drifted entities"
  );
  reconcile.command("run").description(
    "Runs one reconciliation of a provider now (the schedule's run, or a dry run) and prints its report"
  ).requiredOption("--provider <id>", `the provider (${RECONCILABLE_PROVIDERS.join(", ")})`).option("--tenant <id>", "the tenant (default: the default tenant)").option(
    "--since <time>",
    "check from here (ISO 8601 or 30m, 2h, 1d back), leaving the checkpoint as it is"
  ).option("--dry-run", "list what is missing and what drifted; change nothing", false).action(
    (options) => runReconciliation(deps, globals, options)
  );
  reconcile.command("report").description("Lists the newest reconciliation reports").option("--provider <id>", "only this provider").option("--limit <n>", "reports to show", positiveInt("--limit", 1e3), 20).action((options) => listReports(deps, globals, options));
};

// cli/commands/route.ts
var import_node_fs4 = require("node:fs");
var import_node_path6 = require("node:path");
init_integration_event();
init_render();
init_templates();

// functions/json/path.ts
var readPath = (value, path) => {
  let current = value;
  for (const segment of path.split(".")) {
    if (current === null || typeof current !== "object") return void 0;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return void 0;
    current = current[segment];
  }
  return current;
};
var readIdPath = (value, path) => {
  const found = readPath(value, path);
  if (typeof found === "string" && found.length > 0) return found;
  if (typeof found === "number" && Number.isFinite(found)) return String(found);
  return void 0;
};

// cli/commands/route.ts
init_internal();
init_registry2();
init_types();
init_filters();
init_routes();
init_records();
init_errors();
init_transform();
init_workflows();
var PROVIDER_FIXTURE = /functions[/\\]providers[/\\]([^/\\]+)[/\\]fixtures[/\\]/;
var TEST_CORRELATION_ID = "route-test";
var testRoute = async (event, routes, at2, transforms = new Transforms()) => {
  const router = new Router(routes);
  const route = router.match(event);
  const results = routes.map((r) => ({ route: r.index, result: matchResult(r.match, event) }));
  const matching2 = results.filter(({ result }) => result.matched).map(({ route: index }) => index);
  const skipped = results.flatMap(
    ({ route: index, result }) => !result.matched && (route === void 0 || index < route.index) ? [{ route: index, why: result.why }] : []
  );
  const emits = new Set(
    (route?.targets ?? []).flatMap(
      (target) => target.kind === "workflow" ? workflowCatalog.get(target.name)?.emits ?? [] : []
    )
  );
  return {
    event: {
      id: event.id,
      tenant: event.tenant,
      provider: event.provider,
      type: event.type,
      entity: event.entity
    },
    ...route ? { route: { index: route.index, match: route.match, mode: route.mode, onStale: route.onStale } } : {},
    targets: await Promise.all(
      (route?.targets ?? []).map(async (target) => {
        const mode2 = target.mode ?? "live";
        const idempotencyKey = downstreamKeyOf(event.id, target.id);
        if (target.kind === "message") {
          const content = contentOf(target, templates);
          try {
            if (typeof content === "string") throw new RenderError(content);
            const message = renderMessage(
              { channel: target.channel, via: target.via, to: target.to, content, metadata: target.metadata },
              event,
              { messageId: messageIdOf2(idempotencyKey) }
            );
            return { ...messagePlanOf(target.id, message), mode: mode2 };
          } catch (error) {
            if (!(error instanceof RenderError)) throw error;
            return { kind: "refused", targetId: target.id, reason: error.message, mode: mode2 };
          }
        }
        let payload = event;
        if (target.kind !== "workflow" && target.transform !== void 0) {
          try {
            payload = await transforms.payloadOf(target, event);
            validatePayload(target, payload);
          } catch (error) {
            if (!(error instanceof TargetError)) throw error;
            return { kind: "refused", targetId: target.id, reason: error.message, mode: mode2 };
          }
        }
        const plan = planDelivery(
          target,
          event,
          {
            idempotencyKey,
            correlationId: event.correlationId,
            at: at2,
            workflowOf: (name) => workflowCatalog.get(name)
          },
          payload
        );
        return { ...plan, mode: mode2 };
      })
    ),
    shadowed: matching2.filter((index) => index !== route?.index),
    skipped,
    emitted: [...emits].map((type) => {
      const emitted = { tenant: event.tenant, provider: INTERNAL_PROVIDER_ID, type };
      const next = new Router(routes.filter((r) => r.match.filter === void 0)).match(emitted);
      const filtered = routes.filter(
        (r) => r.match.filter !== void 0 && (next === void 0 || r.index < next.index) && matchResult({ ...r.match, filter: void 0 }, emitted).matched
      ).map((r) => r.index);
      return { type, ...next ? { route: next.index } : {}, ...filtered.length ? { filtered } : {} };
    })
  };
};
var targetLines = (plan, position) => {
  const heading = `  ${position}. ${plan.targetId} (${plan.kind}${plan.mode === "dry-run" ? ", dry run: records this, sends nothing" : ""})`;
  switch (plan.kind) {
    case "refused":
      return [
        heading,
        `     refused before any call (the consumer would dead-letter the event): ${plan.reason}`
      ];
    case "http":
      return [
        heading,
        `     ${plan.method} ${plan.url}`,
        ...Object.entries(plan.headers).map(([name, value]) => `     ${name}: ${value}`),
        `     body: sha256:${plan.bodySha256} (${plan.bodyBytes} bytes)`
      ];
    case "eventbridge":
      return [
        heading,
        `     PutEvents on ${plan.eventBusName}: source ${plan.source}, detail-type ${plan.detailType}, time ${plan.time}`,
        `     detail: sha256:${plan.detailSha256} (${plan.entryBytes} bytes)`
      ];
    case "message":
      return [
        heading,
        `     ${plan.channel} message ${plan.messageId} via ${plan.via} to ${plan.to}`,
        `     content: sha256:${plan.contentSha256} (${plan.contentBytes} bytes)`
      ];
    case "workflow":
      return [
        heading,
        plan.steps.length > 0 ? `     steps: ${plan.steps.join(" \u2192 ")}` : `     steps: none: workflow ${plan.workflow} has no step for this type (the consumer would dead-letter it)`,
        ...plan.emits.length > 0 ? [`     may emit: ${plan.emits.join(", ")}`] : []
      ];
  }
};
var formatRouteTest = (test) => {
  const { event, route } = test;
  const about = `Event ${event.id}: ${event.provider} ${event.type}, tenant ${event.tenant}, entity ${event.entity.kind}:${event.entity.id}`;
  const skipped = test.skipped.map((s) => `Route #${s.route} skipped: ${s.why}.`);
  if (!route)
    return [
      about,
      ...skipped,
      "No route matches: the consumer would mark it PROCESSED, outcome unrouted."
    ].join("\n");
  const match = Object.entries(route.match).map(
    ([key, value]) => key === "filter" && route.match.filter ? `filter ${describeFilter(route.match.filter)}` : `${key} ${String(value)}`
  ).join(", ");
  return [
    about,
    ...skipped,
    `Route #${route.index} fires (${match}${route.mode === "dry-run" ? "; dry run" : ""}${route.onStale === "skip" ? "; onStale: 'skip'" : ""}), its targets in order:`,
    ...test.targets.flatMap((plan, i) => targetLines(plan, i + 1)),
    ...test.emitted.map(
      (e) => `Emitted ${e.type} would take ${e.filtered ? `${e.filtered.map((i) => `route #${i}`).join(", ")} if its filter holds, else ` : ""}${e.route === void 0 ? "no route (PROCESSED unrouted)" : `route #${e.route}`}.`
    ),
    ...test.shadowed.length > 0 ? [
      `Also matching, never run for it (the first match wins): ${test.shadowed.map((i) => `route #${i}`).join(", ")}.`
    ] : []
  ].join("\n");
};
var eventsFromFixture = async (deps, config, provider, fixture, tenant2, at2) => {
  const enabled = config.enabledProviders.find((p) => p.id === provider);
  const resolved = enabled ? resolveProvider(enabled) : void 0;
  if (resolved && !resolved.success)
    throw new CliError(`${provider}: ${resolved.issues.map((issue) => formatIssue([], issue)).join("; ")}.`);
  const entry = resolved?.data ?? await resolvedFor(deps, provider);
  const request = loadRequest(deps.projectRoot, provider, fixture);
  const items = entry.provider.normalize(
    {
      method: "POST",
      url: `https://hooks.example.com/webhooks/${provider}`,
      path: `/webhooks/${provider}`,
      rawQueryString: "",
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: request.body,
      sourceIp: "127.0.0.1"
    },
    entry.options
  );
  const events = items.flatMap((item) => {
    if (item.kind !== "event") return [];
    const { draft } = item;
    const idempotencyKey = idempotencyKeyOf(tenant2, provider, draft.providerType, draft.externalId);
    const id2 = eventIdOf(idempotencyKey);
    const override = entry.entityOverride;
    const overridden = override ? readIdPath(draft.data, override.path) : void 0;
    return [
      {
        specVersion: SPEC_VERSION,
        id: id2,
        idempotencyKey,
        tenant: tenant2,
        provider,
        type: draft.type,
        providerType: draft.providerType,
        externalId: draft.externalId,
        entity: override && overridden ? { kind: override.kind, id: overridden } : draft.entity ?? { kind: "event", id: id2 },
        occurredAt: draft.occurredAt ?? at2.toISOString(),
        receivedAt: at2.toISOString(),
        correlationId: TEST_CORRELATION_ID,
        data: draft.data
      }
    ];
  });
  if (events.length === 0) {
    const reasons = items.flatMap((item) => item.kind === "unreadable" ? [item.reason] : []);
    throw new CliError(
      `${request.name} normalizes to no event${reasons.length ? `: ${reasons.join("; ")}` : ""} (it would be QUARANTINED).`
    );
  }
  return events;
};
var canonicalEventIn = (file) => {
  let parsed;
  try {
    parsed = JSON.parse((0, import_node_fs4.readFileSync)(file, "utf8"));
  } catch {
    return void 0;
  }
  const event = IntegrationEventSchema.safeParse(parsed);
  return event.success ? event.data : void 0;
};
var registerRoute = (program, deps, globals) => {
  const route = program.command("route").description("Try the configuration's routes on an event");
  route.command("test [fixture]").description(
    "Show which route and targets an event would fire, in order, with each rendered request; calls nothing"
  ).option("--event <id>", "a stored event, by event id (with --local, from the local runtime)").option("--provider <id>", "the fixture's provider, when its path does not name one").option("--tenant <tenant>", "the tenant a fixture is received for", "default").addHelpText(
    "after",
    [
      "",
      "The fixture is a provider fixture (functions/providers/<id>/fixtures/<name>.json, or a",
      "fixture name with --provider) or a canonical IntegrationEvent in a JSON file. Routes come",
      "from the configuration (relayflow.config.ts or RELAYFLOW_CONFIG).",
      "",
      "Examples:",
      "  relayflow route test functions/providers/stripe/fixtures/invoice.payment_failed.json",
      "  relayflow route test invoice.paid --provider stripe --tenant acme",
      "  relayflow route test --event ev_0123\u2026 --local"
    ].join("\n")
  ).action(
    async (fixture, options) => {
      if (fixture === void 0 === (options.event === void 0))
        throw new CliError("Give a fixture or --event <id>, not both and not neither.");
      const config = await deps.loadConfig();
      const resolved = resolveRoutes(config.routes, workflowNames);
      const at2 = deps.now();
      let events;
      if (options.event !== void 0) {
        const env = await deps.connect(globals());
        const store = new EventStore(env.dynamodb, {
          tableName: env.output("EventTableName"),
          retentionDays: 1
        });
        const payload = await store.getPayload(options.event);
        if (!payload) throw new CliError(`No event ${options.event} in stack ${env.stackName}.`);
        if (!payload.event)
          throw new CliError(
            payload.quarantineReason ? `Event ${options.event} is QUARANTINED (${payload.quarantineReason}): it routes nowhere.` : `Event ${options.event} is stored in S3 (${payload.eventLocation?.key ?? "claim check"}); read it with relayflow events show.`
          );
        events = [payload.event];
      } else {
        const file = (0, import_node_path6.resolve)(fixture ?? "");
        const canonical = (0, import_node_fs4.existsSync)(file) ? canonicalEventIn(file) : void 0;
        if (canonical) events = [canonical];
        else {
          const provider = options.provider ?? PROVIDER_FIXTURE.exec(file)?.[1];
          if (!provider)
            throw new CliError(
              `${fixture ?? ""} is neither a canonical event nor in a provider's fixtures folder: name its provider with --provider.`
            );
          events = await eventsFromFixture(deps, config, provider, fixture ?? "", options.tenant, at2);
        }
      }
      const tests = await Promise.all(events.map((event) => testRoute(event, resolved.routes, at2)));
      deps.output.out(globals().json ? json({ events: tests }) : tests.map(formatRouteTest).join("\n\n"));
    }
  );
};

// cli/commands/schedules.ts
var import_client_scheduler2 = require("@aws-sdk/client-scheduler");
var import_client_sqs4 = require("@aws-sdk/client-sqs");
var import_zod13 = require("zod");
init_internal();

// cli/schedule-ticks.ts
var import_node_crypto30 = require("node:crypto");
init_contract3();
init_schedule_expression();
var parseJson2 = (text4) => {
  try {
    return JSON.parse(text4);
  } catch {
    return void 0;
  }
};
var deadLetteredTickOf = (queue, body, attributes) => {
  const tick = ScheduleTickSchema.safeParse(parseJson2(body));
  if (!tick.success) return void 0;
  const [code, message] = queue === "scheduler" ? [attributes.ERROR_CODE, attributes.ERROR_MESSAGE] : [attributes.ErrorCode, attributes.ErrorMessage];
  return {
    tick: tick.data,
    gaveUp: queue,
    error: `${code ?? "unknown"}: ${message ?? ""}`.trim(),
    ...attributes.EXHAUSTED_RETRY_CONDITION ? { condition: attributes.EXHAUSTED_RETRY_CONDITION } : {}
  };
};
var replayScheduleName = (tick) => {
  const { name, scheduledTime } = tick.relayflowSchedule;
  const digest3 = (0, import_node_crypto30.createHash)("sha256").update(scheduleTickKey(name, scheduledTime)).digest("hex");
  return `${name}.replay-${digest3.slice(0, 8)}`;
};
var replayAt = (now) => atExpression(new Date(Math.ceil((now.getTime() + 6e4) / 1e3) * 1e3));
var nextTickOf = (schedule2, now) => {
  if (schedule2.state === "DISABLED") return void 0;
  const parsed = parseScheduleExpression(schedule2.expression);
  if (!parsed.ok) return void 0;
  const timezone = schedule2.timezone ?? "UTC";
  if (parsed.expression.kind === "at") return atTime(parsed.expression, timezone);
  const start = schedule2.startDate ?? schedule2.creationDate ?? now;
  return nextOccurrence(parsed.expression, { timezone, start }, now);
};

// cli/commands/schedules.ts
var REPLAY_VISIBILITY_SECONDS = 120;
var noSchedules = (env) => `Stack ${env.stackName} has no schedules (none configured, or deployed before schedules existed).`;
var tenantOf = (schedule2) => {
  let input;
  try {
    input = JSON.parse(schedule2.Target?.Input ?? "");
  } catch {
    return "default";
  }
  const tick = import_zod13.z.object({ relayflowSchedule: import_zod13.z.object({ tenant: import_zod13.z.string().optional() }) }).safeParse(input);
  return (tick.success ? tick.data.relayflowSchedule.tenant : void 0) ?? "default";
};
var listSchedules = async (deps, globals) => {
  const env = await deps.connect(globals());
  const group = env.outputs.ScheduleGroupName;
  if (group === void 0) {
    deps.output.out(globals().json ? json({ stack: env.stackName, schedules: [] }) : noSchedules(env));
    return;
  }
  const queries = new EventQueries(env.dynamodb, env.output("EventTableName"));
  const now = deps.now();
  const names = [];
  for await (const page of (0, import_client_scheduler2.paginateListSchedules)({ client: env.scheduler }, { GroupName: group }))
    names.push(...(page.Schedules ?? []).flatMap((s) => s.Name ? [s.Name] : []));
  const rows = [];
  for (const name of names.sort()) {
    const schedule2 = await env.scheduler.send(new import_client_scheduler2.GetScheduleCommand({ Name: name, GroupName: group }));
    const expression = schedule2.ScheduleExpression ?? "";
    const next = nextTickOf(
      {
        expression,
        timezone: schedule2.ScheduleExpressionTimezone,
        state: schedule2.State,
        startDate: schedule2.StartDate,
        creationDate: schedule2.CreationDate
      },
      now
    );
    const page = await queries.entityPage(
      { tenant: tenantOf(schedule2), provider: INTERNAL_PROVIDER_ID, kind: "schedule", id: name },
      { limit: 1, newestFirst: true }
    );
    const [newest] = await queries.states(page.entries.map((e) => e.eventId));
    rows.push({
      name,
      expression,
      timezone: schedule2.ScheduleExpressionTimezone ?? "UTC",
      state: schedule2.State ?? "ENABLED",
      nextTick: next?.toISOString() ?? null,
      lastTick: newest ? { scheduledTime: newest.occurredAt, eventId: newest.eventId, status: newest.status } : null
    });
  }
  if (globals().json) {
    deps.output.out(json({ stack: env.stackName, group, schedules: rows }));
    return;
  }
  deps.output.out(
    rows.length === 0 ? `Schedule group ${group} is empty.` : table(
      ["NAME", "EXPRESSION", "TIMEZONE", "STATE", "NEXT TICK", "LAST TICK", "LAST STATUS"],
      rows.map((r) => [
        r.name,
        r.expression,
        r.timezone,
        r.state,
        r.nextTick ?? "-",
        r.lastTick?.scheduledTime ?? "-",
        r.lastTick?.status ?? ""
      ])
    )
  );
};
var attributesOf = (message) => Object.fromEntries(
  Object.entries(message.MessageAttributes ?? {}).flatMap(
    ([name, value]) => value.StringValue === void 0 ? [] : [[name, value.StringValue]]
  )
);
var replayTicks = async (deps, globals, options) => {
  const env = await deps.connect(globals());
  const group = env.outputs.ScheduleGroupName;
  if (group === void 0) {
    deps.output.out(globals().json ? json({ stack: env.stackName, ticks: [] }) : noSchedules(env));
    return;
  }
  const queues2 = [
    { url: env.output("ScheduleDeadLetterQueueUrl"), gaveUp: "scheduler" },
    ...env.outputs.ProducerDeadLetterQueueUrl ? [{ url: env.outputs.ProducerDeadLetterQueueUrl, gaveUp: "lambda" }] : []
  ];
  const targets2 = /* @__PURE__ */ new Map();
  const targetOf = async (name) => {
    if (!targets2.has(name)) {
      try {
        targets2.set(name, await env.scheduler.send(new import_client_scheduler2.GetScheduleCommand({ Name: name, GroupName: group })));
      } catch (error) {
        if (!(error instanceof import_client_scheduler2.ResourceNotFoundException)) throw error;
        targets2.set(name, void 0);
      }
    }
    return targets2.get(name);
  };
  const at2 = replayAt(deps.now());
  const decide = async (queueUrl, message, dead) => {
    const base = { queueUrl, message, dead };
    const { name, scheduledTime } = dead.tick.relayflowSchedule;
    const schedule2 = await targetOf(name);
    if (!schedule2?.Target) return { ...base, action: `left: schedule ${name} no longer exists`, done: false };
    const replayName = replayScheduleName(dead.tick);
    if (!options.execute) return { ...base, action: `would replay as ${replayName}, ${at2}`, done: false };
    try {
      await env.scheduler.send(
        new import_client_scheduler2.CreateScheduleCommand({
          Name: replayName,
          GroupName: group,
          ScheduleExpression: at2,
          ScheduleExpressionTimezone: "UTC",
          FlexibleTimeWindow: { Mode: "OFF" },
          ActionAfterCompletion: "DELETE",
          Description: `RelayFlow replay of ${name}'s tick of ${scheduledTime} (${dead.gaveUp}: ${dead.error})`.slice(
            0,
            512
          ),
          // The original tick, time included: delivered again, it has the same idempotency key.
          Target: { ...schedule2.Target, Input: JSON.stringify(dead.tick) }
        })
      );
      return { ...base, action: `replayed as ${replayName}, ${at2}`, done: true };
    } catch (error) {
      if (error instanceof import_client_scheduler2.ConflictException)
        return { ...base, action: `already replayed as ${replayName}`, done: true };
      return { ...base, action: `left: ${error.message}`, done: false };
    }
  };
  const decided = [];
  let otherMessages = 0;
  const held = [];
  const release2 = async () => {
    for (const { url: url3 } of queues2) {
      const messages = held.filter((h) => h.queueUrl === url3).map((h) => h.message);
      for (let i = 0; i < messages.length; i += 10) {
        await env.sqs.send(
          new import_client_sqs4.ChangeMessageVisibilityBatchCommand({
            QueueUrl: url3,
            Entries: messages.slice(i, i + 10).map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0
            }))
          })
        );
      }
    }
  };
  try {
    for (const queue of queues2) {
      for (let looked = 0; looked < options.limit; ) {
        const received = await env.sqs.send(
          new import_client_sqs4.ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(10, options.limit - looked),
            VisibilityTimeout: REPLAY_VISIBILITY_SECONDS,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ["All"]
          })
        );
        if (!received.Messages?.length) break;
        looked += received.Messages.length;
        for (const message of received.Messages) {
          const dead = deadLetteredTickOf(queue.gaveUp, message.Body ?? "", attributesOf(message));
          if (!dead) {
            held.push({ queueUrl: queue.url, message });
            if (queue.gaveUp === "lambda") otherMessages += 1;
            else
              decided.push({
                queueUrl: queue.url,
                message,
                action: "left: not a schedule tick",
                done: false
              });
            continue;
          }
          const decision = await decide(queue.url, message, dead);
          if (decision.done)
            await env.sqs.send(
              new import_client_sqs4.DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle })
            );
          else held.push({ queueUrl: queue.url, message });
          decided.push(decision);
        }
      }
    }
  } finally {
    await release2();
  }
  const ticks = decided.map(({ message, dead, action }) => ({
    messageId: message.MessageId,
    schedule: dead?.tick.relayflowSchedule.name ?? null,
    scheduledTime: dead?.tick.relayflowSchedule.scheduledTime ?? null,
    gaveUp: dead?.gaveUp ?? null,
    error: dead?.error ?? null,
    condition: dead?.condition ?? null,
    action
  }));
  if (globals().json) {
    deps.output.out(json({ stack: env.stackName, dryRun: !options.execute, ticks, otherMessages }));
    return;
  }
  const replayed = decided.filter((d) => d.done).length;
  deps.output.out(
    [
      ticks.length === 0 ? "No failed tick is waiting in the dead-letter queues." : table(
        ["SCHEDULE", "SCHEDULED TIME", "FAILED", "ACTION"],
        ticks.map((t) => [
          t.schedule ?? t.messageId,
          t.scheduledTime ?? "",
          t.gaveUp ? `${t.gaveUp}: ${t.error}` : "",
          t.action
        ])
      ),
      ...otherMessages > 0 ? [
        `${otherMessages} other messages (event source deliveries) were left in the producer's dead-letter queue.`
      ] : [],
      ...options.execute ? [`${replayed} of ${ticks.length} ticks handed to one-time schedules.`] : ticks.length > 0 ? ["Dry run: nothing changed. Add --execute to replay."] : []
    ].join("\n")
  );
};
var registerSchedules = (program, deps, globals) => {
  const schedules = program.command("schedules").description("Scheduled triggers: their next and last ticks, and the replay of ticks that failed");
  schedules.command("list").description(
    "Each schedule's expression, time zone, state, next tick and last tick (the newest event it produced)"
  ).action(() => listSchedules(deps, globals));
  schedules.command("replay").description(
    "Delivers the ticks in the schedules dead-letter queue again, each through a one-time schedule (a dry run unless --execute)"
  ).option("--execute", "create the one-time schedules and delete the messages they replace", false).option("--limit <n>", "dead-letter messages to look at", positiveInt("--limit", 1e3), 100).action((options) => replayTicks(deps, globals, options));
};

// cli/commands/status.ts
init_records();
var RECENT = 100;
var registerStatus = (program, deps, globals) => {
  program.command("status").description("Queue depths, events needing an operator by status, and recent failures by error class").action(async () => {
    const env = await deps.connect(globals());
    const queries = new EventQueries(env.dynamodb, env.output("EventTableName"));
    const [main, deadLetter] = await Promise.all([
      queueDepth(env.sqs, env.output("MainQueueUrl")),
      queueDepth(env.sqs, env.output("DeadLetterQueueUrl"))
    ]);
    const pauses = (await new PauseStore(env.dynamodb, {
      tableName: env.output("EventTableName"),
      retentionDays: 1
    }).list()).filter(isActive);
    const counts = {};
    for (const status2 of ATTENTION_STATUSES) counts[status2] = await queries.countInStatus(status2);
    const failing = [];
    for (const status2 of ["DEAD_LETTERED", "COMPENSATION_FAILED", "RETRYING"]) {
      const page = await queries.attentionPage(status2, { limit: RECENT, newestFirst: true });
      failing.push(...await queries.states(page.entries.map((e) => e.eventId)));
    }
    const failures = groupFailures(failing).map(({ errorClass, count, latest, example }) => ({
      errorClass,
      count,
      latest,
      example
    }));
    if (globals().json) {
      deps.output.out(
        json({
          stack: env.stackName,
          queues: { main, deadLetter },
          statuses: counts,
          pauses,
          recentFailures: failures
        })
      );
      return;
    }
    deps.output.out(
      [
        `Stack ${env.stackName} (${env.local ? "local" : env.region})`,
        "",
        table(
          ["QUEUE", "VISIBLE", "IN FLIGHT"],
          [
            ["main", main.visible, main.inFlight],
            ["dead-letter", deadLetter.visible, deadLetter.inFlight]
          ]
        ),
        "",
        table(["STATUS", "EVENTS"], Object.entries(counts)),
        "",
        pauses.length > 0 ? `Pauses (relayflow resume <scope> <id> releases what they hold):
${pauseRows(pauses)}` : "No pauses.",
        "",
        failures.length > 0 ? `Recent failures by error class (newest ${RECENT} dead-lettered and retrying):
${table(
          ["ERROR CLASS", "EVENTS", "LATEST", "EXAMPLE"],
          failures.map((f) => [f.errorClass, f.count, f.latest, f.example.slice(0, 80)])
        )}` : "No recent failures."
      ].join("\n")
    );
  });
};

// cli/commands/urls.ts
var WEBHOOK_PATH = /\/webhooks\/([^/]+)(?:\/([^/]+))?$/;
var webhookOutputs = (outputs) => Object.entries(outputs).filter(([key]) => key.startsWith("WebhookUrl")).flatMap(([, url3]) => {
  const match = WEBHOOK_PATH.exec(new URL(url3).pathname);
  return match?.[1] ? [{ url: url3, provider: match[1], tenant: match[2] }] : [];
}).sort(
  (a, b) => a.provider.localeCompare(b.provider) || (a.tenant === void 0 ? -1 : b.tenant === void 0 ? 1 : a.tenant.localeCompare(b.tenant))
);
var stackArguments = (env, options) => env.local ? " --local" : `${env.stackName === "RelayFlow" ? "" : ` --stack ${env.stackName}`}${options.region ? ` --region ${options.region}` : ""}`;
var LABEL_WIDTH = 15;
var LINE_WIDTH = 100;
var field2 = (label, text4) => {
  const indent = " ".repeat(2 + LABEL_WIDTH);
  const lines = [];
  let line = "";
  for (const word of text4.split(" ")) {
    if (line && indent.length + line.length + 1 + word.length > LINE_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l, i) => i === 0 ? `  ${`${label}:`.padEnd(LABEL_WIDTH)}${l}` : `${indent}${l}`).join("\n");
};
var render = (entry) => [
  `${entry.provider}${entry.tenant ? ` (tenant ${entry.tenant})` : ""}: ${entry.url}`,
  field2("Paste into", entry.dashboard),
  field2(
    "Events",
    entry.events.length > 0 ? `${entry.events.join(", ")}; ${entry.otherEvents}` : entry.otherEvents
  ),
  field2("Content type", entry.contentType),
  ...entry.secret.shared ? [
    field2(
      "Secret",
      `shared with ${entry.provider}'s default URL (dedicatedSecrets: false): the same secret, set without --tenant`
    )
  ] : [field2("Secret", entry.secret.source), field2("Format", entry.secret.expected)],
  field2("Then run", entry.command)
].join("\n");
var registerUrls = (program, deps, globals) => {
  program.command("urls [provider]").description(
    "Print each webhook URL of the stack (per tenant too) with what to paste into the provider's dashboard: events, content type, where the secret is, and the relayflow secrets set command to run"
  ).action(async (only) => {
    const options = globals();
    const env = await deps.connect(options);
    const configured = new Map(
      (await deps.loadConfig()).enabledProviders.map((p) => [p.id, p])
    );
    const found = webhookOutputs(env.outputs).filter((o) => only === void 0 || o.provider === only);
    const entries = [];
    for (const { url: url3, provider, tenant: tenant2 } of found) {
      const { setup } = await entryFor(deps, provider, configured);
      const own2 = tenant2 ? env.outputs[`Secret${outputId2(provider)}${outputId2(tenant2)}`] : void 0;
      const shared = tenant2 !== void 0 && own2 === void 0;
      const secretOf = shared ? void 0 : tenant2;
      entries.push({
        provider,
        ...tenant2 ? { tenant: tenant2 } : {},
        url: url3,
        dashboard: setup.dashboard,
        events: setup.events,
        otherEvents: setup.otherEvents,
        contentType: setup.contentType,
        secret: {
          name: own2 ?? env.outputs[`Secret${outputId2(provider)}`] ?? "",
          shared,
          source: setup.secretSource,
          expected: setup.secret.expected
        },
        command: `relayflow${stackArguments(env, options)} secrets set ${provider}${secretOf ? ` --tenant ${secretOf}` : ""} --from-env ${secretVariableFor(provider, secretOf)}`
      });
    }
    if (options.json) {
      deps.output.out(json(entries));
      return;
    }
    deps.output.out(
      entries.length > 0 ? entries.map(render).join("\n\n") : `Stack ${env.stackName} has no webhook URL${only ? ` for ${only}` : ""}.`
    );
  });
};

// cli/program.ts
var buildProgram = (deps) => {
  const program = new import_commander4.Command("relayflow").description(
    "Operate a RelayFlow stack: replay, inspect events, the dead-letter queue and the pipeline's health"
  ).option("--stack <name>", "CloudFormation stack name", "RelayFlow").option("--region <region>", "AWS region (default: AWS_REGION)").option("--local", "use the local runtime started by npm start (only the endpoints change)", false).option("--json", "print JSON instead of tables", false).exitOverride().configureOutput({
    writeOut: (text4) => deps.output.out(text4.replace(/\n$/, "")),
    writeErr: (text4) => deps.output.err(text4)
  }).showHelpAfterError("(run relayflow --help for usage)");
  const globals = () => {
    const options = program.opts();
    return {
      stack: options.stack,
      ...options.region ? { region: options.region } : {},
      local: options.local,
      json: options.json
    };
  };
  registerReplay(program, deps, globals);
  registerEvents(program, deps, globals);
  registerDlq(program, deps, globals);
  registerStatus(program, deps, globals);
  registerPause(program, deps, globals);
  registerAudit(program, deps, globals);
  registerDoctor(program, deps, globals);
  registerSend(program, deps, globals);
  registerEmit(program, deps, globals);
  registerUrls(program, deps, globals);
  registerSecrets(program, deps, globals);
  registerChannels(program, deps, globals);
  registerRoute(program, deps, globals);
  registerSchedules(program, deps, globals);
  registerReconcile(program, deps, globals);
  registerMessages(program, deps, globals);
  registerConsole(program, deps, globals);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
};
var runCli = async (argv, deps) => {
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof import_commander4.CommanderError) {
      return error.exitCode === 0 ? 0 : 1;
    }
    deps.output.err(`relayflow: ${sentenceOf(error, program.opts().local)}
`);
    return 1;
  }
};

// cli/runtime.ts
var import_node_fs6 = require("node:fs");
var import_node_module = require("node:module");
var import_node_path8 = require("node:path");
var findPackageRoot = (from) => {
  for (let folder = (0, import_node_path8.resolve)(from); ; folder = (0, import_node_path8.dirname)(folder)) {
    if ((0, import_node_fs6.existsSync)((0, import_node_path8.join)(folder, "package.json"))) return folder;
    if ((0, import_node_path8.dirname)(folder) === folder) return (0, import_node_path8.resolve)(from);
  }
};
var canRequireTypeScript = (searchFrom) => {
  if (".ts" in require.extensions) return true;
  for (const folder of searchFrom) {
    const load = (0, import_node_module.createRequire)((0, import_node_path8.join)(folder, "package.json"));
    let api;
    try {
      api = load.resolve("tsx/cjs/api");
    } catch {
      continue;
    }
    load(api).register();
    return true;
  }
  return false;
};
var CONFIG_MODULE = /(?:^|[\\/])lib[\\/]config(?:\.[cm]?[jt]s)?$/;
var withOwnConfigModule = (exports2, load) => {
  const loader = import_node_module.Module;
  const original = loader._resolveFilename;
  const id2 = "\0relayflow:lib/config";
  const own2 = new import_node_module.Module(id2);
  Object.assign(own2, { filename: id2, loaded: true, exports: exports2 });
  require.cache[id2] = own2;
  loader._resolveFilename = function(request, parent, ...rest) {
    const fromDependency = parent?.filename?.includes(`${import_node_path8.sep}node_modules${import_node_path8.sep}`) ?? false;
    return CONFIG_MODULE.test(request) && !fromDependency ? id2 : original.call(this, request, parent, ...rest);
  };
  try {
    return load();
  } finally {
    loader._resolveFilename = original;
    delete require.cache[id2];
  }
};
var loadProjectConfig = async (projectRoot, cwd = process.cwd()) => {
  const typeScript = canRequireTypeScript([cwd, projectRoot]);
  const configModule = await Promise.resolve().then(() => (init_config(), config_exports));
  const { ConfigError: ConfigError2, loadConfig: loadConfig2 } = configModule;
  try {
    return withOwnConfigModule(configModule, () => loadConfig2(process.env, cwd));
  } catch (error) {
    if (!typeScript && error instanceof ConfigError2 && /\.[cm]?ts$/.test(error.source) && error.problems.some((p) => p.startsWith("cannot be read"))) {
      throw new CliError(
        `${error.source} is TypeScript, which relayflow reads only with tsx (a dev dependency): run npm ci, or point RELAYFLOW_CONFIG at a .json configuration.`
      );
    }
    throw error;
  }
};

// bin/relayflow-cli.ts
var ROOT = findPackageRoot(__dirname);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
runCli(process.argv.slice(2), {
  connect,
  output: {
    out: (text4) => process.stdout.write(`${text4}
`),
    err: (text4) => process.stderr.write(text4.endsWith("\n") || text4.startsWith("\r") ? text4 : `${text4}
`),
    interactive: Boolean(process.stderr.isTTY)
  },
  now: () => /* @__PURE__ */ new Date(),
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  fetch: globalThis.fetch,
  projectRoot: ROOT,
  loadConfig: () => loadProjectConfig(ROOT)
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`relayflow: ${error instanceof Error ? error.message : String(error)}
`);
    process.exitCode = 1;
  }
);
