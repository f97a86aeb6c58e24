// Proves the built-in schema registry with a client nobody here wrote: @kafkajs/confluent-schema-registry
// (the npm client most Node.js Kafka users have). Run by SchemaRegistryNpmInteropTest:
//
//   node interop.js <registry url> <base64 of a record the Java side wrote in the Confluent wire format>
//
// It registers its own schema (as a Node.js producer would), encodes one record with it, decodes the
// Java record (fetching the writer schema by the id in it) and prints one JSON line:
//   {"id": <id node registered>, "encoded": "<base64 of node's record>", "decoded": {<the Java record>}}
// Any failure ends the process with code 1 and the reason on stderr.
'use strict';

const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

const NODE_SCHEMA = {
  type: 'record',
  name: 'NodeLog',
  namespace: 'com.example.node',
  fields: [
    { name: 'message', type: 'string' },
    { name: 'level', type: 'string' },
    { name: 'count', type: 'int' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};
const NODE_SUBJECT = 'logs.default.node-value';
const NODE_RECORD = { message: 'hello from node', level: 'info', count: 3, tags: ['a', 'b'] };

async function main() {
  const [url, javaRecordBase64] = process.argv.slice(2);
  if (!url || !javaRecordBase64) {
    throw new Error('usage: node interop.js <registry url> <base64 of a wire-format record>');
  }
  // No retries: a refusal must show at once, with the registry's message.
  const registry = new SchemaRegistry({ host: url, retry: { retries: 0 } });
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(NODE_SCHEMA) },
    { subject: NODE_SUBJECT },
  );
  const encoded = await registry.encode(id, NODE_RECORD);
  const decoded = await registry.decode(Buffer.from(javaRecordBase64, 'base64'));
  process.stdout.write(
    JSON.stringify({ id, encoded: encoded.toString('base64'), decoded }, (k, v) =>
      typeof v === 'bigint' ? v.toString() : v,
    ) + '\n',
  );
}

main().catch((error) => {
  process.stderr.write(`interop failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
