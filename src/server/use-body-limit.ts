import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Refuses request bodies over `maxBytes` with HTTP 413 (docs/errors.md): at once
 * when the declared Content-Length is over it (Node's HTTP parser never
 * delivers more body than the Content-Length says), and otherwise (chunked
 * bodies) by counting the bytes as the parser reads them and failing the
 * read at the first byte past the limit, so no
 * more than `maxBytes` of a body is ever held. Must come after yoga's request
 * parsers (user plugins do), whose parser it wraps.
 */
export interface BodyLimitPluginOptions {
  readonly maxBytes: number;
}

export function useBodyLimit(options: BodyLimitPluginOptions): Plugin {
  const tooLarge = () =>
    new GraphQLError(`Request body is larger than ${options.maxBytes} bytes.`, {
      extensions: { code: 'RESOURCE_LIMIT', http: { status: 413 } },
    });
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      const header = request.headers.get('content-length');
      if (header === null) return;
      const respond = (status: number, code: string, message: string) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
            status,
            headers: { 'content-type': 'application/json' },
          }),
        );
      // One non-negative integer only: anything else is a smuggling attempt or a broken client.
      if (!/^\d+$/.test(header)) return respond(400, 'BAD_REQUEST', 'Content-Length must be one non-negative integer.');
      if (Number(header) > options.maxBytes) respond(413, 'RESOURCE_LIMIT', `Request body is larger than ${options.maxBytes} bytes.`);
    },
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (!requestParser || request.body === null) return;
      // A body with a Content-Length (checked in onRequest) is cut at that
      // length by Node's HTTP parser, which reads any further bytes as the
      // next request: only bodies without one need counting. (Counting
      // through a web stream cost 5% of a small query's time.)
      if (request.headers.get('content-length') !== null) return;
      const parse = requestParser;
      setRequestParser((req) => {
        let read = 0;
        const counted = req.body!.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > options.maxBytes) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        const limited = new fetchAPI.Request(req.url, {
          method: req.method,
          headers: req.headers,
          signal: req.signal,
          body: counted,
          // @ts-expect-error Node's fetch needs it for a stream body; not in the DOM types
          duplex: 'half',
        });
        return parse(limited);
      });
    },
  };
}
