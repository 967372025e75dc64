// The `base64` module: standard RFC 4648 alphabet with '=' padding; strict decoding (bad input -> Invalid).
// Decoded bytes come back as text when they are valid UTF-8, else as a binary string.
import { ModuleFailure, type ModuleSpec } from './module-spec.js';
import { asBuffer, bytesOrText, toBytes, typeName } from './bytes.js';

const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeBase64Strict(text: string): Uint8Array {
  const clean = text.replace(/[\r\n]/g, '');
  if (!STRICT.test(clean)) {
    const bad = /[^A-Za-z0-9+/=]/.exec(clean);
    throw new ModuleFailure('Invalid', bad ? `illegal base64 data: invalid character ${JSON.stringify(bad[0])} at offset ${bad.index}` : 'illegal base64 data: bad length or padding');
  }
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

export const base64Module: ModuleSpec = {
  name: 'base64',
  summary: 'Base64 encode/decode with the standard RFC 4648 alphabet and padding.',
  functions: {
    encode: (_ctx, data) => {
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new ModuleFailure('Invalid', `base64.encode: string expected, got ${typeName(data ?? null)}`);
      return asBuffer(toBytes(data)).toString('base64');
    },
    decode: (_ctx, data) => {
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new ModuleFailure('Invalid', `base64.decode: string expected, got ${typeName(data ?? null)}`);
      const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
      return bytesOrText(decodeBase64Strict(text));
    },
  },
};
