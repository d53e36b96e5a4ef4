// Generated from functions/producer/client.ts by npm run build:client; do not edit.
"use strict";
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
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
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// functions/producer/client.ts
var client_exports = {};
__export(client_exports, {
  PublishError: () => PublishError,
  publishEvents: () => publishEvents
});
module.exports = __toCommonJS(client_exports);
var import_node_crypto2 = require("node:crypto");

// functions/producer/sigv4.ts
var import_node_crypto = require("node:crypto");
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
    return this.secret === void 0 ? (0, import_node_crypto.createHash)("sha256") : (0, import_node_crypto.createHmac)("sha256", bytesOf(this.secret));
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
  constructor(message, status, events) {
    super(message);
    this.name = "PublishError";
    this.status = status;
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
var regionOf = (options, url) => {
  const region = options.region ?? EXECUTE_API_HOST.exec(url.hostname)?.[1] ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
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
  const newKey = options.newKey ?? import_node_crypto2.randomUUID;
  const list = Array.isArray(events) ? events : [events];
  const settled = list.map((event) => ({ ...event, idempotencyKey: event.idempotencyKey ?? newKey() }));
  const url = new URL(
    options.tenant ? `${options.url.replace(/\/+$/, "")}/${encodeURIComponent(options.tenant)}` : options.url
  );
  const region = regionOf(options, url);
  const signer = executeApiSigner(options.credentials ?? await defaultCredentials(region), region);
  const body = JSON.stringify({ events: settled });
  const send = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const attempts = Math.max(1, options.maxAttempts ?? 3);
  let failure = "no attempt was made";
  let lastStatus;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (attempt > 1) await sleep(random() * Math.min(BASE_DELAY_MS * 2 ** (attempt - 2), MAX_DELAY_MS));
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...url.port ? { port: Number(url.port) } : {},
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/json",
        ...options.correlationId ? { "x-correlation-id": options.correlationId } : {}
      },
      body
    });
    let response;
    try {
      response = await send(url, { method: "POST", headers: signed.headers, body });
    } catch (error) {
      failure = `could not reach ${url.origin}: ${error instanceof Error ? error.message : String(error)}`;
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
// Annotate the CommonJS export names for ESM import in node:
0 && (module.exports = {
  PublishError,
  publishEvents
});
