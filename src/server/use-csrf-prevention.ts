import type { Plugin } from 'graphql-yoga';

/**
 * Refuses POST requests a browser would send cross-site without a CORS
 * preflight — the "simple" media types `text/plain`,
 * `application/x-www-form-urlencoded` and `multipart/form-data` — with a 415
 * that says what to send (application/json). A page on another origin can
 * then reach the gateway only through a preflight, which the gateway does not
 * grant, so it cannot make a visitor's browser run operations.
 *
 * GET stays open, as GraphQL over HTTP requires: it runs queries only (yoga
 * answers a mutation over GET with 405), the gateway has no cookies or other
 * ambient credentials a browser would attach, and its responses are not
 * readable cross-origin. Multipart (file uploads) is switched off in yoga
 * altogether.
 */
const SIMPLE_MEDIA_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

export function useCsrfPrevention(): Plugin {
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method !== 'POST') return;
      const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!SIMPLE_MEDIA_TYPES.has(mediaType)) return;
      const message =
        `Content-Type "${mediaType}" is not accepted: browsers send it cross-site without a preflight. ` +
        'POST application/json ({"query": "…", "variables": {…}}) or GET with ?query=…';
      const body = { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] };
      endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 415, headers: { 'content-type': 'application/json' } }));
    },
  };
}
