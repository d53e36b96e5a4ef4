// The SDK warns that it will need Node.js 22 in 2027; the tests run on the Node.js 20 toolchain.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Powertools would otherwise print every metric and log line of every handler test.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
