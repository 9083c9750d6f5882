import type { Plugin } from 'graphql-yoga';

/**
 * Answers a request whose body no parser accepts (e.g. `text/plain`, or no
 * Content-Type) with a 415 that says what to send; yoga's own 415 has an
 * empty body, and every error needs a code and a message (docs/errors.md). The code
 * is yoga's for malformed HTTP requests, as for a body that is not JSON.
 *
 * Must come after yoga's request parsers (which user plugins do), so that
 * `requestParser` is unset only when none of them matched.
 */
export function useMediaTypeError(): Plugin {
  return {
    onRequestParse({ request, requestParser, endResponse, fetchAPI }) {
      if (requestParser || request.method !== 'POST') return; // other methods: yoga's 405
      const given = request.headers.get('content-type');
      const message =
        `${given ? `Content-Type "${given.slice(0, 100)}" is` : 'A request without Content-Type is'} not supported: ` +
        'POST application/json ({"query": "…", "variables": {…}}) or GET with ?query=…';
      const body = { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] };
      endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 415, headers: { 'content-type': 'application/json' } }));
    },
  };
}
