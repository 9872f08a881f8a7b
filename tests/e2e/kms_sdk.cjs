// The AWS SDK for JavaScript v3 (@aws-sdk/client-kms, unmodified) against keybroker's KMS API:
// GenerateDataKey with a Recipient → openssl cms -decrypt of CiphertextForRecipient equals the
// Plaintext a plain Decrypt of the same CiphertextBlob returns; Decrypt with a Recipient;
// Encrypt → Decrypt with an EncryptionContext (a wrong one fails); GenerateRandom with a
// Recipient; a tampered signature, a wrong secret and a stale date are refused.
//   node kms_sdk.cjs PORT CA_PEM ACCESS_KEY_JSON DOCUMENT INSTANCE_KEY_PEM WORK_DIR
'use strict';
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const kms = require('@aws-sdk/client-kms');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const [port, caFile, akFile, docFile, instanceKey, work] = process.argv.slice(2);
const ak = JSON.parse(fs.readFileSync(akFile, 'utf8'));
const recipient = {
  KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
  AttestationDocument: fs.readFileSync(docFile),
};

function client(overrides = {}) {
  return new kms.KMSClient({
    region: 'eu-west-1',
    endpoint: `https://127.0.0.1:${port}`,
    maxAttempts: 1,
    credentials: { accessKeyId: ak.access_key_id, secretAccessKey: ak.secret_access_key },
    requestHandler: new NodeHttpHandler({
      httpsAgent: new https.Agent({ ca: fs.readFileSync(caFile) }),
    }),
    ...overrides,
  });
}

function cmsDecrypt(der) {
  const file = path.join(work, 'cfr.der');
  fs.writeFileSync(file, der);
  return execFileSync('openssl', ['cms', '-decrypt', '-inform', 'DER', '-binary', '-in', file,
                                  '-inkey', instanceKey]);
}

function check(condition, what) {
  if (!condition) throw new Error('FAIL: ' + what);
}

async function refused(promise, name, what) {
  try {
    await promise;
  } catch (e) {
    check(e.name === name, `${what}: expected ${name}, got ${e.name}: ${e.message}`);
    return;
  }
  throw new Error(`FAIL: ${what} succeeded`);
}

async function main() {
  const c = client();
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/sdk-key';

  const made = await c.send(new kms.GenerateDataKeyCommand(
      { KeyId: 'alias/sdk-key', KeySpec: 'AES_256', Recipient: recipient }));
  check(made.Plaintext === undefined, 'GenerateDataKey with a Recipient returned Plaintext');
  check(made.KeyId === keyArn, `KeyId ${made.KeyId}`);
  const dataKey = cmsDecrypt(made.CiphertextForRecipient);
  check(dataKey.length === 32, 'the data key has 32 bytes');

  const plain = await c.send(new kms.DecryptCommand({ CiphertextBlob: made.CiphertextBlob }));
  check(Buffer.from(plain.Plaintext).equals(dataKey), 'Decrypt gives the recipient\'s data key');

  const viaRecipient = await c.send(new kms.DecryptCommand(
      { CiphertextBlob: made.CiphertextBlob, Recipient: recipient }));
  check(viaRecipient.Plaintext === undefined, 'Decrypt with a Recipient returned Plaintext');
  check(cmsDecrypt(viaRecipient.CiphertextForRecipient).equals(dataKey), 'Decrypt to a Recipient');

  const context = { tenant: 'a', stage: 'e2e' };
  const message = Buffer.from('attested hello');
  const sealed = await c.send(new kms.EncryptCommand(
      { KeyId: keyArn, Plaintext: message, EncryptionContext: context }));
  const opened = await c.send(new kms.DecryptCommand(
      { CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }));
  check(Buffer.from(opened.Plaintext).equals(message), 'Encrypt → Decrypt');
  await refused(c.send(new kms.DecryptCommand(
      { CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { tenant: 'b', stage: 'e2e' } })),
      'InvalidCiphertextException', 'a wrong EncryptionContext');

  const random = await c.send(new kms.GenerateRandomCommand(
      { NumberOfBytes: 48, Recipient: recipient }));
  check(random.Plaintext === undefined, 'GenerateRandom with a Recipient returned Plaintext');
  check(cmsDecrypt(random.CiphertextForRecipient).length === 48, 'GenerateRandom to a Recipient');

  const tampered = client();
  tampered.middlewareStack.add((next) => async (args) => {
    const h = args.request.headers;
    h.authorization = h.authorization.replace(/Signature=([0-9a-f])/,
        (m, d) => 'Signature=' + (d === '0' ? '1' : '0'));
    return next(args);
  }, { step: 'deserialize', name: 'tamperSignature' });
  await refused(tampered.send(new kms.ListKeysCommand({})), 'InvalidSignatureException',
                'a tampered signature');
  await refused(client({ credentials: { accessKeyId: ak.access_key_id,
                                        secretAccessKey: 'x'.repeat(40) } })
                    .send(new kms.ListKeysCommand({})),
                'InvalidSignatureException', 'a wrong secret');
  await refused(client({ systemClockOffset: -10 * 60 * 1000 }).send(new kms.ListKeysCommand({})),
                'InvalidSignatureException', 'a date 10 minutes old');
  console.log('kms with @aws-sdk/client-kms ok: 6 operations, 4 refusals');
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
